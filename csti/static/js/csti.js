/* csti — small progressive enhancements. No inline scripts anywhere (CSP). */
(function () {
  "use strict";
  function announce(text) {
    var region = document.getElementById("live-messages");
    if (!region) { return; }
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text;
    region.replaceChildren(p);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    // Messages come translated from the server (data attributes on <body>).
    var text = (document.body.dataset.msgError || "Error") + " (" + xhr.status + ")";
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      // An error page's message, or a fragment's (e.g. a refused registration, 409).
      var msg = doc.querySelector(".error-page p, p.error");
      if (msg && msg.textContent.trim()) { text = msg.textContent.trim(); }
    } catch (e) { /* keep the fallback */ }
    announce(text);
  });
  document.addEventListener("htmx:sendError", function () {
    announce(document.body.dataset.msgOffline || "Offline");
  });
  // Put the focus on the element an htmx response asks for (data-autofocus), so keyboard
  // and screen-reader users land on what changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    var target = elt && elt.matches && elt.matches("[data-autofocus]") ? elt
      : elt && elt.querySelector ? elt.querySelector("[data-autofocus]") : null;
    if (target) { target.focus(); }
  });
  // --- polish: a page re-rendered after a failed submit starts from its error summary
  // (macros/forms.html form_errors), which is brought into view.
  var summary = document.querySelector(".form-errors[data-autofocus]");
  if (summary) { summary.focus(); }
  // --- polish: the header's menus (<details>) close on Escape — the focus back on their
  // summary — and on a click or a focus outside them. The phone's "Menu" disclosure pushes the
  // page down rather than floating over it: Escape folds it, an outside click leaves it.
  function menuOf(node) {
    if (!node || !node.closest) { return null; }
    var menu = node.closest("details.menu[open]");
    if (menu) { return menu; }
    var nav = node.closest(".main-nav");
    var disclosure = nav ? nav.previousElementSibling : node.closest("details.nav-disclosure");
    return disclosure && disclosure.matches("details.nav-disclosure[open]") ? disclosure : null;
  }
  function closeMenusOutside(target) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(target)) { menu.open = false; }
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = menuOf(document.activeElement);
    if (!menu) {
      menu = document.querySelector("details.menu[open]");
      if (!menu) { return; }
    }
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) { summary.focus(); }
    event.preventDefault();
  });
  document.addEventListener("click", function (event) { closeMenusOutside(event.target); });
  document.addEventListener("focusin", function (event) { closeMenusOutside(event.target); });
  // Wide screens show a list's filters whole (csti.css hides the "Filters (n)" summary); a
  // browser without ::details-content would keep them folded: open them there.
  function openFiltersOnWideScreens() {
    if (!window.matchMedia("(min-width: 52.01rem)").matches) { return; }
    document.querySelectorAll("details.filters-disclosure:not([open])").forEach(function (d) { d.open = true; });
  }
  openFiltersOnWideScreens();
  window.addEventListener("resize", openFiltersOnWideScreens);
})();

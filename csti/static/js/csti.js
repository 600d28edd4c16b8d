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
    var target = event.detail.elt && event.detail.elt.querySelector
      ? event.detail.elt.querySelector("[data-autofocus]") : null;
    if (target) { target.focus(); }
  });
})();

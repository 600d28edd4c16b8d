/* The "Embed" page (templates/embed/generator.html, docs/architecture.md §18): the preview and
   the code follow the fields as they change, and "Copy" copies the code. Without this script the
   form's button does the same by reloading the page. The server checks the fields (the same
   checks as the widgets'): this script asks it for the page the form would load and takes the
   new code, preview address and messages from it. No inline script (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("embed-form");
  var output = document.getElementById("embed-output");
  if (!form || !output) { return; }
  var timer = null;
  var pending = null;

  function query() {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function showCopy() {
    var button = document.getElementById("embed-copy");
    if (button) { button.hidden = false; }
  }

  function apply(doc, url) {
    var fresh = doc.getElementById("embed-output");
    if (!fresh) { return; }
    var frame = document.getElementById("embed-preview");
    var freshFrame = fresh.querySelector("#embed-preview");
    if (frame && freshFrame) {
      // Only what changed: reloading the frame at each key would flicker.
      document.getElementById("embed-snippet").value = fresh.querySelector("#embed-snippet").value;
      var link = document.getElementById("embed-url");
      var freshLink = fresh.querySelector("#embed-url");
      link.href = freshLink.href;
      link.textContent = freshLink.textContent;
      if (frame.getAttribute("src") !== freshFrame.getAttribute("src")) {
        frame.setAttribute("src", freshFrame.getAttribute("src"));
      }
      frame.setAttribute("height", freshFrame.getAttribute("height"));
      document.getElementById("embed-copy-status").textContent = "";
    } else {
      output.replaceChildren.apply(output, Array.prototype.slice.call(fresh.childNodes).map(function (node) {
        return document.importNode(node, true);
      }));
      showCopy();
    }
    history.replaceState(null, "", url);
  }

  function update() {
    var url = form.getAttribute("action") + "?" + query();
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(url, {signal: pending.signal, credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.text(); })
      .then(function (html) { apply(new DOMParser().parseFromString(html, "text/html"), url); })
      .catch(function () { /* aborted by a newer change, or offline: the button still works */ });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(update, 350);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);

  output.addEventListener("click", function (event) {
    var button = event.target.closest("#embed-copy");
    if (!button) { return; }
    var snippet = document.getElementById("embed-snippet");
    var status = document.getElementById("embed-copy-status");
    function done(ok) { status.textContent = ok ? button.dataset.copied : button.dataset.failed; }
    function fallback() {
      snippet.focus();
      snippet.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(snippet.value).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  });
  showCopy();
})();

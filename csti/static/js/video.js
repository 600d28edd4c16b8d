/* csti — a resource's video (templates/resources/_video.html): the player is loaded from its
   host only when the visitor asks. Without this script the link opens the video on its site. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.video-load[data-embed]");
    if (!link) { return; }
    var src = link.getAttribute("data-embed");
    if (!/^https:\/\//.test(src)) { return; }
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = src + (src.indexOf("?") < 0 ? "?" : "&") + "autoplay=1";
    frame.title = link.getAttribute("data-title") || link.textContent;
    frame.className = "video-frame";
    frame.setAttribute("allow", "autoplay; fullscreen; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.tabIndex = 0;
    link.replaceWith(frame);
    frame.focus();
  });
}());

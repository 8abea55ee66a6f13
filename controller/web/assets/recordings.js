// The cell page's console recordings: one asciinema-player per element with data-cast, set at
// data-start-at seconds (the ticket's opening) with that moment's screen shown before playing.
// The player's element is focusable and answers the keyboard (Space, arrows); its label is the
// element's data-label. Without the player's script the download links remain; a recording that
// cannot be loaded is said beside its player (data-msg-failed), not only in the console.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-cast]"));
  if (!boxes.length || !window.AsciinemaPlayer) return;
  boxes.forEach(function (box) {
    var at = Math.max(0, parseInt(box.getAttribute("data-start-at"), 10) || 0);
    window.AsciinemaPlayer.create(box.getAttribute("data-cast"), box, {
      startAt: at,
      preload: true,
      poster: "npt:" + at,
      fit: "width",
      terminalFontFamily: "DejaVu Sans Mono, monospace"
    });
    label(box);
  });

  // The player's tab stop (its terminal's text, tabindex=0) is where its keys are typed: give it
  // a role and a name, and the sentence saying where it starts. The player may draw it later.
  function label(box) {
    var stop = box.querySelector("[tabindex='0']");
    if (!stop) {
      var seen = new MutationObserver(function () {
        if (box.querySelector("[tabindex='0']")) { seen.disconnect(); label(box); }
      });
      seen.observe(box, { childList: true, subtree: true });
      return;
    }
    stop.setAttribute("role", "application");
    stop.setAttribute("aria-label", box.getAttribute("data-label") || "");
    if (box.hasAttribute("data-describedby")) stop.setAttribute("aria-describedby", box.getAttribute("data-describedby"));
  }
})();

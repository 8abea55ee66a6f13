// The trainer's session page, live: on every "session" event of /sessions/{s}/events (by the
// staff cookie), fetch the page again and swap in its candidates' rows and the session's state
// line (#session-state: state, labs ready). No timer: only the stream's events cause a fetch.
// The server-rendered page is complete without it; this only keeps it current and says so in #live.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-events");
  var table = document.getElementById("candidates");
  var live = document.getElementById("live");
  if (!url || !table || !window.EventSource || !window.fetch) return;
  // An event during a fetch is not dropped: one more fetch follows (else the last change, e.g.
  // the second lab's "ready" a few ms after the first's, would never reach the page).
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("candidates");
        if (fresh) table.tBodies[0].replaceWith(fresh.tBodies[0]);
        var state = document.getElementById("session-state");
        var freshState = doc.getElementById("session-state");
        if (state && freshState) state.replaceWith(freshState);
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var source = new EventSource(url, { withCredentials: true });
  source.addEventListener("open", function () {
    if (live && live.getAttribute("data-on")) live.textContent = live.getAttribute("data-on");
  });
  source.addEventListener("session", refresh);
})();

// The candidate workspace's little script: counts down every [data-countdown] element once a
// second, and reloads the page every data-refresh seconds while a reset or a check runs. The
// server-rendered text is correct without it; this only keeps it current.
(function () {
  "use strict";
  function two(v) { return (v < 10 ? "0" : "") + v; }
  function format(s) {
    s = Math.abs(s);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h > 0 ? h + " h " + two(m) + " min" : m + " min " + two(r) + " s";
  }
  var start = Date.now();
  var items = Array.prototype.map.call(document.querySelectorAll("[data-countdown]"), function (el) {
    var text = el.textContent, value = parseInt(el.getAttribute("data-countdown"), 10);
    // Keep the label before the duration ("Délai restant : "), replace only the duration.
    var cut = text.lastIndexOf(format(value));
    return { el: el, value: value, prefix: cut >= 0 ? text.slice(0, cut) : "" };
  });
  setInterval(function () {
    var elapsed = Math.floor((Date.now() - start) / 1000);
    items.forEach(function (it) { it.el.textContent = it.prefix + format(it.value - elapsed); });
  }, 1000);
  var refresh = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  if (refresh > 0) {
    // Drop ?done=... so that the notice of the action just started is not shown again.
    setTimeout(function () { window.location.replace(window.location.pathname); }, refresh * 1000);
  }
})();

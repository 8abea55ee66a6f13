// The evaluator's pages' little script: sorts the grid in place when a column heading is
// clicked (the headings are links to ?sort=, which the server honours without JavaScript),
// and shows the sheet's Print button. It makes no request of its own.
(function () {
  "use strict";
  var table = document.querySelector("table.sortable");
  if (table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, col) {
      var link = th.querySelector("a");
      if (!link || !th.hasAttribute("data-key")) return;
      link.addEventListener("click", function (ev) {
        ev.preventDefault();
        var desc = th.getAttribute("aria-sort") === "ascending" ||
                   (!th.hasAttribute("aria-sort") && th.getAttribute("data-key") !== "candidate");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-value"), y = b.cells[col].getAttribute("data-value");
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = isNaN(nx) || isNaN(ny) ? (x < y ? -1 : x > y ? 1 : 0) : nx - ny;
          if (c === 0) c = a.cells[0].textContent < b.cells[0].textContent ? -1 : 1;
          return desc ? -c : c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        history.replaceState(null, "", link.pathname + "?sort=" + encodeURIComponent(th.getAttribute("data-key")) +
                             (desc ? "&dir=desc" : ""));
      });
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();

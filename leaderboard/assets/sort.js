/* Sortable tables for the leaderboard: click a column header to sort by it, click again to
   reverse. Numbers sort by the cell's data-value; empty cells stay at the bottom either way.
   A link ending in #sort=KEY (or #sort=KEY:asc / #sort=KEY:desc) opens the page sorted by the
   column whose header has data-key="KEY" in the first table that has one. No network, no
   dependencies: the page works from file:// and any static host. */
(function () {
  "use strict";

  function cellValue(row, col) {
    var cell = row.cells[col];
    if (!cell) { return null; }
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    return raw === "" ? null : raw;
  }

  function sortBy(header) {
    var table = header.closest("table");
    var col = Number(header.getAttribute("data-col"));
    var numeric = header.getAttribute("data-type") === "number";
    var current = header.getAttribute("aria-sort");
    var direction;
    if (current === "descending") { direction = "ascending"; }
    else if (current === "ascending") { direction = "descending"; }
    else { direction = numeric ? "descending" : "ascending"; }
    Array.prototype.forEach.call(table.querySelectorAll("th[data-col]"), function (other) {
      other.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", direction);
    var sign = direction === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, col);
      var y = cellValue(b, col);
      if (x === null || y === null) { return (x === null) - (y === null); }
      if (numeric) { return sign * (Number(x) - Number(y)); }
      return sign * x.localeCompare(y);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.querySelectorAll("th[data-col]"), function (header) {
      header.tabIndex = 0;
      header.addEventListener("click", function () { sortBy(header); });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(header); }
      });
    });
  }

  function sortFromHash() {
    var match = /^#sort=([^:]+)(?::(asc|desc))?$/.exec(decodeURIComponent(window.location.hash));
    if (!match) { return; }
    var headers = document.querySelectorAll("table.sortable th[data-key]");
    var header = Array.prototype.find.call(headers, function (h) { return h.getAttribute("data-key") === match[1]; });
    if (!header) { return; }
    header.click();
    var wanted = match[2] === "asc" ? "ascending" : match[2] === "desc" ? "descending" : null;
    if (wanted && header.getAttribute("aria-sort") !== wanted) { header.click(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
  sortFromHash();
  window.addEventListener("hashchange", sortFromHash);
}());

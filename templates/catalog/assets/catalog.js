// The escodegen catalog's only script: search and filters on the index, the version picker
// on event pages. No request, no library; without it every page still reads.
(function () {
  "use strict";

  function indexFilters() {
    var form = document.getElementById("filters");
    if (!form) return;
    var search = document.getElementById("search");
    var aggregate = document.getElementById("filter-aggregate");
    var consumer = document.getElementById("filter-consumer");
    var status = document.getElementById("filter-status");
    var pii = document.getElementById("filter-pii");
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
    var others = Array.prototype.slice.call(document.querySelectorAll("tr[data-search-row]"));
    var count = document.getElementById("event-count");
    var none = document.getElementById("no-match");

    function apply() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var matches = function (row) {
        var text = row.getAttribute("data-search");
        return words.every(function (w) { return text.indexOf(w) !== -1; });
      };
      var shown = 0;
      rows.forEach(function (row) {
        var ok = matches(row) &&
          (!aggregate.value || row.getAttribute("data-aggregate") === aggregate.value) &&
          (!consumer.value || row.getAttribute("data-consumers").indexOf(" " + consumer.value + " ") !== -1) &&
          (!status.value || row.getAttribute("data-status") === status.value) &&
          (!pii.checked || row.getAttribute("data-pii") === "yes");
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      others.forEach(function (row) { row.hidden = !matches(row); });
      count.textContent = shown + " of " + rows.length;
      none.hidden = shown !== 0;
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    apply();
  }

  function versionPicker() {
    var picker = document.getElementById("diff-picker");
    if (!picker) return;
    var oldVersion = document.getElementById("diff-old");
    var newVersion = document.getElementById("diff-new");
    var same = document.getElementById("diff-same");
    var swapped = document.getElementById("diff-swapped");
    var diffs = Array.prototype.slice.call(document.querySelectorAll("div.diff"));

    function apply() {
      var a = Number(oldVersion.value), b = Number(newVersion.value);
      // Each pair is drawn once, older to newer.
      var wanted = "diff-" + Math.min(a, b) + "-" + Math.max(a, b);
      diffs.forEach(function (diff) { diff.hidden = diff.id !== wanted; });
      same.hidden = a !== b;
      swapped.hidden = !(a > b);
    }

    picker.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    indexFilters();
    versionPicker();
  });
})();

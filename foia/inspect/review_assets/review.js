// foia review site behaviour. Plain script (no modules, no fetch): pages open from file://.
(function () {
  "use strict";

  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Page view: a cell on the image and its cell in the table light up together.
  function pairHighlight() {
    all("[data-cell]").forEach(function (el) {
      el.addEventListener("mouseenter", function () { mark("data-cell", el.dataset.cell, "hl", true); });
      el.addEventListener("mouseleave", function () { mark("data-cell", el.dataset.cell, "hl", false); });
      el.addEventListener("click", function () {
        // a cell on the image finds its row through its twin in the table
        var twin = el.closest("tr") ? el : document.querySelector(
          'td[data-cell="' + CSS.escape(el.dataset.cell) + '"]');
        var tr = twin && twin.closest("tr[data-record]");
        var rec = el.dataset.record || (tr && tr.dataset.record);
        if (rec) { focusRecord(rec, !el.closest("tr")); }
      });
    });
  }

  function mark(attr, value, cls, on) {
    all("[" + attr + '="' + CSS.escape(value) + '"]').forEach(function (x) { x.classList.toggle(cls, on); });
  }

  function focusRecord(rec, scroll) {
    all(".focus").forEach(function (x) { x.classList.remove("focus"); });
    var box = document.getElementById("r-" + rec);
    all('tr[data-record="' + CSS.escape(rec) + '"]').forEach(function (x) { x.classList.add("focus"); });
    if (box) {
      box.classList.add("focus");
      if (scroll) { box.scrollIntoView({ block: "center" }); }
    }
    if (history.replaceState) { history.replaceState(null, "", "#r=" + rec); }
  }

  function fromHash() {
    var m = /#r=([^&]+)/.exec(location.hash);
    if (m) { focusRecord(decodeURIComponent(m[1]), true); }
  }

  // Rows view: filters over window.FOIA_ROWS, at most LIMIT rows drawn at a time.
  var LIMIT = 500;

  function rowsView() {
    var table = document.getElementById("rows");
    if (!table || !window.FOIA_ROWS) { return; }
    var data = window.FOIA_ROWS, keys = ["document", "status", "state", "county", "category"];
    var selects = {};
    keys.forEach(function (k) {
      var sel = document.getElementById("f-" + k);
      var values = {};
      data.forEach(function (r) {
        (k === "category" ? r.categories : [r[k]]).forEach(function (v) { if (v) { values[v] = 1; } });
      });
      Object.keys(values).sort().forEach(function (v) {
        var o = document.createElement("option"); o.value = v; o.textContent = v; sel.appendChild(o);
      });
      sel.addEventListener("change", draw);
      selects[k] = sel;
    });
    var more = document.getElementById("more");
    more.addEventListener("click", function () { LIMIT += 500; draw(); });

    function keep(r) {
      return keys.every(function (k) {
        var want = selects[k].value;
        if (!want) { return true; }
        return k === "category" ? r.categories.indexOf(want) >= 0 : r[k] === want;
      });
    }

    function draw() {
      var body = table.tBodies[0];
      body.textContent = "";
      var shown = 0, total = 0;
      data.forEach(function (r) {
        if (!keep(r)) { return; }
        total += 1;
        if (shown >= LIMIT) { return; }
        shown += 1;
        var tr = document.createElement("tr");
        tr.dataset.record = r.id;
        tr.className = "st-" + r.status;
        var link = document.createElement("a");
        link.href = r.href; link.textContent = r.id; link.className = "row-link";
        link.dataset.record = r.id;
        var first = document.createElement("td"); first.appendChild(link); tr.appendChild(first);
        [r.status, r.document, r.page, r.county, r.state, r.categories.join("; "), r.values, r.reasons]
          .forEach(function (v) { var td = document.createElement("td"); td.textContent = v == null ? "" : v; tr.appendChild(td); });
        body.appendChild(tr);
      });
      document.getElementById("count").textContent = shown + " of " + total + " shown";
      more.hidden = shown >= total;
    }
    draw();
  }

  document.addEventListener("DOMContentLoaded", function () {
    pairHighlight();
    rowsView();
    fromHash();
    window.addEventListener("hashchange", fromHash);
  });
})();

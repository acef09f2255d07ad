// Site behaviour without inline scripts (the CSP forbids them):
// theme toggle, mobile menu, client-side sortable tables, copy buttons, import-job progress.
(function () {
  "use strict";
  var root = document.documentElement;

  function effectiveTheme() {
    return window.llmTheme ? window.llmTheme() : "light";
  }

  // ---------- theme ----------
  function initThemeToggle() {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) { return; }
    var label = toggle.querySelector(".visually-hidden");
    function sync() {
      var dark = effectiveTheme() === "dark";
      toggle.setAttribute("aria-pressed", dark ? "true" : "false");
      toggle.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
      if (label) { label.textContent = "Dark theme"; }
    }
    toggle.addEventListener("click", function () {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem("theme", next); } catch (e) { /* not persisted; still switched */ }
      sync();
      document.dispatchEvent(new CustomEvent("themechange", { detail: { theme: next } }));
    });
    // Following the OS (no saved choice): redraw charts when the OS switches.
    if (window.matchMedia) {
      var media = window.matchMedia("(prefers-color-scheme: dark)");
      var onChange = function () {
        if (root.getAttribute("data-theme") === "auto") {
          sync();
          document.dispatchEvent(new CustomEvent("themechange", { detail: { theme: effectiveTheme() } }));
        }
      };
      if (media.addEventListener) { media.addEventListener("change", onChange); }
    }
    sync();
  }

  // ---------- mobile menu ----------
  function initMenu() {
    var button = document.querySelector("[data-menu-toggle]");
    var header = document.querySelector("[data-site-header]");
    if (!button || !header) { return; }
    button.addEventListener("click", function () {
      var open = header.classList.toggle("nav-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("nav-open")) {
        header.classList.remove("nav-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  // ---------- sortable tables ----------
  // Opt-in with <table data-sortable="client">. Cells may carry data-sort-value for a raw value
  // (numbers shown as "7.2B" or "32K" sort by their number). Tables sorted by the server
  // (data-sortable="server") keep their links instead.
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var raw = cell.getAttribute("data-sort-value");
    return raw !== null ? raw : cell.textContent.trim();
  }
  function asNumber(text) {
    if (text === "" || text === "–" || text === "-") { return null; }
    var cleaned = text.replace(/[,\s%]/g, "").replace(/^[~≈$]/, "");
    var match = cleaned.match(/^(-?\d+(?:\.\d+)?)([KMBkmb]?)/);
    if (!match) { return NaN; }
    var value = parseFloat(match[1]);
    var unit = match[2].toUpperCase();
    if (unit === "K") { value *= 1e3; } else if (unit === "M") { value *= 1e6; } else if (unit === "B") { value *= 1e9; }
    return value;
  }
  function sortTable(table, index, th) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return !r.hasAttribute("data-sort-fixed"); });
    var numeric = rows.every(function (r) { var n = asNumber(cellValue(r, index)); return n === null || !isNaN(n); });
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var result;
      if (numeric) {
        var nx = asNumber(x), ny = asNumber(y);
        // Blanks go last whichever way the column is sorted.
        if (nx === null && ny === null) { return 0; }
        if (nx === null) { return 1; }
        if (ny === null) { return -1; }
        result = nx - ny;
      } else {
        result = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
      }
      return ascending ? result : -result;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  function initSortable() {
    document.querySelectorAll('table[data-sortable="client"]').forEach(function (table) {
      if (!table.tHead || !table.tHead.rows.length) { return; }
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        if (th.hasAttribute("data-nosort") || !th.textContent.trim()) { return; }
        var button = document.createElement("button");
        button.type = "button";
        while (th.firstChild) { button.appendChild(th.firstChild); }
        th.appendChild(button);
        th.setAttribute("data-sort-key", String(index));
        button.addEventListener("click", function () { sortTable(table, index, th); });
      });
    });
  }

  // ---------- copy buttons ----------
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    // Plain-http deployments have no async clipboard; fall back to a hidden textarea.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy") ? resolve() : reject(new Error("copy refused")); }
      catch (e) { reject(e); }
      finally { document.body.removeChild(area); }
    });
  }
  function initCopy() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
      if (!button) { return; }
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) { return; }
      var original = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", original);
      copyText(target.textContent).then(function () {
        button.textContent = "Copied";
        button.classList.add("copied");
      }, function () {
        button.textContent = "Press Ctrl+C";
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }).then(function () {
        window.setTimeout(function () { button.textContent = original; button.classList.remove("copied"); }, 1800);
      });
    });
  }

  // ---------- import job progress ----------
  var ITEM_BADGES = { imported: "badge-ok", updated: "badge-ok", unchanged: "badge-muted", failed: "badge-bad",
                      quarantined: "badge-bad", pending: "badge-muted", running: "badge-warn" };
  function setText(el, selector, text) {
    var node = el.querySelector(selector);
    if (node) { node.textContent = text; }
  }
  function renderItems(table, items) {
    if (!table || !items) { return; }
    items.forEach(function (item) {
      var row = table.querySelector('tr[data-item="' + item.position + '"]');
      if (!row) { return; }
      var badge = row.querySelector("[data-item-status]");
      if (badge) {
        badge.textContent = item.status_label;
        badge.className = "badge " + (ITEM_BADGES[item.status] || "badge-muted");
      }
      var model = row.querySelector("[data-item-model]");
      if (model && item.model_url) {
        model.textContent = "";
        var link = document.createElement("a");
        link.href = item.model_url;
        link.textContent = item.model;
        model.appendChild(link);
      }
      var details = row.querySelector("[data-item-details]");
      if (details && (item.error || (item.warnings && item.warnings.length))) {
        details.textContent = "";
        if (item.error) {
          var error = document.createElement("div");
          error.className = "error-text";
          error.textContent = item.error;
          details.appendChild(error);
        }
        (item.warnings || []).forEach(function (w) {
          var line = document.createElement("div");
          line.className = "muted";
          line.textContent = "⚠ " + w;
          details.appendChild(line);
        });
      }
    });
  }
  function pollJob(el) {
    var url = el.getAttribute("data-job-status");
    var table = document.querySelector("[data-job-items]");
    var delay = 700;
    function tick() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (s) {
          var bar = el.querySelector(".progress > div");
          if (bar) { bar.style.width = s.percent + "%"; }
          var meter = el.querySelector("[role=progressbar]");
          if (meter) { meter.setAttribute("aria-valuenow", String(s.percent)); }
          setText(el, "[data-count=processed]", s.processed + " / " + s.total);
          setText(el, "[data-count=succeeded]", String(s.succeeded));
          setText(el, "[data-count=unchanged]", String(s.unchanged));
          setText(el, "[data-count=failed]", String(s.failed));
          setText(el, "[data-count=warnings]", String(s.warnings));
          var status = document.querySelector("[data-testid=job-status]");
          if (status) {
            status.textContent = s.status_label;
            status.className = "badge " + (s.status === "done" ? "badge-ok" : s.status === "failed" ? "badge-bad" : "badge-warn");
          }
          el.setAttribute("data-status", s.status);
          renderItems(table, s.items);
          if (s.finished) {
            el.setAttribute("data-finished", "true");
            var note = document.querySelector("[data-job-finished-note]");
            if (note) { note.hidden = false; }
          } else {
            // Back off gently on long batches so a forgotten tab does not hammer the server.
            delay = Math.min(delay * 1.25, 5000);
            window.setTimeout(tick, delay);
          }
        })
        .catch(function () { window.setTimeout(tick, 4000); });
    }
    if (el.getAttribute("data-finished") !== "true") { window.setTimeout(tick, 300); }
  }

  function init() {
    initThemeToggle();
    initMenu();
    initSortable();
    initCopy();
    var job = document.querySelector("[data-job-status]");
    if (job) { pollJob(job); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

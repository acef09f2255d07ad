// Site behaviour without inline scripts (the CSP forbids them): theme toggle, import progress.
(function () {
  "use strict";
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("theme"); } catch (e) { /* storage may be disabled */ }
  if (saved === "light" || saved === "dark") { root.setAttribute("data-theme", saved); }

  function currentTheme() {
    var t = root.getAttribute("data-theme");
    if (t === "auto") { return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"; }
    return t;
  }
  window.llmTheme = currentTheme;

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var next = currentTheme() === "dark" ? "light" : "dark";
        root.setAttribute("data-theme", next);
        try { localStorage.setItem("theme", next); } catch (e) { /* ignore */ }
        document.dispatchEvent(new CustomEvent("themechange"));
      });
    }
    var job = document.querySelector("[data-job-status]");
    if (job) { pollJob(job); }
  });

  function pollJob(el) {
    var url = el.getAttribute("data-job-status");
    function tick() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var bar = el.querySelector(".progress > div");
          if (bar) { bar.style.width = s.percent + "%"; }
          var text = el.querySelector("[data-progress-text]");
          if (text) {
            text.textContent = s.processed + " of " + s.total + " processed · " + s.succeeded + " imported · " +
              s.unchanged + " unchanged · " + s.failed + " failed · status " + s.status;
          }
          el.setAttribute("data-status", s.status);
          if (s.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    if (el.getAttribute("data-finished") !== "true") { window.setTimeout(tick, 500); }
  }
})();

// Loaded synchronously in <head> (not deferred) so the saved theme applies before first paint.
// The CSP forbids inline scripts, hence a file of its own. app.js owns the toggle button.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var saved = null;
  try { saved = window.localStorage.getItem("theme"); } catch (e) { /* storage disabled: follow the OS */ }
  if (saved === "light" || saved === "dark") { root.setAttribute("data-theme", saved); }

  // The effective theme ("light" or "dark"), for charts.js and the toggle.
  window.llmTheme = function () {
    var t = root.getAttribute("data-theme");
    if (t === "light" || t === "dark") { return t; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  };
})();

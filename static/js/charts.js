// Draw every server-built Plotly figure on the page. Figures arrive as JSON in
// <script type="application/json"> tags (data, not code), so the CSP can forbid inline scripts.
(function () {
  "use strict";
  function themed(layout) {
    var dark = window.llmTheme && window.llmTheme() === "dark";
    var copy = Object.assign({}, layout || {});
    copy.paper_bgcolor = "rgba(0,0,0,0)";
    copy.plot_bgcolor = "rgba(0,0,0,0)";
    copy.font = Object.assign({}, copy.font || {}, { color: dark ? "#e7eaee" : "#1c1f24" });
    copy.autosize = true;
    delete copy.template;
    return copy;
  }
  function render() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".plotly-chart[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(el, figure.data || [], themed(figure.layout), { responsive: true, displaylogo: false });
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("themechange", render);
})();

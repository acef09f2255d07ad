// Draws every server-built Plotly figure on the page: <div class="plotly-chart" data-figure="ID">
// reads the JSON figure in <script type="application/json" id="ID"> (data, not code, so the CSP can
// forbid inline scripts) and hands it to Plotly. Colours follow the light/dark theme and redraw on
// "themechange" (fired by app.js).
// A container with data-figures-url gets its figures afterwards, from that URL's JSON
// ({"KEY": figure}): its <div data-figure="chart-KEY"> placeholders are drawn from it, and the
// ones the JSON leaves out (no data for that chart) are removed.
(function () {
  "use strict";
  var PALETTE = {
    light: { text: "#1b1f24", muted: "#5b6675", grid: "#e6e9ee", line: "#c5ccd5", hover: "#ffffff" },
    dark: { text: "#e6e9ee", muted: "#9aa4b2", grid: "#2a2f38", line: "#3a414d", hover: "#1e222a" }
  };

  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      var value = source[key];
      if (value && typeof value === "object" && !Array.isArray(value)) {
        target[key] = merge(Object.assign({}, target[key] || {}), value);
      } else {
        target[key] = value;
      }
    });
    return target;
  }

  function themedAxis(axis, colors) {
    return merge(Object.assign({}, axis || {}), {
      gridcolor: colors.grid, linecolor: colors.line, zerolinecolor: colors.line,
      tickfont: { color: colors.muted }, title: { font: { color: colors.muted } }
    });
  }

  function themed(layout) {
    var colors = PALETTE[window.llmTheme ? window.llmTheme() : "light"] || PALETTE.light;
    var copy = JSON.parse(JSON.stringify(layout || {}));
    // The server's plotly template carries its own light colours; the page theme decides instead.
    delete copy.template;
    copy.paper_bgcolor = "rgba(0,0,0,0)";
    copy.plot_bgcolor = "rgba(0,0,0,0)";
    copy.autosize = true;
    copy.font = merge(copy.font || {}, { color: colors.text });
    copy.hoverlabel = merge(copy.hoverlabel || {}, { bgcolor: colors.hover, font: { color: colors.text } });
    copy.legend = merge(copy.legend || {}, { font: { color: colors.text } });
    if (copy.title && typeof copy.title === "object") { copy.title = merge(copy.title, { font: { color: colors.text } }); }
    Object.keys(copy).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) { copy[key] = themedAxis(copy[key], colors); }
    });
    if (!copy.xaxis) { copy.xaxis = themedAxis({}, colors); }
    if (!copy.yaxis) { copy.yaxis = themedAxis({}, colors); }
    if (copy.polar) {
      copy.polar = merge(copy.polar, { bgcolor: "rgba(0,0,0,0)",
        radialaxis: { gridcolor: colors.grid, linecolor: colors.line, tickfont: { color: colors.muted } },
        angularaxis: { gridcolor: colors.grid, linecolor: colors.line, tickfont: { color: colors.text } } });
    }
    return copy;
  }

  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };

  function figureOf(el) {
    if (el.llmFigure) { return el.llmFigure; }
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function draw(el, redraw) {
    var figure = figureOf(el);
    if (!figure) { return; }
    var fallback = el.querySelector(".chart-fallback");
    if (fallback) { fallback.remove(); }
    var layout = themed(figure.layout);
    if (redraw) {
      window.Plotly.react(el, figure.data || [], layout, CONFIG);
    } else {
      window.Plotly.newPlot(el, figure.data || [], layout, CONFIG);
    }
  }

  function renderAll(redraw) {
    if (!window.Plotly) {
      document.querySelectorAll(".plotly-chart .chart-fallback").forEach(function (p) {
        p.textContent = "The chart library did not load; the table on this page has the same data.";
      });
      return;
    }
    document.querySelectorAll(".plotly-chart[data-figure]").forEach(function (el) { draw(el, redraw); });
  }

  function say(container, text) {
    container.querySelectorAll(".plotly-chart .chart-fallback").forEach(function (p) { p.textContent = text; });
  }

  function fetchFigures(container) {
    fetch(container.getAttribute("data-figures-url"), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (figures) {
        container.querySelectorAll(".plotly-chart[data-figure]").forEach(function (el) {
          var key = el.getAttribute("data-figure").replace(/^chart-/, "");
          if (figures[key]) {
            el.llmFigure = figures[key];
            if (window.Plotly) { draw(el, false); }
          } else {
            (el.closest("figure") || el).remove();
          }
        });
        if (!window.Plotly) { renderAll(false); }
      })
      .catch(function () { say(container, "The chart data did not load; the table on this page has the same data."); });
  }

  function start() {
    renderAll(false);
    document.querySelectorAll("[data-figures-url]").forEach(fetchFigures);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
  document.addEventListener("themechange", function () { renderAll(true); });
})();

/* Draws every chart of the page with Plotly (self-hosted bundle, loaded before this file).
 *
 * Markup (see templates/_charts.html):
 *   <div class="chart" id="ID" role="img" aria-label="..."></div>
 *   <script type="application/json" id="ID-data">{"data": [...], "layout": {...}}</script>
 * Each drawn chart gets data-drawn="true"; a chart whose JSON cannot be read gets
 * data-drawn="false" and keeps its data table, which always carries the same figures.
 * Before printing, charts are redrawn at a fixed width so that they fit an A4 page: PRINT_WIDTH,
 * or the data-print-width (and data-print-height) of an enclosing element, for a chart that
 * shares its line with its table on paper.
 * A chart with data-download="NAME" (the dashboard's) shows Plotly's mode bar with its one
 * "download as PNG" button, saving NAME.png; the button is reachable and named for the keyboard.
 */
(function () {
  "use strict";

  var PRINT_WIDTH = 640; // CSS pixels: about 17 cm, the text width of an A4 page
  var MIN_POLAR_HEIGHT = 240;
  var lang = (document.documentElement.getAttribute("lang") || "fr").slice(0, 2);
  var config = {
    responsive: true,
    displaylogo: false,
    locale: lang === "fr" ? "fr" : "en",
    // A chart is one image (role="img") for assistive technologies: it must hold no control,
    // so no mode bar; its data table gives the figures to everyone.
    displayModeBar: false
  };

  function readFigure(el) {
    var source = document.getElementById(el.getAttribute("data-figure") || el.id + "-data");
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  // A radar keeps its circle round: on a narrow screen, drop the height the circle cannot use.
  function fitPolar(el, layout) {
    if (!layout.polar || !layout.height) {
      return;
    }
    var margin = layout.margin || {};
    var side = el.clientWidth - (margin.l || 0) - (margin.r || 0);
    var needed = side + (margin.t || 0) + (margin.b || 0) + 16;
    if (side > 0 && needed < layout.height) {
      layout.height = Math.max(needed, MIN_POLAR_HEIGHT);
    }
  }

  function configOf(el) {
    var name = el.getAttribute("data-download");
    if (!name) {
      return config;
    }
    var own = {};
    Object.keys(config).forEach(function (key) {
      own[key] = config[key];
    });
    own.displayModeBar = true;
    own.modeBarButtons = [["toImage"]];
    own.toImageButtonOptions = { format: "png", filename: name, scale: 2 };
    return own;
  }

  // Plotly's mode bar buttons are plain <a> elements: make them buttons a keyboard can use.
  function labelButtons(el) {
    Array.prototype.forEach.call(el.querySelectorAll(".modebar-btn"), function (button) {
      button.setAttribute("role", "button");
      button.setAttribute("tabindex", "0");
      button.setAttribute("aria-label", button.getAttribute("data-title") || "PNG");
      button.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          button.click();
        }
      });
    });
  }

  function draw(el) {
    var figure = readFigure(el);
    if (!figure || !window.Plotly) {
      el.setAttribute("data-drawn", "false");
      return;
    }
    figure.layout = figure.layout || {};
    fitPolar(el, figure.layout);
    window.Plotly.newPlot(el, figure.data || [], figure.layout || {}, configOf(el)).then(
      function () {
        labelButtons(el);
        el.setAttribute("data-drawn", "true");
      },
      function () {
        el.setAttribute("data-drawn", "false");
      }
    );
  }

  function charts() {
    return Array.prototype.slice.call(document.querySelectorAll(".chart"));
  }

  function drawn() {
    return charts().filter(function (el) {
      return el.getAttribute("data-drawn") === "true";
    });
  }

  function printSize(el) {
    var holder = el.closest("[data-print-width]");
    var figure = readFigure(el) || {};
    var height = (figure.layout || {}).height || null;
    if (!holder) {
      return { width: PRINT_WIDTH, height: height };
    }
    return {
      width: Number(holder.getAttribute("data-print-width")) || PRINT_WIDTH,
      height: Number(holder.getAttribute("data-print-height")) || height
    };
  }

  function beforePrint() {
    drawn().forEach(function (el) {
      var size = printSize(el);
      window.Plotly.relayout(el, { width: size.width, height: size.height, autosize: false });
    });
  }

  function afterPrint() {
    drawn().forEach(function (el) {
      var figure = readFigure(el) || {};
      var height = (figure.layout || {}).height || null;
      window.Plotly.relayout(el, { width: null, height: height, autosize: true });
    });
  }

  function init() {
    charts().forEach(draw);
    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

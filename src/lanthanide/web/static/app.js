// lanthanide web: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  function charts() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) return;
      var spec = JSON.parse(src.textContent);
      Plotly.newPlot(el, spec.data, spec.layout || {}, { displaylogo: false, responsive: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    charts();
    // focus the first field in error so keyboard users land on it
    var bad = document.querySelector("[aria-invalid=true]");
    if (bad) bad.focus();
  });
})();

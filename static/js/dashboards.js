/* Dashboard charts: the data comes from the page's json_script (the same numbers as the
 * tables under each chart); no inline script, so a strict CSP holds. */
(function () {
  "use strict";
  function init() {
    var source = document.getElementById("dashboard-charts");
    if (!source || !window.echarts) { return; }
    var specs = JSON.parse(source.textContent);
    var colors = ["#b22222", "#d9822b", "#2f6db5", "#6c757d", "#198754", "#6f42c1"];
    var charts = [];
    specs.forEach(function (spec) {
      var node = document.getElementById("chart-" + spec.id);
      if (!node || spec.empty) { return; }
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption({
        color: colors,
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 48, right: 16, top: 36, bottom: 40 },
        xAxis: { type: "category", data: spec.categories, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", name: spec.unit, min: 0, max: spec.percent ? 100 : null },
        series: spec.series.map(function (s) {
          return {
            name: s.name,
            type: spec.kind === "line" ? "line" : "bar",
            stack: spec.stack ? "total" : null,
            connectNulls: false,
            data: s.data
          };
        })
      });
      node.setAttribute("data-rendered", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

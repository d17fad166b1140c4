/* The report centre's charts (ECharts), drawn from the page's JSON block #report-data —
   the same numbers as the tables beside them. No inline script or style: CSP allows
   neither, so the data is a <script type="application/json"> and the sizes are in
   reports.css. */
(function () {
  "use strict";

  var COLORS = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"];
  var SATISFACTION_COLORS = {
    very_satisfied: "#198754", satisfied: "#20c997", neutral: "#ffc107", dissatisfied: "#dc3545"
  };
  // the tooltip is drawn on the canvas: ECharts' HTML tooltip carries style="…" attributes,
  // which the Content-Security-Policy (style-src 'self') blocks
  var TOOLTIP = { renderMode: "richText", confine: true };

  function data() {
    var block = document.getElementById("report-data");
    if (!block) { return null; }
    try {
      return JSON.parse(block.textContent);
    } catch (e) {
      return null;
    }
  }

  function chart(id) {
    var box = document.getElementById(id);
    if (!box || typeof echarts === "undefined") { return null; }
    return echarts.getInstanceByDom(box) || echarts.init(box, null, { renderer: "canvas" });
  }

  function trend(t) {
    var c = chart("chart-trend");
    if (!c || !t) { return; }
    c.setOption({
      animation: false,
      color: ["#0d6efd", "#198754", "#dc3545"],
      tooltip: Object.assign({ trigger: "axis" }, TOOLTIP),
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: t.labels, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: t.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, showSymbol: t.labels.length <= 40 };
      })
    }, true);
  }

  function satisfaction(items) {
    var c = chart("chart-satisfaction");
    if (!c || !items) { return; }
    var total = items.reduce(function (n, i) { return n + i.value; }, 0);
    c.setOption({
      animation: false,
      tooltip: Object.assign({ trigger: "item", formatter: "{b}: {c} ({d}%)" }, TOOLTIP),
      legend: { bottom: 0 },
      title: total ? undefined : { text: "—", left: "center", top: "middle" },
      series: [{
        type: "pie",
        radius: ["40%", "70%"],
        center: ["50%", "45%"],
        label: { formatter: "{b}\n{c}" },
        data: items.filter(function (i) { return i.value > 0; }).map(function (i) {
          return { name: i.name, value: i.value, itemStyle: { color: SATISFACTION_COLORS[i.code] } };
        })
      }]
    }, true);
  }

  function breakdown(b) {
    var c = chart("chart-breakdown");
    if (!c || !b) { return; }
    var line = b.period;
    c.setOption({
      animation: false,
      color: COLORS,
      tooltip: Object.assign({ trigger: "axis", axisPointer: { type: line ? "line" : "shadow" } }, TOOLTIP),
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: b.labels,
        axisLabel: {
          interval: 0,
          rotate: b.labels.length > 8 ? 30 : 0,
          width: b.labels.length > 8 ? 140 : Math.max(80, Math.floor(900 / b.labels.length)),
          overflow: "truncate"
        }
      },
      yAxis: { type: "value", name: b.unit, minInterval: b.unit === "件" ? 1 : 0 },
      series: b.series.map(function (s) {
        return {
          name: s.name,
          type: line ? "line" : "bar",
          stack: b.stacked ? "n" : undefined,
          data: s.data
        };
      })
    }, true);
  }

  function draw() {
    var d = data();
    if (!d) { return; }
    trend(d.trend);
    satisfaction(d.satisfaction);
    breakdown(d.breakdown);
  }

  document.addEventListener("DOMContentLoaded", draw);
  window.addEventListener("resize", function () {
    ["chart-trend", "chart-satisfaction", "chart-breakdown"].forEach(function (id) {
      var box = document.getElementById(id);
      var c = box && typeof echarts !== "undefined" && echarts.getInstanceByDom(box);
      if (c) { c.resize(); }
    });
  });
})();

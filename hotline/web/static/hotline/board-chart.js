/* The coordinator board's chart: a stacked bar per stage, drawn from the stage table on
   the page (one source of numbers), redrawn when htmx swaps the board after a filter. */
(function () {
  "use strict";

  function draw() {
    var box = document.getElementById("stage-chart");
    var table = document.getElementById("stage-counts");
    if (!box || !table || typeof echarts === "undefined") {
      return;
    }
    var heads = table.querySelectorAll("thead th");
    var rows = table.querySelectorAll("tbody tr[id^='stage-']");
    if (rows.length === 0) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    // room for the tooltip too: it is drawn on the canvas (below), so it cannot stick out
    box.style.height = Math.max(rows.length * 34 + 64, 150) + "px";
    var stages = [];
    var columns = { overdue: [], due_soon: [], rest: [] };
    rows.forEach(function (row) {
      var cell = function (name) {
        return Number(row.querySelector("[data-count='" + name + "']").textContent) || 0;
      };
      stages.push(row.cells[0].textContent.trim());
      columns.overdue.push(cell("overdue"));
      columns.due_soon.push(cell("due_soon"));
      columns.rest.push(Math.max(0, cell("total") - cell("overdue") - cell("due_soon")));
    });
    var label = function (i) { return heads[i] ? heads[i].textContent.trim() : ""; };
    var chart = echarts.getInstanceByDom(box) || echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      // drawn on the canvas, inside it: the HTML tooltip's markup carries style="…"
      // attributes, which the Content-Security-Policy (style-src 'self') blocks
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: stages, inverse: true },
      series: [
        { name: label(2), type: "bar", stack: "n", data: columns.overdue, itemStyle: { color: "#dc3545" } },
        { name: label(3), type: "bar", stack: "n", data: columns.due_soon, itemStyle: { color: "#fd7e14" } },
        { name: box.dataset.restLabel || label(1), type: "bar", stack: "n", data: columns.rest,
          itemStyle: { color: "#0d6efd" } }
      ]
    }, true);
    chart.resize();
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", function () {
    var box = document.getElementById("stage-chart");
    var chart = box && typeof echarts !== "undefined" && echarts.getInstanceByDom(box);
    if (chart) { chart.resize(); }
  });
})();

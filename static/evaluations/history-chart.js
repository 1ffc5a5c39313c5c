/* A unit's monthly scores as a line chart (vendored ECharts, no inline script). */
(function () {
  "use strict";
  var el = document.querySelector("[data-history-chart]");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(el.getAttribute("data-chart"));
  if (!data.months.length) { el.textContent = data.labels.empty; return; }
  var chart = window.echarts.init(el);
  chart.setOption({
    grid: { left: 40, right: 16, top: 24, bottom: 40 },
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var i = items[0].dataIndex;
        var line = data.labels.tooltip
          .replace("{score}", data.scores[i]).replace("{grade}", data.grades[i]);
        return data.months[i] + "<br>" + line;
      }
    },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [{
      name: data.labels.score, type: "line", smooth: true, data: data.scores,
      itemStyle: { color: "#c8161d" }, areaStyle: { opacity: 0.08 }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

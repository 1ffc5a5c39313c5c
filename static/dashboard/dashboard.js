/* The dashboards' charts, drawn with the vendored ECharts from the page's JSON
   block (#dashboard-data). Each [data-chart] container gets data-rendered="1"
   once ECharts has finished drawing it; its data table stays in the page for
   screen readers and for printing. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var phone = window.matchMedia("(max-width: 760px)");
  var encode = window.echarts.format.encodeHTML;

  function seriesOf(spec) {
    return spec.series.map(function (s) {
      var item = {
        name: s.label,
        data: s.data,
        itemStyle: { color: s.color },
        emphasis: { focus: "series" }
      };
      if (spec.kind === "line" || spec.kind === "area") {
        item.type = "line";
        item.smooth = 0.25;
        item.smoothMonotone = "x";
        item.symbolSize = 6;
        item.lineStyle = { width: 2, color: s.color };
        if (spec.kind === "area") { item.areaStyle = { color: s.color, opacity: 0.12 }; }
      } else {
        item.type = "bar";
        item.barMaxWidth = spec.kind === "stack" ? 32 : 18;
        if (spec.kind === "stack") { item.stack = "total"; }
      }
      return item;
    });
  }

  function tooltip(spec) {
    return {
      trigger: "axis",
      confine: true,
      axisPointer: { type: spec.kind === "line" || spec.kind === "area" ? "line" : "shadow" },
      formatter: function (items) {
        var lines = [encode(data.months[items[0].dataIndex])];
        var total = 0;
        items.forEach(function (p) {
          lines.push(p.marker + encode(p.seriesName) + encode(data.labels.colon) + p.value);
          total += p.value;
        });
        if (spec.kind === "stack") { lines.push(encode(data.labels.total) + encode(data.labels.colon) + total); }
        return lines.join("<br>");
      }
    };
  }

  function option(spec) {
    var small = phone.matches;
    var legend = spec.series.length > 1;
    return {
      animationDuration: 300,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      grid: { left: 4, right: 12, top: legend ? 36 : 14, bottom: 4, containLabel: true },
      legend: legend ? {
        top: 0, itemWidth: 14, itemHeight: 10, itemGap: small ? 8 : 14,
        textStyle: { fontSize: small ? 11 : 12, color: "#1f2329" }
      } : { show: false },
      tooltip: tooltip(spec),
      xAxis: {
        type: "category",
        data: data.ticks,
        boundaryGap: spec.kind !== "line" && spec.kind !== "area",
        axisTick: { alignWithLabel: true },
        axisLine: { lineStyle: { color: "#c9cdd4" } },
        axisLabel: { color: "#646a73", fontSize: small ? 10 : 12, hideOverlap: true, interval: small ? 1 : 0 }
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        axisLabel: { color: "#646a73", fontSize: small ? 10 : 11 },
        splitLine: { lineStyle: { color: "#eef0f3" } }
      },
      series: seriesOf(spec)
    };
  }

  var drawn = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = data.charts[el.getAttribute("data-chart")];
    if (!spec) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.setAttribute("data-rendered", "1"); });
    chart.setOption(option(spec));
    drawn.push({ chart: chart, spec: spec });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.resize(); }).observe(el);
    }
  });
  function redraw() {
    drawn.forEach(function (d) { d.chart.setOption(option(d.spec), true); });
  }
  if (phone.addEventListener) { phone.addEventListener("change", redraw); }
  window.addEventListener("beforeprint", function () {
    drawn.forEach(function (d) { d.chart.resize(); });
  });
})();

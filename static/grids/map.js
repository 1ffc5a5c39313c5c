/* The grid map: the cells' own GeoJSON boundaries drawn with vendored ECharts,
   coloured by open cases. No tiles, no network: the portal sends the shapes. */
(function () {
  "use strict";
  var el = document.getElementById("grid-map");
  var data = document.getElementById("grid-geojson");
  if (!el || !data || !window.echarts) { return; }
  var geojson = JSON.parse(data.textContent);
  echarts.registerMap("grid", geojson);
  var values = geojson.features.map(function (f) {
    return { name: f.properties.name, value: f.properties.open, id: f.properties.id,
             label: f.properties.label, leader: f.properties.leader };
  });
  var max = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([3]));
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        var d = p.data || {};
        var text = echarts.format.encodeHTML(p.name + " " + (d.label || ""));
        text += "<br>" + echarts.format.encodeHTML(el.dataset.labelOpen) + (d.value || 0);
        if (d.leader) { text += "<br>" + echarts.format.encodeHTML(el.dataset.labelLeader + d.leader); }
        return text;
      }
    },
    visualMap: {
      min: 0, max: max, calculable: true, left: "left", bottom: 10,
      text: ["", ""],
      inRange: { color: ["#e3f5eb", "#ffd200", "#c8161d"] }
    },
    series: [{
      type: "map", map: "grid", roam: true, nameProperty: "name",
      aspectScale: 0.85,
      label: { show: values.length <= 30, fontSize: 11,
               formatter: function (p) { return (p.data && p.data.label) || p.name; } },
      itemStyle: { borderColor: "#fff", borderWidth: 1 },
      emphasis: { label: { show: true }, itemStyle: { areaColor: "#1664c0" } },
      data: values
    }]
  });
  chart.on("click", function (p) {
    if (p.data && p.data.id) {
      window.location.href = el.dataset.cellUrl.replace(/0\/$/, p.data.id + "/");
    }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

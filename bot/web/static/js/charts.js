// Draws the units page's charts from the JSON the server put in #chart-data (ECharts, served locally).
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var font = { fontFamily: "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" };
  var palette = ["#1f6feb", "#2da44e", "#cf222e", "#bf8700", "#8250df", "#0a7ea4", "#e16f24", "#57606a"];
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) {
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    option.textStyle = font;
    option.color = palette;
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  var trend = data.trend;
  var narrow = document.documentElement.clientWidth < 560;
  draw("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 40, right: 44, top: 30, bottom: 56 },
    xAxis: { type: "category", data: trend.labels },
    yAxis: [
      { type: "value", name: "单", minInterval: 1 },
      { type: "value", name: "解决率%", min: 0, max: 100, splitLine: { show: false } }
    ],
    series: [
      { name: "派单", type: "bar", data: trend.dispatched },
      { name: "销账", type: "bar", data: trend.closed },
      { name: "超期", type: "bar", data: trend.overdue },
      { name: "解决率", type: "line", yAxisIndex: 1, data: trend.resolution, connectNulls: true }
    ]
  });

  if (data.categories.length) {
    draw("chart-categories", {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{
        type: "pie",
        radius: narrow ? ["30%", "55%"] : ["35%", "65%"],
        center: narrow ? ["50%", "40%"] : ["50%", "50%"],
        data: data.categories,
        label: { show: !narrow, formatter: "{b}\n{c}" }
      }],
      legend: narrow ? { bottom: 0, type: "scroll" } : undefined
    });
  } else {
    var none = document.getElementById("chart-categories");
    none.textContent = "本周没有上报问题";
    none.style.height = "auto";
  }

  if (data.scores.length) {
    var scores = data.scores.slice().reverse();
    document.getElementById("chart-scores").style.height = Math.max(140, 34 * scores.length + 50) + "px";
    draw("chart-scores", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 90, right: 40, top: 10, bottom: 24 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: scores.map(function (s) { return s.name; }) },
      series: [{ type: "bar", data: scores.map(function (s) { return s.value; }), label: { show: true, position: "right" } }]
    });
  } else {
    var empty = document.getElementById("chart-scores");
    empty.textContent = "本周没有单位达到排名所需的派单数";
    empty.style.height = "auto";
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();

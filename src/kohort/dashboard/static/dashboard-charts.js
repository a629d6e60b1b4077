// Draws the home page's charts from the JSON the server put in #chart-data (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("chart-data");
  if (!source || !window.Chart) { return; }
  var data = JSON.parse(source.textContent);
  var colors = ["#1d1d1f", "#ED395E", "#2450b3"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var chart = data[canvas.getAttribute("data-chart")];
    var stacked = canvas.getAttribute("data-stacked") === "true";
    new window.Chart(canvas, {
      type: canvas.getAttribute("data-kind"),
      data: {
        labels: chart.labels,
        datasets: chart.series.map(function (series, index) {
          return { label: series.label, data: series.values, backgroundColor: colors[index % colors.length],
                   borderColor: colors[index % colors.length] };
        })
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } } }
    });
  });
});

/* Agency credit page: draw the score history from the JSON the page carries (the same numbers are in a
   table beside the chart), with the level thresholds as dashed lines. */
(function () {
  "use strict";

  var chart = null;

  function draw() {
    var block = document.getElementById("agency-score-data");
    var canvas = document.getElementById("agency-score-chart");
    if (!block || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(block.textContent);
    var colours = { A: "#1d7a38", B: "#2f6fb0", C: "#d4a017" };
    var datasets = [{
      label: data.label,
      data: data.scores,
      borderColor: "#1f4e79",
      backgroundColor: "#1f4e79",
      stepped: true,
      pointRadius: data.scores.length > 60 ? 0 : 3,
      borderWidth: 2
    }];
    data.thresholds.forEach(function (pair) {
      datasets.push({
        label: pair[0] + " ≥ " + pair[1],
        data: data.scores.map(function () { return pair[1]; }),
        borderColor: colours[pair[0]] || "#5b6877",
        borderDash: [6, 4],
        borderWidth: 1,
        pointRadius: 0,
        fill: false
      });
    });
    var low = Math.min.apply(null, data.scores.concat([50]));
    var high = Math.max.apply(null, data.scores.concat([100]));
    if (chart) chart.destroy();
    chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { suggestedMin: Math.floor(low / 10) * 10, suggestedMax: Math.ceil(high / 10) * 10 }, x: { ticks: { maxTicksLimit: 12 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  // Deferred scripts run in order: Chart.js is loaded before this one, the DOM is parsed.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

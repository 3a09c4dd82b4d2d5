/* Public statistics: the charts drawn from the figures the page embeds as JSON (the tables on
   the page carry the same figures, so nothing is lost without JavaScript or Chart.js). */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    if (!window.Chart || !source) { return; }
    var data = JSON.parse(source.textContent);
    var palette = ["#1f4e79", "#0b7a75", "#c0841a", "#b42318", "#6b7a8f", "#5a3d8a", "#2f8f4e", "#9b1c1c", "#3f6fb5", "#8a5a00"];
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    Chart.defaults.color = "#1d2733";
    function draw(id, kind, rows, colours) {
      var canvas = document.getElementById("chart-" + id);
      if (!canvas || !rows.length) { return; }
      var horizontal = kind === "bar";
      new Chart(canvas, {
        type: kind,
        data: {
          labels: rows.map(function (r) { return r[0]; }),
          datasets: [{
            data: rows.map(function (r) { return r[1]; }),
            backgroundColor: colours || rows.map(function (_, i) { return palette[i % palette.length]; }),
            borderWidth: kind === "doughnut" ? 2 : 0
          }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          indexAxis: horizontal ? "y" : "x",
          plugins: { legend: { display: !horizontal, position: "right" } },
          scales: horizontal ? { x: { beginAtZero: true, ticks: { precision: 0 } } } : {}
        }
      });
    }
    var statusPalette = {issued: "#1d7a38", expired: "#c0841a", revoked: "#b42318", cancelled: "#6b7a8f"};
    draw("status", "doughnut", data.status, data.status_keys.map(function (k) { return statusPalette[k] || "#6b7a8f"; }));
    draw("category", "doughnut", data.category, null);
    draw("industry", "bar", data.industry, "#1f4e79");
    draw("region", "bar", data.region, "#0b7a75");
  });
})();

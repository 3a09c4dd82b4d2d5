/* Execution-report pages: focus the check result, add problem rows, draw the filing charts. */
(function () {
  "use strict";

  // After "check" (htmx swaps the editor), move focus to the result so screen readers hear it.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var result = document.getElementById("findings");
    if (result && event.detail && event.detail.target && event.detail.target.id === "editor") {
      result.focus({ preventScroll: true });
    }
  });

  // Review: one more free-text problem row (the form works with the rows drawn when JS is off).
  function setUpProblemRows() {
    var button = document.getElementById("add-problem");
    var body = document.getElementById("free-problems");
    if (!button || !body) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = body.querySelectorAll("tr.rp-free-row");
      if (!rows.length || rows.length >= 50) return;
      var index = rows.length;
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("textarea, select, input").forEach(function (field) {
        field.name = field.name.replace(/_\d+$/, "_" + index);
        if (field.id) field.id = field.id.replace(/-\d+$/, "-" + index);
        if (field.tagName === "TEXTAREA") field.value = "";
        else if (field.tagName === "SELECT") field.selectedIndex = 0;
        else if (field.type === "checkbox") field.checked = false;
        field.removeAttribute("aria-invalid");
      });
      copy.querySelectorAll("p.error").forEach(function (p) { p.remove(); });
      body.appendChild(copy);
      copy.querySelector("textarea").focus();
    });
  }

  // Dashboard: rates as bars (or a line over periods) against the 100 % target, drawn as a dashed rule.
  var targetRule = {
    id: "rpTarget",
    afterDatasetsDraw: function (chart, _args, options) {
      var y = chart.scales.y.getPixelForValue(100);
      var area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#b42318";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(area.left, y);
      ctx.lineTo(area.right, y);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#b42318";
      ctx.font = "12px sans-serif";
      ctx.textAlign = "right";
      ctx.fillText(options.label || "", area.right - 4, y + 14);
      ctx.restore();
    }
  };

  function setUpCharts() {
    var source = document.getElementById("rp-chart-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var percent = function (rows, key) { return rows.map(function (r) { return Math.round(r[key] * 1000) / 10; }); };
    function draw(id, rows, type) {
      var canvas = document.getElementById(id);
      if (!canvas || !rows.length) return;
      new Chart(canvas, {
        type: type,
        data: {
          labels: rows.map(function (r) { return r.group; }),
          datasets: [
            { label: data.labels.submission, data: percent(rows, "submission"), backgroundColor: "#1f4e79", borderColor: "#1f4e79", maxBarThickness: 56 },
            { label: data.labels.on_time, data: percent(rows, "on_time"), backgroundColor: "#0b7a75", borderColor: "#0b7a75", maxBarThickness: 56 }
          ]
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          scales: { y: { min: 0, max: 110, ticks: { stepSize: 10, callback: function (v) { return v <= 100 ? v + " %" : ""; } } } },
          plugins: {
            rpTarget: { label: data.labels.target },
            tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.parsed.y + " %"; } } }
          }
        },
        plugins: [targetRule]
      });
    }
    draw("chart-region", data.region, "bar");
    draw("chart-industry", data.industry, "bar");
    draw("chart-series", data.series, "line");
  }

  function ready() { setUpProblemRows(); setUpCharts(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();

/* Ledger pages: keep the pollutant and unit choices to what the chosen outlet allows, and draw the
   charts from the JSON the page carries (the same numbers are in a table beside each chart). */
(function () {
  "use strict";

  function fitChoices(form) {
    var outlet = form.querySelector("[data-outlet-select]");
    if (!outlet) return;
    var chosen = outlet.options[outlet.selectedIndex];
    var code = outlet.value;
    var medium = chosen && chosen.dataset.medium;
    var pollutant = form.querySelector("[data-pollutant-select]");
    var unit = form.querySelector("[data-unit-select]");
    if (pollutant) {
      Array.prototype.forEach.call(pollutant.options, function (option) {
        if (!option.value) return;
        var fits = !code || (" " + option.dataset.outlets + " ").indexOf(" " + code + " ") >= 0;
        option.hidden = !fits;
        option.disabled = !fits;
      });
      var current = pollutant.options[pollutant.selectedIndex];
      if (current && current.disabled) pollutant.value = "";
    }
    if (unit && medium) {
      var first = null;
      Array.prototype.forEach.call(unit.options, function (option) {
        var fits = option.dataset.medium === medium;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits && !first) first = option;
      });
      var selected = unit.options[unit.selectedIndex];
      if ((!selected || selected.disabled) && first) unit.value = first.value;
    }
  }

  function wireForms(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      var outlet = form.querySelector("[data-outlet-select]");
      if (!outlet || outlet.dataset.wired) return;
      outlet.dataset.wired = "1";
      outlet.addEventListener("change", function () { fitChoices(form); });
      fitChoices(form);
    });
  }

  var charts = [];

  function drawCharts() {
    var block = document.getElementById("ledger-chart-data");
    if (!block || typeof window.Chart === "undefined") return;
    var data = JSON.parse(block.textContent);
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    var text = data.text || {};
    var series = data.concentration;
    var line = document.getElementById("concentration-chart");
    if (series && line && series.values.length) {
      var limit = series.limit;
      var datasets = [{
        label: text.value + " (" + series.unit.replace("m3", "m³") + ")",
        data: series.values,
        borderColor: "#1f4e79",
        backgroundColor: "#1f4e79",
        pointBackgroundColor: series.values.map(function (v) { return limit !== null && v > limit ? "#b42318" : "#1f4e79"; }),
        pointRadius: series.values.length > 200 ? 1.5 : 3,
        borderWidth: 1.6,
        tension: 0
      }];
      if (limit !== null) {
        datasets.push({
          label: text.limit + " " + limit + " " + series.unit.replace("m3", "m³"),
          data: series.values.map(function () { return limit; }),
          borderColor: "#b42318",
          borderDash: [6, 4],
          borderWidth: 2,
          pointRadius: 0,
          fill: false
        });
      }
      charts.push(new window.Chart(line, {
        type: "line",
        data: { labels: series.labels, datasets: datasets },
        options: {
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true }, x: { ticks: { maxTicksLimit: 12 } } },
          plugins: { legend: { position: "bottom" } }
        }
      }));
    }
    var bars = document.getElementById("completeness-chart");
    if (bars && data.completeness) {
      charts.push(new window.Chart(bars, {
        type: "bar",
        data: {
          labels: data.completeness.labels,
          datasets: [{
            label: text.completeness,
            data: data.completeness.values,
            minBarLength: 3,
            backgroundColor: data.completeness.values.map(function (v) { return v === null ? "#d9e0e8" : v >= 100 ? "#1d7a38" : v >= 90 ? "#d4a017" : "#b42318"; })
          }]
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
          plugins: { legend: { display: false } }
        }
      }));
    }
  }

  function start() { wireForms(document); drawCharts(); }
  // Deferred scripts run before DOMContentLoaded, Chart.js after this one: wait for it.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSwap", function (event) { wireForms(event.target); });
})();

/* Behaviour every page may use, kept out of the markup: the Content-Security-Policy allows no
   inline script, no on* attribute and no eval (htmx's hx-on included). Elements ask for it with
   data attributes:
     data-print                      a button that prints the page
     data-width="42"                 a bar drawn 42 % wide (meters)
     data-height="240"               a box 240 px high (chart boxes sized by their row count)
     data-upload-progress="ID"       an htmx upload form whose progress fills <progress id="ID">
*/
(function () {
  "use strict";

  function size(root) {
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, Number(el.dataset.width) || 0)) + "%";
    });
    root.querySelectorAll("[data-height]").forEach(function (el) {
      el.style.height = (Number(el.dataset.height) || 0) + "px";
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("[data-upload-progress]");
    var bar = form && document.getElementById(form.dataset.uploadProgress);
    if (bar && event.detail && event.detail.total) {
      bar.value = Math.round((100 * event.detail.loaded) / event.detail.total);
    }
  });

  // htmx:load fires for the page and for every fragment htmx swaps in.
  document.addEventListener("htmx:load", function (event) { size(event.target); });
  document.addEventListener("DOMContentLoaded", function () { size(document); });
})();

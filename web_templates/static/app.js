/* Behaviour every page may use, kept out of the markup: the Content-Security-Policy allows no
   inline script, no on* attribute and no eval (htmx's hx-on included). Elements ask for it with
   data attributes:
     data-print                      a button that prints the page
     data-width="42"                 a bar drawn 42 % wide (meters)
     data-height="240"               a box 240 px high (chart boxes sized by their row count)
     data-upload-progress="ID"       an htmx upload form whose progress fills <progress id="ID">
   and the main navigation of base.html: on a desktop each group (<details class="navgroup">) is a menu,
   one open at a time, closed by Escape or a click elsewhere; on a phone the .navtoggle button opens the
   whole navigation (every group unfolded) and closes it again.
   Every table is put in a <div class="table-scroll"> (unless it already is in one): a wide table scrolls
   inside itself and never makes the page wider than the screen. The public lists' row of links, which
   scrolls sideways on a phone, is scrolled to show the current one.
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

  var PHONE = window.matchMedia("(max-width: 600px)");

  function groups() {
    return Array.prototype.slice.call(document.querySelectorAll("nav.mainnav details.navgroup"));
  }

  function setMenu(open) {
    var toggle = document.querySelector(".navtoggle");
    var bar = toggle && toggle.closest(".topbar");
    if (!toggle || !bar) { return; }
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    bar.classList.toggle("nav-open", open);
    groups().forEach(function (group) { group.open = open; });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".navtoggle");
    if (toggle) {
      setMenu(toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    if (!PHONE.matches && !(event.target.closest && event.target.closest("details.navgroup"))) {
      groups().forEach(function (group) { group.open = false; });
    }
  });

  // One desktop menu open at a time (the toggle event does not bubble: listen in the capture phase).
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (PHONE.matches || !opened.matches || !opened.matches("details.navgroup") || !opened.open) { return; }
    groups().forEach(function (group) { if (group !== opened) { group.open = false; } });
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var inside = document.activeElement && document.activeElement.closest && document.activeElement.closest("details.navgroup");
    if (PHONE.matches) {
      var toggle = document.querySelector(".navtoggle");
      if (toggle && toggle.getAttribute("aria-expanded") === "true") { setMenu(false); toggle.focus(); }
      return;
    }
    groups().forEach(function (group) { group.open = false; });
    if (inside) { inside.querySelector("summary").focus(); }
  });

  // Leaving the phone width with the menu open (a rotated tablet) must not leave every group dropped down.
  PHONE.addEventListener("change", function () { setMenu(false); });

  function wrapTables(root) {
    var tables = root.matches && root.matches("table") ? [root] : Array.prototype.slice.call(root.querySelectorAll("table"));
    tables.forEach(function (table) {
      var parent = table.parentElement;
      if (!parent || (parent.closest && parent.closest(".table-scroll"))) { return; }
      var wrapper = document.createElement("div");
      // A table that was a flex or grid item: its box takes the table's place (.table-scroll-item).
      var display = window.getComputedStyle(parent).display;
      wrapper.className = /flex|grid/.test(display) ? "table-scroll table-scroll-item" : "table-scroll";
      parent.insertBefore(wrapper, table);
      wrapper.appendChild(table);
    });
  }

  // A row of links that scrolls sideways on a phone (the public lists) shows its current one.
  function showCurrent(root) {
    root.querySelectorAll(".public-nav").forEach(function (row) {
      var current = row.querySelector("[aria-current=page]");
      if (current && row.scrollWidth > row.clientWidth) {
        row.scrollLeft = current.offsetLeft - row.offsetLeft - 16;
      }
    });
  }

  // htmx:load fires for the page and for every fragment htmx swaps in.
  document.addEventListener("htmx:load", function (event) { size(event.target); wrapTables(event.target); });
  document.addEventListener("DOMContentLoaded", function () { size(document); wrapTables(document); showCurrent(document); });
})();

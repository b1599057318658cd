// Printing from a page: buttons marked data-print open the print dialog; a page with a [data-autoprint] element
// opens it once on load (a receipt just counted). After printing, focus goes to the [data-after-print] link, so
// the cashier carries on from the keyboard.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var next = document.querySelector("[data-after-print]");
  if (next) { window.addEventListener("afterprint", function () { next.focus(); }); }
  if (document.querySelector("[data-autoprint]")) {
    window.setTimeout(function () { window.print(); }, 100);
  }
})();

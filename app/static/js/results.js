/* Result page: shows the print button (it needs JavaScript) and opens the print dialog with it.
 * The browser's own print menu gives the same A4 document (see css/print.css), whose page footer
 * repeats the result's date: this script hands the footer text to the @page margin box (the
 * --print-footer custom property; margin boxes cannot read the document's text). */
(function () {
  "use strict";

  function printFooter() {
    var footer = document.querySelector("[data-print-footer]");
    if (footer) {
      var text = footer.textContent.replace(/\s+/g, " ").trim();
      document.documentElement.style.setProperty("--print-footer", JSON.stringify(text));
    }
  }

  function init() {
    printFooter();
    var buttons = document.querySelectorAll("[data-action='print']");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

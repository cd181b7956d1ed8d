/* Result page: shows the print button (it needs JavaScript) and opens the print dialog with it.
 * The browser's own print menu gives the same A4 document (see css/print.css). */
(function () {
  "use strict";

  function init() {
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

/* Print buttons on the notice page (no inline script: CSP friendly). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (el) { event.preventDefault(); window.print(); }
  });
})();

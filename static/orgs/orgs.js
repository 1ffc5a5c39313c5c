/* Organisation pages: expand or collapse the whole tree. Works without JS too. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-tree-toggle]");
    if (!button) { return; }
    var open = button.getAttribute("data-tree-toggle") === "open";
    document.querySelectorAll(".org-tree details").forEach(function (d) { d.open = open; });
  });
})();

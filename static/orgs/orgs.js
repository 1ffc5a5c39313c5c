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

/* An Excel import's progress: poll its status every second, show the result
   (rendered by the server) once it is finished. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || box.getAttribute("data-active") !== "1") { return; }
  var url = box.getAttribute("data-status-url");

  function show(name, value) {
    box.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = value;
    });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        var bar = box.querySelector("progress");
        if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
        ["status_label", "rows_done", "rows_total", "percent"].forEach(function (name) {
          show(name, data[name]);
        });
        if (data.finished) { window.location.reload(); return; }
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }

  window.setTimeout(tick, 1000);
})();

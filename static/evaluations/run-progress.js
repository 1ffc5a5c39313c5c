/* Live progress of an evaluation run: poll its status JSON every second. */
(function () {
  "use strict";
  var box = document.querySelector("[data-run-progress]");
  if (!box || box.getAttribute("data-active") !== "1") { return; }
  var url = box.getAttribute("data-status-url");
  var fields = ["status_label", "units_done", "units_total", "committees_done",
                "committees_total", "percent"];

  function show(name, value) {
    box.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.textContent = value;
    });
  }

  /* The run's row in the table of runs follows the bar. */
  function updateRow(data) {
    var row = document.querySelector('[data-run-row="' + data.id + '"]');
    if (!row) { return; }
    var done = data.units_done + data.committees_done;
    var total = data.units_total + data.committees_total;
    var cells = {
      status: data.status_label,
      progress: done + " / " + total,
      duration: data.duration_seconds === null ? "—" : String(data.duration_seconds)
    };
    Object.keys(cells).forEach(function (name) {
      var cell = row.querySelector('[data-cell="' + name + '"]');
      if (cell) { cell.textContent = cells[name]; }
    });
    var badge = row.querySelector('[data-cell="status"]');
    if (badge) {
      var tone = data.status === "done" ? "ok"
        : (data.status === "failed" || data.status === "abandoned") ? "bad" : "info";
      badge.className = "badge " + tone;
    }
  }

  function update(data) {
    updateRow(data);
    var bar = box.querySelector("progress");
    if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
    fields.forEach(function (name) { show(name, data[name]); });
    var waiting = box.querySelector('[data-field="waiting"]');
    if (waiting) { waiting.hidden = !data.waiting_for_queue; }
    if (data.error) {
      var error = box.querySelector('[data-field="error"]');
      if (error) { error.textContent = data.error; error.hidden = false; }
    }
    if (data.finished) {
      box.setAttribute("data-active", "0");
      box.querySelectorAll("[data-when-done]").forEach(function (el) { el.hidden = false; });
      return false;
    }
    return true;
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { if (update(data)) { window.setTimeout(tick, 1000); } })
      .catch(function () { window.setTimeout(tick, 3000); });
  }

  window.setTimeout(tick, 1000);
})();

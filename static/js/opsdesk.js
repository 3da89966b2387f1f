/* OpsDesk page behaviour. Served locally; no inline scripts anywhere (the CSP forbids them). */
(function () {
  "use strict";

  // "2 h 05 min left" / "overdue 12 min", from <span class="countdown" data-due="ISO">, in
  // the words the page's <body> carries (data-left, data-overdue, data-unit-*).
  function describe(ms, words) {
    var overdue = ms < 0;
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts = [];
    if (days) parts.push(days + " " + words.unitDay);
    if (days || hours) parts.push(hours + " " + words.unitHour);
    parts.push((mins < 10 && (days || hours) ? "0" : "") + mins + " " + words.unitMinute);
    var text = parts.join(" ");
    return (overdue ? words.overdue : words.left).replace("%s", text);
  }

  function tick() {
    var now = Date.now();
    var words = document.body.dataset;
    if (!words.left) return;
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var ms = Date.parse(el.dataset.due) - now;
      el.textContent = describe(ms, words);
      var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : null;
      el.classList.toggle("is-breached", ms < 0);
      el.classList.toggle("is-warning", ms >= 0 && warn !== null && now >= warn);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", tick);

  // <input type="file" data-max-bytes="…" data-too-large="… %(name)s …">: a file over the
  // limit is refused here, before a 60 MB upload the server would refuse after it. The
  // server still checks every file.
  function tooLarge(input) {
    var limit = Number(input.dataset.maxBytes);
    return Array.prototype.filter.call(input.files || [], function (file) {
      return limit && file.size > limit;
    });
  }

  function showUploadError(input, message) {
    var note = input.parentNode.querySelector(".upload-error");
    if (!message) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error upload-error";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var refused = tooLarge(input);
    if (refused.length) {
      var template = input.dataset.tooLarge || "%(name)s";
      showUploadError(input, refused.map(function (file) {
        return template.replace("%(name)s", file.name);
      }).join(" "));
      input.value = ""; // nothing of it is sent
    } else {
      showUploadError(input, "");
    }
  });

  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (tooLarge(input).length) event.preventDefault();
    });
  });

  // <button data-confirm="…">: ask before a step that cannot be undone.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();

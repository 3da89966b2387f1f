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

  // <button data-confirm="…">: ask before a step that cannot be undone.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();

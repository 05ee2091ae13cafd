// Counts down to the end of a round; when it rings, says so and shows the button that starts
// the timer again. Without JavaScript the page shows the end time (and, reloaded, the button).
(function () {
  "use strict";
  var time = document.querySelector("time[data-countdown]");
  var display = document.querySelector("[data-countdown-display]");
  if (!time || !display) {
    return;
  }
  var end = Date.parse(time.getAttribute("datetime"));
  if (isNaN(end)) {
    return;
  }
  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    if (left > 0) {
      display.textContent = "(" + Math.floor(left / 60) + ":" + pad(left % 60) + ")";
      window.setTimeout(tick, 1000);
      return;
    }
    // Time is up: say so, and offer to start the timer again (hidden while it runs).
    display.textContent = time.getAttribute("data-countdown-over") || "";
    display.removeAttribute("aria-hidden");
    var again = document.querySelectorAll("[data-after-timer][hidden]");
    for (var i = 0; i < again.length; i++) {
      again[i].hidden = false;
    }
  }
  tick();
})();

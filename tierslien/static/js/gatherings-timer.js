// Counts down to the end of a round. Without JavaScript the page shows the end time.
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
    display.textContent = "(" + Math.floor(left / 60) + ":" + pad(left % 60) + ")";
    if (left > 0) {
      window.setTimeout(tick, 1000);
    }
  }
  tick();
})();

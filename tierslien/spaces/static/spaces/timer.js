// Speaking-round timer for a circle's session guide (enhances the page; no network).
(function () {
  "use strict";
  var timer = document.getElementById("timer");
  if (!timer) return;
  var digits = document.getElementById("timer-digits");
  var speaker = document.getElementById("timer-speaker");
  var status = document.getElementById("timer-status");
  var buttons = document.getElementById("timer-buttons");
  var startButton = document.getElementById("timer-start");
  var pauseButton = document.getElementById("timer-pause");
  var nextButton = document.getElementById("timer-next");
  var items = Array.prototype.slice.call(document.querySelectorAll("#timer-order li"));
  var names = items.map(function (li) { return li.textContent; });
  var total = Math.max(1, parseInt(timer.dataset.minutes, 10) || 3) * 60;
  var remaining = total;
  var index = 0;
  var deadline = null;
  var tick = null;

  function show() {
    var seconds = Math.max(0, Math.ceil(remaining));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    digits.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    speaker.textContent = names[index] || "";
    items.forEach(function (li, i) {
      li.classList.toggle("current", i === index);
      li.classList.toggle("done", i < index);
    });
  }

  function stop() {
    if (tick !== null) window.clearInterval(tick);
    tick = null;
    deadline = null;
  }

  function step() {
    remaining = (deadline - Date.now()) / 1000;
    if (remaining <= 0) {
      remaining = 0;
      stop();
      timer.classList.add("ended");
      status.textContent = timer.dataset.labelDone;
    }
    show();
  }

  function start() {
    if (tick !== null || remaining <= 0) return;
    timer.classList.remove("ended");
    status.textContent = "";
    deadline = Date.now() + remaining * 1000;
    tick = window.setInterval(step, 250);
  }

  function pause() {
    if (tick === null) return;
    step();
    stop();
  }

  function next() {
    stop();
    timer.classList.remove("ended");
    status.textContent = "";
    remaining = total;
    if (index < names.length - 1) {
      index += 1;
    } else {
      index = names.length;
      status.textContent = timer.dataset.labelEveryone;
    }
    show();
  }

  startButton.addEventListener("click", start);
  pauseButton.addEventListener("click", pause);
  nextButton.addEventListener("click", next);
  buttons.hidden = false;
  show();
})();

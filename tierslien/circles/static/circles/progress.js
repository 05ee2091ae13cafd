// Optional: follow a composition in place instead of reloading the page.
// Without JavaScript the page refreshes itself (<noscript><meta http-equiv="refresh">).
(function () {
  "use strict";
  var bar = document.getElementById("composition-progress");
  if (!bar || !bar.dataset.pollUrl || !window.fetch) {
    return;
  }
  var percent = document.getElementById("composition-percent");
  var score = document.getElementById("composition-score");
  var lang = document.documentElement.lang || undefined;

  function show(data) {
    var value = Math.round(100 * data.progress);
    bar.value = value;
    bar.textContent = value + " %";
    if (percent) {
      percent.textContent = value + " %";
    }
    if (score && data.best_score !== null) {
      score.textContent = data.best_score.toLocaleString(lang, {
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      });
    }
  }

  function poll() {
    fetch(bar.dataset.pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        // A new state, or a first score to show: the server draws the page.
        if (data.state !== "composing" || (data.best_score !== null && !score)) {
          window.location.reload();
          return;
        }
        show(data);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(function () { window.location.reload(); }, 2000);
      });
  }

  window.setTimeout(poll, 1000);
})();

// Optional: follow a composition in place instead of reloading the page.
// Without JavaScript the page refreshes itself (<noscript><meta http-equiv="refresh">) and,
// once the circles are composed, the server sends it straight to the proposal.
(function () {
  "use strict";
  var bar = document.getElementById("composition-progress");
  if (!bar || !bar.dataset.pollUrl || !window.fetch) {
    return;
  }
  var percent = document.getElementById("composition-percent");

  function show(data) {
    var value = Math.round(100 * data.progress);
    bar.value = value;
    bar.textContent = value + " %";
    if (percent) {
      percent.textContent = value + " %";
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
        if (data.next) {
          // Composed: the proposal, without another click.
          window.location.assign(data.next);
          return;
        }
        if (data.state !== "composing") {
          // Failed or stopped: the server explains it.
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

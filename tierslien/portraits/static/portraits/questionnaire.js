// Progressive enhancement only: without this file the server refuses a sensitive
// answer posted without its consent. With it, the answers of a sensitive question
// stay disabled until its consent box is ticked.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.sensitive[data-consent-required]").forEach(function (fieldset) {
    var consent = fieldset.querySelector("input[name^='consent_']");
    if (!consent) { return; }
    var answers = fieldset.querySelectorAll("[name^='answer_']");
    function sync() {
      answers.forEach(function (input) { input.disabled = !consent.checked; });
      fieldset.classList.toggle("consented", consent.checked);
    }
    consent.addEventListener("change", sync);
    sync();
  });
})();

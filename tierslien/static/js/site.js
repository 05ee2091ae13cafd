// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Submit the language selector as soon as it changes (the button stays for no-JS use).
  document.querySelectorAll(".language-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Ask before irreversible actions marked with data-confirm, but only when the form is
  // valid: an unticked required box goes to the server, which says what is missing
  // (asking "for good?" first would be a question the person cannot act on).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!form.checkValidity()) { return; }
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();

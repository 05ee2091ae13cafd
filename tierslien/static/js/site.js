// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Submit the language selector as soon as it changes (the button stays for no-JS use).
  document.querySelectorAll(".language-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Ask before irreversible actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();

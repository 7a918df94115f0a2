// Behaviour every page shares, in place of inline handlers (the CSP allows no inline script).
//   <form data-confirm="Delete this?">, <button data-confirm="..."> ask before submitting;
//   <select data-submit-on-change> submits its form when the choice changes.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    const form = event.target;
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-submit-on-change]");
    if (select && select.form) { select.form.requestSubmit(); }
  });
})();

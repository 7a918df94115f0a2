// The team page: "Copy link" puts a new invitation's link on the clipboard.
(function () {
  "use strict";

  function copied(button) {
    button.textContent = "Copied";
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) { return; }
    const field = document.getElementById(button.dataset.copy);
    field.select();
    // The clipboard API needs a secure context (https or localhost); older copy otherwise.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { copied(button); },
        function () { document.execCommand("copy"); copied(button); }
      );
    } else {
      document.execCommand("copy");
      copied(button);
    }
  });
})();

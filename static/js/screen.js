// Keyboard screening: i/e/m decide, 1-9 pick a reason, n note, s skip, u undo.
(function () {
  "use strict";

  // htmx wires up a swapped-in card only when it settles, 20 ms after the swap by
  // default: a key pressed in between would submit the new card's form as a plain
  // page load. Settle at once instead; the card has no transitions to wait for.
  if (window.htmx) { htmx.config.defaultSettleDelay = 0; }

  function card() { return document.getElementById("card"); }

  // While the card asks for the next record, keys wait: a second key would act
  // on a record the reviewer has not seen yet.
  function busy() { return Boolean(card() && card().querySelector(".htmx-request")); }

  function click(key) {
    const button = card() && card().querySelector('[data-key="' + key + '"]');
    if (button) { button.click(); }
  }

  function exclude() {
    const reason = document.getElementById("id_reason");
    if (reason && reason.dataset.required === "1" && !reason.value) {
      reason.focus();
      reason.classList.add("is-invalid");
      return;
    }
    click("e");
  }

  function pickReason(digit) {
    const reason = document.getElementById("id_reason");
    if (!reason || digit >= reason.options.length) { return; }
    reason.selectedIndex = digit;
    reason.classList.remove("is-invalid");
  }

  function typing(target) {
    return target.closest("textarea, input:not([type=hidden]), select");
  }

  const ACTIONS = {
    e: exclude,
    i: function () { click("i"); },
    m: function () { click("m"); },
    s: function () { click("s"); },
    u: function () { click("u"); },
    n: function () { const note = document.getElementById("id_note"); if (note) { note.focus(); } },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    const key = event.key.toLowerCase();
    const digit = /^[1-9]$/.test(key);
    if (!ACTIONS[key] && !digit) { return; }
    event.preventDefault();
    if (busy()) { return; }
    if (digit) { pickReason(Number(key)); } else { ACTIONS[key](); }
  });

  // Keep "done / left" current without another query: each decision moves one across.
  const progress = document.getElementById("progress");
  function refresh(done) {
    const start = Number(progress.dataset.done), left = Number(progress.dataset.left);
    const moved = Math.max(0, done - start);
    document.getElementById("done-count").textContent = done;
    document.getElementById("left-count").textContent = Math.max(0, left - moved);
    const total = done + Math.max(0, left - moved);
    document.getElementById("progress-bar").style.width = (total ? 100 * done / total : 100) + "%";
  }
  if (progress) {
    refresh(Number(progress.dataset.done));
    document.body.addEventListener("htmx:afterSwap", function () {
      const done = card() && card().dataset.done;
      if (done) { refresh(Number(done)); }
    });
  }
})();

// Outcome data grid: the derive helper fills one cell with a derived SD or SE
// and keeps what it was derived from, so the server can recompute and record it.
(function () {
  const grid = document.getElementById("outcome-grid");
  const modalElement = document.getElementById("derive-modal");
  if (!grid || !modalElement) return;
  const modal = new bootstrap.Modal(modalElement);

  function cell(study, name) {
    return grid.querySelector(`[name="${study}-${name}"]`);
  }

  grid.addEventListener("click", (event) => {
    const button = event.target.closest("[data-derive]");
    if (!button) return;
    const study = button.closest("tr").dataset.study;
    const field = button.dataset.field;
    const arm = field.endsWith("_ctrl") ? "ctrl" : "exp";
    const params = new URLSearchParams({ field, study });
    for (const name of ["n_exp", "n_ctrl"]) {
      const input = cell(study, name);
      if (input && input.value) params.set(name, input.value);
    }
    const n = cell(study, `n_${arm}`);
    if (n && n.value) params.set("n", n.value);
    htmx.ajax("GET", `${grid.dataset.deriveUrl}?${params}`, { target: "#derive-body" });
    modal.show();
  });

  modalElement.addEventListener("click", (event) => {
    const button = event.target.closest("[data-use]");
    if (!button) return;
    const { study, field, value, request, text } = button.dataset;
    const input = cell(study, field);
    input.value = value;
    input.classList.remove("is-invalid");
    cell(study, `derived-${field}`).value = request;
    const note = document.createElement("div");
    note.className = "small text-secondary derivation-note";
    note.title = text;
    note.textContent = "derived (save to keep)";
    input.closest("td").querySelectorAll(".derivation-note").forEach((old) => old.remove());
    input.closest("td").append(note);
    modal.hide();
  });
})();

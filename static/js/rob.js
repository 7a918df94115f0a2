// Risk-of-bias assessment: after each answer or judgement, ask the server for the
// algorithm's suggestions and the questions that apply, so the page never
// carries its own copy of the RoB 2 algorithm.
(function () {
  const form = document.getElementById("rob-form");
  if (!form) return;
  let pending = null;

  function badge(data, empty) {
    if (!data) return `<span class="rob-badge rob-none" title="Not judged">&nbsp;</span> <span class="text-secondary">${empty}</span>`;
    const span = document.createElement("span");
    span.className = "rob-badge";
    span.setAttribute("style", data.style);
    span.title = data.label;
    span.textContent = data.symbol;
    return `${span.outerHTML} ${data.label}`;
  }

  async function refresh() {
    const params = new URLSearchParams(new FormData(form));
    params.delete("csrfmiddlewaretoken");
    if (pending) pending.abort();
    pending = new AbortController();
    let data;
    try {
      const response = await fetch(`${form.dataset.suggestUrl}?${params}`, { signal: pending.signal });
      if (!response.ok) return;
      data = await response.json();
    } catch (error) {
      return; // superseded by a newer change, or offline: the save still validates
    }
    for (const [key, value] of Object.entries(data.suggested)) {
      const target = form.querySelector(`[data-suggested="${key}"]`);
      if (target) target.innerHTML = badge(value, key === "overall" ? "Judge the domains" : "Answer the questions");
    }
    for (const [domain, keys] of Object.entries(data.applicable)) {
      form.querySelectorAll(`[data-domain="${domain}"] [data-question]`).forEach((row) => {
        row.classList.toggle("rob-skipped", !keys.includes(row.dataset.question));
      });
    }
  }

  form.addEventListener("change", (event) => {
    if (event.target.matches("input[type=radio], select")) refresh();
  });
})();

"""The in-page probe of "keypress to next abstract painted", shared by the browser test
(``tests/browser/test_screening.py``) and the bench against gunicorn
(``bench/bench_screening.py``)."""

# Measures "keypress to next abstract painted": the start is taken in the page just
# before the key is pressed, the end one frame (and a task) after htmx swapped #card.
ARM_PAINT_PROBE = """() => {
  const old = document.getElementById("card");
  window.__painted = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const card = document.getElementById("card");
      if (!card || card === old) { return; }
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => resolve({
        ms: performance.now() - window.__start,
        fromKeydown: performance.now() - window.__keydown,
        record: card.dataset.record,
      }), 0));
    });
    observer.observe(old.parentNode, { childList: true });
  });
  document.addEventListener("keydown", (event) => { window.__keydown = event.timeStamp; },
    { capture: true, once: true });
  window.__start = performance.now();
  return old.dataset.record;
}"""

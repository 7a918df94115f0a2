// The records page: the box in the table's head ticks or clears every record on the page.
(function () {
  "use strict";
  const all = document.getElementById("tick-page");
  if (!all) { return; }
  const ticks = () => document.querySelectorAll("input.record-tick");
  all.addEventListener("change", function () {
    ticks().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("change", function (event) {
    if (!event.target.classList.contains("record-tick")) { return; }
    const boxes = Array.from(ticks());
    all.checked = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
  });
})();

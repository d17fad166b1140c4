// 班长席 and 大屏 (views/floor.py): the server pushes the page's live part whole (server-sent
// events from /floor/events/, "snapshot" events sent only when something changed on the
// floor); this swaps it in and lets htmx bind its buttons (an action's answer goes to
// #floor-result, the panel follows by the stream). Between snapshots the times (in a
// state, waiting) tick here, from the seconds the server rendered.
(function () {
  "use strict";

  var box = document.querySelector("[data-floor-events]");
  var live = document.getElementById("floor-live");
  if (!box || !window.EventSource) return;

  var renderedAt = Date.now();

  function clock(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }

  function tick() {
    var passed = Math.floor((Date.now() - renderedAt) / 1000);
    var cells = box.querySelectorAll("[data-seconds]");
    for (var i = 0; i < cells.length; i++) {
      var base = parseInt(cells[i].getAttribute("data-seconds") || "0", 10);
      cells[i].textContent = clock(base + passed);
    }
  }

  function mark(on) {
    if (!live) return;
    live.textContent = live.getAttribute(on ? "data-live-text" : "data-down-text");
    live.classList.toggle("wb-live-on", on);
    live.classList.toggle("wb-live-off", !on);
    live.classList.toggle("text-bg-success", on);
    live.classList.toggle("text-bg-danger", !on);
    live.classList.remove("text-bg-secondary");
  }

  var source = new window.EventSource(box.getAttribute("data-floor-events"));
  source.addEventListener("open", function () {
    mark(true);
  });
  source.addEventListener("error", function () {
    mark(false); // EventSource reconnects by itself (retry: 1 s)
  });
  source.addEventListener("snapshot", function (event) {
    mark(true);
    box.innerHTML = event.data;
    renderedAt = Date.now();
    if (window.htmx) window.htmx.process(box); // the panel's buttons post with htmx
    tick();
  });
  window.addEventListener("pagehide", function () {
    source.close(); // frees the server's thread at once
  });

  window.setInterval(tick, 1000);
})();

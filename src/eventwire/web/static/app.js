// eventwire web UI: links the quote/event lists to their highlighted spans. Written for eventwire, MIT.
// Progressive enhancement only: every page works without it.
(function () {
  "use strict";
  function marks(kind, idx) {
    return document.querySelectorAll('#article-text mark[data-' + kind + '="' + idx + '"]');
  }
  function wire(selector, kind) {
    document.querySelectorAll(selector).forEach(function (el) {
      var idx = el.getAttribute("data-" + kind);
      el.addEventListener("mouseenter", function () {
        marks(kind, idx).forEach(function (m) { m.classList.add("active"); });
      });
      el.addEventListener("mouseleave", function () {
        marks(kind, idx).forEach(function (m) { m.classList.remove("active"); });
      });
      el.addEventListener("click", function (ev) {
        if (ev.target.closest("a")) { return; }
        var first = marks(kind, idx)[0];
        if (first) { first.scrollIntoView({ behavior: "smooth", block: "center" }); }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    wire("ol.quotes li[data-quote]", "quote");
    wire("table.events tr[data-event]", "event");
  });
})();

// Relative times ("5 min ago", "in 3 h") kept true while a page stays open: an event page's kick-off is never refreshed.
// Same wording as monps.templatetags.
(function () {
  "use strict";

  function relative(date, now) {
    var seconds = (now - date) / 1000;
    var past = seconds >= 0;
    seconds = Math.abs(seconds);
    var text;
    if (seconds < 60) text = Math.floor(seconds) + " s";
    else if (seconds < 3600) text = Math.floor(seconds / 60) + " min";
    else if (seconds < 86400) text = Math.floor(seconds / 3600) + " h";
    else text = Math.floor(seconds / 86400) + " d";
    return past ? text + " ago" : "in " + text;
  }

  function refresh(root) {
    var now = Date.now();
    (root || document).querySelectorAll("time.ago[datetime]").forEach(function (element) {
      var date = Date.parse(element.getAttribute("datetime"));
      if (!isNaN(date)) element.textContent = relative(date, now);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { refresh(); });
  document.addEventListener("htmx:afterSettle", function (event) { refresh(event.target); });
  setInterval(refresh, 15000);
})();

// Explanations (templates/partials/explain.html): one open at a time; a tap elsewhere or Escape closes it.
(function () {
  "use strict";

  function closeAll(except) {
    document.querySelectorAll("details.explain[open]").forEach(function (element) {
      if (element !== except) element.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    closeAll(event.target.closest ? event.target.closest("details.explain") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeAll(null);
  });
})();

// A form answered 422 comes back with its errors beside its fields: swapped as a 200 would be. htmx 2
// swaps no 4xx answer unless told to (its responseHandling config); this holds either way.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

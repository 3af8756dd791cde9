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

// The bet slip (templates/bets/slip.html): "Use" fills the stake it names (and its figures follow, as if typed);
// Enter in the event search searches instead of placing the bet; a slip answered with errors (422) shows the
// first one, and an error goes once its field is edited.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-fill]") : null;
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-fill"));
    if (!input) return;
    input.value = button.getAttribute("data-value");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });

  document.addEventListener("keydown", function (event) {
    var search = event.target;
    if (event.key !== "Enter" || !search.matches || !search.matches("input[data-search]")) return;
    event.preventDefault();
    if (window.htmx) window.htmx.trigger(search, "search");
  });

  // A field edited after its error was shown: the error goes (the slip checks it again when posted).
  document.addEventListener("input", function (event) {
    var field = event.target.closest ? event.target.closest("#bet-form-card .field.invalid") : null;
    if (!field) return;
    field.classList.remove("invalid");
    field.querySelectorAll(".errorlist").forEach(function (error) { error.remove(); });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.xhr || event.detail.xhr.status !== 422) return;
    var first = document.querySelector("#bet-form-card .slip-errors, #bet-form-card .field.invalid");
    if (first) first.scrollIntoView({ block: "nearest" });
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

// The event page's line-movement charts (templates/odds/movement.html, drawn by odds/templatetags/movement.py):
// each chart's bookmaker toggles and the prices at a moment on hover, tap or arrow keys (htmx swaps in another line).
// The server draws everything and formats every price; this only reads the data attributes and moves a cursor.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  function timeFormat(zone) {
    var options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    try {
      return new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: zone }, options));
    } catch (error) { // a zone this browser does not know: its own
      return new Intl.DateTimeFormat("en-GB", options);
    }
  }

  // The last point at or before t (points sorted by time), or null before the first.
  function inForce(points, t) {
    var low = 0, high = points.length - 1, found = null;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (points[middle][0] <= t) { found = points[middle]; low = middle + 1; } else { high = middle - 1; }
    }
    return found;
  }

  function element(name, className, text) {
    var made = document.createElement(name);
    if (className) made.className = className;
    if (text) made.textContent = text;
    return made;
  }

  function Chart(svg) {
    var d = svg.dataset;
    this.svg = svg;
    this.x0 = +d.x0; this.x1 = +d.x1; this.y0 = +d.y0; this.y1 = +d.y1;
    this.left = +d.left; this.right = +d.right; this.top = +d.top; this.bottom = +d.bottom;
    this.kickoff = d.kickoff ? +d.kickoff : null;
    this.series = Array.prototype.map.call(svg.querySelectorAll("g.series"), function (g) {
      var colour = Array.prototype.filter.call(g.classList, function (c) { return /^c\d+$|^fair$/.test(c); })[0];
      return { g: g, key: g.dataset.series, label: g.dataset.label, colour: colour, points: JSON.parse(g.dataset.points) };
    });
    this.bets = Array.prototype.map.call(svg.querySelectorAll(".bet-mark"), function (mark) {
      return { at: +mark.dataset.at, price: +mark.dataset.price, text: mark.dataset.text };
    });
    this.readout = document.getElementById(svg.getAttribute("aria-describedby"));
    var zone = svg.closest("[data-zone]");
    this.format = timeFormat(zone ? zone.dataset.zone : undefined);
    this.cursor = document.createElementNS(SVG, "line");
    this.cursor.setAttribute("class", "cursor");
    this.cursor.setAttribute("y1", this.top);
    this.cursor.setAttribute("y2", this.bottom);
    this.dots = document.createElementNS(SVG, "g");
    this.dots.setAttribute("class", "dots");
    svg.appendChild(this.cursor);
    svg.appendChild(this.dots);
    this.moment = null;
    this.listen();
    this.show(this.moments().pop());
  }

  Chart.prototype.visible = function () {
    return this.series.filter(function (s) { return !s.g.classList.contains("off"); });
  };

  // Every moment worth reading: a visible price's change, a bet, the kick-off; in order, once each.
  Chart.prototype.moments = function () {
    var seen = {}, times = [];
    function add(t) { if (!seen[t]) { seen[t] = true; times.push(t); } }
    this.visible().forEach(function (s) { s.points.forEach(function (p) { add(p[0]); }); });
    this.bets.forEach(function (bet) { add(bet.at); });
    if (this.kickoff !== null) add(this.kickoff);
    return times.sort(function (a, b) { return a - b; });
  };

  Chart.prototype.sx = function (t) { return this.left + (t - this.x0) / (this.x1 - this.x0) * (this.right - this.left); };
  Chart.prototype.sy = function (price) { return this.top + (this.y1 - price) / (this.y1 - this.y0) * (this.bottom - this.top); };

  Chart.prototype.nearest = function (clientX) {
    var box = this.svg.getBoundingClientRect();
    var x = (clientX - box.left) / box.width * this.svg.viewBox.baseVal.width;
    var t = this.x0 + (x - this.left) / (this.right - this.left) * (this.x1 - this.x0);
    var best = null;
    this.moments().forEach(function (m) { if (best === null || Math.abs(m - t) < Math.abs(best - t)) best = m; });
    return best;
  };

  Chart.prototype.show = function (t) {
    var chart = this;
    this.moment = t === undefined ? null : t;
    while (this.dots.firstChild) this.dots.removeChild(this.dots.firstChild);
    this.readout.textContent = "";
    if (this.moment === null) { this.cursor.setAttribute("visibility", "hidden"); return; }
    var x = this.sx(t).toFixed(1);
    this.cursor.setAttribute("x1", x);
    this.cursor.setAttribute("x2", x);
    this.cursor.setAttribute("visibility", "visible");
    var when = element("strong", "when", this.format.format(new Date(t * 1000)));
    if (this.kickoff !== null && t === this.kickoff) when.textContent += " · kick-off";
    this.readout.appendChild(when);
    this.visible().forEach(function (s) {
      var point = inForce(s.points, t);
      if (point === null) return;
      var item = element("span", "item " + s.colour);
      item.dataset.series = s.key;
      item.appendChild(element("span", "swatch"));
      item.appendChild(document.createTextNode(s.label + " " + point[2]));
      if (point[0] === t) item.classList.add("moved");
      if (point === s.points[0] && point[0] === t) item.appendChild(element("em", "", " opening"));
      else if (chart.kickoff !== null && t === chart.kickoff) item.appendChild(element("em", "", " closing"));
      chart.readout.appendChild(item);
      var dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("class", "dot " + s.colour);
      dot.setAttribute("cx", x);
      dot.setAttribute("cy", chart.sy(point[1]).toFixed(1));
      dot.setAttribute("r", "3");
      chart.dots.appendChild(dot);
    });
    this.bets.forEach(function (bet) {
      if (bet.at === t) chart.readout.appendChild(element("span", "item bet", bet.text));
    });
  };

  Chart.prototype.step = function (by) {
    var times = this.moments();
    if (!times.length) return;
    var index = times.indexOf(this.moment);
    if (index < 0) index = by > 0 ? -1 : times.length;
    this.show(times[Math.max(0, Math.min(times.length - 1, index + by))]);
  };

  Chart.prototype.listen = function () {
    var chart = this;
    function point(event) { var t = chart.nearest(event.clientX); if (t !== null && t !== chart.moment) chart.show(t); }
    this.svg.addEventListener("pointermove", point);
    this.svg.addEventListener("pointerdown", point);
    this.svg.addEventListener("keydown", function (event) {
      var keys = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
      if (!(event.key in keys)) return;
      event.preventDefault();
      var by = keys[event.key];
      if (Math.abs(by) === Infinity) { var times = chart.moments(); chart.show(by < 0 ? times[0] : times[times.length - 1]); }
      else chart.step(by);
    });
  };

  // A moment's readout names the visible books only: after a toggle, the same moment again (or the last one).
  Chart.prototype.refresh = function () {
    var times = this.moments();
    this.show(times.indexOf(this.moment) >= 0 ? this.moment : times[times.length - 1]);
  };

  function setUp(root) {
    // htmx swaps a line in as it is picked: the picker's button is for pages without script.
    root.querySelectorAll(".line-picker button[type=submit]").forEach(function (button) { button.hidden = true; });
    root.querySelectorAll("svg.movement").forEach(function (svg) {
      if (!svg.__chart) svg.__chart = new Chart(svg);
    });
    root.querySelectorAll(".book-toggle").forEach(function (button) {
      if (button.__bound) return;
      button.__bound = true;
      button.addEventListener("click", function () {
        var on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        var figure = button.closest("figure");
        figure.querySelectorAll('g.series[data-series="' + CSS.escape(button.dataset.series) + '"]').forEach(function (g) {
          g.classList.toggle("off", !on);
        });
        figure.querySelectorAll("svg.movement").forEach(function (svg) { svg.__chart.refresh(); });
      });
    });
  }

  // The whole section on load; a market's section again when its line picker swaps in another line.
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("line-movement");
    if (section) setUp(section);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var section = document.getElementById("line-movement");
    if (section && section.contains(event.target)) setUp(section);
  });
})();

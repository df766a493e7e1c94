// The analyst page: fetches its tables from /api/v1/analysis/... for the chosen window,
// county and type, and draws them with plotly.js (charts) and Leaflet (the hotspot map).
// Every word comes from the text catalogue (config.texts); no data is in the page itself.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("an-config").textContent);
  var texts = config.texts;
  var API = "/api/v1/analysis/";
  var PLOT = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["toImage"] };
  var COLOURS = ["#1f5fa8", "#c0392b", "#27864a", "#8e44ad", "#d68910", "#17808a", "#6d6d6d"];
  var map = null;
  var cells = null;
  var pending = 0;

  function fill(template, values) {
    return template.replace(/\{([a-z_]+)\}/g, function (_, name) { return String(values[name]); });
  }
  function t(key, values) { return values ? fill(texts[key], values) : texts[key]; }
  function typeName(type) { return texts["type." + type] || type; }

  function filters() {
    var form = document.getElementById("an-filters");
    var query = new URLSearchParams();
    var from = form.elements.from.value;
    var to = form.elements.to.value;
    if (from) { query.set("from", from + "T00:00:00+01:00"); }
    if (to) { query.set("to", to + "T00:00:00+01:00"); }
    if (form.elements.county.value) { query.set("county", form.elements.county.value); }
    return query;
  }
  function chosenType() { return document.getElementById("an-type").value; }

  function url(table, extra) {
    var query = filters();
    Object.keys(extra || {}).forEach(function (name) {
      if (extra[name] !== "") { query.set(name, extra[name]); }
    });
    return API + table + "?" + query.toString();
  }

  function fetchJson(address) {
    return fetch(address, { credentials: "same-origin" }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.status + " " + answer.statusText); }
      return answer.json();
    });
  }

  function records(table) {
    return table.rows.map(function (row) {
      var out = {};
      table.columns.forEach(function (name, i) { out[name] = row[i]; });
      return out;
    });
  }

  function busy(id, on) {
    var box = document.getElementById(id);
    box.classList.toggle("an-busy", on);
    if (on) { box.dataset.state = "loading"; }
  }

  function failed(id, error) {
    var box = document.getElementById(id);
    box.dataset.state = "failed";
    box.textContent = t("failed", { reason: error.message });
  }

  function track(promise, id) {
    pending += 1;
    busy(id, true);
    return promise.then(function () {
      document.getElementById(id).dataset.state = "ready";
    }, function (error) { failed(id, error); }).then(function () {
      busy(id, false);
      pending -= 1;
      if (pending === 0) { document.documentElement.dataset.georiskReady = "1"; }
    });
  }

  function drawWeekly() {
    var type = chosenType() || "traffic";
    return fetchJson(url("forecast", { type: type, weeks: 13 })).then(function (answer) {
      var past = records(answer.history);
      var ahead = records(answer.forecast);
      var weeks = ahead.map(function (r) { return r.week; });
      var traces = [
        { x: weeks.concat(weeks.slice().reverse()),
          y: ahead.map(function (r) { return r.upper; })
            .concat(ahead.map(function (r) { return r.lower; }).reverse()),
          fill: "toself", fillcolor: "rgba(31,95,168,0.18)", line: { width: 0 },
          name: t("weekly.band"), hoverinfo: "skip", type: "scatter" },
        { x: past.map(function (r) { return r.week; }), y: past.map(function (r) { return r.count; }),
          name: t("weekly.observed"), type: "scatter", mode: "lines",
          line: { color: "#333", width: 1.5 } },
        { x: weeks, y: ahead.map(function (r) { return r.mean; }), name: t("weekly.forecast"),
          type: "scatter", mode: "lines", line: { color: COLOURS[0], width: 2.5, dash: "dot" } },
      ];
      Plotly.newPlot("an-weekly-chart", traces, {
        title: { text: answer.note ? typeName(type) + " – " + t("weekly.too_short") : typeName(type) }, margin: { t: 40, r: 10, b: 40, l: 50 },
        yaxis: { title: { text: t("weekly.axis") }, rangemode: "tozero" },
        legend: { orientation: "h" }, separators: config.lang === "sv" ? ", " : ".,",
      }, PLOT);
    });
  }

  function profile(by, id, axisTitle, labels) {
    var type = chosenType();
    return fetchJson(url("history", { by: by + ",type", type: type })).then(function (table) {
      var rows = records(table);
      var types = Array.from(new Set(rows.map(function (r) { return r.type; })));
      var order = Array.from(new Set(rows.map(function (r) { return r[by]; }))).sort(function (a, b) {
        return a < b ? -1 : (a > b ? 1 : 0);
      }).map(function (value) { return labels ? labels[value] : value; });
      var traces = types.map(function (kind, i) {
        var mine = rows.filter(function (r) { return r.type === kind; });
        return { x: mine.map(function (r) { return labels ? labels[r[by]] : r[by]; }),
                 y: mine.map(function (r) { return r.count; }), name: typeName(kind),
                 type: "bar", marker: { color: COLOURS[i % COLOURS.length] } };
      });
      Plotly.newPlot(id, traces, {
        barmode: "stack", margin: { t: 10, r: 10, b: 70, l: 45 }, showlegend: by === "month",
        legend: { x: 1.02, y: 1 }, xaxis: { title: { text: axisTitle }, type: "category",
                                          categoryorder: "array", categoryarray: order,
                                          tickangle: by === "month" ? -45 : 0 },
        yaxis: { title: { text: t("profiles.count") } },
      }, PLOT);
    });
  }

  function drawProfiles() {
    var days = t("weekdays").split(",");
    var weekday = {};
    days.forEach(function (name, i) { weekday[i + 1] = name; });
    return Promise.all([
      profile("hour", "an-hour-chart", t("profiles.hour")),
      profile("weekday", "an-weekday-chart", t("profiles.weekday"), weekday),
      profile("month", "an-month-chart", t("profiles.month")),
    ]);
  }

  function drawHotspots() {
    var type = chosenType();
    return fetchJson(url("hotspots", { type: type })).then(function (found) {
      if (map === null) {
        map = L.map("an-hotspot-map", { zoomSnap: 0.25, attributionControl: false });
        L.geoJSON(config.outlines, { style: { color: "#555", weight: 1, fill: false } }).addTo(map);
        map.fitBounds(L.geoJSON(config.outlines).getBounds());
        var legend = L.control({ position: "topright" });
        legend.onAdd = function () {
          var box = L.DomUtil.create("div", "an-legend");
          [["#b03a2e", t("hotspots.hot")], ["#1f5fa8", t("hotspots.cold")]].forEach(function (item) {
            var line = L.DomUtil.create("div", "", box);
            var swatch = L.DomUtil.create("span", "an-swatch", line);
            swatch.style.background = item[0];
            line.appendChild(document.createTextNode(" " + item[1]));
          });
          return box;
        };
        legend.addTo(map);
      }
      if (cells !== null) { map.removeLayer(cells); }
      var counts = { hot: 0, cold: 0 };
      cells = L.geoJSON(found, {
        style: function (feature) {
          var hot = feature.properties.hotspot === "hot";
          return { color: hot ? "#b03a2e" : "#1f5fa8", weight: 0.5, fillOpacity: 0.55 };
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          counts[p.hotspot] += 1;
          layer.bindTooltip(t("hotspots.cell", { cell: p.cell, observed: p.observed,
            expected: p.expected.toFixed(1), z: p.gi_z.toFixed(1) }));
        },
      }).addTo(map);
      document.getElementById("an-hotspot-count").textContent =
        t("hotspots.count", { hot: counts.hot, cold: counts.cold });
    });
  }

  // columns: [name, heading] pairs
  function table(id, rows, pairs) {
    var box = document.getElementById(id);
    box.textContent = "";
    if (!rows.length) { box.textContent = t("empty"); return; }
    var grid = document.createElement("table");
    var head = grid.createTHead().insertRow();
    var columns = pairs.map(function (pair) { return pair[0]; });
    pairs.forEach(function (pair) {
      var cell = document.createElement("th");
      cell.textContent = pair[1];
      head.appendChild(cell);
    });
    var body = grid.createTBody();
    rows.forEach(function (row) {
      var line = body.insertRow();
      columns.forEach(function (name) {
        var value = row[name];
        if (name === "agency") { value = texts["agency." + value] || value; }
        if (name === "unit_kind") { value = texts["kind." + value] || value; }
        if (name === "reason") { value = texts["reason." + value] || value; }
        line.insertCell().textContent = typeof value === "number"
          ? value.toLocaleString(config.lang === "sv" ? "sv-SE" : "en-GB", { maximumFractionDigits: 1 })
          : (value === null ? "–" : value);
      });
    });
    box.appendChild(grid);
  }

  function drawBlockages() {
    return fetchJson(url("blockages", {})).then(function (answer) {
      var rows = records(answer).slice(0, 12);
      var labels = rows.map(function (r) { return r.road + " · " + (texts["reason." + r.reason] || r.reason); });
      Plotly.newPlot("an-blockage-chart", [{
        y: labels.slice().reverse(), x: rows.map(function (r) { return r.median_h; }).reverse(),
        type: "bar", orientation: "h", marker: { color: "#d68910" },
      }], { margin: { t: 10, r: 10, b: 40, l: 160 }, xaxis: { title: { text: t("blockages.axis") } } },
      PLOT);
      table("an-blockage-table", rows, [["road", t("col.road")], ["reason", t("col.reason")],
        ["blockages", t("col.blockages")], ["median_h", t("col.median_h")],
        ["p90_h", t("col.p90_h")]]);
    });
  }

  function drawResponse() {
    var type = chosenType();
    return fetchJson(url("response", { type: type })).then(function (answer) {
      var rows = records(answer);
      var labels = rows.map(function (r) {
        return (texts["agency." + r.agency] || r.agency) + " · " + (texts["kind." + r.unit_kind] || r.unit_kind);
      });
      Plotly.newPlot("an-response-chart", [
        { y: labels, x: rows.map(function (r) { return r.to_scene_median; }), type: "bar",
          orientation: "h", name: t("response.to_scene"), marker: { color: COLOURS[0] } },
        { y: labels, x: rows.map(function (r) { return r.response_median; }), type: "bar",
          orientation: "h", name: t("response.response"), marker: { color: COLOURS[2] } },
      ], { margin: { t: 30, r: 10, b: 30, l: 230 }, legend: { orientation: "h", y: 1.12 },
           yaxis: { autorange: "reversed" } }, PLOT);
      table("an-response-table", rows, [["agency", t("col.agency")],
        ["unit_kind", t("col.unit_kind")], ["missions", t("col.missions")],
        ["to_scene_median", t("col.to_scene_median")], ["on_scene_median", t("col.on_scene_median")],
        ["response_median", t("col.response_median")]]);
    });
  }

  function drawAvailability() {
    return fetchJson(url("availability", { every: "day" })).then(function (answer) {
      var rows = records(answer);
      var places = Array.from(new Set(rows.map(function (r) { return r.county; })));
      var names = {};
      config.counties.forEach(function (c) { names[c.code] = c.name; });
      Plotly.newPlot("an-availability-chart", places.map(function (place, i) {
        var mine = rows.filter(function (r) { return r.county === place; });
        return { x: mine.map(function (r) { return r.date; }),
                 y: mine.map(function (r) { return r.available_share; }), type: "scatter",
                 mode: "lines", name: names[place] || place,
                 line: { color: COLOURS[i % COLOURS.length], width: 1.2 } };
      }), { margin: { t: 10, r: 10, b: 40, l: 50 }, legend: { orientation: "h", y: -0.2 },
            yaxis: { title: { text: t("availability.axis") }, tickformat: ".0%", range: [0, 1] } },
      PLOT);
    });
  }

  function links() {
    var type = chosenType();
    document.querySelectorAll(".an-download").forEach(function (link) {
      var extra = { format: "csv" };
      if (link.dataset.by) { extra.by = link.dataset.by; }
      if (["forecast", "history", "hotspots", "response"].indexOf(link.dataset.table) >= 0) {
        extra.type = link.dataset.table === "forecast" ? (type || "traffic") : type;
      }
      link.href = url(link.dataset.table, extra);
      link.setAttribute("download", "");
    });
  }

  function draw() {
    document.documentElement.dataset.georiskReady = "0";
    links();
    track(drawWeekly(), "an-weekly");
    track(drawProfiles(), "an-profiles");
    track(drawHotspots(), "an-hotspots");
    track(drawBlockages(), "an-blockages");
    track(drawResponse(), "an-response");
    track(drawAvailability(), "an-availability");
  }

  function options() {
    var county = document.getElementById("an-county");
    county.add(new Option(t("all_counties"), ""));
    config.counties.forEach(function (c) { county.add(new Option(c.name, c.code)); });
    var type = document.getElementById("an-type");
    type.add(new Option(t("all_types"), ""));
    config.types.forEach(function (kind) { type.add(new Option(typeName(kind), kind)); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    options();
    document.getElementById("an-filters").addEventListener("submit", function (event) {
      event.preventDefault();
      draw();
    });
    draw();
  });
}());

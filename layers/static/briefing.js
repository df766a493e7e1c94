/* georisk briefing file: draws the embedded picture with the live map's own symbols
   and popups (GeoriskLive.drawing), fills the summary panel, and for a time window
   switches between the embedded instants. Nothing is fetched: the data is in the page.
   Record text goes into the page with textContent only. */
(function () {
  "use strict";

  var data, cfg, map, layers, D, current = -1;
  var made = {};  // version index -> Leaflet layer, so moving the slider back is instant
  var points = {}, shownPoints = [], grid = null;  // incidents: drawn on the live map's grid

  function t(key, values) { return D.t(key, values); }
  function el(tag, attrs, children) { return D.el(tag, attrs, children); }

  function layerFor(kind, index, now) {
    var key = kind + ":" + index;
    if (!made[key]) {
      var f = data.versions[index];
      if (kind === "incidents") { made[key] = D.incident(f); }
      else if (kind === "units") { made[key] = D.unit(f, now); }
      else if (kind === "blockages") { made[key] = D.blockage(f); }
      else { made[key] = D.zone(f); }
    }
    return made[key];
  }

  function pointFor(index) {
    if (!points[index]) { points[index] = D.pointOf(data.versions[index]); points[index].v = index; points[index].index = index; }
    return points[index];
  }
  function openPoint(p) {
    L.popup(D.popupOptions).setLatLng([p.lat, p.lng]).setContent(D.incidentPopup(data.versions[p.index])).openOn(map);
  }
  // A square's count (incidents beyond those kept whole), drawn as a square disc.
  function squarePoint(cell) {
    var at = GeoriskClusters.project(cell[1], cell[0]);
    return {id: "square:" + cell[0] + ":" + cell[1], lng: cell[0], lat: cell[1], mx: at[0], my: at[1], v: 0,
            n: cell[2], severity: cell[3], square: true};
  }
  function squareMarker(p) {
    var km = data.aggregated.cell_km;
    return L.marker([p.lat, p.lng], {icon: GeoriskClusters.icon(p.n, "gr-square"), keyboard: true, title: String(p.n)})
      .bindTooltip(t("s.square", {n: p.n, km: km, severity: p.severity}), {className: "georisk-tip"});
  }
  function showIncidents(items, cells) {
    shownPoints = items.map(pointFor).concat(cells.map(squarePoint));
    if (grid) { grid.redraw(); return; }
    grid = GeoriskClusters.layer({each: function (fn) { shownPoints.forEach(fn); }}, {
      point: function (p) { return p.square ? squareMarker(p) : layerFor("incidents", p.index); },
      members: function (found, at) { D.pointsAt(found, at, openPoint); }
    });
    grid.on("redrawn", D.screen.schedule);
    layers.incidents.addLayer(grid);
  }

  function show(i) {
    var state = data.states[i];
    var now = Date.parse(state.time);
    current = i;
    cfg.layers.forEach(function (kind) {
      var group = layers[kind];
      if (kind === "incidents") {
        showIncidents((state.items.incidents || []).filter(function (index) { return data.versions[index].geometry !== null; }),
                      state.cells || []);
        return;
      }
      group.clearLayers();
      var items = (state.items[kind] || []).filter(function (index) {
        return data.versions[index].geometry !== null;
      }).map(function (index) {
        // a unit's stale look depends on the instant it is shown at
        return kind === "units" ? D.unit(data.versions[index], now) : layerFor(kind, index, now);
      });
      if (group.addLayers) { group.addLayers(items); } else { items.forEach(function (l) { group.addLayer(l); }); }
    });
    var label = document.getElementById("gr-time-label");
    if (label) { label.textContent = state.label; }
    if (data.states.length > 1) { document.getElementById("gr-picture-time").textContent = state.label; }
    summary(state.summary);
    D.screen.schedule();
    document.documentElement.setAttribute("data-georisk-state", String(i));
  }

  // -- summary panel ------------------------------------------------------------------
  function table(head, rows, total) {
    var thead = el("thead", {}, [el("tr", {}, head.map(function (h, n) { return el("th", {text: h, scope: "col", "class": n ? "num" : null}); }))]);
    var body = el("tbody", {}, rows.map(function (r) {
      return el("tr", {}, r.map(function (c, n) { return el(n ? "td" : "th", {text: String(c), "class": n ? "num" : null, scope: n ? null : "row"}); }));
    }));
    var parts = [thead, body];
    if (total) { parts.push(el("tfoot", {}, [el("tr", {}, total.map(function (c, n) { return el(n ? "td" : "th", {text: String(c), "class": n ? "num" : null}); }))])); }
    return el("table", {"class": "gr-table"}, parts);
  }
  function section(id, title, count, content) {
    var h = el("h2", {}, [title, count === null ? null : el("span", {"class": "gr-count", "data-count": id, text: String(count)})]);
    return el("section", {id: "gr-s-" + id}, [h, content]);
  }
  function none() { return el("p", {"class": "gr-none", text: t("s.none")}); }
  function summary(s) {
    var box = document.getElementById("gr-summary");
    var parts = [];
    if (cfg.layers.indexOf("incidents") >= 0) {
      var inc = s.incidents;
      // one row per county and a row per type under it: narrow enough for the panel
      var incRows = [];
      inc.rows.forEach(function (r) {
        incRows.push(el("tr", {"class": "gr-group"}, [el("th", {scope: "row", text: r.county}), el("td", {"class": "num", "data-county": r.code, text: String(r.total)})]));
        inc.types.forEach(function (ty, n) {
          if (r.counts[n]) { incRows.push(el("tr", {}, [el("td", {"class": "gr-sub", text: t("type." + ty)}), el("td", {"class": "num", text: String(r.counts[n])})])); }
        });
      });
      var incTable = el("table", {"class": "gr-table"}, [
        el("thead", {}, [el("tr", {}, [el("th", {scope: "col", text: t("f.county") + " / " + t("f.type")}), el("th", {"class": "num", scope: "col", text: t("s.total")})])]),
        el("tbody", {}, incRows)]);
      var squares = data.states[current].cells || [];
      var counted = squares.reduce(function (a, c) { return a + c[2]; }, 0);
      var note = counted ? el("p", {"class": "gr-none gr-aggregated", text: t("s.aggregated", {
        kept: whole(inc.total - counted), total: whole(inc.total), rest: whole(counted), km: data.aggregated.cell_km})}) : null;
      parts.push(section("incidents", t("s.incidents"), inc.total, inc.total ? el("div", {}, [note, incTable]) : none()));
    }
    if (cfg.layers.indexOf("blockages") >= 0) {
      var bl = s.blockages;
      parts.push(section("blockages", t("s.blockages"), bl.total, bl.total ? table(
        [t("f.road") + " · " + t("f.municipality"), t("f.reason"), t("f.start")],
        bl.rows.map(function (r) {
          return [r.road + " · " + (cfg.municipalities[r.municipality] || r.municipality || "–") + (r.generalised ? " (" + t("s.generalised") + ")" : ""), t("reason." + r.reason), D.when(r.since)];
        })) : none()));
    }
    if (cfg.layers.indexOf("riskzones") >= 0) {
      var rk = s.risk;
      parts.push(section("risk", t("s.risk"), null, rk.rows.length ? table(
        [t("f.county"), t("s.highest"), t("s.classes")],
        rk.rows.map(function (r) { return [r.county, r.highest, r.classes.join(", ")]; })) : none()));
    }
    if (cfg.layers.indexOf("units") >= 0) {
      var un = s.units;
      var uTotals = un.statuses.map(function (_, n) { return un.rows.reduce(function (a, r) { return a + r.counts[n]; }, 0); });
      parts.push(section("units", t("s.units"), un.total, un.total ? table(
        [t("f.agency")].concat(un.statuses.map(function (st) { return t("ustatus." + st); }), [t("s.total")]),
        un.rows.map(function (r) { return [t("agency." + r.agency)].concat(r.counts, [r.total]); }),
        [t("s.total")].concat(uTotals, [un.total])) : none()));
    }
    if (data.coverage) { parts.push(coverageSection(data.coverage)); }
    box.replaceChildren.apply(box, parts);
  }
  function whole(n) { return Math.round(n).toLocaleString(cfg.lang === "sv" ? "sv-SE" : "en-GB"); }
  // The coverage layer's figures: the same for every instant (it is of the picture now).
  function coverageSection(fc) {
    var gap = null;
    fc.features.forEach(function (f) { if (f.properties.layer === "gap") { gap = f.properties; } });
    var content = [];
    if (gap) {
      content.push(el("p", {"class": "gr-cover-info", text: t("r.coverage_info", {units: fc.units, minutes: gap.minutes, area: whole(gap.area_km2), people: whole(gap.population)})}));
      var towns = gap.towns.slice(0, 10).map(function (x) { return x.name; }).join(", ");
      if (towns) { content.push(el("p", {"class": "gr-cover-info", text: t("r.gap_towns", {towns: towns})})); }
    }
    content.push(el("p", {"class": "gr-none", text: fc.network.note}));
    return section("coverage", t("s.coverage", {kind: t("kind." + fc.kind)}), null, el("div", {}, content));
  }

  function counts() {
    var out = {state: current};
    cfg.layers.forEach(function (kind) {
      out[kind] = kind === "incidents" ? shownPoints.reduce(function (a, p) { return a + (p.n || 1); }, 0) : layers[kind].getLayers().length;
    });
    return out;
  }

  function start(theMap, theLayers, config) {
    map = theMap; layers = theLayers; cfg = config;
    data = JSON.parse(document.getElementById("gr-data").textContent);
    D = GeoriskLive.drawing(map, layers, config);
    map.invalidateSize();
    var slider = document.getElementById("gr-time");
    if (slider) { slider.addEventListener("input", function () { show(Number(slider.value)); }); }
    if (data.coverage && layers.coverage) { layers.coverage.addLayer(D.coverage(data.coverage)); }
    show(data.states.length - 1);
    // printing: Leaflet must learn the page size, or the map prints at screen size
    window.addEventListener("beforeprint", function () { map.invalidateSize(); });
    window.addEventListener("afterprint", function () { map.invalidateSize(); });
    D.screen.frame(cfg.bounds, function () {  // the area as large as it fits beside the legend
      document.documentElement.setAttribute("data-georisk-ready", "1");
    });
  }

  window.GeoriskBriefing = {start: start, show: show, counts: counts, states: function () { return data.states.length; },
                            view: function () { return D.screen.view(cfg.bounds); }};
}());

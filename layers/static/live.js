/* georisk live map: draws the picture from the API, follows the journal over SSE,
   filters, lists and edits. Every text from a record is put into the page with
   textContent (never innerHTML), so a title like <img onerror=...> stays text. */
(function () {
  "use strict";

  var cfg, map, layers, T, S, screen;
  var grid = null;  // the incidents' grid clusters (clusters.js), on the live page
  var R = null;  // resources.js, on the live page (set at start)
  var G = {
    lastSeq: 0, applied: 0, duplicates: 0, source: null, ready: false, day: null,
    // incidents: id -> point (compact: what filters, the grid and the list need); the
    // whole feature only of those the stream brought or a popup asked for (full)
    incident: new Map(), full: new Map(), unit: new Map(), blockage: new Map(), riskzones: new Map(),
    viewer: null, mode: null, draft: null, listTimer: null
  };
  var filter = {
    agencies: new Set(), types: new Set(), minSeverity: 1, county: "",
    unitStatuses: new Set(), incidentStatus: "open", windowH: 0
  };
  var AGENCIES = ["police", "rescue", "sos", "centre"];
  var TYPES = ["fire", "forest_fire", "traffic", "police", "medical", "rescue", "other"];
  var USTATUS = ["available", "en_route", "on_scene", "out_of_service"];
  var REASONS = ["accident", "snow_ice", "fire", "roadworks", "flooding", "other"];
  var CLASSES = ["open", "agency", "restricted"];

  // -- small helpers ----------------------------------------------------------------
  // The catalogue's one placeholder rule (georisk.texts.fill): each {name} becomes the
  // value given for it, put in as it is; tests/test_texts.py checks every call's names.
  function fill(template, values) {
    return template.replace(/\{([a-z_]+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  function t(key, values) { return fill(T[key] || key, values || {}); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "on") { Object.keys(attrs.on).forEach(function (e) { node.addEventListener(e, attrs.on[e]); }); }
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }
  var dateFmt = null;  // made when first asked: making it takes 10-15 ms of the page's first task
  function when(iso) {
    if (!iso) { return "–"; }
    dateFmt = dateFmt || new Intl.DateTimeFormat(cfg.lang === "sv" ? "sv-SE" : "en-GB", {
      timeZone: "Europe/Stockholm", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
    });
    return dateFmt.format(new Date(iso));
  }
  function age(seconds) {
    if (seconds < 3600) { return Math.round(seconds / 60) + " min"; }
    if (seconds < 172800) { return Math.round(seconds / 3600) + " h"; }
    return Math.round(seconds / 86400) + " d";
  }
  function latlng(geometry) { return L.latLng(geometry.coordinates[1], geometry.coordinates[0]); }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }
  function api(method, path, body) {
    var headers = {"Accept": "application/json"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    var token = csrf();
    if (token) { headers["X-CSRF-Token"] = token; }
    return fetch(cfg.urls.api + path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = {detail: text}; }
        return {ok: r.ok, status: r.status, body: data};
      });
    }).catch(function () { return {ok: false, status: 0, body: null}; });  // no answer at all
  }
  function mayWrite() { return G.viewer && (G.viewer.role === "operator" || G.viewer.role === "admin"); }

  // -- symbols: the legend's own templates and tables (layers/symbols.py) --------------
  function esc(text) {  // as Python's html.escape, so both sides write the same bytes
    return String(text).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}[ch];
    });
  }
  // The marker's SVG: each field of the record picks its part of the template's values
  // (later fields win), over the fallback; Symbol.draw in layers/symbols.py does the same.
  function drawSymbol(s, size, record) {
    var values = {size: size};
    Object.keys(s.fallback).forEach(function (k) { values[k] = s.fallback[k]; });
    s.fields.forEach(function (name) {
      var part = s.parts[name][String(record[name])] || {};
      Object.keys(part).forEach(function (k) { values[k] = part[k]; });
    });
    Object.keys(values).forEach(function (k) { values[k] = esc(values[k]); });
    return fill(s.template, values);
  }
  // Icons hold no record text, so one icon per look serves every marker with it:
  // 5,000 incidents need a few dozen icons, not 5,000 DOM builds.
  var incidentIcons = new Map();
  function incidentIcon(p) {
    var key = p.type + "|" + p.severity + "|" + p.agency + "|" + (p.generalised ? 1 : 0);
    var icon = incidentIcons.get(key);
    if (icon) { return icon; }
    var html = '<div class="gr-inc-icon' + (p.generalised ? " gr-generalised" : "") + '">' +
      drawSymbol(S.incidents, 26, p) + "</div>";
    icon = L.divIcon({html: html, className: "gr-icon", iconSize: [26, 26], iconAnchor: [12, 14], popupAnchor: [0, -10]});
    incidentIcons.set(key, icon);
    return icon;
  }
  // How a unit's last report is to be read (layers/units.py says why): parked (available
  // and reported standing still) is where it was, however long ago; out of service is no
  // duty; anything else whose report is older than the stale age is stale.
  function unitLook(p, now) {
    var parked = p.status === "available" && p.speed_kmh === 0;
    var seconds = p.position_time ? (now - Date.parse(p.position_time)) / 1000 : null;
    var stale = !parked && p.status !== "out_of_service" && (seconds === null || seconds > S.units.staleAfterS);
    return {parked: parked, stale: stale, seconds: seconds, key: (parked ? "p" : "") + (stale ? "s" : "")};
  }
  // When callsigns compete for room, those of units at work are placed first (screen.js).
  var LABEL_PRIORITY = {on_scene: 0, en_route: 1, available: 2, out_of_service: 3};
  function unitIcon(p, look) {
    var label = el("span", {"class": "gr-callsign", "data-priority": LABEL_PRIORITY[p.status] === undefined ? 3 : LABEL_PRIORITY[p.status], text: p.callsign});
    if (look.stale) {
      label.appendChild(el("span", {"class": "gr-age", text: look.seconds === null ? " ?" : " " + age(look.seconds)}));
    }
    var box = el("div", {"class": "gr-unit-icon" + (look.stale ? " gr-stale" : "") + (look.parked ? " gr-parked" : "")}, [label]);
    // the symbol holds no record text (the callsign above goes in as text)
    box.insertAdjacentHTML("afterbegin", drawSymbol(S.units, 22, {
      agency: p.agency, unit_kind: p.unit_kind, status: p.status, age: look.stale ? "stale" : "fresh",
      parked: look.parked ? "yes" : "no"
    }));
    return L.divIcon({html: box, className: "gr-icon", iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10]});
  }
  // Units at one place: one marker with their count in a ring of their looks (each status,
  // or stale), drawn from the template layers/units.py draws the legend's from.
  function clusterSymbol(counts, size) {
    var c = S.units.cluster, total = 0, start = 0, values = {size: size};
    c.looks.forEach(function (look) { total += counts[look] || 0; });
    values.count = total;
    c.looks.forEach(function (look) {
      var length = total ? c.ring * (counts[look] || 0) / total : 0;
      values["len_" + look] = length.toFixed(2);
      values["at_" + look] = (length + c.gap - start).toFixed(2);
      start += length;
    });
    return fill(c.template, values);
  }
  function refreshCluster(marker) {  // its cluster's ring counts the looks
    if (layers.units.refreshClusters && layers.units.hasLayer(marker)) { layers.units.refreshClusters(marker); }
  }
  function unitClusterIcon(cluster) {
    var counts = {}, names = [];
    cluster.getAllChildMarkers().forEach(function (m) {
      var look = m._grLook && m._grLook.stale ? "stale" : m._grStatus;
      counts[look] = (counts[look] || 0) + 1;
      names.push(m.options.title);
    });
    names.sort();
    var shown = names.slice(0, 12).join(", ") + (names.length > 12 ? " …" : "");
    var box = el("div", {"class": "gr-unit-cluster", role: "img", "aria-label": t("p.units_here", {n: names.length}),
                         title: t("p.units_here", {n: names.length}) + ": " + shown});
    box.innerHTML = clusterSymbol(counts, 28);  // numbers and colours only: no record text
    return L.divIcon({html: box, className: "gr-icon", iconSize: [28, 28], iconAnchor: [14, 14]});
  }

  // -- popups -------------------------------------------------------------------------
  function rows(pairs) {
    var table = el("table", {"class": "gr-props"});
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") { return; }
      table.appendChild(el("tr", {}, [el("th", {text: pair[0]}), el("td", {text: String(pair[1])})]));
    });
    return table;
  }
  function municipality(code) { return (cfg.municipalities || {})[code] || code || "–"; }
  function actionButton(label, action) {
    var msg = el("div", {"class": "gr-error", role: "alert"});
    var button = el("button", {type: "button", "class": "gr-button", text: label});
    button.addEventListener("click", function () {
      button.disabled = true;
      action().then(function (r) {
        button.disabled = false;
        if (r.ok) { map.closePopup(); apply({kind: r.kind, payload: r.body.feature}); }
        else { msg.textContent = t("p.failed", {detail: failure(r.status)}); }
      });
    });
    return el("div", {"class": "gr-actions"}, [button, msg]);
  }
  function incidentPopup(f, marker) {
    var p = f.properties;
    var body = el("div", {"class": "gr-popup"}, [
      el("h3", {text: p.title}),
      rows([[t("f.type"), t("type." + p.type)], [t("f.severity"), p.severity],
            [t("f.agency"), t("agency." + p.agency)], [t("f.time"), when(p.reported_at)],
            [t("f.municipality"), municipality(p.municipality)], [t("f.status"), t("status." + p.status)]]),
      p.description ? el("p", {"class": "gr-desc", text: p.description}) : null,
      p.generalised ? el("p", {"class": "gr-note", text: t("f.generalised")}) : null
    ]);
    if (mayWrite() && p.status === "open" && !p.generalised) {
      body.appendChild(actionButton(t("p.close_incident"), function () {
        return api("POST", "/incidents/" + encodeURIComponent(f.id) + "/close").then(function (r) { r.kind = "incident.closed"; return r; });
      }));
    }
    // the live page's resource parts (resources.js): the brief, suggested units, routes
    if (R && cfg.urls && p.status === "open") { R.incident(body, f, marker); }
    return body;
  }
  function unitPopup(f) {
    var p = f.properties;
    var body = el("div", {"class": "gr-popup"}, [
      el("h3", {text: p.callsign}),
      rows([[t("f.kind"), t("kind." + p.unit_kind)], [t("f.agency"), t("agency." + p.agency)],
            [t("f.status"), t("ustatus." + p.status)], [t("f.position_time"), when(p.position_time)]]),
      p.generalised ? el("p", {"class": "gr-note", text: t("f.generalised")}) : null
    ]);
    if (mayWrite() && !p.generalised) {
      var select = el("select", {"aria-label": t("f.status"), "class": "gr-status-select"});
      USTATUS.forEach(function (s) { var o = el("option", {value: s, text: t("ustatus." + s)}); if (s === p.status) { o.selected = true; } select.appendChild(o); });
      body.appendChild(select);
      body.appendChild(actionButton(t("p.set_status"), function () {
        return api("PUT", "/units/" + encodeURIComponent(f.id) + "/status", {status: select.value}).then(function (r) { r.kind = "unit.status"; return r; });
      }));
    }
    return body;
  }
  function blockagePopup(f) {
    var p = f.properties;
    var body = el("div", {"class": "gr-popup"}, [
      el("h3", {text: p.road + " – " + t("reason." + p.reason)}),
      rows([[t("f.road"), p.road], [t("f.reason"), t("reason." + p.reason)], [t("f.start"), when(p.start)],
            [t("f.expected_end"), when(p.expected_end)], [t("f.agency"), t("agency." + p.agency)],
            [t("f.municipality"), municipality(p.municipality)]])
    ]);
    if (mayWrite() && p.status === "active" && !p.generalised) {
      body.appendChild(actionButton(t("p.lift"), function () {
        return api("POST", "/blockages/" + encodeURIComponent(f.id) + "/lift").then(function (r) { r.kind = "blockage.lifted"; return r; });
      }));
    }
    return body;
  }

  // -- layers: build, filter, apply events ------------------------------------------
  function incidentVisible(p) {  // p: a point (see point)
    if (!filter.agencies.has(p.agency) || !filter.types.has(p.type)) { return false; }
    if (p.severity < filter.minSeverity) { return false; }
    if (filter.county && p.county !== filter.county) { return false; }
    if (filter.incidentStatus && p.status !== filter.incidentStatus) { return false; }
    if (filter.windowH && Date.now() - p.t > filter.windowH * 3600e3) { return false; }
    return true;
  }
  function unitVisible(p) { return filter.agencies.has(p.agency) && filter.unitStatuses.has(p.status); }
  function blockageVisible(p) { return filter.agencies.has(p.agency) && (!filter.county || p.county === filter.county); }

  // The live map keeps the newest version of each record; a briefing draws the one it holds.
  function current(kind, f) { var e = G[kind].get(f.id); return e ? e.feature : f; }

  // An open incident as the live page keeps it: what the filters, the grid, the list and
  // its marker need. The picture sends these fields as rows; the stream, whole features.
  var versions = 0;
  function point(id, lon, lat, p, t, status) {  // t: reported_at in ms since 1970
    var at = GeoriskClusters.project(lat, lon);
    return {id: id, lat: lat, lng: lon, mx: at[0], my: at[1], v: ++versions,
            type: p.type, severity: p.severity, agency: p.agency, status: status, t: t,
            municipality: p.municipality, county: p.county, title: p.title, generalised: !!p.generalised};
  }
  function pointOfFeature(f) {
    var p = f.properties;
    return point(f.id, f.geometry.coordinates[0], f.geometry.coordinates[1], p, Date.parse(p.reported_at), p.status);
  }
  // each(item) for every item, `size` at a time between tasks, then done(): 100,000
  // incidents or 2,000 unit markers never freeze the page.
  function inChunks(items, size, each, done) {
    var next = 0;
    (function chunk() {
      var end = Math.min(next + size, items.length);
      for (; next < end; next++) { each(items[next]); }
      if (next < items.length) { setTimeout(chunk, 0); } else { done(); }
    }());
  }
  // A function taking one of the picture's incident rows (named by ``fields``) as a point.
  function rowTaker(fields) {
    var at = {}, values = {};
    fields.forEach(function (name, n) { at[name] = n; });
    var names = fields.filter(function (name) { return ["id", "lon", "lat", "reported_s"].indexOf(name) < 0; });
    return function (r) {
      for (var k = 0; k < names.length; k++) { values[names[k]] = r[at[names[k]]]; }
      G.incident.set(r[at.id], point(r[at.id], r[at.lon], r[at.lat], values, r[at.reported_s] * 1000, "open"));
    };
  }
  // The picture's incidents, read a part at a time as their lines arrive (a first line
  // naming the fields, then a row per incident): each part parsed on its own and its rows
  // taken 5,000 at a time, so 100,000 of them are never one parse or one task.
  function addRows(url, done) {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/x-ndjson"}}).then(function (r) {
      if (!r.ok) { throw new Error("incidents: HTTP " + r.status); }
      var reader = r.body.getReader(), decoder = new TextDecoder(), rest = "", take = null;
      function part(read) {
        var text = rest + (read.done ? decoder.decode() : decoder.decode(read.value, {stream: true}));
        var end = read.done ? text.length : text.lastIndexOf("\n") + 1;
        var lines = text.slice(0, end).split("\n").filter(Boolean);
        rest = text.slice(end);
        if (!take && lines.length) { take = rowTaker(JSON.parse(lines.shift()).fields); }
        var rows = lines.length ? JSON.parse("[" + lines.join(",") + "]") : [];
        inChunks(rows, 5000, take, read.done ? done : function () { reader.read().then(part); });
      }
      reader.read().then(part);
    });
  }
  // The whole feature when the page has it, else what the point holds (no description).
  function featureOf(p) {
    return G.full.get(p.id) || {type: "Feature", id: p.id, geometry: {type: "Point", coordinates: [p.lng, p.lat]},
      properties: {type: p.type, severity: p.severity, agency: p.agency, status: p.status, reported_at: new Date(p.t).toISOString(),
                   municipality: p.municipality, county: p.county, title: p.title, generalised: p.generalised}};
  }
  function pointMarker(p) {
    var m = L.marker([p.lat, p.lng], {icon: incidentIcon(p), title: p.title, keyboard: true});
    m.on("click", function () { openIncident(p.id); });
    return m;
  }
  // An incident's popup stands on its own (not on a marker, which the grid may redraw):
  // its whole record is asked for when the page does not have it yet.
  var POPUP = {maxWidth: 380, minWidth: 300, maxHeight: 460};
  var POPUP_AT_POINT = L.extend({offset: [0, -3]}, POPUP);  // where a marker's popup would open
  function openIncident(id) {
    var p = G.incident.get(id);
    if (!p) { return null; }
    var popup = L.popup(POPUP_AT_POINT).setLatLng([p.lat, p.lng]);
    G.popup = {id: id, popup: popup};
    var full = G.full.get(id);
    if (full) { return popup.setContent(incidentPopup(full, popup)).openOn(map); }
    popup.setContent(el("div", {"class": "gr-popup", text: t("p.loading")})).openOn(map);
    api("GET", "/incidents/" + encodeURIComponent(id)).then(function (r) {
      if (r.ok && r.body && !G.full.has(id)) { G.full.set(id, r.body); }
      repaint(popup, G.full.has(id) ? incidentPopup(G.full.get(id), popup)
                                    : el("div", {"class": "gr-popup", text: failure(r.status)}));
    });
    return popup;
  }
  // An open popup whose content grew: it is brought into view, unless the map has been
  // moved away from it meanwhile (another incident or unit was looked up).
  function repaint(popup, content) {
    if (!popup || !popup.isOpen()) { return; }
    popup.options.autoPan = map.getBounds().contains(popup.getLatLng());
    if (content) { popup.setContent(content); } else { popup.update(); }
    popup.options.autoPan = true;
  }
  // A cluster the grid cannot split (its incidents share one place): a list to open them.
  var AT_ONE_PLACE = 30;
  function pointsAt(points, at, open) {
    points.sort(function (a, b) { return b.t - a.t; });
    var items = points.slice(0, AT_ONE_PLACE).map(function (p) {
      var button = el("button", {type: "button", "class": "gr-item sev-" + p.severity, "data-id": p.id}, [
        el("span", {"class": "gr-item-title", text: p.title}),
        el("span", {"class": "gr-item-meta", text: t("type." + p.type) + " · " + when(p.t)})]);
      button.addEventListener("click", function () { open(p); });
      return el("li", {}, [button]);
    });
    if (points.length > AT_ONE_PLACE) { items.push(el("li", {"class": "gr-more", text: t("p.more", {n: points.length - AT_ONE_PLACE})})); }
    L.popup({maxWidth: 340, maxHeight: 360}).setLatLng(at).setContent(el("div", {"class": "gr-popup"}, [
      el("h3", {text: t("p.at_one_place", {n: points.length})}), el("ul", {"class": "gr-list"}, items)])).openOn(map);
  }
  function eachShownIncident(fn) {
    G.incident.forEach(function (p) { if (incidentVisible(p)) { fn(p); } });
  }

  function makeIncident(f) {
    var m = L.marker(latlng(f.geometry), {icon: incidentIcon(f.properties), title: f.properties.title, keyboard: true});
    // Built once per opening: the popup's parts fill in later (resources.js) and then ask
    // the popup to re-measure, which must not build it afresh.
    var built = null;
    m.bindPopup(function (layer) { return built || (built = incidentPopup(current("incident", f), layer)); }, POPUP);
    m.on("popupclose", function () { built = null; });
    return m;
  }
  function makeUnit(f, now) {
    var look = unitLook(f.properties, now);
    var m = L.marker(latlng(f.geometry), {icon: unitIcon(f.properties, look), title: f.properties.callsign, keyboard: true, zIndexOffset: 500});
    m.bindPopup(function () { return unitPopup(current("unit", f)); }, {maxWidth: 300});
    m._grLook = look;
    m._grStatus = f.properties.status;
    return m;
  }
  function makeBlockage(f) {
    var s = S.blockages;
    var group = L.featureGroup();
    if (f.geometry.type === "Point") {
      group.addLayer(L.marker(latlng(f.geometry), {icon: L.divIcon({html: s.spot, className: "gr-icon gr-spot", iconSize: [20, 20], iconAnchor: [10, 10]}), title: f.properties.road}));
    } else {
      group.addLayer(L.geoJSON(f, {style: s.casing}));
      group.addLayer(L.geoJSON(f, {style: s.core}));
    }
    group.bindPopup(function () { return blockagePopup(current("blockage", f)); }, {maxWidth: 320});
    return group;
  }
  function makeZone(f) {
    var p = f.properties, s = S.riskzones;
    var colour = (s.colours[p.scale] || {})[p.risk_class] || "#999";
    var layer = L.geoJSON(f, {style: {color: colour, weight: 0.8, fillColor: colour, fillOpacity: s.fillOpacity, className: "gr-zone"}});
    var tip = el("div", {}, [el("strong", {text: p.label}),
      el("div", {text: t("f.risk_class") + " " + p.risk_class + " · " + t("f.fwi") + " " + p.fwi_min + "–" + p.fwi_max}),
      el("div", {text: t("f.valid_date") + " " + p.valid_date})]);
    layer.bindTooltip(tip, {sticky: true, className: "georisk-tip"});
    return layer;
  }

  // Isochrones (nearer bands darker: each lies on the larger ones) and the gap above
  // them, from the answer of /coverage or a briefing's embedded copy.
  function makeCoverage(fc) {
    var s = S.coverage, minutes = (fc.minutes || []).slice().sort(function (a, b) { return a - b; });
    return L.geoJSON(fc, {
      style: function (f) {
        var p = f.properties;
        if (p.layer === "gap") {
          return {color: s.gap.color, weight: s.gap.weight, dashArray: s.gap.dashArray, fillColor: s.gap.fillColor,
                  fillOpacity: s.gap.fillOpacity, className: "gr-coverage-gap"};
        }
        var colour = s.bands[Math.min(Math.max(minutes.indexOf(p.minutes), 0), s.bands.length - 1)];
        return {color: colour, weight: 0.8, opacity: 0.7, fillColor: colour, fillOpacity: s.bandOpacity, className: "gr-coverage-band"};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        var tip = p.layer === "gap"
          ? el("div", {}, [el("strong", {text: t("r.gap", {minutes: p.minutes})}),
              el("div", {text: t("r.coverage_info", {units: fc.units, minutes: p.minutes, area: p.area_km2, people: p.population})})])
          : el("div", {}, [el("strong", {text: t("r.within", {minutes: p.minutes})}), el("div", {text: t("kind." + p.kind)})]);
        layer.bindTooltip(tip, {sticky: true, className: "georisk-tip"});
      }
    });
  }

  function put(kind, f) {
    var entry = G[kind].get(f.id);
    var now = Date.now();
    if (kind === "incident") {
      var open = f.properties.status === "open" || !filter.incidentStatus;
      G.full.delete(f.id);
      if (!open) {
        G.incident.delete(f.id);
        if (G.popup && G.popup.id === f.id) { map.closePopup(G.popup.popup); }
      } else {
        G.full.set(f.id, f);
        G.incident.set(f.id, pointOfFeature(f));
      }
      grid.schedule();
      scheduleList();
    } else if (kind === "unit") {
      if (!f.geometry) { if (entry) { layers.units.removeLayer(entry.layer); G.unit.delete(f.id); } return; }
      if (entry && entry.layer) {
        var old = entry.feature.properties, p = f.properties, look = unitLook(p, now);
        entry.layer.setLatLng(latlng(f.geometry));
        if (old.status !== p.status || old.callsign !== p.callsign || old.unit_kind !== p.unit_kind || look.key !== entry.layer._grLook.key) {
          var regroup = old.status !== p.status || look.key !== entry.layer._grLook.key;
          entry.layer.setIcon(unitIcon(p, look)); entry.layer._grLook = look; entry.layer._grStatus = p.status;
          if (regroup) { refreshCluster(entry.layer); }
        }
        entry.feature = f;
      } else {
        entry = {feature: f, layer: makeUnit(f, now)};
        G.unit.set(f.id, entry);
      }
      var show = unitVisible(f.properties);
      if (show && !layers.units.hasLayer(entry.layer)) { layers.units.addLayer(entry.layer); }
      if (!show && layers.units.hasLayer(entry.layer)) { layers.units.removeLayer(entry.layer); }
    } else if (kind === "blockage") {
      if (entry) { layers.blockages.removeLayer(entry.layer); G.blockage.delete(f.id); }
      if (f.properties.status !== "active") { return; }
      entry = {feature: f, layer: makeBlockage(f)};
      G.blockage.set(f.id, entry);
      if (blockageVisible(f.properties)) { layers.blockages.addLayer(entry.layer); }
    } else if (kind === "riskzones") {
      var p2 = f.properties;
      if (G.day && p2.valid_date < G.day) { return; }
      if (!G.day || p2.valid_date > G.day) { layers.riskzones.clearLayers(); G.riskzones.clear(); G.day = p2.valid_date; }
      if (entry) { layers.riskzones.removeLayer(entry.layer); G.riskzones.delete(f.id); }
      if (p2.status !== "issued") { return; }
      entry = {feature: f, layer: makeZone(f)};
      G.riskzones.set(f.id, entry);
      layers.riskzones.addLayer(entry.layer);
    }
  }

  function apply(event) {
    var kind = event.kind.split(".")[0];
    if (!G[kind] || !event.payload) { return; }
    put(kind, event.payload);
    G.applied += 1;
    if (R && cfg.urls) { R.changed(event.kind); }
    if (kind === "unit" || kind === "incident") { screen.schedule(); }
  }

  function refilter() {
    if (grid) { grid.schedule(); }
    G.unit.forEach(function (e) {
      var show = unitVisible(e.feature.properties), has = layers.units.hasLayer(e.layer);
      if (show && !has) { layers.units.addLayer(e.layer); } else if (!show && has) { layers.units.removeLayer(e.layer); }
    });
    G.blockage.forEach(function (e) {
      var show = blockageVisible(e.feature.properties), has = layers.blockages.hasLayer(e.layer);
      if (show && !has) { layers.blockages.addLayer(e.layer); } else if (!show && has) { layers.blockages.removeLayer(e.layer); }
    });
    scheduleList();
    screen.schedule();
  }

  function restale() {
    var now = Date.now(), changed = false;
    G.unit.forEach(function (e) {
      var look = unitLook(e.feature.properties, now), was = e.layer._grLook.key;
      if (look.stale || look.key !== was) {  // a stale one's age moves on
        e.layer.setIcon(unitIcon(e.feature.properties, look)); e.layer._grLook = look;
        if (look.key !== was) { changed = true; }
      }
    });
    if (changed && layers.units.refreshClusters) { layers.units.refreshClusters(); }
    screen.schedule();
  }

  // -- the stream -----------------------------------------------------------------------
  function setLive(on) {
    var badge = document.getElementById("gr-live");
    if (badge) { badge.textContent = on ? t("p.live") : t("p.offline"); badge.className = on ? "gr-live on" : "gr-live off"; }
  }
  function connect() {
    disconnect();
    var es = new EventSource(cfg.urls.stream + "?after=" + G.lastSeq, {withCredentials: true});
    es.addEventListener("change", function (e) {
      var seq = Number(e.lastEventId);
      if (seq <= G.lastSeq) { G.duplicates += 1; return; }
      G.lastSeq = seq;
      apply(JSON.parse(e.data));
    });
    es.addEventListener("brief", function (e) {  // a new incident's risk brief (no id)
      if (R) { R.brief(JSON.parse(e.data)); }
    });
    es.onopen = function () { setLive(true); };
    es.onerror = function () { setLive(false); };
    G.source = es;
  }
  function disconnect() { if (G.source) { G.source.close(); G.source = null; setLive(false); } }

  // -- panel: filters, list, forms -------------------------------------------------------
  function checkboxGroup(legend, values, labelKey, set, onChange) {
    var box = el("fieldset", {"class": "gr-checks"}, [el("legend", {text: legend})]);
    values.forEach(function (v) {
      set.add(v);
      var input = el("input", {type: "checkbox", value: v, checked: "checked", "data-filter": legend});
      input.addEventListener("change", function () { if (input.checked) { set.add(v); } else { set.delete(v); } onChange(); });
      box.appendChild(el("label", {}, [input, " " + t(labelKey + v)]));
    });
    return box;
  }
  function select(id, label, options, value, onChange) {
    var s = el("select", {id: id});
    options.forEach(function (o) { var opt = el("option", {value: o[0], text: o[1]}); if (o[0] === value) { opt.selected = true; } s.appendChild(opt); });
    s.addEventListener("change", function () { onChange(s.value); });
    return el("div", {"class": "gr-field"}, [el("label", {"for": id, text: label}), s]);
  }

  function buildPanel() {
    var panel = document.getElementById("georisk-panel");
    var head = el("div", {"class": "gr-head"}, [
      el("h1", {text: t("p.title")}),
      el("span", {id: "gr-live", "class": "gr-live off", role: "status", text: t("p.offline")}),
      el("a", {href: cfg.urls.otherLang, "class": "gr-lang", text: t("p.lang")})
    ]);
    panel.appendChild(head);
    // Anyone may export what they see: the server applies the same access policy. It runs
    // one export per user at once, so the button rests a while after a click: a second
    // request would be refused (429), and the refusal would replace the map.
    panel.appendChild(el("div", {"class": "gr-tools"}, [
      el("button", {type: "button", id: "gr-export", "class": "gr-button", text: t("p.export"), on: {click: function (e) {
        var button = e.currentTarget;
        var query = "lang=" + encodeURIComponent(cfg.lang) + (filter.county ? "&county=" + encodeURIComponent(filter.county) : "") +
          (R ? R.exportQuery() : "");  // the coverage layer goes along while it is on
        button.disabled = true;
        setTimeout(function () { button.disabled = false; }, 5000);
        window.location.href = "/api/v1/export?" + query;
      }}})
    ]));
    if (mayWrite()) {
      panel.appendChild(el("div", {"class": "gr-tools"}, [
        el("button", {type: "button", id: "gr-new-incident", "class": "gr-button", text: t("p.new_incident"), on: {click: function () { startForm("incident"); }}}),
        el("button", {type: "button", id: "gr-new-blockage", "class": "gr-button", text: t("p.new_blockage"), on: {click: function () { startForm("blockage"); }}})
      ]));
    }
    panel.appendChild(el("div", {id: "gr-form-slot"}));
    panel.appendChild(el("div", {id: "gr-routes-slot"}));
    panel.appendChild(el("div", {id: "gr-coverage-slot"}));
    var filters = el("details", {"class": "gr-filters", open: "open"}, [el("summary", {text: t("p.filters")})]);
    filters.appendChild(checkboxGroup(t("f.agency"), AGENCIES, "agency.", filter.agencies, refilter));
    filters.appendChild(checkboxGroup(t("f.type"), TYPES, "type.", filter.types, refilter));
    filters.appendChild(select("gr-f-severity", t("p.min_severity"), [1, 2, 3, 4, 5].map(function (n) { return [String(n), String(n)]; }), "1",
      function (v) { filter.minSeverity = Number(v); refilter(); }));
    filters.appendChild(select("gr-f-county", t("f.county"), [["", t("p.all")]].concat(cfg.counties.map(function (c) { return [c.code, c.name]; })), "",
      function (v) { filter.county = v; refilter(); }));
    filters.appendChild(select("gr-f-status", t("p.incident_status"), [["open", t("status.open")]], "open", function () {}));
    filters.appendChild(select("gr-f-window", t("p.window"), [["0", t("p.window.all")], ["1", t("p.window.1h")], ["6", t("p.window.6h")], ["24", t("p.window.24h")], ["168", t("p.window.7d")]], "0",
      function (v) { filter.windowH = Number(v); refilter(); }));
    filters.appendChild(checkboxGroup(t("p.unit_status"), USTATUS, "ustatus.", filter.unitStatuses, refilter));
    panel.appendChild(filters);
    panel.appendChild(el("h2", {id: "gr-list-title", text: t("p.open_incidents")}));
    panel.appendChild(el("ol", {id: "gr-list", "class": "gr-list"}));
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
  }

  function scheduleList() {
    if (G.listTimer) { return; }
    G.listTimer = setTimeout(function () { G.listTimer = null; renderList(); }, 150);
  }
  var LIST_ROWS = 150;
  // The newest LIST_ROWS of those the filter shows, in one pass however many there are.
  function newest(count) {
    var top = [], shown = 0;
    eachShownIncident(function (p) {
      shown += 1;
      if (top.length === count && p.t <= top[count - 1].t) { return; }
      var at = top.length;
      while (at > 0 && top[at - 1].t < p.t) { at -= 1; }
      top.splice(at, 0, p);
      if (top.length > count) { top.pop(); }
    });
    return {top: top, shown: shown};
  }
  function renderList() {
    var found = newest(LIST_ROWS), shown = found.shown;
    var list = document.getElementById("gr-list");
    document.getElementById("gr-list-title").textContent = t("p.open_incidents") + " · " + t("p.shown", {shown: shown, total: G.incident.size});
    var items = found.top.map(function (p) {
      var id = p.id;
      var button = el("button", {type: "button", "class": "gr-item sev-" + p.severity, "data-id": id}, [
        el("span", {"class": "gr-item-title", text: p.title}),
        el("span", {"class": "gr-item-meta", text: t("type." + p.type) + " · " + t("agency." + p.agency) + " · " + when(p.t) + " · " + municipality(p.municipality)})
      ]);
      button.addEventListener("click", function () { focusIncident(id); });
      return el("li", {}, [button]);
    });
    if (!shown) { items.push(el("li", {"class": "gr-empty", text: t("p.none")})); }
    if (shown > LIST_ROWS) { items.push(el("li", {"class": "gr-more", text: t("p.more", {n: shown - LIST_ROWS})})); }
    list.replaceChildren.apply(list, items);
  }
  function focusUnit(id, zoom) {  // centre a unit; a cluster holding it spreads out
    var e = G.unit.get(id);
    if (!e) { return; }
    map.setView(e.layer.getLatLng(), zoom || Math.max(map.getZoom(), 13), {animate: false});
    if (layers.units.hasLayer(e.layer) && layers.units.zoomToShowLayer) { layers.units.zoomToShowLayer(e.layer, function () {}); }
  }
  function focusIncident(id) {
    var p = G.incident.get(id);
    if (!p) { return; }
    // near enough that its marker stands alone (as it would once the popup closes)
    map.setView([p.lat, p.lng], grid.separatingZoom(p, Math.max(map.getZoom(), 13)));
    openIncident(id);
  }

  // -- editing forms ----------------------------------------------------------------------
  function field(name, label, input, hint) {
    input.id = "gr-in-" + name;
    input.name = name;
    input.setAttribute("aria-describedby", "gr-err-" + name);
    return el("div", {"class": "gr-field", "data-field": name, "data-label": label}, [
      el("label", {"for": input.id, text: label + (hint ? " (" + hint + ")" : "")}), input,
      el("div", {"class": "gr-error", id: "gr-err-" + name, role: "alert"})
    ]);
  }
  function options(values, prefix, chosen) {
    var s = el("select");
    values.forEach(function (v) { var o = el("option", {value: String(v), text: prefix ? t(prefix + v) : String(v)}); if (String(v) === String(chosen)) { o.selected = true; } s.appendChild(o); });
    return s;
  }
  function clearDraft() {
    if (G.draft && G.draft.layer) { map.removeLayer(G.draft.layer); }
    G.draft = null; G.mode = null;
    map.getContainer().classList.remove("gr-picking");
    document.getElementById("gr-form-slot").replaceChildren();
  }
  function showDraft() {
    var d = G.draft;
    if (d.layer) { map.removeLayer(d.layer); d.layer = null; }
    if (!d.points.length) { return; }
    d.layer = d.kind === "incident" || d.points.length === 1
      ? L.circleMarker(d.points[0], {radius: 8, color: "#111", weight: 2, fillColor: "#ffd400", fillOpacity: 0.9, className: "gr-draft"})
      : L.polyline(d.points, {color: "#e11d1d", weight: 6, dashArray: "4 6", className: "gr-draft"});
    d.layer.addTo(map);
    var where = document.getElementById("gr-where");
    if (where) { where.textContent = d.kind === "incident" ? d.points[0].lat.toFixed(5) + ", " + d.points[0].lng.toFixed(5) : t("p.points", {n: d.points.length}); }
  }
  function addPoint(ll) {
    var d = G.draft;
    if (!d) { return; }
    if (d.kind === "incident") { d.points = [ll]; } else { d.points.push(ll); }
    showDraft();
  }
  function startForm(kind) {
    clearDraft();
    G.mode = kind;
    G.draft = {kind: kind, points: [], layer: null};
    map.getContainer().classList.add("gr-picking");
    var form = el("form", {"class": "gr-form", id: "gr-form-" + kind, novalidate: "novalidate"});
    form.appendChild(el("h2", {text: kind === "incident" ? t("p.new_incident") : t("p.new_blockage")}));
    form.appendChild(el("p", {"class": "gr-hint", text: kind === "incident" ? t("p.click_map") : t("p.draw_line")}));
    var whereRow = el("div", {"class": "gr-field", "data-field": "geometry", "data-label": t("p.location")}, [
      el("span", {"class": "gr-label", text: t("p.location") + ": "}), el("output", {id: "gr-where", text: "–"}),
      el("div", {"class": "gr-where-tools"}, [
        el("button", {type: "button", "class": "gr-small", id: "gr-use-centre", text: t("p.use_centre"), on: {click: function () { addPoint(map.getCenter()); }}}),
        kind === "blockage" ? el("button", {type: "button", "class": "gr-small", text: t("p.undo_point"), on: {click: function () { G.draft.points.pop(); showDraft(); }}}) : null
      ]),
      el("div", {"class": "gr-error", id: "gr-err-geometry", role: "alert"})
    ]);
    form.appendChild(whereRow);
    if (kind === "incident") {
      form.appendChild(field("type", t("f.type"), options(TYPES, "type.", "fire")));
      form.appendChild(field("severity", t("f.severity"), options([1, 2, 3, 4, 5], "", 3)));
      form.appendChild(field("title", t("f.title"), el("input", {type: "text", autocomplete: "off"})));
      form.appendChild(field("description", t("f.description"), el("textarea", {rows: 3})));
      form.appendChild(field("classification", t("f.classification"), options(CLASSES, "class.", "open")));
    } else {
      form.appendChild(field("road", t("f.road"), el("input", {type: "text", autocomplete: "off", placeholder: "E18"})));
      form.appendChild(field("reason", t("f.reason"), options(REASONS, "reason.", "accident")));
      form.appendChild(field("expected_end", t("f.expected_end"), el("input", {type: "datetime-local"}), t("f.expected_end_hint")));
    }
    form.appendChild(el("div", {"class": "gr-error", id: "gr-err-form", role: "alert"}));
    form.appendChild(el("div", {"class": "gr-form-buttons"}, [
      el("button", {type: "submit", "class": "gr-button primary", text: t("p.save")}),
      el("button", {type: "button", "class": "gr-button", text: t("p.cancel"), on: {click: clearDraft}})
    ]));
    form.addEventListener("submit", function (e) { e.preventDefault(); submit(kind, form); });
    form.addEventListener("keydown", function (e) { if (e.key === "Escape") { clearDraft(); } });
    document.getElementById("gr-form-slot").replaceChildren(form);
    form.querySelector(kind === "incident" ? "#gr-in-type" : "#gr-in-road").focus();
  }
  function value(form, name) { var input = form.querySelector('[name="' + name + '"]'); return input ? input.value : ""; }
  // A refusal in the reader's words: the API names each field and gives a stable code
  // (georisk.errors.ErrorCode) that the catalogue words, with the field's own label; its
  // English reason is for developers and is never shown. The one place codes become words.
  var numberFmt = null;
  function errorText(err, label) {
    numberFmt = numberFmt || new Intl.NumberFormat(cfg.lang === "sv" ? "sv-SE" : "en-GB");
    var code = T["err." + err.code] ? err.code : "invalid";
    var limit = typeof err.limit === "number" ? numberFmt.format(err.limit) : "";
    return t("err." + code, {field: label, limit: limit});
  }
  // A refusal without field errors, by its HTTP status (its detail is English too).
  function failure(status) {
    if (status === 401) { return t("p.fail_signin"); }
    if (status === 403) { return t("p.fail_forbidden"); }
    if (status === 404) { return t("p.fail_gone"); }
    if (status === 409) { return t("p.fail_conflict"); }
    if (!status || status === 429 || status >= 500) { return t("p.fail_busy"); }
    return t("p.fail_refused");
  }
  function showErrors(form, r) {
    var body = r.body;
    form.querySelectorAll(".gr-error").forEach(function (n) { n.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
    var errors = (body && body.errors) || [], placed = false;
    errors.forEach(function (err) {
      var parts = String(err.field).split(".");
      var name = parts[0] === "properties" ? parts[1] : (parts[0] === "geometry" ? "geometry" : parts[0]);
      var slot = document.getElementById("gr-err-" + name);
      if (slot) {
        var words = errorText(err, slot.parentNode.getAttribute("data-label") || name);
        if (slot.textContent.indexOf(words) < 0) { slot.textContent = (slot.textContent ? slot.textContent + " " : "") + words; }
        var input = document.getElementById("gr-in-" + name);
        if (input) { input.setAttribute("aria-invalid", "true"); if (!placed) { input.focus(); } }
        placed = true;
      }
    });
    if (!placed) { document.getElementById("gr-err-form").textContent = t("p.failed", {detail: failure(r.status)}); }
  }
  function submit(kind, form) {
    var d = G.draft, body;
    var coords = d.points.map(function (p) { return [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]; });
    var geometry = null;
    if (kind === "incident") {
      geometry = coords.length ? {type: "Point", coordinates: coords[0]} : null;
      body = {type: "Feature", geometry: geometry, properties: {
        type: value(form, "type"), severity: Number(value(form, "severity")), title: value(form, "title"),
        description: value(form, "description"), classification: value(form, "classification"),
        agency: G.viewer.agency}};
    } else {
      if (coords.length === 1) { geometry = {type: "Point", coordinates: coords[0]}; }
      else if (coords.length > 1) { geometry = {type: "LineString", coordinates: coords}; }
      var end = value(form, "expected_end");
      body = {type: "Feature", geometry: geometry, properties: {road: value(form, "road"), reason: value(form, "reason"), agency: G.viewer.agency}};
      if (end) { var moment = new Date(end); body.properties.expected_end = isNaN(moment) ? end : moment.toISOString(); }
    }
    api("POST", kind === "incident" ? "/incidents" : "/blockages", body).then(function (r) {
      if (r.ok) {
        apply({kind: kind + ".reported", payload: r.body.feature});
        clearDraft();
      } else {
        showErrors(form, r);
      }
    });
  }

  // -- start --------------------------------------------------------------------------------
  function load(picture, done) {
    G.viewer = picture.viewer;
    G.lastSeq = picture.seq;
    var now = Date.now();
    var shown = [];
    picture.blockages.forEach(function (f) { put("blockage", f); });
    picture.riskzones.forEach(function (f) { put("riskzones", f); });
    // units made and added a few at a time as well (Leaflet.markercluster's chunked adding), then incidents
    function incidents() {
      screen.schedule();
      addRows(picture.incidents, function () {
        grid = GeoriskClusters.layer({each: eachShownIncident}, {point: pointMarker, members: function (found, at) {
          pointsAt(found, at, function (p) { openIncident(p.id); });
        }});
        grid.on("redrawn", function () { screen.schedule(); });
        layers.incidents.addLayer(grid);
        done();
      });
    }
    var units = layers.units.options;
    inChunks(picture.units, 400, function (f) {
      if (!f.geometry) { return; }
      var entry = {feature: f, layer: makeUnit(f, now)};
      G.unit.set(f.id, entry);
      if (unitVisible(f.properties)) { shown.push(entry.layer); }
    }, function () {
      if (!shown.length || !map.hasLayer(layers.units)) { layers.units.addLayers(shown); incidents(); return; }
      units.chunkedLoading = true;
      units.chunkInterval = 50;
      units.chunkProgress = function (added, total) {
        if (added < total) { return; }
        units.chunkProgress = null;
        setTimeout(incidents, 0);
      };
      layers.units.addLayers(shown);
    });
  }

  // The symbols, popups and layers of the live map, for any page that draws records
  // (the briefing export draws embedded ones with exactly these functions).
  function drawing(theMap, theLayers, config) {
    map = theMap; layers = theLayers; cfg = config; T = cfg.texts; S = cfg.symbols;
    var zoomClass = function () { map.getContainer().classList.toggle("gr-zoomed-out", map.getZoom() < S.units.nearZoom); };
    map.on("zoomend", zoomClass);
    zoomClass();
    screen = GeoriskScreen.attach(map, {texts: {layers: t("p.layers"), fold: t("p.fold_layers")}});
    if (layers.units && layers.units.options) {  // set before the first unit is added
      layers.units.options.iconCreateFunction = unitClusterIcon;
    }
    Object.keys(layers).forEach(function (kind) {  // clusters open and close: labels move
      if (layers[kind].refreshClusters) {
        layers[kind].on("animationend spiderfied unspiderfied", screen.schedule);
      }
    });
    return {incident: makeIncident, unit: makeUnit, blockage: makeBlockage, zone: makeZone,
            pointOf: pointOfFeature, pointsAt: pointsAt, incidentPopup: incidentPopup, popupOptions: POPUP_AT_POINT,
            coverage: makeCoverage, t: t, el: el, when: when, screen: screen};
  }

  function start(theMap, theLayers, config) {
    drawing(theMap, theLayers, config);
    R = window.GeoriskResources || null;
    // ready once framed as well: a ready page does not move by itself
    var framed = new Promise(function (resolve) { screen.frame(cfg.bounds, resolve); });
    map.on("click", function (e) { if (G.mode) { addPoint(e.latlng); } });
    fetch(cfg.urls.picture, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error("picture: HTTP " + r.status); } return r.json(); })
      .then(function (picture) {
        G.viewer = picture.viewer;
        buildPanel();
        load(picture, function () {
          renderList();
          if (R) { R.start(context()); }
          connect();
          setInterval(restale, 30000);
          framed.then(function () {
            G.ready = true;
            document.documentElement.setAttribute("data-georisk-ready", "1");
          });
        });
      });
  }

  // What resources.js may use of the live page: the API, the words, the picture kept here.
  function context() {
    return {
      map: map, layers: layers, cfg: cfg, t: t, el: el, when: when, api: api, failure: failure,
      apply: apply, mayWrite: mayWrite, viewer: function () { return G.viewer; }, repaint: repaint,
      record: function (kind, id) {
        if (kind === "incident") { var p = G.incident.get(id); return p ? featureOf(p) : null; }
        var e = G[kind] && G[kind].get(id); return e ? e.feature : null;
      },
      coverage: makeCoverage, screen: screen
    };
  }

  function counts() {
    var shown = 0;
    eachShownIncident(function () { shown += 1; });
    return {
      incidents: shown, units: layers.units.getLayers().length,
      blockages: layers.blockages.getLayers().length, riskzones: layers.riskzones.getLayers().length,
      known: {incidents: G.incident.size, units: G.unit.size, blockages: G.blockage.size, riskzones: G.riskzones.size}
    };
  }

  window.GeoriskLive = {
    start: start, counts: counts, drawing: drawing,
    view: function () { return screen.view(cfg.bounds); },
    feature: function (kind, id) {
      if (kind === "incident") { var p = G.incident.get(id); return p ? featureOf(p) : null; }
      var e = G[kind] && G[kind].get(id); return e ? e.feature : null;
    },
    look: function (id) { var e = G.unit.get(id); return e ? {stale: e.layer._grLook.stale, parked: e.layer._grLook.parked} : null; },
    symbol: function (kind, size, record) { return drawSymbol(S[kind], size, record); },
    position: function (kind, id) {
      if (kind === "incident") { var p = G.incident.get(id); return p ? [p.lat, p.lng] : null; }
      var e = G[kind] && G[kind].get(id); if (!e) { return null; } var ll = e.layer.getLatLng(); return [ll.lat, ll.lng];
    },
    drawn: function () { return grid ? grid.drawn() : null; },
    cell: function (id) { var p = G.incident.get(id); return p && grid ? grid.cellOf(p) : null; },
    connect: connect, disconnect: disconnect, focusIncident: focusIncident, focusUnit: focusUnit,
    centre: function (lat, lng, zoom) { map.setView([lat, lng], zoom, {animate: false}); },
    state: function () { return {ready: G.ready, lastSeq: G.lastSeq, applied: G.applied, duplicates: G.duplicates, live: !!G.source && G.source.readyState === 1}; }
  };
}());

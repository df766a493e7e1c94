/* georisk live map, resources: an incident's risk brief and suggested units in its popup,
   their routes on the map, assigning a unit from the list, and the coverage layer.

   Everything shown comes from the API as the signed-in viewer is shown it (suggestions,
   brief, coverage and links are computed on the records as presented, server side):
   this file only draws the answers. Record text goes in with textContent (live.js's
   el), never innerHTML. live.js hands over its context at start (GeoriskLive.start). */
(function () {
  "use strict";

  var X = null;  // live.js's context: map, layers, cfg, t, el, api, apply, ...
  var routes = null;  // the drawn routes of the last suggestion (one at a time)
  var routesFor = null;  // the incident they were drawn for
  var briefs = new Map();  // incident id -> {brief, at}: from the stream or the API
  var BRIEF_FRESH_MS = 60000;
  var COVERAGE_EVERY_MS = 5000;  // at most one coverage request per this while events come
  var cov = {on: false, kind: null, timer: null, last: 0, asked: 0, loads: 0, fc: null};
  var numberFmt = null;

  function t(key, values) { return X.t(key, values); }
  function el(tag, attrs, children) { return X.el(tag, attrs, children); }
  function enc(id) { return encodeURIComponent(id); }
  function num(value, digits) {
    numberFmt = numberFmt || {};
    var key = String(digits);
    if (!numberFmt[key]) {
      numberFmt[key] = new Intl.NumberFormat(X.cfg.lang === "sv" ? "sv-SE" : "en-GB",
        {minimumFractionDigits: digits, maximumFractionDigits: digits});
    }
    return numberFmt[key].format(value);
  }
  function km(metres) { return num(metres / 1000, metres < 10000 ? 1 : 0); }
  function writes(agency) {
    var viewer = X.viewer();
    return X.mayWrite() && !!viewer && (viewer.writes || []).indexOf(agency) >= 0;
  }
  function repaint(popup) {  // the popup re-measures its grown content
    X.repaint(popup);
  }
  function note(text) { return el("p", {"class": "gr-net-note", text: text}); }

  // -- routes ------------------------------------------------------------------------------
  function legendRows(layer, on) {  // a layer's legend rows show while it is on
    document.querySelectorAll('.georisk-legend li[data-layer="' + layer + '"]').forEach(function (li) {
      li.classList.toggle("gr-on", on);
    });
  }
  function clearRoutes() {
    legendRows("routes", false);
    if (routes) { X.map.removeLayer(routes); }
    routes = null; routesFor = null;
    var slot = document.getElementById("gr-routes-slot");
    if (slot) { slot.replaceChildren(); }
    document.querySelectorAll(".gr-clear-routes").forEach(function (b) { b.hidden = true; });
    document.documentElement.setAttribute("data-georisk-routes", "0");
  }
  // The routes stay when the popup closes (to zoom out and look at them): the panel says
  // whose they are and clears them.
  function routesBar(incident) {
    var slot = document.getElementById("gr-routes-slot");
    if (!slot) { return; }
    slot.replaceChildren(el("div", {"class": "gr-routes-bar"}, [
      el("p", {text: t("r.routes_for", {title: incident.properties.title})}),
      el("div", {"class": "gr-tools"}, [
        el("button", {type: "button", "class": "gr-button", id: "gr-show-routes", text: t("r.show_routes"), on: {click: function () {
          if (!routes) { return; }  // framed beside the legend and layer control, as the area is
          var box = routes.getBounds();
          X.screen.frame([[box.getSouth(), box.getWest()], [box.getNorth(), box.getEast()]]);
        }}}),
        el("button", {type: "button", "class": "gr-button", id: "gr-clear-routes", text: t("r.clear_routes"), on: {click: clearRoutes}})
      ])
    ]));
  }
  function drawRoutes(incident, answer) {
    var incidentId = incident.id;
    clearRoutes();
    var s = X.cfg.symbols.coverage;
    routes = L.featureGroup();
    answer.features.slice().reverse().forEach(function (f) {  // the first on top
      if (!f.geometry) { return; }
      var p = f.properties, first = p.rank === 1;
      var style = first ? s.route : s.routeOther;
      var line = L.geoJSON(f, {style: {color: style.color, weight: style.weight, opacity: style.opacity,
                                       dashArray: style.dashArray || null, className: "gr-route gr-route-" + p.rank}});
      line.bindTooltip(p.rank + ". " + p.unit.properties.callsign + " · " +
        (p.eta_min === null ? t("r.unreachable") : t("r.eta", {minutes: Math.round(p.eta_min)})),
        {sticky: true, className: "georisk-tip"});
      routes.addLayer(line);
    });
    routes.addTo(X.map);
    legendRows("routes", true);
    routesFor = incidentId;
    routesBar(incident);
    document.documentElement.setAttribute("data-georisk-routes", String(routes.getLayers().length));
  }

  // -- suggested units -----------------------------------------------------------------------
  function suggestionRow(incident, f, popup) {
    var p = f.properties, u = p.unit.properties, uid = p.unit.id;
    var eta = p.eta_min === null ? t("r.unreachable") : t("r.eta", {minutes: Math.round(p.eta_min)});
    var facts = [t("r.distance", {km: km(p.distance_m)})];
    if (p.route_m !== null) { facts.push(t("r.route", {km: km(p.route_m)})); }
    if (p.delay_s) { facts.push(t("r.delay", {minutes: Math.max(1, Math.round(p.delay_s / 60))})); }
    var roads = function (list) { return list.map(function (b) { return b.road || "–"; }).join(", "); };
    var item = el("li", {"class": "gr-suggestion", "data-unit": uid, "data-rank": p.rank}, [
      el("div", {"class": "gr-sugg-head"}, [
        el("span", {"class": "gr-sugg-rank", text: p.rank + "."}),
        el("strong", {"class": "gr-sugg-callsign", text: u.callsign}),
        el("span", {"class": "gr-sugg-eta" + (p.reachable ? "" : " gr-unreachable"), text: eta})
      ]),
      el("div", {"class": "gr-sugg-meta", text: X.t("agency." + u.agency) + " · " + X.t("kind." + u.unit_kind) + " · " + X.t("ustatus." + u.status)}),
      el("div", {"class": "gr-sugg-meta", text: facts.join(" · ")}),
      p.blockages_avoided.length ? el("div", {"class": "gr-sugg-avoid", text: t("r.avoids", {roads: roads(p.blockages_avoided)})}) : null,
      p.blockages_on_route.length ? el("div", {"class": "gr-sugg-avoid", text: t("r.through", {roads: roads(p.blockages_on_route)})}) : null,
      p.generalised ? el("div", {"class": "gr-note", text: t("r.generalised_unit")}) : null
    ]);
    if (u.assigned_to === incident.id) {
      item.appendChild(el("div", {"class": "gr-assigned", text: t("r.assigned")}));
    } else if (!p.generalised && writes(u.agency)) {
      var msg = el("div", {"class": "gr-error", role: "alert"});
      var button = el("button", {type: "button", "class": "gr-small gr-assign", "data-unit": uid,
                                 "aria-label": t("r.assign_label", {callsign: u.callsign}), text: t("r.assign")});
      button.addEventListener("click", function () { assign(incident, uid, item, button, msg, popup); });
      item.appendChild(el("div", {"class": "gr-sugg-actions"}, [button, msg]));
    }
    return item;
  }

  // Assigning is the API's two writes, each journaled: the unit to the incident
  // (unit.assigned), then, when it was available, its status to en route (unit.status).
  function assign(incident, uid, item, button, msg, popup) {
    button.disabled = true;
    msg.textContent = "";
    X.api("POST", "/incidents/" + enc(incident.id) + "/units", {unit: uid}).then(function (r) {
      if (!r.ok) { return r; }
      X.apply({kind: "unit.assigned", payload: r.body.feature});
      if (r.body.feature.properties.status !== "available") { return r; }
      return X.api("PUT", "/units/" + enc(uid) + "/status", {status: "en_route"}).then(function (s) {
        if (s.ok) { X.apply({kind: "unit.status", payload: s.body.feature}); }
        return s;
      });
    }).then(function (r) {
      if (r.ok) {
        button.parentNode.replaceWith(el("div", {"class": "gr-assigned", text: t("r.assigned")}));
      } else {
        button.disabled = false;
        msg.textContent = t("p.failed", {detail: X.failure(r.status)});
      }
      repaint(popup);
    });
  }

  function suggestSection(f, popup) {
    var list = el("div", {"class": "gr-suggest-list", "aria-live": "polite"});
    var button = el("button", {type: "button", "class": "gr-button gr-suggest", text: t("r.suggest")});
    var clear = el("button", {type: "button", "class": "gr-button gr-clear-routes", text: t("r.clear_routes"), hidden: "hidden"});
    clear.addEventListener("click", clearRoutes);
    if (routesFor === f.id) { clear.hidden = false; }
    button.addEventListener("click", function () {
      button.disabled = true;
      list.replaceChildren(el("p", {"class": "gr-hint", text: t("r.suggesting")}));
      repaint(popup);
      var kinds = X.cfg.suitable[f.properties.type] || [];
      var query = "?k=5&lang=" + X.cfg.lang + (kinds.length ? "&kind=" + kinds.join(",") : "");
      X.api("GET", "/incidents/" + enc(f.id) + "/suggestions" + query).then(function (r) {
        button.disabled = false;
        if (!r.ok) {
          list.replaceChildren(el("p", {"class": "gr-error", text: t("r.suggest_failed", {detail: X.failure(r.status)})}));
        } else {
          var answer = r.body, parts = [el("h4", {text: t("r.suggested")})];
          if (!answer.features.length) { parts.push(el("p", {"class": "gr-hint", text: t("r.none")})); }
          parts.push(el("ol", {"class": "gr-suggestions"}, answer.features.map(function (s) { return suggestionRow(f, s, popup); })));
          parts.push(note(answer.network.note + " " + t("r.pool", {pool: answer.pool})));
          list.replaceChildren.apply(list, parts);
          drawRoutes(f, answer);
          var details = list.closest(".gr-popup") && list.closest(".gr-popup").querySelector(".gr-brief");
          if (details) { details.open = false; }  // the list in view; the brief a click away
          clear.hidden = false;
        }
        repaint(popup);
      });
    });
    return el("div", {"class": "gr-resources"}, [el("div", {"class": "gr-tools"}, [button, clear]), list]);
  }

  // -- the risk brief ---------------------------------------------------------------------------
  function brief(message) {  // the stream's: {seq, incident, brief}
    briefs.set(message.incident, {brief: message.brief, at: Date.now()});
  }
  function dl(pairs) {
    var box = el("dl", {"class": "gr-brief-facts"});
    pairs.forEach(function (pair) {
      if (!pair[1]) { return; }
      box.appendChild(el("dt", {text: pair[0]}));
      box.appendChild(typeof pair[1] === "string" ? el("dd", {text: pair[1]}) : el("dd", {}, [pair[1]]));
    });
    return box;
  }
  function list(items) {
    if (!items.length) { return el("span", {"class": "gr-none", text: t("r.nothing")}); }
    return el("ul", {"class": "gr-brief-list"}, items);
  }
  function renderBrief(box, f, b, popup) {
    var a = b.area, fr = b.fire_risk;
    var place = a.in_area
      ? [a.municipality.name, a.county.name].filter(Boolean).join(", ")
      : t("r.outside");
    var fire = fr ? t("r.fire_risk_value", {label: fr.label, risk_class: fr["class"], fwi_min: num(fr.fwi_min, 1), fwi_max: num(fr.fwi_max, 1)})
                  : t("r.no_fire_risk");
    var blockages = b.blockages.map(function (x) {
      var bp = x.blockage.properties;
      return el("li", {"data-blockage": x.blockage.id}, [
        t("r.blockage_row", {road: bp.road || "–", km: km(x.distance_m)}) + " · " + X.t("reason." + bp.reason),
        x.on_approach ? el("span", {"class": "gr-flag", text: " " + t("r.on_approach")}) : null
      ]);
    });
    var units = b.units.map(function (s) {
      var p = s.properties, u = p.unit.properties;
      return el("li", {"data-unit": p.unit.id}, [
        el("strong", {text: u.callsign}), " · " + X.t("kind." + u.unit_kind) + " · ",
        p.eta_min === null ? t("r.unreachable") : t("r.eta", {minutes: Math.round(p.eta_min)})
      ]);
    });
    var linkedIds = b.linked.map(function (l) { return l.incident.id; });
    var same = b.possibly_same.map(function (c) {
      var cp = c.incident.properties;
      var row = el("li", {"class": "gr-same", "data-incident": c.incident.id}, [
        el("strong", {text: cp.title}), " · " + X.t("agency." + cp.agency),
        el("div", {"class": "gr-sugg-meta", text: t("r.apart", {km: km(c.distance_m), minutes: Math.round(c.minutes_apart), score: num(c.score, 2)})})
      ]);
      if (linkedIds.indexOf(c.incident.id) < 0 && !f.properties.generalised && !cp.generalised && writes(f.properties.agency)) {
        var msg = el("span", {"class": "gr-error", role: "alert"});
        var button = el("button", {type: "button", "class": "gr-small gr-link", "data-incident": c.incident.id,
                                   "aria-label": t("r.link_label", {title: cp.title}), text: t("r.link")});
        button.addEventListener("click", function () {
          button.disabled = true;
          X.api("POST", "/incidents/" + enc(f.id) + "/links", {incident: c.incident.id, relation: "possible"}).then(function (r) {
            if (!r.ok) { button.disabled = false; msg.textContent = t("p.failed", {detail: X.failure(r.status)}); repaint(popup); return; }
            X.apply({kind: "incident.linked", payload: r.body.feature});
            fetchBrief(box, f, popup);  // the link now shows under the linked ones
          });
        });
        row.appendChild(el("div", {"class": "gr-sugg-actions"}, [button, msg]));
      }
      return row;
    });
    var linked = b.linked.map(function (l) {
      var lp = l.incident.properties;
      return el("li", {"data-incident": l.incident.id}, [
        el("strong", {text: lp.title}), " · " + X.t("agency." + lp.agency) + " · " +
          (l.relation === "same" ? t("r.relation_same") : t("r.relation_possible"))
      ]);
    });
    var parts = [
      dl([[t("r.place"), place], [t("r.police_region"), a.police_region], [t("r.rescue_service"), a.rescue_service],
          [t("r.rescue_region"), a.rescue_region],
          [t("r.sos"), a.sos], [t("r.fire_risk"), fire]]),
      el("h4", {text: t("r.blockages")}), list(blockages),
      el("h4", {text: t("r.nearest")}), list(units),
      el("h4", {text: t("r.possibly_same")}), list(same),
      linked.length ? el("h4", {text: t("r.linked")}) : null, linked.length ? list(linked) : null,
      note(b.network.note + " " + t("r.computed", {time: X.when(b.computed_at)}))
    ];
    box.replaceChildren.apply(box, parts.filter(Boolean));
    repaint(popup);
  }
  function fetchBrief(box, f, popup) {
    X.api("GET", "/incidents/" + enc(f.id) + "/brief?lang=" + X.cfg.lang).then(function (r) {
      if (!r.ok) {
        box.replaceChildren(el("p", {"class": "gr-error", text: t("r.brief_failed", {detail: X.failure(r.status)})}));
        repaint(popup);
        return;
      }
      briefs.set(f.id, {brief: r.body, at: Date.now()});
      renderBrief(box, f, r.body, popup);
    });
  }
  function briefSection(f, popup) {
    var box = el("div", {"class": "gr-brief-body", "aria-live": "polite"});
    var known = briefs.get(f.id);
    if (known && Date.now() - known.at < BRIEF_FRESH_MS) {
      renderBrief(box, f, known.brief, null);
    } else {
      box.appendChild(el("p", {"class": "gr-hint", text: t("r.brief_loading")}));
      fetchBrief(box, f, popup);
    }
    return el("details", {"class": "gr-brief", open: "open"}, [el("summary", {text: t("r.brief")}), box]);
  }

  function incident(body, f, popup) {
    body.appendChild(briefSection(f, popup));
    body.appendChild(suggestSection(f, popup));
  }

  // -- coverage -------------------------------------------------------------------------------
  var KINDS = ["engine", "tanker", "aerial", "rescue", "ambulance", "patrol", "helicopter", "command", "boat", "other"];
  var FIRST_KIND = {police: "patrol", sos: "ambulance"};  // else an engine
  function coveragePanel() {
    var slot = document.getElementById("gr-coverage-slot");
    if (!slot) { return; }
    var select = el("select", {id: "gr-coverage-kind"});
    KINDS.forEach(function (k) {
      var o = el("option", {value: k, text: X.t("kind." + k)});
      if (k === cov.kind) { o.selected = true; }
      select.appendChild(o);
    });
    select.addEventListener("change", function () { cov.kind = select.value; if (cov.on) { refresh(); } });
    slot.replaceChildren(el("div", {"class": "gr-coverage"}, [
      el("div", {"class": "gr-field"}, [el("label", {"for": "gr-coverage-kind", text: t("r.coverage_kind")}), select]),
      el("div", {id: "gr-coverage-info", "class": "gr-hint", "aria-live": "polite", text: t("r.coverage_off")})
    ]));
  }
  function info(text, failed, caveat) {
    var node = document.getElementById("gr-coverage-info");
    if (!node) { return; }
    node.className = failed ? "gr-error" : "gr-hint";
    node.replaceChildren(text, caveat ? note(caveat) : "");
  }
  function refresh() {
    cov.last = Date.now();
    var asked = ++cov.asked;
    info(t("r.coverage_loading"));
    X.api("GET", "/coverage?kind=" + cov.kind + "&lang=" + X.cfg.lang).then(function (r) {
      if (asked !== cov.asked || !cov.on) { return; }  // a newer question, or switched off
      if (!r.ok) { info(t("r.coverage_failed", {detail: X.failure(r.status)}), true); return; }
      var fc = r.body, gap = fc.features[fc.features.length - 1].properties;
      X.layers.coverage.clearLayers();
      X.layers.coverage.addLayer(X.coverage(fc));
      cov.fc = fc;
      cov.loads += 1;
      var words = t("r.coverage_info", {units: fc.units, minutes: gap.minutes, area: num(gap.area_km2, 0), people: num(gap.population, 0)});
      var towns = gap.towns.slice(0, 5).map(function (x) { return x.name; }).join(", ");
      if (towns) { words += " " + t("r.gap_towns", {towns: towns}); }
      info(words, false, fc.network.note);
      document.documentElement.setAttribute("data-georisk-coverage", String(cov.loads));
    });
  }
  function schedule() {  // throttled: a burst of position reports asks once
    if (cov.timer) { return; }
    var wait = Math.max(500, cov.last + COVERAGE_EVERY_MS - Date.now());
    cov.timer = setTimeout(function () { cov.timer = null; if (cov.on) { refresh(); } }, wait);
  }
  function changed(kind) {
    if (!cov.on) { return; }
    // what coverage is computed on: units (status, kind, place) and blockages
    if ((kind.indexOf("unit.") === 0 && kind !== "unit.assigned" && kind !== "unit.released") ||
        kind.indexOf("blockage.") === 0) { schedule(); }
  }

  function start(context) {
    X = context;
    var viewer = X.viewer() || {};
    cov.kind = FIRST_KIND[viewer.agency] || "engine";
    coveragePanel();
    X.map.on("overlayadd", function (e) {
      if (e.layer === X.layers.coverage) { cov.on = true; legendRows("coverage", true); refresh(); }
    });
    X.map.on("overlayremove", function (e) {
      if (e.layer === X.layers.coverage) {
        cov.on = false; cov.asked += 1; X.layers.coverage.clearLayers(); info(t("r.coverage_off"));
        legendRows("coverage", false);
      }
    });
  }

  // The briefing export takes the coverage layer along while it is on (of the same kind).
  function exportQuery() { return cov.on ? "&coverage=" + encodeURIComponent(cov.kind) : ""; }

  window.GeoriskResources = {
    start: start, incident: incident, brief: brief, changed: changed, clearRoutes: clearRoutes,
    exportQuery: exportQuery,
    state: function () {
      return {coverageLoads: cov.loads, coverageOn: cov.on, routes: routes ? routes.getLayers().length : 0,
              routesFor: routesFor, briefs: Array.from(briefs.keys())};
    }
  };
}());

/* georisk screen: what one screen can show at once, for the live map and the briefing alike
   (live.js's drawing() attaches it to both).
   - Labels never overprint: town names, then callsigns, are placed in order of priority,
     each in the first of a few spots beside its point that no label placed before it
     takes and no marker covers (a town name, drawn above the markers, may lie over one
     when nothing else is free), or hidden when none is free.
   - The legend and the layer control fold away, and the first view frames the area
     beside them, folding them only when the area would otherwise shrink or be covered.
   - With background tiles on, the area's fills step back so the tiles show through. */
(function () {
  "use strict";

  var GAP = 2;   // px kept between two labels
  var PAD = 12;  // px around the framed area
  var ZOOM_GIVEN = 0.25;  // what room for an open control may cost the area: one snap step
  // Town names first: there are few of them (the base map spaces them 25 km apart), they
  // orient the reader, and a name that stays put while units come and go is calmer to
  // read. Callsigns then (live.js ranks them 0-3: units at work first) find room around.
  var TOWN_PRIORITY = -1;

  // An open layer control measures the page the moment it is added, to cap its height to
  // the map's: a layout of the whole page within the page's first script, 30 ms of it. It
  // opens at once still (the first view is framed beside it), and is measured in a task of
  // its own. Loaded before the page's script, so before any layer control.
  var expandNow = L.Control.Layers.prototype._expandIfNotCollapsed;
  L.Control.Layers.include({
    _expandIfNotCollapsed: function () {
      if (!this._map || this.options.collapsed) { return this; }
      L.DomUtil.addClass(this._container, "leaflet-control-layers-expanded");
      var control = this;
      setTimeout(function () {  // unless folded meanwhile (the first view may fold it)
        if (L.DomUtil.hasClass(control._container, "leaflet-control-layers-expanded")) { expandNow.call(control); }
      }, 0);
      return this;
    }
  });

  function overlaps(a, b, gap) {
    return a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;
  }
  function shifted(r, dx, dy) { return {left: r.left + dx, right: r.right + dx, top: r.top + dy, bottom: r.bottom + dy}; }
  function within(r, origin) {  // a client rectangle relative to ``origin``'s corner
    return {left: r.left - origin.left, right: r.right - origin.left, top: r.top - origin.top, bottom: r.bottom - origin.top};
  }

  function attach(map, options) {
    var container = map.getContainer();
    var texts = options.texts || {};
    var timer = null, placements = 0;

    // -- labels ---------------------------------------------------------------------------
    // Each label: its node, where it stands now, its priority and the shifts to try.
    function callsigns(view, out) {
      map.getPane("markerPane").querySelectorAll(".gr-callsign").forEach(function (node) {
        var r = node.getBoundingClientRect();
        if (!r.width || !overlaps(r, view, 0)) { return; }
        var icon = node.parentNode.getBoundingClientRect(), w = r.right - r.left, h = r.bottom - r.top;
        var left = icon.left - GAP - r.right, mid = (icon.left + icon.right) / 2 - w / 2 - r.left;
        out.push({node: node, rect: r, priority: Number(node.getAttribute("data-priority") || 5), order: out.length, overMarkers: false,
                  shifts: [[0, 0], [left, 0], [mid, icon.bottom + 1 - r.top], [mid, icon.top - 1 - r.bottom],
                           [0, h], [0, -h], [left, h], [left, -h]]});
      });
    }
    function towns(view, out) {
      map.eachLayer(function (layer) {
        var icon = layer.options.icon;
        if (!icon || icon.options.className !== "georisk-place" || !layer._icon) { return; }
        var node = layer._icon.firstChild;
        if (!node || node.nodeType !== 1) { return; }
        var r = node.getBoundingClientRect();
        if (!r.width || !overlaps(r, view, 0)) { return; }
        var dot = map.latLngToContainerPoint(layer.getLatLng());
        var cx = dot.x + view.left, cy = dot.y + view.top, w = r.right - r.left, d = r.left - cx;
        var h = r.bottom - r.top, mid = cx - w / 2 - r.left;
        out.push({node: node, rect: r, priority: TOWN_PRIORITY, order: out.length, overMarkers: true,
                  shifts: [[0, 0], [-2 * d - w, 0], [mid, cy - 5 - r.bottom], [mid, cy + 5 - r.top],
                           [0, -h / 2 - 2], [0, h / 2 + 2], [-2 * d - w, -h / 2 - 2], [-2 * d - w, h / 2 + 2]]});
      });
    }
    function markers(view) {
      var found = [];
      container.querySelectorAll(".leaflet-marker-icon:not(.georisk-place)").forEach(function (node) {  // incidents' clusters too
        var r = node.getBoundingClientRect();
        if (r.width && overlaps(r, view, 0)) { found.push(r); }
      });
      return found;
    }
    function place() {
      timer = null;
      placements += 1;
      container.querySelectorAll(".gr-label-moved, .gr-label-hidden").forEach(function (node) {
        node.style.transform = "";
        node.classList.remove("gr-label-moved", "gr-label-hidden");
      });
      var view = container.getBoundingClientRect(), items = [];
      callsigns(view, items);
      towns(view, items);
      var blocks = markers(view), placed = [];
      items.sort(function (a, b) { return a.priority - b.priority || a.order - b.order; });
      items.forEach(function (item) {
        var chosen = null, free = null;
        for (var i = 0; i < item.shifts.length && chosen === null; i += 1) {
          var r = shifted(item.rect, item.shifts[i][0], item.shifts[i][1]);
          if (placed.some(function (p) { return overlaps(p, r, GAP); })) { continue; }
          if (free === null) { free = i; }
          if (!blocks.some(function (b) { return overlaps(b, r, 0); })) { chosen = i; }
        }
        // A town name is drawn above the markers, so it may lie over one rather than go;
        // a callsign lies among them, and another marker would cover it.
        if (chosen === null && item.overMarkers) { chosen = free; }
        if (chosen === null) { item.node.classList.add("gr-label-hidden"); return; }
        var s = item.shifts[chosen];
        placed.push(shifted(item.rect, s[0], s[1]));
        if (s[0] || s[1]) {
          item.node.style.transform = "translate(" + Math.round(s[0]) + "px, " + Math.round(s[1]) + "px)";
          item.node.classList.add("gr-label-moved");
        }
      });
    }
    // Many changes come in bursts (a zoom, a batch of positions): place once after them.
    function schedule() { if (timer === null) { timer = setTimeout(place, 120); } }
    map.on("zoomend moveend resize overlayadd overlayremove", schedule);

    // -- controls that fold ---------------------------------------------------------------
    // Found when first needed: the page adds its layer control after the layers' scripts.
    var legend = null, control = null, opener = null;
    function controls() {
      if (legend === null) { legend = container.querySelector(".georisk-legend") || false; }
      if (control === null) {
        control = container.querySelector(".leaflet-control-layers") || false;
        if (control) { foldable(); }
      }
    }
    function legendOpen() { return !!legend && !legend.classList.contains("gr-collapsed"); }
    function foldLegend() { if (legendOpen()) { legend.querySelector(".georisk-legend-toggle").click(); } }
    function layersOpen() { return !!control && control.classList.contains("leaflet-control-layers-expanded"); }
    function foldLayers() { if (control) { control.classList.remove("leaflet-control-layers-expanded"); } }
    function foldable() {
      // Leaflet's own button opens it (a click, or Enter); ours folds it again.
      opener = control.querySelector(".leaflet-control-layers-toggle");
      if (opener && texts.layers) { opener.title = texts.layers; opener.setAttribute("aria-label", texts.layers); }
      var fold = document.createElement("button");
      fold.type = "button";
      fold.className = "gr-layers-fold";
      fold.textContent = texts.layers || "";
      fold.title = texts.fold || "";
      fold.setAttribute("aria-expanded", "true");
      fold.addEventListener("click", function () { foldLayers(); if (opener) { opener.focus(); } });
      var list = control.querySelector(".leaflet-control-layers-list");
      if (list) { list.insertBefore(fold, list.firstChild); }
      // on a small screen the open control is in the way: a click on the map folds it
      map.on("click", function () { if (map.getSize().x < 900) { foldLayers(); } });
    }

    // -- the first view ---------------------------------------------------------------------
    function areaBox(area) {
      var nw = map.latLngToContainerPoint(area.getNorthWest()), se = map.latLngToContainerPoint(area.getSouthEast());
      return {left: nw.x, top: nw.y, right: se.x, bottom: se.y};
    }
    function covering(area) {  // the open controls that lie over the area's box
      var box = areaBox(area), origin = container.getBoundingClientRect();
      return [legendOpen() ? legend : null, layersOpen() ? control : null].filter(function (node) {
        return node && overlaps(box, within(node.getBoundingClientRect(), origin), 0);
      });
    }
    function fit(area, left, right) {
      map.fitBounds(area, {paddingTopLeft: [left, PAD], paddingBottomRight: [right, PAD], animate: false});
      return map.getZoom();
    }
    // The area as large as it fits, beside the open controls; a control that would cost
    // more than a quarter zoom step (or still covers the area) folds: the layer control first
    // (a click opens it again), then the legend. Run once the page's own scripts have run
    // (its layer control comes last); ``done`` then follows.
    function frame(bounds, done) {
      setTimeout(function run() {
        // a zoom still animating (the page's own first fit) would swallow ours: after it
        if (map._animatingZoom) { map.once("zoomend", run); return; }
        controls(); framed(bounds);
        if (done) { done(); }
      }, 0);
    }
    function framed(bounds) {
      var area = L.latLngBounds(bounds), width = map.getSize().x;
      var full = fit(area, PAD, PAD);
      for (var tries = 0; tries < 3; tries += 1) {
        var over = covering(area);
        if (!over.length) { break; }
        var left = PAD, right = PAD, origin = container.getBoundingClientRect();
        over.forEach(function (node) {
          var r = within(node.getBoundingClientRect(), origin);
          if (r.left + r.right < width) { left = Math.max(left, r.right + PAD); } else { right = Math.max(right, width - r.left + PAD); }
        });
        if (fit(area, left, right) >= full - ZOOM_GIVEN && !covering(area).length) { break; }
        if (layersOpen()) { foldLayers(); } else { foldLegend(); }
        fit(area, PAD, PAD);
      }
      schedule();
    }
    // What the tests and a curious operator can ask: does the view hold the area, and how
    // much of the view does the area fill (its larger side's share)?
    function view(bounds) {
      controls();
      var area = L.latLngBounds(bounds), box = areaBox(area), size = map.getSize();
      var origin = container.getBoundingClientRect();
      return {
        contains: map.getBounds().contains(area),
        fill: Math.max((box.right - box.left) / size.x, (box.bottom - box.top) / size.y),
        area: shifted(box, origin.left, origin.top),
        legendOpen: legendOpen(), layersOpen: layersOpen(),
        labelsPending: timer !== null, placements: placements
      };
    }

    // -- tiles under the vector layers -------------------------------------------------------
    function tiles() {
      var on = false;
      map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) { on = true; } });
      container.classList.toggle("gr-tiles-on", on);
    }
    map.on("layeradd layerremove", function (e) { if (e.layer instanceof L.TileLayer) { tiles(); } });
    tiles();

    return {schedule: schedule, place: place, frame: frame, view: view};
  }

  window.GeoriskScreen = {attach: attach};
}());

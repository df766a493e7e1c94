/* georisk: many points drawn as counts on a fixed grid of screen cells.

   The live map holds every open incident the viewer may see (100,000 at national scale)
   but draws only what the view needs: the points in and around the view, grouped by
   cell of a grid fixed to the world at the map's zoom, so a pan never reshuffles them.
   A cell holding one point draws that point's own marker; a cell holding more draws one
   marker with their number, at their centre. A pass over 100,000 points takes a few
   milliseconds (their Web Mercator place is worked out once, when a point is made), so
   every move, zoom, filter change and live update redraws at once and the page never
   holds a marker per point. Markers that stay the same between two draws stay on the
   map untouched. At the map's largest zoom, points that still share a cell (a building,
   or generalised records at their cell's centre) are spread on a ring around their
   place, up to SPREAD of them; more stay one marker, which lists them when clicked.

   The points are those the page was sent: what this viewer may see, generalised ones at
   their generalised place. A count is therefore never more than the viewer was sent. */
(function () {
  "use strict";

  var TILE = 256;
  var SPREAD = 24;  // the most points spread on a ring
  var RING_GAP = 30;  // px between neighbours on the ring

  // Web Mercator in [0, 1]: x east from 180° W, y south from the top.
  function project(lat, lng) {
    var s = Math.sin(lat * Math.PI / 180);
    return [(lng + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
  }

  // The size class of a cluster's disc, as Leaflet.markercluster's own stylesheet draws it.
  function clusterIcon(n, extraClass) {
    var size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
    return L.divIcon({html: "<div><span>" + n + "</span></div>", iconSize: L.point(40, 40),
                      className: "marker-cluster marker-cluster-" + size + (extraClass ? " " + extraClass : "")});
  }

  /* source.each(fn) calls fn(point) for every point to draw now (filters applied), where a
     point has id, lat, lng, mx, my (from project), v (changed whenever its look did) and,
     when it stands for several (a count made elsewhere), their number n.
     draw.point(point) makes a point's marker; draw.members(points, latlng) is called for
     a cluster that zooming cannot split (its points share one place). */
  var GridClusters = L.Layer.extend({
    options: {cellPx: 80, padding: 0.1, pane: "gr-clusters", paneZ: 640},

    initialize: function (source, draw, options) {
      L.setOptions(this, options);
      this._source = source;
      this._draw = draw;
      this._shown = new Map();  // key -> marker
      this._pending = false;
    },

    onAdd: function (map) {
      if (!map.getPane(this.options.pane)) {  // above unit markers: a count is never hidden
        map.createPane(this.options.pane).style.zIndex = this.options.paneZ;
      }
      map.on("moveend", this.redraw, this);
      this.redraw();
    },

    onRemove: function (map) {
      map.off("moveend", this.redraw, this);
      this._shown.forEach(function (marker) { map.removeLayer(marker); });
      this._shown.clear();
    },

    // Redraw at the next frame: many changes in one frame cost one pass.
    schedule: function () {
      if (this._pending || !this._map) { return; }
      this._pending = true;
      var self = this;
      L.Util.requestAnimFrame(function () { self._pending = false; if (self._map) { self.redraw(); } });
    },

    _grid: function () {
      var map = this._map, zoom = map.getZoom(), bounds = map.getBounds().pad(this.options.padding);
      var nw = project(Math.min(bounds.getNorth(), 85), bounds.getWest());
      var se = project(Math.max(bounds.getSouth(), -85), bounds.getEast());
      return {zoom: zoom, per: TILE * Math.pow(2, zoom) / this.options.cellPx, spread: zoom >= map.getMaxZoom(),
              x0: nw[0], y0: nw[1], x1: se[0], y1: se[1]};
    },

    _cells: function (grid) {
      var cells = new Map();
      this._source.each(function (p) {
        if (p.mx < grid.x0 || p.mx > grid.x1 || p.my < grid.y0 || p.my > grid.y1) { return; }
        var key = Math.floor(p.mx * grid.per) + ":" + Math.floor(p.my * grid.per), w = p.n || 1;
        var cell = cells.get(key);
        if (cell) { cell.k += 1; cell.n += w; cell.lat += p.lat * w; cell.lng += p.lng * w; }
        else { cells.set(key, cell = {key: key, k: 1, n: w, first: p, lat: p.lat * w, lng: p.lng * w, points: []}); }
        if (grid.spread && cell.k <= SPREAD) { cell.points.push(p); }
      });
      return cells;
    },

    redraw: function () {
      var map = this._map;
      if (!map) { return; }
      var grid = this._grid(), cells = this._cells(grid), shown = this._shown, next = new Map(), self = this;
      function place(key, at, make) {  // the marker kept under key, or a new one
        var marker = shown.get(key);
        if (!marker) { marker = make(); map.addLayer(marker); }
        if (!marker.getLatLng().equals(at)) { marker.setLatLng(at); }
        next.set(key, marker);
        return marker;
      }
      function single(p, at) {
        place("p:" + p.id + ":" + p.v, at || L.latLng(p.lat, p.lng), function () {
          var marker = self._draw.point(p);
          marker._grCount = p.n || 1;
          return marker;
        });
      }
      cells.forEach(function (cell) {
        if (cell.k === 1) { single(cell.first); return; }
        if (grid.spread && cell.k <= SPREAD) { self._ring(cell).forEach(function (at, k) { single(cell.points[k], at); }); return; }
        var marker = place("c:" + grid.zoom + ":" + cell.key, L.latLng(cell.lat / cell.n, cell.lng / cell.n),
                           function () { return self._cluster(cell, grid); });
        if (marker._grCount !== cell.n) { marker.setIcon(clusterIcon(cell.n)); marker._grCount = cell.n; }
        marker._grCell = cell.key;
      });
      shown.forEach(function (marker, key) { if (!next.has(key)) { map.removeLayer(marker); } });
      this._shown = next;
      this.fire("redrawn");
    },

    // Places on a ring around a cell's centre, one per point, RING_GAP px apart.
    _ring: function (cell) {
      var map = this._map, zoom = map.getZoom(), n = cell.points.length;
      var centre = map.project([cell.lat / cell.n, cell.lng / cell.n], zoom);  // weighted: n is their sum
      var radius = Math.max(RING_GAP, RING_GAP * n / (2 * Math.PI));
      return cell.points.map(function (p, k) {
        var angle = 2 * Math.PI * k / n - Math.PI / 2;
        return map.unproject(centre.add([radius * Math.cos(angle), radius * Math.sin(angle)]), zoom);
      });
    },

    _cluster: function (cell, grid) {
      var marker = L.marker([cell.lat / cell.n, cell.lng / cell.n], {icon: clusterIcon(cell.n), pane: this.options.pane,
                                                                    keyboard: true, title: String(cell.n)});
      marker._grCount = cell.n;
      marker._grCell = cell.key;
      marker.on("click", function () { this._open(marker._grCell, grid); }, this);
      return marker;
    },

    // A cluster's points: zoom to them, or list them when they stand at one place.
    _open: function (cellKey, grid) {
      var members = [];
      this._source.each(function (p) {
        if (Math.floor(p.mx * grid.per) + ":" + Math.floor(p.my * grid.per) === cellKey) { members.push(p); }
      });
      if (!members.length) { return; }
      var bounds = L.latLngBounds(members.map(function (p) { return [p.lat, p.lng]; }));
      var map = this._map, max = map.getMaxZoom();
      if (grid.zoom >= max) { this._draw.members(members, bounds.getCenter()); }
      else if (bounds.getNorthEast().equals(bounds.getSouthWest())) { map.setView(bounds.getCenter(), max); }
      else { map.fitBounds(bounds, {maxZoom: max, padding: [40, 40]}); }
    },

    // The least zoom from ``from`` up at which ``point`` has a cell of its own (the map's
    // largest when others stand at its very place).
    separatingZoom: function (point, from) {
      var cellPx = this.options.cellPx, max = this._map.getMaxZoom(), alone = [];
      for (var z = from; z <= max; z++) { alone.push(z); }
      var per = alone.map(function (z) { return TILE * Math.pow(2, z) / cellPx; });
      var open = per.map(function () { return true; });
      this._source.each(function (q) {
        if (q === point || q.id === point.id) { return; }
        for (var k = 0; k < per.length; k++) {
          if (open[k] && Math.floor(q.mx * per[k]) === Math.floor(point.mx * per[k]) &&
              Math.floor(q.my * per[k]) === Math.floor(point.my * per[k])) { open[k] = false; }
        }
      });
      var first = open.indexOf(true);
      return first < 0 ? max : alone[first];
    },

    // Where ``point`` is drawn now: its cell ("x:y" of the grid at this zoom), and whether
    // as its own marker ("single", on a ring too) or in a cluster of ``count`` (or null:
    // not drawn, being out of view or filtered out).
    cellOf: function (point) {
      var grid = this._grid(), cell = Math.floor(point.mx * grid.per) + ":" + Math.floor(point.my * grid.per);
      var cluster = this._shown.get("c:" + grid.zoom + ":" + cell);
      if (cluster) { return {zoom: grid.zoom, cell: cell, drawn: "cluster", count: cluster._grCount}; }
      var drawn = this._shown.has("p:" + point.id + ":" + point.v) ? "single" : null;
      return {zoom: grid.zoom, cell: cell, drawn: drawn, count: drawn ? point.n || 1 : 0};
    },

    // How the points stand now: {singles, clusters, points} among the markers drawn.
    drawn: function () {
      var out = {singles: 0, clusters: 0, points: 0};
      this._shown.forEach(function (marker, key) {
        if (key.charAt(0) === "p") { out.singles += 1; } else { out.clusters += 1; }
        out.points += marker._grCount;
      });
      return out;
    }
  });

  window.GeoriskClusters = {
    project: project, icon: clusterIcon,
    layer: function (source, draw, options) { return new GridClusters(source, draw, options); }
  };
}());

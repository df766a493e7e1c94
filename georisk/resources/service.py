"""One process's resource engine: the travel network, the live index, and what a viewer is
shown of units, incidents and blockages.

Every answer about resources is computed on the records *as the viewer is shown them*
(`georisk.access.present`), never on the true ones behind them: a restricted unit of
another agency takes part at the centre of its 1 km cell, so an ETA, a rank or a route
tells no more than the cell does; a record the viewer may not see takes no part at all.
``viewer=None`` is the whole picture in full, for whoever holds the database (the CLI).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from georisk.access import GRID_M, Presented, Viewer, Visibility, present, visibility
from georisk.crs import to_sweref
from georisk.model import BlockageStatus, Record
from georisk.resources.blockages import combined, edges_of
from georisk.resources.network import TravelNetwork
from georisk.roads.network import build_graph
from georisk.roads.source import LoadedRoads, load_roads
from georisk.spatial import LiveIndex
from georisk.store import Query, Store
from georisk.texts import DEFAULT_LANG, Lang, text

#: How far generalising may move a point: half the diagonal of its 1 km cell (and a bit).
SHIFT_M = GRID_M / math.sqrt(2) + 1.0


@dataclass(frozen=True)
class Nearby:
    shown: Presented
    distance_m: float  # from the point asked about to the record as shown


class Resources:
    """Built once per process (the network takes seconds on a real road network)."""

    def __init__(self, store: Store, *, network: TravelNetwork | None = None,
                 roads: LoadedRoads | None = None):
        self.store = store
        self._network = network
        self._roads = roads
        self._index: LiveIndex | None = None
        self._lock = threading.RLock()
        self._blockage_edges: dict[tuple, dict[int, float]] = {}

    # -- the parts -------------------------------------------------------------------

    @property
    def network(self) -> TravelNetwork:
        with self._lock:
            if self._network is None:
                loaded = self._roads or load_roads()
                self._network = TravelNetwork(build_graph(loaded.roads), label=loaded.label,
                                              schematic=loaded.schematic)
            return self._network

    def index(self) -> LiveIndex:
        """The live index, caught up with the journal (built on first use). Ask it only
        inside `live`: the R-tree must not be read while another thread updates it."""
        with self._lock:
            if self._index is None:
                self._index = LiveIndex.from_store(self.store)
            else:
                self._index.catch_up(self.store)
            return self._index

    @contextmanager
    def live(self) -> Iterator[LiveIndex]:
        """The caught-up live index, held for this thread while the caller reads it."""
        with self._lock:
            yield self.index()

    def network_note(self, lang: Lang = DEFAULT_LANG) -> dict[str, object]:
        """How far the network's times may be trusted: part of every answer with an ETA."""
        net = self.network
        note = text("eta.schematic", lang) if net.schematic else text("eta.imported", lang)
        return {"kind": "schematic" if net.schematic else "imported", "label": net.label,
                "approximate": net.schematic, "note": note}

    # -- what a viewer is shown ------------------------------------------------------

    def shown(self, viewer: Viewer | None, record: Record | None) -> Presented | None:
        if record is None:
            return None
        if viewer is None:
            return Presented(record, False)
        return present(viewer, record, lookup=self.store.get)

    def blockages(self, viewer: Viewer | None) -> list[Presented]:
        """The active blockages as the viewer is shown them."""
        active = self.store.query(Query("blockage", status=frozenset({BlockageStatus.ACTIVE})))
        shown = (self.shown(viewer, record) for record in active.records)
        return [item for item in shown if item is not None]

    def blockage_edges(self, blockages: list[Presented]) -> dict[str, dict[int, float]]:
        """Per shown blockage, the edges it cuts or slows (kept per version of each)."""
        out: dict[str, dict[int, float]] = {}
        missing = []
        for item in blockages:
            record = item.record
            key = (record.id, record.section.wkb, record.road, record.impact,  # type: ignore[attr-defined]
                   record.precision)  # type: ignore[attr-defined]
            found = self._blockage_edges.get(key)
            if found is None:
                missing.append((key, record))
            else:
                out[record.id] = found
        if missing:
            found_now = edges_of(self.network.graph, [record for _, record in missing])
            for key, record in missing:
                out[record.id] = self._blockage_edges[key] = found_now.get(record.id, {})
            if len(self._blockage_edges) > 10_000:
                self._blockage_edges.clear()
        return out

    def factors(self, viewer: Viewer | None) -> tuple[dict[int, float], list[Presented],
                                                      dict[str, dict[int, float]]]:
        """Edge factors of the blockages the viewer is shown, the blockages, and which
        edges each covers."""
        blockages = self.blockages(viewer)
        by_blockage = self.blockage_edges(blockages)
        return combined(by_blockage), blockages, by_blockage

    def nearest_units(
        self,
        viewer: Viewer | None,
        lon: float,
        lat: float,
        n: int,
        accept: Callable[[Record], bool],
    ) -> list[Nearby]:
        """The ``n`` units nearest to a point as the viewer is shown them, that pass
        ``accept`` (it may look at kind, agency and status, which no form hides),
        nearest first.

        The live index holds true positions. A generalised unit may be shown up to
        `SHIFT_M` from its true place, so the search widens until the ``n``-th shown
        distance plus that shift is within what was fetched: exactly the ``n`` nearest
        as shown, so whether a unit is among them never depends on where it truly is.
        """
        x, y = to_sweref(lon, lat)
        wanted = max(2 * n, 16)

        def visible(record: Record) -> bool:  # kind, agency, status: never generalised
            seen = viewer is None or visibility(viewer, record) is not Visibility.HIDDEN
            return seen and accept(record)

        while True:
            with self.live() as index:
                hits = index.nearest(lon, lat, wanted, kind="unit", where=visible)
            out = []
            for hit in hits:
                shown = self.shown(viewer, hit.record)
                assert shown is not None
                if shown.generalised:
                    sx, sy = to_sweref(shown.record.geometry.x, shown.record.geometry.y)  # type: ignore[union-attr]
                    distance = math.hypot(sx - x, sy - y)
                else:
                    distance = hit.distance_m
                out.append(Nearby(shown, distance))
            out.sort(key=lambda item: (item.distance_m, item.shown.record.id))
            if len(hits) < wanted:
                return out[:n]
            if len(out) >= n and out[n - 1].distance_m + SHIFT_M <= hits[-1].distance_m:
                return out[:n]
            wanted *= 4

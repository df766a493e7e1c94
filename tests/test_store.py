"""The journal store on a real SQLite file and a real PostgreSQL + PostGIS database:
round trips, history, queries, safety. Tests of one backend's own machinery (SQLite's
checkpoints, query plans and schema migrations; PostgreSQL's lock and plans) take that
backend's store; the rest run on both."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import timedelta

import pytest
import shapely

from georisk import commands as c
from georisk.access import Scope
from georisk.errors import Conflict, NotFound
from georisk.model import (
    Agency,
    BlockageStatus,
    Classification,
    IncidentStatus,
    IncidentType,
    UnitStatus,
)
from georisk.store import Query, SQLiteStore, StoreError, open_store
from georisk.store.caches import RecordCache as _RecordCache
from georisk.store.journaling import ERA_BITS
from georisk.store.sqlite import migrations
from tests.factories import KARLSTAD, OREBRO, RESCUE, T0, blockage, incident, unit


@pytest.fixture
def store(any_store):
    """Each backend in turn (tests/conftest.py)."""
    return any_store


@pytest.fixture
def sqlite_store(db_path):
    opened = SQLiteStore(db_path)
    yield opened
    opened.close()


def raw_connection(store):
    """A connection of the backend's own driver to the store's database."""
    if isinstance(store, SQLiteStore):
        return sqlite3.connect(store.location, isolation_level=None)
    import psycopg

    return psycopg.connect(store.location, autocommit=True)


def minutes(n: float):
    return T0 + timedelta(minutes=n)


def test_each_kind_round_trips_through_journal_and_projection(store):
    records = [
        incident(description="Två bilar, en person fastklämd", classification="agency"),
        unit(position=shapely.Point(*KARLSTAD), position_time=T0, heading=270.5, speed_kmh=80),
        blockage(direction="mot Karlstad", expected_end=minutes(120), source="trafikverket"),
        blockage("blk-2", section=shapely.Point(*OREBRO)),
    ]
    creates = [c.ReportIncident(records[0]), c.RegisterUnit(records[1]),
               c.ReportBlockage(records[2]), c.ReportBlockage(records[3])]
    events = store.apply(creates, RESCUE, at=T0)

    assert [e.kind for e in events] == [
        "incident.reported", "unit.registered", "blockage.reported", "blockage.reported"
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4]
    for record, event in zip(records, events, strict=True):
        assert store.get(record.kind, record.id) == record
        assert event.record() == record
        assert store.events_of(record.kind, record.id)[0].record() == record
    # a reopened store reads the same records from disk
    reopened = open_store(store.location)
    assert [reopened.get(r.kind, r.id) for r in records] == records
    assert reopened.events_after(0) == events
    reopened.close()


def test_changes_produce_new_versions_and_keep_the_old_ones(store):
    store.apply([c.ReportIncident(incident())], RESCUE, at=T0)
    store.apply([c.UpdateIncident("inc-1", {"severity": 5, "title": "Ny rubrik"})], RESCUE,
                at=minutes(1))
    store.apply([c.CloseIncident("inc-1")], RESCUE, at=minutes(2))

    closed = store.get("incident", "inc-1")
    assert closed.status == IncidentStatus.CLOSED
    assert closed.closed_at == minutes(2)
    assert (closed.severity, closed.title) == (5, "Ny rubrik")
    history = store.events_of("incident", "inc-1")
    assert [e.kind for e in history] == ["incident.reported", "incident.updated", "incident.closed"]
    assert history[0].record().severity == 3
    assert [e.time for e in history] == [T0, minutes(1), minutes(2)]


def test_unit_moves_status_and_blockage_lift(store):
    store.apply([c.RegisterUnit(unit()), c.ReportBlockage(blockage())], RESCUE, at=T0)
    store.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1), 45.0, 60.0),
                 c.SetUnitStatus("unit-1", UnitStatus.EN_ROUTE),
                 c.LiftBlockage("blk-1")], RESCUE, at=minutes(1))
    moved = store.get("unit", "unit-1")
    assert moved.position == shapely.Point(*OREBRO)
    assert (moved.position_time, moved.heading, moved.speed_kmh) == (minutes(1), 45.0, 60.0)
    assert moved.status == UnitStatus.EN_ROUTE
    lifted = store.get("blockage", "blk-1")
    assert (lifted.status, lifted.lifted_at) == (BlockageStatus.LIFTED, minutes(1))


def test_a_checkpoint_copies_the_log_into_the_database_file(tmp_path):
    store = SQLiteStore(tmp_path / "g.db")
    store.apply([c.ReportIncident(incident(f"inc-{i}")) for i in range(2_000)], RESCUE)
    frames, copied = store.checkpoint()
    assert frames > 100 and copied == frames
    store.close()


def test_background_checkpoints_run_until_the_store_closes(tmp_path):
    path = tmp_path / "g.db"
    store = SQLiteStore(path)
    before = path.stat().st_size
    store.apply([c.ReportIncident(incident(f"inc-{i}")) for i in range(2_000)], RESCUE)
    assert path.stat().st_size == before  # committed to the log, not yet copied back
    thread = store.start_checkpointing(every_s=0.02)
    assert store.start_checkpointing() is None  # one per store
    deadline = time.monotonic() + 10
    while path.stat().st_size == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert path.stat().st_size > before
    store.close()
    thread.join(timeout=5)
    assert not thread.is_alive()

def test_state_at_past_times_matches_hand_computed_picture(store):
    a, b = shapely.Point(14.0, 59.0), shapely.Point(14.5, 59.5)
    store.apply([c.ReportIncident(incident()), c.RegisterUnit(unit())], RESCUE, at=T0)
    store.apply([c.MoveUnit("unit-1", a, minutes(10))], RESCUE, at=minutes(10))
    store.apply([c.UpdateIncident("inc-1", {"severity": 5}), c.ReportBlockage(blockage())],
                RESCUE, at=minutes(20))
    store.apply([c.MoveUnit("unit-1", b, minutes(30)), c.CloseIncident("inc-1")], RESCUE,
                at=minutes(30))
    store.apply([c.LiftBlockage("blk-1"), c.ReportIncident(incident("inc-2"))], RESCUE,
                at=minutes(40))

    def summary(moment):
        picture = store.state_at(moment)
        return (
            picture.seq,
            sorted((i.id, i.status, i.severity) for i in picture.incidents),
            [(u.id, u.position) for u in picture.units],
            [(b.id, b.status) for b in picture.blockages],
        )

    assert summary(minutes(-1)) == (0, [], [], [])
    assert summary(minutes(5)) == (2, [("inc-1", "open", 3)], [("unit-1", None)], [])
    assert summary(minutes(10)) == (3, [("inc-1", "open", 3)], [("unit-1", a)], [])
    assert summary(minutes(25)) == (
        5, [("inc-1", "open", 5)], [("unit-1", a)], [("blk-1", "active")]
    )
    assert summary(minutes(35)) == (
        7, [("inc-1", "closed", 5)], [("unit-1", b)], [("blk-1", "active")]
    )
    assert summary(minutes(45)) == (
        9, [("inc-1", "closed", 5), ("inc-2", "open", 3)], [("unit-1", b)], [("blk-1", "lifted")]
    )
    only_units = store.state_at(minutes(45), ["unit"])
    assert list(only_units.records) == ["unit"]


def test_refusals_write_nothing(store):
    store.apply([c.ReportIncident(incident()), c.RegisterUnit(unit()),
                 c.ReportBlockage(blockage())], RESCUE, at=T0)
    store.apply([c.CloseIncident("inc-1"), c.LiftBlockage("blk-1")], RESCUE, at=minutes(1))
    store.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(5))], RESCUE, at=minutes(5))
    before = store.events_after(0)

    refused = [
        ([c.ReportIncident(incident())], Conflict, "already exists"),
        ([c.CloseIncident("inc-1")], Conflict, "already closed"),
        ([c.UpdateIncident("inc-1", {"severity": 1})], Conflict, "already closed"),
        ([c.LiftBlockage("blk-1")], Conflict, "already lifted"),
        ([c.UpdateIncident("nope", {"severity": 1})], NotFound, "no incident with id 'nope'"),
        ([c.SetUnitStatus("ghost", UnitStatus.AVAILABLE)], NotFound, "no unit"),
        ([c.MoveUnit("unit-1", shapely.Point(*KARLSTAD), minutes(4))], Conflict, "older"),
        # a good command followed by a bad one: the whole batch is refused
        ([c.ReportIncident(incident("inc-9")), c.CloseIncident("inc-404")], NotFound, "inc-404"),
    ]
    for commands, error, text in refused:
        with pytest.raises(error, match=text):
            store.apply(commands, RESCUE, at=minutes(10))
    assert store.events_after(0) == before
    assert store.get("incident", "inc-9") is None


def test_journal_time_only_moves_forward(store):
    store.apply([c.ReportIncident(incident())], RESCUE, at=minutes(10))
    with pytest.raises(Conflict, match="only moves forward"):
        store.apply([c.ReportIncident(incident("inc-2"))], RESCUE, at=minutes(5))
    # without an explicit time, a clock behind the journal keeps the order
    event = store.apply([c.ReportIncident(incident("inc-3"))], RESCUE)[0]
    assert event.time >= minutes(10)


def test_journal_rows_cannot_be_changed_or_deleted(store):
    store.apply([c.ReportIncident(incident())], RESCUE, at=T0)
    con = raw_connection(store)
    statements = ["UPDATE events SET actor = 'mallory'", "DELETE FROM events"]
    if not isinstance(store, SQLiteStore):
        statements.append("TRUNCATE events")
    for statement in statements:
        with pytest.raises(Exception, match="append-only"):
            con.execute(statement)
    con.close()
    assert store.events_after(0)[0].actor == RESCUE.name


def _seed_grid(store):
    """Twenty incidents on a 0.1° grid around Örebro, every third one closed."""
    reports = []
    for i in range(20):
        lon, lat = 15.0 + (i % 5) * 0.1, 59.0 + (i // 5) * 0.1
        reports.append(c.ReportIncident(incident(
            f"inc-{i:02}", location=shapely.Point(lon, lat), reported_at=minutes(i),
            type=IncidentType.FIRE if i % 2 else IncidentType.TRAFFIC,
            title=f"Händelse nummer {i} Åsbro" if i == 7 else f"Händelse {i}",
            classification=Classification.OPEN if i % 4 else Classification.RESTRICTED,
        )))
    store.apply(reports, RESCUE, at=minutes(30))
    store.apply([c.CloseIncident(f"inc-{i:02}", minutes(i + 5)) for i in range(0, 20, 3)],
                RESCUE, at=minutes(40))


def ids(page):
    return [record.id for record in page.records]


def test_queries_filter_by_box_time_attributes_and_text(store):
    _seed_grid(store)
    q = store.query
    # box: columns 1-2 (lon 15.1..15.2), rows 0-1 (lat 59.0..59.1), edges included
    assert ids(q(Query("incident", bbox=(15.05, 58.95, 15.2, 59.1)))) == [
        "inc-01", "inc-02", "inc-06", "inc-07"
    ]
    assert ids(q(Query("incident", status=frozenset({"closed"})))) == [
        f"inc-{i:02}" for i in range(0, 20, 3)
    ]
    assert ids(q(Query("incident", category=frozenset({"fire"}), bbox=(15.0, 59.0, 15.4, 59.0))))\
        == ["inc-01", "inc-03"]
    assert ids(q(Query("incident", classification=frozenset({"restricted"})))) == [
        f"inc-{i:02}" for i in range(0, 20, 4)
    ]
    assert ids(q(Query("incident", text="åsbro"))) == ["inc-07"]
    # time window: reported by minute 2, still open at minute 2 (inc-00 closed at 5)
    assert ids(q(Query("incident", start=minutes(2), end=minutes(2)))) == [
        "inc-00", "inc-01", "inc-02"
    ]
    # reported by minute 13 and not closed before 12.5: all but inc-00, -03, -06
    assert ids(q(Query("incident", start=minutes(12.5), end=minutes(13)))) == [
        f"inc-{i:02}" for i in (1, 2, 4, 5, 7, 8, 9, 10, 11, 12, 13)
    ]


def test_a_box_walks_its_candidates_in_rid_order(sqlite_store):
    """A box is chosen from the R*Tree (and, when records without a place match, from
    the index of those), never by reading every record of the kind, and a page in rid
    order stops at its limit (nothing is sorted)."""
    store = sqlite_store
    _seed_grid(store)
    con = store._connection()
    statements: list[str] = []
    con.set_trace_callback(statements.append)
    box = (15.05, 58.95, 15.2, 59.1)
    pages = [store.query(Query("incident", bbox=box, limit=3, unplaced_match=unplaced,
                               seen_by=Scope(Agency.POLICE)))
             for unplaced in (False, True)]
    con.set_trace_callback(None)
    assert [ids(page) for page in pages] == [["inc-01", "inc-02", "inc-06"]] * 2
    plans = [" | ".join(row[-1] for row in con.execute("EXPLAIN QUERY PLAN " + sql))
             for sql in statements if sql.startswith("SELECT e.rid")]
    assert len(plans) == 2
    for plan, unplaced in zip(plans, (False, True), strict=True):
        assert "SEARCH e USING INTEGER PRIMARY KEY" in plan, plan
        assert "entities_by_kind_status" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan
        assert ("USING INDEX entities_unplaced" in plan) is unplaced, plan


def _seed_for_boxes(store, n):
    """``n`` incidents at random places (inc-0 ...), six police ones that other agencies
    see generalised (sec-0 at 15.0, 59.5 ... sec-5 at 16.5, 59.5) and one without a place
    (nowhere), in that order."""
    import random

    from tests.bench.common import seed_incidents

    seed_incidents(store, n, random.Random(3))
    store.apply([c.ReportIncident(incident(
        f"sec-{i}", location=shapely.Point(15.0 + i * 0.3, 59.5), agency=Agency.POLICE,
        classification=Classification.RESTRICTED)) for i in range(6)]
        + [c.ReportIncident(incident("nowhere", location=None))], RESCUE)


def test_a_box_that_holds_many_is_walked_in_order_and_stops_at_the_limit(sqlite_store):
    """A page from a box that holds many records walks the kind's records in rid order
    through the index of their bounds and stops at its limit, instead of listing every
    candidate first (a cost that grows with the store); a box that holds few is still
    listed. Either way the page is the same: for viewers who see records in full or
    generalised, with records without a place, and after a cursor."""
    from georisk.store.selecting import select
    from georisk.store.sqlite import _DIALECT

    store = sqlite_store
    _seed_for_boxes(store, 2_000)
    con = store._connection()
    dense, sparse = (12.0, 58.0, 16.0, 61.0), (14.0, 59.0, 14.6, 59.5)  # ~800, ~20

    def listed_ids(query: Query, after_rid: int | None) -> list[str]:
        sql, args = select(query, after_rid, _DIALECT)
        return [row[1] for row in con.execute(sql, args)]

    walked = 0
    for box in (dense, sparse):
        for seen_by in (None, Scope(Agency.RESCUE), Scope(Agency.POLICE)):
            for unplaced in (False, True):
                query = Query("incident", bbox=box, limit=10, unplaced_match=unplaced,
                              seen_by=seen_by)
                statements: list[str] = []
                con.set_trace_callback(statements.append)
                first = store.query(query)
                deep = store.query(replace(query, after=first.next_after))
                tail = store.query(replace(query, after=("inc-1995",)))  # and the others
                con.set_trace_callback(None)
                assert ids(first) == listed_ids(query, None)
                for page, after in ((deep, first.records[-1].id), (tail, "inc-1995")):
                    (rid,) = con.execute("SELECT rid FROM entities WHERE id = ?",
                                         (after,)).fetchone()
                    assert ids(page) == listed_ids(replace(query, after=(after,)), rid)
                if box == dense and seen_by == Scope(Agency.POLICE):  # theirs, in full
                    assert {"sec-0", "sec-1", "sec-2", "sec-3"} <= set(ids(tail))
                assert ("nowhere" in ids(tail)) is unplaced
                pages = [sql for sql in statements if sql.startswith("SELECT e.rid")]
                assert len(pages) == 3
                for sql in pages:
                    plan = " | ".join(row[-1] for row in con.execute(
                        "EXPLAIN QUERY PLAN " + sql))
                    assert ("entities_boxed_in_order" in plan) is (box == dense), plan
                    assert ("incident_bbox" in plan) is (box == sparse), plan
                    assert "TEMP B-TREE" not in plan, plan
                    walked += box == dense
    assert walked == 18


def test_a_page_in_the_default_order_stops_at_its_limit(sqlite_store):
    """The first page and a deep cursor, for everyone and for one agency's viewers, walk
    the kind's index in rid order and stop at the limit: nothing is sorted, so a page
    costs the same in a store of ten thousand records as in one of a million."""
    store = sqlite_store
    _seed_grid(store)
    con = store._connection()
    statements: list[str] = []
    con.set_trace_callback(statements.append)
    for seen_by in (None, Scope(Agency.POLICE)):
        first = store.query(Query("incident", limit=3, seen_by=seen_by))
        deep = store.query(Query("incident", limit=3, seen_by=seen_by, after=first.next_after))
        assert ids(first) + ids(deep) == [f"inc-{i:02}" for i in range(6)]
    con.set_trace_callback(None)
    plans = [" | ".join(row[-1] for row in con.execute("EXPLAIN QUERY PLAN " + sql))
             for sql in statements if sql.startswith("SELECT e.rid")]
    assert len(plans) == 4
    for plan in plans:
        assert "USING INDEX entities_by_kind (kind=?" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_lists_decode_a_current_record_once(sqlite_store):
    """Records are kept by the event that made them current: a page read again reads no
    payload and decodes nothing, and a record changed since is read anew."""
    store = sqlite_store
    _seed_grid(store)
    first = store.query(Query("incident", limit=5)).records
    con = store._connection()
    statements: list[str] = []
    con.set_trace_callback(statements.append)
    again = store.query(Query("incident", limit=5)).records
    con.set_trace_callback(None)
    assert not [sql for sql in statements if "payload" in sql]
    assert all(a is b for a, b in zip(first, again, strict=True))
    store.apply([c.CloseIncident("inc-01", minutes(50))], RESCUE, at=minutes(50))
    after = store.query(Query("incident", limit=5)).records
    assert [r.status for r in after[:3]] == ["closed", "closed", "open"]  # inc-00 closed before
    assert after[1] is not first[1] and after[1].closed_at == minutes(50)
    assert all(a is b for a, b in zip(first[2:], after[2:], strict=True))


def test_pagination_is_stable_and_complete(store):
    _seed_grid(store)
    seen, after = [], None
    while True:
        page = store.query(Query("incident", limit=6, after=after))
        seen += ids(page)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [f"inc-{i:02}" for i in range(20)]


def test_blockage_box_query_is_exact_for_lines(store):
    diagonal = shapely.LineString([(15.0, 59.0), (15.2, 59.2)])
    store.apply([c.ReportBlockage(blockage(section=diagonal))], RESCUE, at=T0)
    # the box touches the line's bounds but not the line itself
    assert ids(store.query(Query("blockage", bbox=(15.15, 59.0, 15.2, 59.05)))) == []
    assert ids(store.query(Query("blockage", bbox=(15.05, 59.05, 15.15, 59.15)))) == ["blk-1"]


def test_opening_a_missing_or_foreign_file_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match=r"no database at .*init-db"):
        SQLiteStore(tmp_path / "missing.db", create=False)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        SQLiteStore(garbage)


def test_a_newer_schema_is_refused(db_path):
    SQLiteStore(db_path).close()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(StoreError, match="schema version 99"):
        SQLiteStore(db_path)


def test_store_is_wal_and_fully_synchronous(sqlite_store):
    con = sqlite_store._connection()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def _zone(risk_class: str, area, fwi=(7.0, 16.0), date="2026-07-15"):
    from georisk.model import RiskZone

    return RiskZone(
        id=RiskZone.make_id(date, "georisk", "swe", risk_class), valid_date=date, scale="swe",
        risk_class=risk_class, label=f"klass {risk_class}", area=area, fwi_min=fwi[0],
        fwi_max=fwi[1], valid_from=T0, valid_to=T0 + timedelta(days=1),
    )


def test_risk_zones_are_issued_reissued_and_withdrawn(store):
    west, east = shapely.box(13.0, 59.0, 14.0, 60.0), shapely.box(14.0, 59.0, 15.0, 60.0)
    events = store.apply([c.IssueRiskZone(_zone("3", west)), c.IssueRiskZone(_zone("4", east))],
                         RESCUE, at=T0)
    assert [e.kind for e in events] == ["riskzones.issued", "riskzones.issued"]
    store.apply([c.IssueRiskZone(_zone("3", shapely.box(13.0, 59.0, 13.5, 60.0), (8.0, 15.0))),
                 c.WithdrawRiskZone(_zone("4", east).id)], RESCUE, at=minutes(5))
    current = {z.risk_class: z for z in store.query(Query("riskzones")).records}
    assert current["3"].fwi_min == 8.0 and current["3"].area.bounds == (13.0, 59.0, 13.5, 60.0)
    assert current["4"].status == "withdrawn"
    with pytest.raises(Conflict, match="already withdrawn"):
        store.apply([c.WithdrawRiskZone(_zone("4", east).id)], RESCUE)
    # polygons are tested exactly, not by their bounds
    l_shape = shapely.Polygon([(13, 59), (15, 59), (15, 59.2), (13.2, 59.2), (13.2, 60), (13, 60)])
    store.apply([c.IssueRiskZone(_zone("5", l_shape, date="2026-07-16"))], RESCUE)
    hits = store.query(Query("riskzones", bbox=(14.0, 59.5, 14.5, 59.8))).records
    assert [z.risk_class for z in hits] == ["4"]  # not the L, whose bounds cover the box
    before = store.state_at(minutes(1)).riskzones
    assert sorted((z.risk_class, z.status, z.fwi_min) for z in before) == [
        ("3", "issued", 7.0), ("4", "issued", 7.0)
    ]


def test_queries_filter_by_county_and_municipality(store):
    store.apply([c.ReportIncident(incident("in-orebro", county="18", municipality="1880")),
                 c.ReportIncident(incident("in-karlstad", county="17", municipality="1780")),
                 c.ReportBlockage(blockage(county="18", municipality="1883"))],
                RESCUE, at=T0)
    assert ids(store.query(Query("incident", county=frozenset({"17"})))) == ["in-karlstad"]
    assert ids(store.query(Query("incident", municipality=frozenset({"1880", "1780"})))) == [
        "in-orebro", "in-karlstad"
    ]
    assert ids(store.query(Query("blockage", county=frozenset({"18"})))) == ["blk-1"]


def test_each_command_may_carry_its_own_time(store):
    times = [minutes(1), minutes(2), minutes(2)]
    events = store.apply([c.ReportIncident(incident("a")), c.ReportIncident(incident("b")),
                          c.CloseIncident("a")], RESCUE, at=times)
    assert [e.time for e in events] == times
    assert store.get("incident", "a").closed_at == minutes(2)
    assert [i.id for i in store.state_at(minutes(1.5)).incidents] == ["a"]
    with pytest.raises(Conflict, match="only moves forward"):
        store.apply([c.ReportIncident(incident("c")), c.ReportIncident(incident("d"))],
                    RESCUE, at=[minutes(4), minutes(3)])
    assert store.get("incident", "c") is None


def test_units_are_assigned_to_open_incidents_and_released(store):
    store.apply([c.ReportIncident(incident()), c.RegisterUnit(unit()),
                 c.RegisterUnit(unit("unit-2"))], RESCUE, at=T0)
    events = store.apply([c.AssignUnit("unit-1", "inc-1")], RESCUE, at=minutes(1))
    assert events[0].kind == "unit.assigned"
    assert store.get("unit", "unit-1").assigned_to == "inc-1"
    with pytest.raises(Conflict, match="already assigned"):
        store.apply([c.AssignUnit("unit-1", "inc-1")], RESCUE)
    with pytest.raises(NotFound, match="no incident with id 'inc-9'"):
        store.apply([c.AssignUnit("unit-2", "inc-9")], RESCUE)
    # an incident reported in the same batch can take units at once
    store.apply([c.ReportIncident(incident("inc-2")), c.AssignUnit("unit-2", "inc-2")], RESCUE,
                at=minutes(2))
    assert store.get("unit", "unit-2").assigned_to == "inc-2"
    store.apply([c.CloseIncident("inc-2")], RESCUE, at=minutes(3))
    with pytest.raises(Conflict, match="is closed"):
        store.apply([c.AssignUnit("unit-1", "inc-2")], RESCUE)
    store.apply([c.ReleaseUnit("unit-1")], RESCUE, at=minutes(4))
    assert store.get("unit", "unit-1").assigned_to is None
    with pytest.raises(Conflict, match="not assigned"):
        store.apply([c.ReleaseUnit("unit-1")], RESCUE)
    assert store.state_at(minutes(1.5)).units[0].assigned_to == "inc-1"


def test_a_units_track_is_its_moves_in_a_window(store):
    store.apply([c.RegisterUnit(unit())], RESCUE, at=T0)
    for i in range(5):
        store.apply([c.MoveUnit("unit-1", shapely.Point(15 + i / 10, 59), minutes(i))], RESCUE,
                    at=minutes(i))
    store.apply([c.SetUnitStatus("unit-1", "on_scene")], RESCUE, at=minutes(4))
    track = store.events_of("unit", "unit-1", minutes(1), minutes(3), kinds=["unit.moved"])
    assert [e.record().position.x for e in track] == [15.1, 15.2, 15.3]


def test_closing_or_lifting_before_the_start_is_refused(store):
    from georisk.errors import ValidationError

    store.apply([c.ReportIncident(incident()), c.ReportBlockage(blockage())], RESCUE, at=T0)
    with pytest.raises(ValidationError, match="before it reported"):
        store.apply([c.CloseIncident("inc-1", minutes(-5))], RESCUE)
    with pytest.raises(ValidationError, match="before it started"):
        store.apply([c.LiftBlockage("blk-1", minutes(-5))], RESCUE)
    assert store.last_seq() == 2


def test_records_written_by_another_store_on_the_same_file_are_never_missed(store):
    """Each process caches the records it wrote; another process's writes must win."""
    store.apply([c.RegisterUnit(unit()), c.ReportIncident(incident())], RESCUE, at=T0)
    store.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1))], RESCUE, at=minutes(1))
    other = open_store(store.location)  # as a second worker or the CLI would
    other.apply([c.SetUnitStatus("unit-1", UnitStatus.EN_ROUTE)], RESCUE, at=minutes(2))
    other.note("access.signin", RESCUE, "someone", {"ok": True})  # an event of no record

    assert store.get("unit", "unit-1").status is UnitStatus.EN_ROUTE
    # the writer's own view too: the next move keeps the other store's status
    store.apply([c.MoveUnit("unit-1", shapely.Point(*KARLSTAD), minutes(3))], RESCUE)
    for reader in (store, other):
        moved = reader.get("unit", "unit-1")
        assert moved.status is UnitStatus.EN_ROUTE and moved.position.equals(
            shapely.Point(*KARLSTAD)
        )
    other.close()


def test_ids_lists_the_current_records_of_one_kind_in_order(store):
    store.apply([c.RegisterUnit(unit("b")), c.ReportIncident(incident()),
                 c.RegisterUnit(unit("a"))], RESCUE, at=T0)
    assert store.ids("unit") == ["b", "a"]
    assert store.ids("incident") == ["inc-1"]
    assert store.ids("blockage") == []


def test_a_record_read_is_kept_until_another_store_changes_it(store):
    store.apply([c.RegisterUnit(unit()), c.ReportIncident(incident())], RESCUE, at=T0)
    reader = open_store(store.location)  # caches nothing it has not read
    first = reader.get("unit", "unit-1")
    assert reader.get("unit", "unit-1") is first  # kept, not decoded again
    assert reader.get_many("unit", ["unit-1"])["unit-1"] is first

    store.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1))], RESCUE)
    moved = reader.get("unit", "unit-1")
    assert moved is not first and moved.position.equals(shapely.Point(*OREBRO))
    # and a write through the reader builds on the record the other store wrote
    reader.apply([c.SetUnitStatus("unit-1", UnitStatus.ON_SCENE)], RESCUE)
    assert store.get("unit", "unit-1").position.equals(shapely.Point(*OREBRO))
    reader.close()


def test_a_read_older_than_a_batch_taken_since_is_not_kept():
    # A reader decodes a record as the journal stood at seq 4; before it hands the record
    # to the cache, a writer's batch 5..6 is taken. The older read must not replace it.
    cache = _RecordCache()
    cache.update(1, 4, {})
    newer, older = unit(position=shapely.Point(*OREBRO)), unit(position=shapely.Point(*KARLSTAD))
    cache.update(5, 6, {("unit", "unit-1"): (1, newer)})
    cache.add(4, {("unit", "unit-1"): (1, older)})
    assert cache.current(None, [("unit", "unit-1")], 6) == {("unit", "unit-1"): (1, newer)}
    cache.add(6, {("unit", "unit-2"): (2, older)})  # read at the cache's own seq: kept
    assert cache.current(None, [("unit", "unit-2")], 6) == {("unit", "unit-2"): (2, older)}


def test_the_record_cache_keeps_the_newest_entries_up_to_its_size():
    cache = _RecordCache(size=3)
    cache.add(0, {("unit", f"u{i}"): (i, unit(f"u{i}")) for i in range(5)})
    keys = [("unit", f"u{i}") for i in range(5)]
    assert sorted(cache.current(None, keys, 0)) == keys[2:]


def test_history_across_eras_of_the_entity_index(store):
    # The index by entity is grouped in eras of 2**16 events: unit-1's and the incident's
    # earlier events are in the first era, the moment asked about in the second.
    store.apply([c.RegisterUnit(unit()), c.RegisterUnit(unit("unit-2")),
                 c.ReportIncident(incident())], RESCUE, at=T0)
    store.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1))], RESCUE,
                at=minutes(1))
    spot = shapely.Point(*KARLSTAD)
    while store.last_seq() < (1 << ERA_BITS) + 10:
        store.apply([c.MoveUnit("unit-2", spot, minutes(2))] * 5_000, RESCUE, at=minutes(2))
    moment = minutes(3)
    store.apply([c.MoveUnit("unit-1", spot, minutes(4)), c.CloseIncident("inc-1")], RESCUE,
                at=minutes(4))

    picture = store.state_at(moment)
    assert picture.seq == store.last_seq() - 2
    units = {u.id: u for u in picture.units}
    assert units["unit-1"].position.equals(shapely.Point(*OREBRO))  # from the first era
    assert units["unit-2"].position.equals(spot)
    assert [(i.id, i.status) for i in picture.incidents] == [("inc-1", IncidentStatus.OPEN)]

    track = store.events_of("unit", "unit-1", kinds=["unit.moved"])
    assert [e.time for e in track] == [minutes(1), minutes(4)]
    assert [e.time for e in store.events_of("unit", "unit-1", minutes(3))] == [minutes(4)]
    assert store.events_of("unit", "unit-1", minutes(5)) == []
    assert [e.kind for e in store.events_of("incident", "inc-1")] == [
        "incident.reported",
        "incident.closed",
    ]


def test_look_ups_by_entity_and_the_access_journal_use_their_indexes(sqlite_store):
    store = sqlite_store
    store.apply([c.RegisterUnit(unit())], RESCUE, at=T0)
    store.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1))], RESCUE,
                at=minutes(1))
    store.note("access.signin", RESCUE, "someone", {"ok": True})
    con = store._connection()
    statements: list[str] = []
    con.set_trace_callback(statements.append)
    store.events_of("unit", "unit-1", minutes(0.5), minutes(2), kinds=["unit.moved"])
    store.state_at(T0)  # unit-1 changed since: its last event then is looked up by era
    store.events_after(0, 10, entity_kind="access")
    con.set_trace_callback(None)
    plans = {
        sql: " ".join(row[-1] for row in con.execute("EXPLAIN QUERY PLAN " + sql))
        for sql in statements
        if sql.startswith("SELECT") and ("entity_id" in sql or "entity_kind" in sql)
    }
    assert len(plans) == 3
    for sql, plan in plans.items():
        index = "access_events" if "'access'" in sql else "events_by_era_and_entity"
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, (
            sql,
            plan,
        )


def _schema_of_version(path, version: int) -> None:
    """An empty database as the store of schema ``version`` made it."""
    with sqlite3.connect(path) as con:
        for number, script in migrations():
            if number <= version:
                con.executescript(script)
                con.execute(f"PRAGMA user_version = {number}")


def test_a_journal_of_the_previous_schema_is_carried_over(tmp_path):
    # Written by the store of the schema before the era index (version 4): the entities
    # learn their first event, and history reads as before.
    old = tmp_path / "old.db"
    _schema_of_version(old, 4)
    source = SQLiteStore(tmp_path / "source.db")
    source.apply([c.RegisterUnit(unit()), c.ReportIncident(incident())], RESCUE, at=T0)
    source.apply([c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1))], RESCUE,
                 at=minutes(1))
    with sqlite3.connect(source.path) as con:
        events = con.execute("SELECT * FROM events").fetchall()
        entities = con.execute("SELECT * FROM entities").fetchall()
    source.close()
    with sqlite3.connect(old) as con:
        con.executemany(f"INSERT INTO events VALUES ({','.join('?' * 9)})",
                        [row[:9] for row in events])
        con.executemany(f"INSERT INTO entities VALUES ({','.join('?' * 19)})",
                        [row[:19] for row in entities])

    store = SQLiteStore(old)
    assert store.schema_version == migrations()[-1][0]
    with sqlite3.connect(old) as con:
        firsts = dict(con.execute("SELECT id, first_seq FROM entities").fetchall())
        indexes = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    assert firsts == {"unit-1": 1, "inc-1": 2}
    assert "events_by_entity" not in indexes and "events_by_era_and_entity" in indexes
    assert store.state_at(minutes(0.5)).units[0].position is None
    assert [e.kind for e in store.events_of("unit", "unit-1")] == ["unit.registered", "unit.moved"]
    store.close()


def test_position_reports_keep_the_projection_row_as_a_full_rewrite_would(
    sqlite_store, db_path
):
    store = sqlite_store
    store.apply([c.RegisterUnit(unit(f"unit-{i}")) for i in range(3)], RESCUE, at=T0)
    moves = [c.MoveUnit(f"unit-{i}", shapely.Point(14 + i, 59.5), minutes(i + 1), 90.0, 50.0)
             for i in range(3)]
    store.apply([*moves, c.SetUnitStatus("unit-2", UnitStatus.ON_SCENE)], RESCUE, at=minutes(5))

    with sqlite3.connect(db_path) as con:
        rows = con.execute("SELECT * FROM entities WHERE kind = 'unit' ORDER BY rid").fetchall()
    rebuilt = SQLiteStore(store.path.with_name("rebuilt.db"))
    rebuilt.apply([c.RegisterUnit(store.get("unit", f"unit-{i}")) for i in range(3)], RESCUE,
                  at=T0)
    with sqlite3.connect(rebuilt.path) as con:
        fresh = con.execute("SELECT * FROM entities WHERE kind = 'unit' ORDER BY rid").fetchall()
    rebuilt.close()
    seq_column = 13  # the only column that differs: which event holds the record
    assert [r[:seq_column] + r[seq_column + 1 :] for r in rows] == [
        r[:seq_column] + r[seq_column + 1 :] for r in fresh
    ]
    assert rows[0][7] is None and rows[0][8] == rows[0][9]  # start = end = position time


# -- the generalised projection: what other agencies are shown is what they can filter --


def _seen_by_rescue(**fields) -> Query:
    from georisk.access import Scope
    from georisk.model import Agency

    return Query(seen_by=Scope(Agency.RESCUE), **fields)


def _cell_box(point: shapely.Point) -> tuple[float, ...]:
    """A box of about 50 m around the centre of the 1 km cell that holds ``point``."""
    from georisk.access import snap

    centre = snap(point)
    return centre.x - 5e-4, centre.y - 5e-4, centre.x + 5e-4, centre.y + 5e-4


def test_a_restricted_unit_is_found_where_it_is_shown_after_every_move(store):
    from tests.factories import POLICE

    secret = unit("pat-1", agency="police", classification=Classification.RESTRICTED)
    first, second = shapely.Point(15.2066, 59.2741), shapely.Point(14.52, 59.33)
    store.apply([c.RegisterUnit(secret), c.MoveUnit("pat-1", first, minutes(1))], POLICE,
                at=minutes(1))
    assert store.query(_seen_by_rescue(kind="unit", bbox=_cell_box(first))).records
    store.apply([c.MoveUnit("pat-1", second, minutes(2))], POLICE, at=minutes(2))
    assert not store.query(_seen_by_rescue(kind="unit", bbox=_cell_box(first))).records
    assert store.query(_seen_by_rescue(kind="unit", bbox=_cell_box(second))).records
    # a box around the true point only, away from the cell's centre, finds it for no one else
    exact = (second.x - 1e-4, second.y - 1e-4, second.x + 1e-4, second.y + 1e-4)
    assert not store.query(_seen_by_rescue(kind="unit", bbox=exact)).records
    assert store.query(Query("unit", bbox=exact)).records  # the true record is there


def test_a_record_no_longer_restricted_is_filtered_on_its_true_values(store):
    from tests.factories import POLICE

    secret = incident("p-1", agency="police", classification=Classification.RESTRICTED,
                      title="Tillslag Västerled", type=IncidentType.TRAFFIC)
    store.apply([c.ReportIncident(secret)], POLICE, at=T0)
    assert not store.query(_seen_by_rescue(kind="incident", text="västerled")).records
    assert store.query(_seen_by_rescue(kind="incident", category=frozenset({"police"}))).records
    store.apply([c.UpdateIncident("p-1", {"classification": Classification.OPEN})], POLICE,
                at=minutes(1))
    assert store.query(_seen_by_rescue(kind="incident", text="västerled")).records
    assert not store.query(_seen_by_rescue(kind="incident", category=frozenset({"police"}))).records


def test_restricted_records_of_the_previous_schema_get_their_generalised_form(tmp_path):
    from tests.factories import POLICE

    source = SQLiteStore(tmp_path / "source.db")
    secret = incident("p-1", agency="police", classification=Classification.RESTRICTED,
                      title="Tillslag Västerled", location=shapely.Point(15.2066, 59.2741))
    source.apply([c.ReportIncident(secret), c.ReportIncident(incident("open-1"))], POLICE, at=T0)
    with sqlite3.connect(source.path) as con:
        events = con.execute("SELECT * FROM events").fetchall()
        entities = con.execute("SELECT * FROM entities").fetchall()
        # the R*Tree as schema 5 wrote it: the true bounds only
        bbox = [(rid, *r.geometry.bounds) for rid, r in ((1, secret),)]
    source.close()
    old = tmp_path / "old.db"
    _schema_of_version(old, 5)
    with sqlite3.connect(old) as con:
        con.executemany(f"INSERT INTO events VALUES ({','.join('?' * 9)})",
                        [row[:9] for row in events])
        con.executemany(f"INSERT INTO entities VALUES ({','.join('?' * 20)})", entities)
        con.executemany("INSERT INTO incident_bbox VALUES (?, ?, ?, ?, ?)",
                        [(rid, x0, x1, y0, y1) for rid, x0, y0, x1, y1 in bbox])

    store = SQLiteStore(old)
    assert store.schema_version == migrations()[-1][0]
    box = _cell_box(secret.location)
    found = store.query(_seen_by_rescue(kind="incident", bbox=box)).records
    assert [r.id for r in found] == ["p-1"]
    assert store.query(_seen_by_rescue(kind="incident", text="polisinsats")).records
    store.close()


def test_journal_views_are_numbered_alike_when_written_and_when_migrated(tmp_path):
    """Each view counts its own events; a journal of schema 6 gets the same numbers from
    the migration as the store gives events as it writes them."""
    from georisk.journal import VIEWS
    from georisk.model import Agency
    from tests.factories import POLICE

    source = SQLiteStore(tmp_path / "source.db")
    for n, classification in enumerate(["open", "agency", "restricted", "agency", "open"]):
        police_incident = incident(f"p-{n}", agency=Agency.POLICE, classification=classification)
        source.apply([c.ReportIncident(police_incident)], POLICE)
        source.apply([c.ReportIncident(incident(f"r-{n}", classification=classification))],
                     RESCUE)
    source.note("access.signed_in", RESCUE, "anna.r", {})
    columns = ", ".join(f"view_{view}" for view in VIEWS)
    with sqlite3.connect(source.path) as con:
        events = con.execute("SELECT * FROM events ORDER BY seq").fetchall()
        entities = con.execute("SELECT * FROM entities").fetchall()
        written = con.execute(f"SELECT audience, {columns} FROM events ORDER BY seq").fetchall()
    source.close()
    police = [row[1] for row in written]
    assert police == [1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 8]  # rescue's agency-only: not counted
    assert [row[5] for row in written] == [0] * 10 + [1]  # the audit view: access events

    old = tmp_path / "old.db"
    _schema_of_version(old, 6)
    with sqlite3.connect(old) as con:
        con.executemany(f"INSERT INTO events VALUES ({','.join('?' * 9)})",
                        [row[:9] for row in events])
        con.executemany(f"INSERT INTO entities VALUES ({','.join('?' * 20)})", entities)
    SQLiteStore(old).close()
    with sqlite3.connect(old) as con:
        migrated = con.execute(f"SELECT audience, {columns} FROM events ORDER BY seq").fetchall()
    assert migrated == written


# -- PostgreSQL's own machinery ---------------------------------------------------------


@pytest.fixture
def pg_store(pg_url):
    from georisk.store.postgis import PostGISStore

    opened = PostGISStore(pg_url)
    yield opened
    opened.close()


def test_postgis_writers_wait_for_the_journal_lock_and_commit_in_seq_order(pg_store):
    """A writer takes the journal's lock before it reads the last seq: while another
    transaction holds it, the write waits, and then follows on without a gap."""
    import threading

    import psycopg

    pg_store.apply([c.RegisterUnit(unit())], RESCUE, at=T0)
    holder = psycopg.connect(pg_store.location)
    holder.execute("LOCK TABLE events IN EXCLUSIVE MODE")  # (opens a transaction)
    done: list[int] = []
    writer = threading.Thread(target=lambda: done.extend(e.seq for e in pg_store.apply(
        [c.MoveUnit("unit-1", shapely.Point(*OREBRO), minutes(1))], RESCUE)))
    writer.start()
    writer.join(timeout=1)
    assert writer.is_alive() and not done  # waiting for the lock
    assert pg_store.last_seq() == 1  # and readers are not held up
    holder.rollback()
    writer.join(timeout=10)
    assert done == [2]
    holder.close()


def test_postgis_readers_following_concurrent_writers_never_skip_an_event(pg_store):
    """Four writers append at once while a reader follows the journal from its last seq,
    as the live stream does: every seq it reads comes right after the one before (an
    event committed after a higher seq would be skipped for good)."""
    import threading

    pg_store.apply([c.RegisterUnit(unit(f"unit-{i}")) for i in range(4)], RESCUE, at=T0)
    stop = threading.Event()
    seen: list[int] = []

    def follow():
        last = 0
        while not stop.is_set() or last < pg_store.last_seq():
            for event in pg_store.events_after(last, 100):
                seen.append(event.seq)
                last = event.seq

    def write(i: int):
        for n in range(40):
            spot = shapely.Point(14 + n / 100, 59)
            pg_store.apply([c.MoveUnit(f"unit-{i}", spot, minutes(n + 1))], RESCUE)

    reader = threading.Thread(target=follow)
    reader.start()
    writers = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join(timeout=30)
    assert seen == list(range(1, 4 * 40 + 5))


def test_postgis_a_newer_schema_or_a_missing_database_is_refused(pg_url):
    import psycopg

    from georisk.store.postgis import PostGISStore

    with pytest.raises(StoreError, match=r"no georisk database at .*init-db"):
        PostGISStore(pg_url, create=False)
    PostGISStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("UPDATE georisk_schema SET version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        PostGISStore(pg_url)
    with pytest.raises(StoreError, match="not reachable"):
        PostGISStore(pg_url.replace("?host=", "?host=/nonexistent"))


def test_postgis_commits_are_durable_and_geometries_are_indexed_in_wgs84(pg_store):
    pg_store.apply([c.ReportIncident(incident()), c.RegisterUnit(unit())], RESCUE, at=T0)
    with pg_store._connection() as con:
        assert con.execute("SHOW synchronous_commit").fetchone()[0] == "on"
        srids = con.execute(
            "SELECT DISTINCT ST_SRID(geom) FROM entities WHERE geom IS NOT NULL"
        ).fetchall()
        reach = dict(con.execute("SELECT kind, reach IS NOT NULL FROM entities").fetchall())
        indexes = {row[0] for row in con.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'entities'")}
    assert srids == [(4326,)]
    assert reach == {"incident": True, "unit": False}  # units: none (see the schema)
    assert any("USING gist (reach)" in index for index in indexes)


def test_event_and_record_rows_read_alike_on_every_backend(store):
    """The columns analysis reads a kind by: JSON values picked from the payloads (as
    numbers and text), one view's events only, and each record as it stood at a time."""
    from tests.factories import POLICE

    store.apply([c.RegisterUnit(unit()), c.ReportIncident(incident())], RESCUE, at=T0)
    store.apply([c.MoveUnit("unit-1", shapely.Point(14.25, 59.5), minutes(1))], RESCUE,
                at=minutes(1))
    store.apply([c.ReportIncident(incident("p-1", agency="police",
                                           classification=Classification.AGENCY))],
                POLICE, at=minutes(2))
    moves = store.event_rows("unit", ["unit.moved"], fields={
        "lon": "$.geometry.coordinates[0]", "status": "$.properties.status"})
    assert moves[["seq", "kind", "entity_id", "lon", "status"]].values.tolist() == [
        [3, "unit.moved", "unit-1", 14.25, "available"]
    ]
    assert store.event_rows("incident", view="rescue")["entity_id"].tolist() == ["inc-1"]
    assert store.event_rows("incident", view="police")["entity_id"].tolist() == ["inc-1", "p-1"]
    assert store.event_rows("incident", start=minutes(1.5))["entity_id"].tolist() == ["p-1"]
    now = store.record_rows("incident")
    assert now[["seq", "id"]].values.tolist() == [[2, "inc-1"], [4, "p-1"]]
    before = store.record_rows("unit", minutes(0.5))
    assert before[["seq", "id"]].values.tolist() == [[1, "unit-1"]]


def test_postgis_a_box_that_holds_many_is_walked_in_rid_order(pg_store):
    """As on SQLite: by the planner's estimates (statistics up to date), a page from a box
    that holds many walks the primary key in rid order and stops at its limit (nothing
    sorted, the GiST index not read), and a box that holds few is listed through the GiST
    index; the pages are the same either way, for viewers who see records in full or
    generalised, with records without a place, and after a cursor. A walk whose plan
    would sort the kind is not taken (a page of 1,000 from 10,000)."""
    from georisk.store.postgis import _DIALECT, _WALKING, _placeholders
    from georisk.store.postgis_boxes import in_order, walks
    from georisk.store.selecting import select

    store = pg_store
    _seed_for_boxes(store, 10_000)
    dense, sparse = (12.0, 58.0, 16.0, 61.0), (14.0, 59.0, 14.3, 59.2)  # ~4,000, ~20
    with store._connection() as con:
        con.execute("ANALYZE")
        for box in (dense, sparse):
            for seen_by in (None, Scope(Agency.RESCUE), Scope(Agency.POLICE)):
                for unplaced in (False, True):
                    query = Query("incident", bbox=box, limit=10, unplaced_match=unplaced,
                                  seen_by=seen_by)
                    assert walks(con, query) is (box == dense)
                    dialect = _WALKING if box == dense else _DIALECT
                    for after in (None, "inc-1000", "inc-9995"):
                        asked = replace(query, after=None if after is None else (after,))
                        rid = None if after is None else con.execute(
                            "SELECT rid FROM entities WHERE id = %s", (after,)).fetchone()[0]
                        sql, args = select(asked, rid, _DIALECT)
                        listed = [row[1] for row in con.execute(_placeholders(sql), args)]
                        assert ids(store.query(asked)) == listed
                        if (after, box, seen_by) == ("inc-9995", dense, Scope(Agency.POLICE)):
                            assert {"sec-0", "sec-1", "sec-2", "sec-3"} <= set(listed)
                        sql, args = select(asked, rid, dialect)
                        plan = " ".join(row[0] for row in con.execute(
                            "EXPLAIN " + _placeholders(sql), args))
                        if box == dense:
                            assert in_order(con, _placeholders(sql), args)
                            assert "Index Scan using entities_pkey" in plan, plan
                            assert "Sort Key: e.rid" not in plan, plan
                            assert "entities_reach" not in plan, plan
                        elif after is None:  # (near the end the planner walks the rest)
                            assert "entities_reach" in plan, plan
        whole = Query("incident", bbox=dense, limit=1_000, seen_by=Scope(Agency.POLICE),
                      unplaced_match=True)
        assert walks(con, whole)
        sql, args = select(whole, None, _WALKING)
        assert not in_order(con, _placeholders(sql), args)


def test_postgis_boxes_and_history_are_found_through_their_indexes(pg_store):
    """A bbox page is chosen through the GiST index of the records' search boxes (and
    the index of records without a place), a page in the default order walks an index in
    rid order (first or deep, nothing sorted), and an entity's last event
    before a time through the era index, never by reading the whole table (10,000
    incidents over southern Sweden, the statistics up to date)."""
    import random

    from georisk.store.postgis import _DIALECT, _ERA, _placeholders
    from georisk.store.selecting import select
    from tests.bench.common import seed_incidents

    seed_incidents(pg_store, 10_000, random.Random(5))
    box = (15.05, 58.95, 15.2, 59.1)
    with pg_store._connection() as con, con.transaction():
        con.execute("ANALYZE")
        for unplaced in (False, True):
            sql, args = select(Query("incident", bbox=box, limit=3, unplaced_match=unplaced,
                                     seen_by=Scope(Agency.POLICE)), None, _DIALECT)
            plan = " ".join(row[0] for row in con.execute("EXPLAIN " + _placeholders(sql), args))
            assert "entities_reach" in plan, plan
            assert ("entities_unplaced" in plan) is unplaced, plan
        for seen_by in (None, Scope(Agency.POLICE)):  # a page of ten, first and deep
            for after, rid in ((None, None), (("inc-5000",), 5_000)):
                sql, args = select(Query("incident", limit=10, seen_by=seen_by, after=after),
                                   rid, _DIALECT)
                plan = " ".join(row[0] for row in con.execute("EXPLAIN " + _placeholders(sql),
                                                              args))
                assert "Index Scan" in plan and "Sort" not in plan, plan
        history = (f"EXPLAIN SELECT entity_id, max(seq) FROM events WHERE {_ERA} = %s AND"
                   " entity_kind = %s AND entity_id = ANY(%s) AND seq <= %s GROUP BY entity_id")
        plan = " ".join(row[0] for row in con.execute(history, (0, "incident", ["inc-1"], 10)))
        assert "events_by_era_and_entity" in plan, plan

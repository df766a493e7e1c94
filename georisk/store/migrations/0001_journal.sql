-- The journal and the current-state projection.
-- Instants are integer microseconds since 1970-01-01 UTC; geometries are WKB in WGS84.

CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,   -- assigned by the writer under the write lock
    time_us        INTEGER NOT NULL,      -- never decreases with seq
    actor          TEXT    NOT NULL,
    agency         TEXT    NOT NULL,
    kind           TEXT    NOT NULL,      -- 'incident.reported', 'unit.moved', ...
    entity_kind    TEXT    NOT NULL,
    entity_id      TEXT    NOT NULL,
    classification TEXT    NOT NULL,
    payload        TEXT    NOT NULL       -- the record after the event, a GeoJSON Feature
);
CREATE INDEX events_by_entity ON events (entity_kind, entity_id, seq);
CREATE INDEX events_by_time ON events (time_us);

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

-- One row per entity ever seen, as of its last event: what queries filter on, and
-- which event holds the record (not copied here: a unit move writes it once).
CREATE TABLE entities (
    rid            INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    id             TEXT    NOT NULL,
    category       TEXT    NOT NULL,      -- incident type, unit kind, reason, risk class
    status         TEXT    NOT NULL,
    agency         TEXT    NOT NULL,
    classification TEXT    NOT NULL,
    severity       INTEGER,
    start_us       INTEGER,
    end_us         INTEGER,
    label          TEXT    NOT NULL,      -- title, callsign or road, casefolded for search
    county         TEXT    NOT NULL,      -- SCB code, '' if unknown
    municipality   TEXT    NOT NULL,
    seq            INTEGER NOT NULL,      -- the entity's last event: its payload is the record
    geom           BLOB,
    min_x REAL, min_y REAL, max_x REAL, max_y REAL,  -- bounds of geom, exact (float64)
    UNIQUE (kind, id)
);
CREATE INDEX entities_by_kind_status ON entities (kind, status);

-- R*Trees of the bounds of incidents, blockages and risk zones (rid = entities.rid). Units have
-- none: they move every few seconds, an R*Tree update costs more than the whole rest
-- of a position report, and a few thousand units are scanned by their bounds columns
-- faster than that. Live nearest-unit questions go to the in-process index.
CREATE VIRTUAL TABLE incident_bbox USING rtree (rid, min_x, max_x, min_y, max_y);
CREATE VIRTUAL TABLE blockage_bbox USING rtree (rid, min_x, max_x, min_y, max_y);
CREATE VIRTUAL TABLE riskzones_bbox USING rtree (rid, min_x, max_x, min_y, max_y);

-- The PostGIS store's schema: the same tables as the SQLite store's migrations 1-10
-- (georisk/store/migrations/), in PostgreSQL types. Instants are integer microseconds
-- since 1970-01-01 UTC, as there; geometries are PostGIS geometries in WGS84 (SRID 4326).
-- The version reached is kept in georisk_schema (`georisk.store.postgis`).

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE events (
    seq            bigint  PRIMARY KEY,   -- assigned by the writer under the journal's lock
    time_us        bigint  NOT NULL,      -- never decreases with seq
    actor          text    NOT NULL,
    agency         text    NOT NULL,
    kind           text    NOT NULL,      -- 'incident.reported', 'unit.moved', ...
    entity_kind    text    NOT NULL,
    entity_id      text    NOT NULL,
    classification text    NOT NULL,
    payload        text    NOT NULL,      -- the record after the event, a GeoJSON Feature
    audience       integer NOT NULL,      -- its journal views, bit i for VIEWS[i]
    view_police    bigint  NOT NULL,      -- per view, its events up to and including this
    view_rescue    bigint  NOT NULL,
    view_sos       bigint  NOT NULL,
    view_centre    bigint  NOT NULL,
    view_audit     bigint  NOT NULL
);
-- By era (2^16 events) before entity, as the SQLite store's migration 5 explains: a batch
-- of position reports writes to the pages of the current era only.
CREATE INDEX events_by_era_and_entity ON events ((seq >> 16), entity_kind, entity_id, seq);
CREATE INDEX events_by_time ON events (time_us);
CREATE INDEX access_events ON events (seq) WHERE entity_kind = 'access';

CREATE FUNCTION georisk_journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only';
END
$$;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION georisk_journal_is_append_only();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION georisk_journal_is_append_only();

-- One row per entity ever seen, as of its last event (see the SQLite migration 1).
CREATE TABLE entities (
    rid            bigint  PRIMARY KEY,
    kind           text    NOT NULL,
    id             text    NOT NULL,
    category       text    NOT NULL,
    status         text    NOT NULL,
    agency         text    NOT NULL,
    classification text    NOT NULL,
    severity       integer,
    start_us       bigint,
    end_us         bigint,
    label          text    NOT NULL,      -- casefolded, for search
    county         text    NOT NULL,
    municipality   text    NOT NULL,
    seq            bigint  NOT NULL,      -- the entity's last event: its payload is the record
    first_seq      bigint  NOT NULL,      -- the entity's first event
    geom           geometry(Geometry, 4326),
    min_x double precision, min_y double precision,   -- bounds of geom, exact
    max_x double precision, max_y double precision,
    -- The box a bbox query finds an incident, blockage or risk zone by: the bounds of its
    -- geometry and of its generalised form (what others are shown). Units have none: they
    -- move every few seconds, and leaving every indexed column of a unit's row alone lets
    -- PostgreSQL update the row in place (a HOT update) without touching any index.
    reach          geometry(Geometry, 4326),
    UNIQUE (kind, id)
);
CREATE INDEX entities_by_kind_status ON entities (kind, status);
CREATE INDEX entities_reach ON entities USING gist (reach);
-- Records without a place: the boxed kinds' rows with no reach (no geometry). Not "geom
-- IS NULL": a column in an index's predicate counts as indexed, and a unit's move, which
-- changes geom, could then no longer be a HOT update.
CREATE INDEX entities_unplaced ON entities (kind) WHERE reach IS NULL;
-- Units' rows are rewritten by every position report: leave room for in-place updates.
ALTER TABLE entities SET (fillfactor = 70);

-- The filter columns of what other agencies are shown of a restricted record.
CREATE TABLE generalised (
    rid       bigint  PRIMARY KEY REFERENCES entities (rid),
    category  text    NOT NULL,
    label     text    NOT NULL,
    start_us  bigint,
    end_us    bigint,
    min_x double precision, min_y double precision,
    max_x double precision, max_y double precision
);

-- Credentials, sessions and counters: in the database, so that every instance shares
-- them (see the SQLite migrations 2, 3, 8 and 9).
CREATE TABLE users (
    name          text    PRIMARY KEY,
    agency        text    NOT NULL,
    role          text    NOT NULL,
    password_hash text    NOT NULL,
    disabled      integer NOT NULL DEFAULT 0,
    epoch         integer NOT NULL DEFAULT 0,
    created_us    bigint  NOT NULL
);

CREATE TABLE tokens (
    id          text    PRIMARY KEY,
    name        text    NOT NULL,
    agency      text    NOT NULL,
    role        text    NOT NULL,
    secret_hash text    NOT NULL UNIQUE,
    created_us  bigint  NOT NULL,
    revoked_us  bigint,
    user_name   text    REFERENCES users (name)
);

CREATE TABLE service_secrets (
    name  text  PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE idempotency (
    token_id     text    NOT NULL,
    key          text    NOT NULL,
    request_hash text    NOT NULL,
    status       integer,
    body         bytea,
    created_us   bigint  NOT NULL,
    PRIMARY KEY (token_id, key)
);

CREATE TABLE signin_failures (
    key             text    PRIMARY KEY,
    failures        integer NOT NULL,
    last_us         bigint  NOT NULL,
    locked_until_us bigint  NOT NULL
);

CREATE TABLE sessions (
    id_hash    text    PRIMARY KEY,
    user_name  text    NOT NULL REFERENCES users (name),
    epoch      integer NOT NULL,
    csrf       text    NOT NULL,
    created_us bigint  NOT NULL,
    expires_us bigint  NOT NULL
);
CREATE INDEX sessions_by_end ON sessions (expires_us);
CREATE INDEX sessions_by_user ON sessions (user_name);

CREATE TABLE work_slots (
    id         bigserial PRIMARY KEY,
    kind       text    NOT NULL,
    holder     text    NOT NULL,
    host       text    NOT NULL DEFAULT '',  -- the machine the process runs on
    pid        integer NOT NULL,
    started_us bigint  NOT NULL
);
CREATE INDEX work_slots_by_kind ON work_slots (kind, holder);

CREATE TABLE feed_items (
    source       text    NOT NULL,
    source_id    text    NOT NULL,
    entity_kind  text    NOT NULL,
    entity_id    text    NOT NULL,
    payload_hash text    NOT NULL,
    payload      bytea   NOT NULL,
    first_us     bigint  NOT NULL,
    last_us      bigint  NOT NULL,
    seq          bigint,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX feed_items_by_entity ON feed_items (entity_kind, entity_id);

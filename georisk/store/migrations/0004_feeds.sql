-- Items imported from external feeds (Polisen, Trafikverket, CAP, CoT, SMHI): which record
-- each became, so that a re-import updates that record instead of adding another, and the
-- original item as received, for audit. IF NOT EXISTS: the step may meet a database in
-- which a parallel branch's numbering already ran it.
CREATE TABLE IF NOT EXISTS feed_items (
    source       TEXT    NOT NULL,       -- 'polisen', 'trafikverket', 'cap', 'cot', 'smhi'
    source_id    TEXT    NOT NULL,       -- the source's own id of the item
    entity_kind  TEXT    NOT NULL,       -- 'incident', 'blockage', 'unit', 'riskzones'
    entity_id    TEXT    NOT NULL,
    payload_hash TEXT    NOT NULL,       -- hex SHA-256 of the raw item: unchanged items are skipped
    payload      BLOB    NOT NULL,       -- the raw item as received
    first_us     INTEGER NOT NULL,
    last_us      INTEGER NOT NULL,
    seq          INTEGER,                -- the journal event it last produced, if any
    PRIMARY KEY (source, source_id)
);
CREATE INDEX IF NOT EXISTS feed_items_by_entity ON feed_items (entity_kind, entity_id);

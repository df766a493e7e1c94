-- The index of events by entity becomes an index by era (2^16 journal events) first, then
-- entity. Every position batch adds one entry per unit, and a unit's entries sat side by
-- side: once each unit's run filled a page, a batch of 5,000 moves touched 5,000 index
-- pages (the log written per batch grew from 3 MB to 25 MB over the first million events,
-- and the durable commit with it). Within an era the entries of a batch fall on the few
-- hundred pages of the current era, however long the journal. Look-ups by entity name
-- the eras they need (`georisk.store.sqlite`).
ALTER TABLE entities ADD COLUMN first_seq INTEGER;  -- the entity's first event

UPDATE entities SET first_seq = (
    SELECT min(seq) FROM events WHERE entity_kind = entities.kind AND entity_id = entities.id
);

DROP INDEX events_by_entity;
CREATE INDEX events_by_era_and_entity ON events (seq >> 16, entity_kind, entity_id, seq);

-- The access journal (sign-ins, refused writes) is listed on its own, among millions of
-- position reports.
CREATE INDEX access_events ON events (seq) WHERE entity_kind = 'access';

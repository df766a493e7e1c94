-- Work slots name the machine their process runs on, as the PostGIS store's do: only a
-- process of this machine can be looked for when deciding whether a slot's work died.
ALTER TABLE work_slots ADD COLUMN host TEXT NOT NULL DEFAULT '';

-- The records without a place (incidents, blockages, risk zones have none in the R*Trees):
-- OGC API bbox requests match them too (Part 1), so a box's candidates are the R*Tree's
-- and these, found without reading every record of the kind.
CREATE INDEX entities_unplaced ON entities (kind) WHERE geom IS NULL;

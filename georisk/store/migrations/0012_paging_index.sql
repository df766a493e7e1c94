-- A page of a kind in its default order (rid) walks this index and stops at its limit:
-- without it the planner takes (kind, status) and sorts every record of the kind to
-- return the first ten, a cost that grows with the store. Deep cursors (rid > ?) are a
-- range of it.
CREATE INDEX IF NOT EXISTS entities_by_kind ON entities (kind);

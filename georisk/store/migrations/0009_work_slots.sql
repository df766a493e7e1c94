-- Costly work running now (briefing exports): one row per piece of work, so that limits
-- per user hold across every worker process. The worker deletes its row when the work
-- ends; a row whose process has died is taken back by the next one to count.
CREATE TABLE work_slots (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,   -- what work: 'export'
    holder     TEXT    NOT NULL,   -- for whom: the viewer's name
    pid        INTEGER NOT NULL,   -- the process doing it
    started_us INTEGER NOT NULL
);

CREATE INDEX work_slots_by_kind ON work_slots (kind, holder);

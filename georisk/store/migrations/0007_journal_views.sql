-- The journal as each reader sees it (`georisk.journal.VIEWS`): an agency's view holds the
-- events whose change that agency's viewers are shown, the audit view the access events.
-- Every event keeps its audience (bit i for VIEWS[i]: police, rescue, sos, centre, audit)
-- and, per view, the number of that view's events up to and including it, so that each
-- reader counts 1, 2, 3, ... in its own view and no gap in the numbers tells it that
-- something it may not see happened. New events get both from the store as they are
-- written (`georisk.access.audience`); the events already journaled get them here, by the
-- classification rule they were written under (an agency's view: open and restricted
-- records, and its own records of any classification).
ALTER TABLE events ADD COLUMN audience INTEGER;
ALTER TABLE events ADD COLUMN view_police INTEGER;
ALTER TABLE events ADD COLUMN view_rescue INTEGER;
ALTER TABLE events ADD COLUMN view_sos INTEGER;
ALTER TABLE events ADD COLUMN view_centre INTEGER;
ALTER TABLE events ADD COLUMN view_audit INTEGER;

DROP TRIGGER events_are_never_updated;

CREATE TEMP TABLE audiences AS
SELECT seq,
       CASE WHEN entity_kind = 'access' THEN 16
            WHEN classification IN ('open', 'restricted') THEN 15
            ELSE CASE json_extract(payload, '$.properties.agency')
                     WHEN 'police' THEN 1 WHEN 'rescue' THEN 2
                     WHEN 'sos' THEN 4 WHEN 'centre' THEN 8 ELSE 0 END
       END AS audience
FROM events;

UPDATE events SET
    audience = n.audience,
    view_police = n.police, view_rescue = n.rescue, view_sos = n.sos,
    view_centre = n.centre, view_audit = n.audit
FROM (
    SELECT seq, audience,
           sum(audience & 1 != 0) OVER running AS police,
           sum(audience & 2 != 0) OVER running AS rescue,
           sum(audience & 4 != 0) OVER running AS sos,
           sum(audience & 8 != 0) OVER running AS centre,
           sum(audience & 16 != 0) OVER running AS audit
    FROM audiences
    WINDOW running AS (ORDER BY seq ROWS UNBOUNDED PRECEDING)
) AS n
WHERE events.seq = n.seq;

DROP TABLE audiences;

CREATE TRIGGER events_are_never_updated BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

-- What other agencies are shown of a restricted record: the filter columns of its
-- generalised form (`georisk.access.generalise`: the 1 km cell, the generic type and
-- title, whole hours), kept beside the true ones so that a list filtered or ordered for
-- another agency acts on what that agency sees and never on what it hides. One row per
-- entity whose current classification is generalised for others; the store fills it in
-- Python (the cell needs a projection), for existing records too (`_after_step`).
CREATE TABLE generalised (
    rid       INTEGER PRIMARY KEY REFERENCES entities (rid),
    category  TEXT    NOT NULL,
    label     TEXT    NOT NULL,   -- casefolded, as entities.label
    start_us  INTEGER,
    end_us    INTEGER,
    min_x REAL, min_y REAL, max_x REAL, max_y REAL
);

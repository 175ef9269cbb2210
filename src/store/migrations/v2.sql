-- Step 2 of the ladder: version 1 -> version 2 (provenance), run inside the
-- one upgrade transaction. No stored value changes: observations keep their
-- rows (the new column reads NULL: "from before version 2"), conflict rows
-- are copied as they are (their `input` text kept).

CREATE TABLE input (
    id        INTEGER PRIMARY KEY,
    name      TEXT    NOT NULL,
    size      INTEGER NOT NULL,
    sha256    TEXT    NOT NULL,
    reader    TEXT    NOT NULL,
    observed  INTEGER NOT NULL,
    ingested  INTEGER NOT NULL,
    new       INTEGER NOT NULL,
    duplicate INTEGER NOT NULL,
    conflict  INTEGER NOT NULL,
    skipped   INTEGER NOT NULL,
    UNIQUE (name, sha256)
) STRICT;

-- A schema change only: existing rows are not rewritten (SQLite reads the
-- table once to check its rows against its CHECK and STRICT rules: ~0.7 s
-- for 5.3M observations).
ALTER TABLE observation ADD COLUMN input_id INTEGER REFERENCES input (id);

-- The policy check gains 'newest', which only a rebuilt table can say.
CREATE TABLE conflict_v2 (
    id               INTEGER PRIMARY KEY,
    series_id        INTEGER NOT NULL REFERENCES series (id),
    ts               INTEGER NOT NULL,
    policy           TEXT    NOT NULL CHECK (policy IN ('keep', 'replace', 'newest')),
    kept_rate        TEXT    NOT NULL,
    kept_inverted    INTEGER NOT NULL,
    kept_change      TEXT,
    dropped_rate     TEXT    NOT NULL,
    dropped_inverted INTEGER NOT NULL,
    dropped_change   TEXT,
    input            TEXT    NOT NULL,
    logged_at        INTEGER NOT NULL,
    kept_input_id    INTEGER REFERENCES input (id),
    dropped_input_id INTEGER REFERENCES input (id)
) STRICT;
INSERT INTO conflict_v2 (id, series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, dropped_inverted,
                         dropped_change, input, logged_at)
    SELECT id, series_id, ts, policy, kept_rate, kept_inverted, kept_change, dropped_rate, dropped_inverted,
           dropped_change, input, logged_at FROM conflict;
DROP TABLE conflict;
ALTER TABLE conflict_v2 RENAME TO conflict;
CREATE INDEX conflict_key ON conflict (series_id, ts);

CREATE TABLE fetch_failure (
    id     INTEGER PRIMARY KEY,
    url    TEXT    NOT NULL,
    source TEXT    NOT NULL,
    at     INTEGER NOT NULL,
    reason TEXT    NOT NULL
) STRICT;

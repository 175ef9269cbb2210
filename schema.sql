-- fxsnap store, schema version 4 (PRAGMA user_version = 4;
-- PRAGMA application_id = 0x46585331, 'FXS1').
-- Embedded in the binary with include_str!; a new database gets it whole.
-- An older database climbs src/store/migrations/v2.sql to v4.sql (a test
-- proves the ladder gives the same schema); v3 changes no table, it adds
-- the six-hour rollups; v4 adds the change stamp.

-- A series: one pair (in its canonical direction, XXX/USD) from one source.
-- A pair and its inverse are the same series; any two currencies make a pair.
CREATE TABLE series (
    id     INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    base   TEXT NOT NULL,          -- KZT in KZT/USD
    quote  TEXT NOT NULL,          -- USD in KZT/USD
    UNIQUE (source, base, quote)
) STRICT;

-- Every input that stored, duplicated or conflicted anything, once per
-- (name, content): ingesting the same document again reuses its row.
CREATE TABLE input (
    id        INTEGER PRIMARY KEY,
    name      TEXT    NOT NULL,    -- path, '-' or URL
    size      INTEGER NOT NULL,    -- bytes read
    sha256    TEXT    NOT NULL,    -- of those bytes, lower-case hex
    reader    TEXT    NOT NULL,    -- 'ticker', 'csv', 'nbk', 'cbr-dynamic', 'warc', ...
    observed  INTEGER NOT NULL,    -- unix s: when its content was seen (HTTP Date, mtime, now)
    ingested  INTEGER NOT NULL,    -- unix s of its latest ingest
    new       INTEGER NOT NULL,    -- counts of its latest ingest
    duplicate INTEGER NOT NULL,
    conflict  INTEGER NOT NULL,
    skipped   INTEGER NOT NULL,
    UNIQUE (name, sha256)
) STRICT;

-- Every observation, keyed by (series, UTC second). Rates are exact decimal
-- text as quoted (0.28490 keeps its scale); `inverted` = 1 when the rate was
-- quoted as quote/base (USD/KZT). WITHOUT ROWID: the key is the table.
CREATE TABLE observation (
    series_id INTEGER NOT NULL REFERENCES series (id),
    ts        INTEGER NOT NULL,    -- unix seconds, UTC
    rate      TEXT    NOT NULL,
    inverted  INTEGER NOT NULL CHECK (inverted IN (0, 1)),
    change    TEXT,                -- percent as quoted ('-0' kept), NULL when none
    input_id  INTEGER REFERENCES input (id),  -- the input that brought the value; NULL before version 2
    PRIMARY KEY (series_id, ts)
) STRICT, WITHOUT ROWID;

-- The value not kept when a key met a different value: nothing is lost silently.
CREATE TABLE conflict (
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
    input            TEXT    NOT NULL,  -- the name of the input that brought the new value
    logged_at        INTEGER NOT NULL,
    kept_input_id    INTEGER REFERENCES input (id),  -- NULL: from before version 2
    dropped_input_id INTEGER REFERENCES input (id)
) STRICT;
CREATE INDEX conflict_key ON conflict (series_id, ts);

-- First, min, max and last per bucket (hour and day) in the canonical
-- direction as floating point, kept current at ingest so a long-range chart
-- reads a few thousand rows. For drawing only: exact values stay in
-- `observation`.
CREATE TABLE rollup (
    series_id INTEGER NOT NULL REFERENCES series (id),
    width     INTEGER NOT NULL,     -- bucket width in seconds: 3600, 21600 (version 3) or 86400
    bucket    INTEGER NOT NULL,     -- bucket start, unix seconds
    n         INTEGER NOT NULL,
    first_ts  INTEGER NOT NULL,
    first     REAL    NOT NULL,
    min_ts    INTEGER NOT NULL,
    min       REAL    NOT NULL,
    max_ts    INTEGER NOT NULL,
    max       REAL    NOT NULL,
    last_ts   INTEGER NOT NULL,
    last      REAL    NOT NULL,
    PRIMARY KEY (series_id, width, bucket)
) STRICT, WITHOUT ROWID;

-- A fetch that gave no document (`fetch`; listed by `inputs --failed`).
CREATE TABLE fetch_failure (
    id     INTEGER PRIMARY KEY,
    url    TEXT    NOT NULL,
    source TEXT    NOT NULL,
    at     INTEGER NOT NULL,       -- unix s
    reason TEXT    NOT NULL
) STRICT;

-- Version 4: the change stamp. One row, moved by every committed write (an
-- input that stored, a delete, a failed fetch recorded, an upgrade) and by
-- nothing else, so a reader (serve's ETag and Last-Modified) can tell
-- cheaply whether the store changed since it last looked, and when.
CREATE TABLE stamp (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL,      -- committed writes since the stamp was added
    at      INTEGER NOT NULL       -- unix ms of the latest of them; 0 before any
) STRICT;
INSERT INTO stamp (id, counter, at) VALUES (1, 0, 0);

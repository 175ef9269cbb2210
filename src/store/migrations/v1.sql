-- fxsnap store, schema version 1 (PRAGMA user_version = 1).
-- Embedded in the binary with include_str!; applied once to a new database.

-- A series: one pair (in its canonical direction, XXX/USD) from one source.
-- A pair and its inverse are the same series.
CREATE TABLE series (
    id     INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    base   TEXT NOT NULL,          -- KZT in KZT/USD
    quote  TEXT NOT NULL,          -- USD in KZT/USD
    UNIQUE (source, base, quote)
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
    PRIMARY KEY (series_id, ts)
) STRICT, WITHOUT ROWID;

-- The value not kept when a key met a different value: nothing is lost silently.
CREATE TABLE conflict (
    id               INTEGER PRIMARY KEY,
    series_id        INTEGER NOT NULL REFERENCES series (id),
    ts               INTEGER NOT NULL,
    policy           TEXT    NOT NULL CHECK (policy IN ('keep', 'replace')),
    kept_rate        TEXT    NOT NULL,
    kept_inverted    INTEGER NOT NULL,
    kept_change      TEXT,
    dropped_rate     TEXT    NOT NULL,
    dropped_inverted INTEGER NOT NULL,
    dropped_change   TEXT,
    input            TEXT    NOT NULL,  -- the input that brought the new value
    logged_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX conflict_key ON conflict (series_id, ts);

-- First, min, max and last per bucket (hour and day) in the canonical
-- direction as floating point, kept current at ingest so a long-range chart
-- reads a few thousand rows. For drawing only: exact values stay in
-- `observation`.
CREATE TABLE rollup (
    series_id INTEGER NOT NULL REFERENCES series (id),
    width     INTEGER NOT NULL,     -- bucket width in seconds: 3600 or 86400
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

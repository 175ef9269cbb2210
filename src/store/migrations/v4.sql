-- Version 4: the change stamp (see schema.sql), one row moved by every
-- committed write. The upgrade that adds it is itself a write: the
-- ladder moves it once it has climbed.
CREATE TABLE stamp (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    counter INTEGER NOT NULL,      -- committed writes since the stamp was added
    at      INTEGER NOT NULL       -- unix ms of the latest of them; 0 before any
) STRICT;
INSERT INTO stamp (id, counter, at) VALUES (1, 0, 0);

-- numhealth schema, version 8: a reject is stored once.
-- raw_hash is xxh3-64 of the reject's raw text (function nh_raw_hash), and a reject is
-- identified by (raw_hash, field, reason): re-ingesting a file finds its rejects already
-- stored and counts them as already rejected (runs.already_rejected,
-- run_files.already_rejected) instead of storing them again. field is NULL for a record
-- that is not an object at all; the key reads it as '' because a unique index holds any
-- number of rows with a NULL. Duplicates stored before this version are dropped, keeping
-- the first one stored.

ALTER TABLE rejects ADD COLUMN raw_hash INTEGER NOT NULL DEFAULT 0;

UPDATE rejects SET raw_hash = nh_raw_hash(raw);

DELETE FROM rejects
WHERE id NOT IN (SELECT min(id) FROM rejects GROUP BY raw_hash, coalesce(field, ''), reason);

CREATE UNIQUE INDEX rejects_key ON rejects (raw_hash, coalesce(field, ''), reason);

ALTER TABLE runs ADD COLUMN already_rejected INTEGER NOT NULL DEFAULT 0;

ALTER TABLE run_files ADD COLUMN already_rejected INTEGER NOT NULL DEFAULT 0;

-- numhealth schema, version 3.
-- Calls are found by (anchor_day, call_key) instead of a unique index on the call_id
-- text. A unique index on random text keys is one B-tree spanning all history: every
-- nightly insert lands on a random page of it, so the cost of a night grew with the
-- history kept. Here the index is ordered by the UTC day the call started, so one
-- night's calls fill that day's region of the index and older days are never written.
--   anchor_day: days since the Unix epoch (UTC) of start_ms (function nh_anchor_day);
--               -1 while a call has no start yet (looked up across every day).
--   call_key:   xxh3-64 of call_id (function nh_call_key); NULL for the rare call whose
--               (anchor_day, call_key) slot a different call_id already holds, which is
--               then found through call_overflow instead.
-- call_id stays unique: the loader looks a call up before it inserts, and
-- `numhealth check` counts any repeated call_id as an integrity problem.

CREATE TABLE calls_v3 (
    call_id         TEXT    NOT NULL,
    direction       TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    our_number      TEXT    NOT NULL,
    other_number    TEXT    NOT NULL,
    call_status     TEXT    NOT NULL,
    agent_id        TEXT,
    disconnection_reason TEXT,
    start_ms        INTEGER,
    end_ms          INTEGER,
    duration_ms     INTEGER,
    in_voicemail    INTEGER,
    user_sentiment  TEXT,
    call_successful INTEGER,
    number_flags    INTEGER NOT NULL DEFAULT 0,
    placed_ms       INTEGER NOT NULL,
    short           INTEGER NOT NULL,
    completeness    INTEGER NOT NULL,
    fingerprint     INTEGER NOT NULL,
    run_id          INTEGER NOT NULL,
    anchor_day      INTEGER NOT NULL,
    call_key        INTEGER
) STRICT;

INSERT INTO calls_v3
SELECT call_id, direction, our_number, other_number, call_status, agent_id, disconnection_reason,
       start_ms, end_ms, duration_ms, in_voicemail, user_sentiment, call_successful, number_flags,
       placed_ms, short, completeness, fingerprint, run_id,
       nh_anchor_day(start_ms),
       nh_call_key(call_id)
FROM calls ORDER BY rowid;

DROP TABLE calls;
ALTER TABLE calls_v3 RENAME TO calls;

CREATE UNIQUE INDEX calls_by_day_key ON calls (anchor_day, call_key);

-- Calls whose (anchor_day, call_key) slot was taken by another call_id (a 64-bit hash
-- collision): found by their text id. Normally empty.
CREATE TABLE call_overflow (
    call_id TEXT    PRIMARY KEY,
    call    INTEGER NOT NULL
) STRICT;

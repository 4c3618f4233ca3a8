-- numhealth schema, version 1.
-- Raw calls keyed on the platform's call_id; hourly rollups per caller number kept at
-- ingest so scoring never rescans raw calls; bursts; ingest runs, their files and the
-- records kept aside; scoring runs and their per-number results; small key/value meta.

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('ingest', 'pull')),
    started_ms    INTEGER NOT NULL,
    finished_ms   INTEGER,
    -- running | ok | rejects | failed
    status        TEXT    NOT NULL DEFAULT 'running',
    files         INTEGER NOT NULL DEFAULT 0,
    pages         INTEGER NOT NULL DEFAULT 0,
    read          INTEGER NOT NULL DEFAULT 0,
    inserted      INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    unknown_reasons INTEGER NOT NULL DEFAULT 0,
    message       TEXT
) STRICT;

CREATE TABLE run_files (
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    sha256     TEXT,
    bytes      INTEGER NOT NULL DEFAULT 0,
    shape      TEXT,
    read       INTEGER NOT NULL DEFAULT 0,
    inserted   INTEGER NOT NULL DEFAULT 0,
    updated    INTEGER NOT NULL DEFAULT 0,
    unchanged  INTEGER NOT NULL DEFAULT 0,
    skipped    INTEGER NOT NULL DEFAULT 0,
    rejected   INTEGER NOT NULL DEFAULT 0,
    -- ok | failed
    status     TEXT    NOT NULL,
    message    TEXT,
    PRIMARY KEY (run_id, ordinal)
) STRICT;

CREATE TABLE calls (
    call_id         TEXT    PRIMARY KEY,
    direction       TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    -- the caller number we own: from_number outbound, to_number inbound (E.164)
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
    -- the moment the call counts at: start, else end, else first received
    placed_ms       INTEGER NOT NULL,
    -- 1 when an outbound dialled call was under the short-call cut-off (for bursts)
    short           INTEGER NOT NULL,
    completeness    INTEGER NOT NULL,
    fingerprint     INTEGER NOT NULL,
    run_id          INTEGER NOT NULL
) STRICT;

-- Burst detection and one number's story read a number's calls in time order.
CREATE INDEX calls_by_number_time ON calls (our_number, placed_ms, short);

CREATE TABLE number_hourly (
    number             TEXT    NOT NULL,
    -- hours since the Unix epoch, UTC
    hour               INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    pending            INTEGER NOT NULL DEFAULT 0,
    connected          INTEGER NOT NULL DEFAULT 0,
    human              INTEGER NOT NULL DEFAULT 0,
    short_human        INTEGER NOT NULL DEFAULT 0,
    talk_ms            INTEGER NOT NULL DEFAULT 0,
    short_calls        INTEGER NOT NULL DEFAULT 0,
    no_answer          INTEGER NOT NULL DEFAULT 0,
    dial_failed        INTEGER NOT NULL DEFAULT 0,
    marked_as_spam     INTEGER NOT NULL DEFAULT 0,
    user_declined      INTEGER NOT NULL DEFAULT 0,
    network_blocked    INTEGER NOT NULL DEFAULT 0,
    telephony_fault    INTEGER NOT NULL DEFAULT 0,
    destination_fault  INTEGER NOT NULL DEFAULT 0,
    platform_fault     INTEGER NOT NULL DEFAULT 0,
    unknown_reason     INTEGER NOT NULL DEFAULT 0,
    negative_sentiment INTEGER NOT NULL DEFAULT 0,
    inbound            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (number, hour)
) STRICT, WITHOUT ROWID;

-- The fleet's per-hour totals are summed over this index.
CREATE INDEX number_hourly_by_hour ON number_hourly (hour);

CREATE TABLE bursts (
    number      TEXT    NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    calls       INTEGER NOT NULL,
    short_calls INTEGER NOT NULL,
    PRIMARY KEY (number, start_ms)
) STRICT, WITHOUT ROWID;

CREATE INDEX bursts_by_start ON bursts (start_ms);

CREATE TABLE rejects (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    file       TEXT    NOT NULL,
    line       INTEGER,
    record     INTEGER NOT NULL,
    field      TEXT,
    reason     TEXT    NOT NULL,
    raw        TEXT    NOT NULL
) STRICT;

CREATE INDEX rejects_by_run ON rejects (run_id);

CREATE TABLE score_runs (
    id          INTEGER PRIMARY KEY,
    as_of_ms    INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    numbers     INTEGER NOT NULL,
    settings    TEXT    NOT NULL
) STRICT;

CREATE TABLE scores (
    run_id      INTEGER NOT NULL REFERENCES score_runs (id) ON DELETE CASCADE,
    number      TEXT    NOT NULL,
    score       REAL    NOT NULL,
    level       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    rest_until  TEXT,
    flags       REAL    NOT NULL,
    failures    REAL    NOT NULL,
    bursts      REAL    NOT NULL,
    engagement  REAL    NOT NULL,
    pacing      REAL    NOT NULL,
    evidence    REAL    NOT NULL,
    attempts    INTEGER NOT NULL,
    -- JSON array of sentences
    reasons     TEXT    NOT NULL,
    PRIMARY KEY (run_id, number)
) STRICT, WITHOUT ROWID;

CREATE INDEX scores_by_number ON scores (number, run_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- numhealth schema: the number pool.
-- pool_transitions is the history: one row per change of a number's status, rest date or
-- caps, never updated or deleted, so the status of any number at any past moment can be
-- answered from it. pool_numbers is the current state derived from it (kept in the same
-- transaction as the transitions) plus what the lifecycle policy remembers between runs.

CREATE TABLE pool_numbers (
    number             TEXT    PRIMARY KEY,
    status             TEXT    NOT NULL
                       CHECK (status IN ('active', 'probation', 'resting', 'retired', 'released')),
    -- when the current status began (ms)
    since_ms           INTEGER NOT NULL,
    -- resting: the number's local midnight starting until_date (ms), and that date
    until_ms           INTEGER,
    until_date         TEXT,
    -- calls allowed now per local day and per hour (0 for statuses that may not dial)
    daily_cap          INTEGER NOT NULL,
    hourly_cap         INTEGER NOT NULL,
    source             TEXT    NOT NULL CHECK (source IN ('policy', 'operator')),
    reason             TEXT    NOT NULL,
    note               TEXT,
    -- the score run that recorded the last transition
    score_run          INTEGER,
    -- policy memory: evidence before this moment was dealt with (operator mark, rest,
    -- probation); the probation ramp's start; throttle caps hold until; the number's own
    -- normal caps; flag episodes during probation so far; the retired number it replaces
    episode_floor_ms   INTEGER,
    probation_since_ms INTEGER,
    throttled_until_ms INTEGER,
    own_daily_cap      INTEGER,
    own_hourly_cap     INTEGER,
    relapses           INTEGER NOT NULL DEFAULT 0,
    replaces           TEXT,
    CHECK (status <> 'resting' OR (until_ms IS NOT NULL AND until_date IS NOT NULL))
) STRICT, WITHOUT ROWID;

CREATE TABLE pool_transitions (
    id          INTEGER PRIMARY KEY,
    number      TEXT    NOT NULL,
    -- NULL when the number was first seen
    from_status TEXT    CHECK (from_status IN ('active', 'probation', 'resting', 'retired', 'released')),
    to_status   TEXT    NOT NULL
                CHECK (to_status IN ('active', 'probation', 'resting', 'retired', 'released')),
    -- the as-of moment of the change (ms)
    at_ms       INTEGER NOT NULL,
    until_ms    INTEGER,
    until_date  TEXT,
    daily_cap   INTEGER NOT NULL,
    hourly_cap  INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('policy', 'operator')),
    score_run   INTEGER,
    by_name     TEXT,
    note        TEXT
) STRICT;

CREATE INDEX pool_transitions_by_number ON pool_transitions (number, at_ms);

CREATE TRIGGER pool_transitions_no_update BEFORE UPDATE ON pool_transitions
BEGIN
    SELECT RAISE(ABORT, 'pool_transitions is append-only');
END;

CREATE TRIGGER pool_transitions_no_delete BEFORE DELETE ON pool_transitions
BEGIN
    SELECT RAISE(ABORT, 'pool_transitions is append-only');
END;

-- Every number in the rollups (raw calls may have been pruned) joins the pool with the
-- status its latest recorded score run implies: retire -> retired, rest -> resting until
-- its rest_until date (at the number's local midnight: nh_local_midnight_ms), anything
-- else, or never scored, -> active at the default pacing caps (a run with other caps in
-- its config records the change). Since: that run's as-of, or the number's first hour.
INSERT INTO pool_numbers (number, status, since_ms, until_ms, until_date, daily_cap, hourly_cap,
                          source, reason, score_run, episode_floor_ms)
WITH latest AS (
    SELECT s.number, s.action, s.rest_until, r.id AS run_id, r.as_of_ms,
           row_number() OVER (PARTITION BY s.number ORDER BY r.as_of_ms DESC, r.id DESC) AS k
    FROM scores s JOIN score_runs r ON r.id = s.run_id
),
seen AS (
    SELECT number, min(hour) * 3600000 AS first_ms FROM number_hourly GROUP BY number
),
judged AS (
    SELECT n.number, n.first_ms, l.run_id, l.as_of_ms, l.action, l.rest_until,
           CASE
               WHEN l.action = 'retire' THEN 'retired'
               WHEN l.action = 'rest' AND nh_local_midnight_ms(n.number, l.rest_until) IS NOT NULL
                   THEN 'resting'
               ELSE 'active'
           END AS status
    FROM seen n LEFT JOIN latest l ON l.number = n.number AND l.k = 1
)
SELECT number,
       status,
       coalesce(as_of_ms, first_ms),
       CASE WHEN status = 'resting' THEN nh_local_midnight_ms(number, rest_until) END,
       CASE WHEN status = 'resting' THEN rest_until END,
       CASE WHEN status = 'active' THEN 100 ELSE 0 END,
       CASE WHEN status = 'active' THEN 30 ELSE 0 END,
       'policy',
       CASE
           WHEN run_id IS NULL THEN 'registered by the upgrade to schema v6 (never scored): active'
           ELSE printf('registered by the upgrade to schema v6 from score run %d (%s%s): %s',
                       run_id, action,
                       CASE WHEN status = 'resting' THEN ' until ' || rest_until ELSE '' END,
                       status)
       END,
       run_id,
       CASE WHEN status IN ('resting', 'retired') THEN as_of_ms END
FROM judged
ORDER BY number;

INSERT INTO pool_transitions (number, from_status, to_status, at_ms, until_ms, until_date,
                              daily_cap, hourly_cap, reason, source, score_run)
SELECT number, NULL, status, since_ms, until_ms, until_date, daily_cap, hourly_cap, reason,
       source, score_run
FROM pool_numbers
ORDER BY number;

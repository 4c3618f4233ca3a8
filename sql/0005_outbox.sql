-- The alert outbox: webhook payloads queued in the transaction of the run they report
-- on and delivered after it committed; undelivered ones are retried by later runs under
-- the same idempotency key. The webhook URL itself is never stored.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    score_run       INTEGER,
    created_ms      INTEGER NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error      TEXT,
    delivered_ms    INTEGER
) STRICT;

-- Finds what is due without reading delivered payloads (their columns after `payload`
-- sit behind its overflow pages).
CREATE INDEX outbox_pending ON outbox (next_attempt_ms) WHERE delivered_ms IS NULL;

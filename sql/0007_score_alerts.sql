-- numhealth schema, version 7.
-- A score run notes the webhook deliveries that failed after it committed (the outbox
-- keeps the payloads and retries them on later runs); NULL when every delivery went
-- through or none was due.
ALTER TABLE score_runs ADD COLUMN alert_error TEXT;

-- The pool's last transition (a score run may not record before it) without reading
-- the whole history.
CREATE INDEX pool_transitions_by_at ON pool_transitions (at_ms);

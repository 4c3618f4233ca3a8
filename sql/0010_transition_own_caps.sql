-- numhealth schema, version 10: each transition keeps the number's own normal caps from
-- then on (`mark --daily-cap/--hourly-cap`), so a past moment is paced and capped by the
-- caps it had then, not by caps set later.
--   own_daily_cap, own_hourly_cap: the caps; 0 and 0 when the number had none of its own;
--   filled below for transitions recorded before version 10.

ALTER TABLE pool_transitions ADD COLUMN own_daily_cap INTEGER;

ALTER TABLE pool_transitions ADD COLUMN own_hourly_cap INTEGER;

-- Transitions recorded before this version take the caps each number has of its own at
-- the upgrade (0 and 0 for none): right back to the last caps mark before it, and caps
-- marked after the upgrade do not reach back into the past. (The history is append-only;
-- this one fill of the new columns happens with the guard lifted, in the upgrade's
-- transaction.)
DROP TRIGGER pool_transitions_no_update;

UPDATE pool_transitions
SET own_daily_cap = coalesce(
        (SELECT p.own_daily_cap FROM pool_numbers p WHERE p.number = pool_transitions.number), 0),
    own_hourly_cap = coalesce(
        (SELECT p.own_hourly_cap FROM pool_numbers p WHERE p.number = pool_transitions.number), 0);

CREATE TRIGGER pool_transitions_no_update BEFORE UPDATE ON pool_transitions
BEGIN
    SELECT RAISE(ABORT, 'pool_transitions is append-only');
END;

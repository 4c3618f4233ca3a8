-- numhealth schema, version 10: each transition keeps the number's own normal caps from
-- then on (`mark --daily-cap/--hourly-cap`), so a past moment is paced and capped by the
-- caps it had then, not by caps set later.
--   own_daily_cap, own_hourly_cap: the caps; 0 and 0 when the number had none of its own;
--   NULL on transitions recorded before version 10 (not known: the registry's are used).

ALTER TABLE pool_transitions ADD COLUMN own_daily_cap INTEGER;

ALTER TABLE pool_transitions ADD COLUMN own_hourly_cap INTEGER;

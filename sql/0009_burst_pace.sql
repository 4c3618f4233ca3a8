-- numhealth schema, version 9: bursts relative to the number's own pace.
-- A burst is now a window of short calls that the number's own rate of short calls makes
-- improbable (an expectation-based Poisson scan), not a fixed count in 10 minutes.
-- expected: the short calls that pace predicts from start to end; p_value: the Poisson
-- tail P(X >= short_calls | expected). Every stored burst is re-detected from the stored
-- attempt marks in the same transaction as this change (the migration's hook,
-- store::load::redetect_all), with the stored [bursts] settings and the new keys at their
-- defaults, so no burst found by the old rule survives the upgrade.

ALTER TABLE bursts ADD COLUMN expected REAL NOT NULL DEFAULT 0;

ALTER TABLE bursts ADD COLUMN p_value REAL NOT NULL DEFAULT 1;

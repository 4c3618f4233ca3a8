-- numhealth schema, version 2.
-- Fleet-wide totals per hour, kept at ingest in the same transaction as number_hourly
-- (always equal to its per-hour sums; `numhealth check` verifies it). Scoring compares
-- each number with the fleet hour by hour: reading ~24 rows a day here replaces grouping
-- every number's rollups by hour, which was most of the time `score` took. The index
-- that grouping used is no longer needed, and dropping it makes every ingest cheaper.

CREATE TABLE fleet_hourly (
    -- hours since the Unix epoch, UTC
    hour               INTEGER PRIMARY KEY,
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
    inbound            INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO fleet_hourly (hour, attempts, pending, connected, human, short_human, talk_ms, short_calls, no_answer, dial_failed, marked_as_spam, user_declined, network_blocked, telephony_fault, destination_fault, platform_fault, unknown_reason, negative_sentiment, inbound)
SELECT hour, sum(attempts), sum(pending), sum(connected), sum(human), sum(short_human), sum(talk_ms), sum(short_calls), sum(no_answer), sum(dial_failed), sum(marked_as_spam), sum(user_declined), sum(network_blocked), sum(telephony_fault), sum(destination_fault), sum(platform_fault), sum(unknown_reason), sum(negative_sentiment), sum(inbound)
FROM number_hourly GROUP BY hour;

DROP INDEX number_hourly_by_hour;

-- Each rollup row also carries the moments of its number's dialled outbound attempts in
-- that hour, for burst detection: a sorted run of 4-byte big-endian values
-- (milliseconds into the hour * 2 + 1 if the call was short). Bursts are re-detected from
-- these, so the (our_number, placed_ms, short) index on every raw call, the most expensive
-- part of each insert, is no longer needed.
ALTER TABLE number_hourly ADD COLUMN marks BLOB NOT NULL DEFAULT x'';

UPDATE number_hourly SET marks = coalesce((
    SELECT unhex(group_concat(printf('%08X', (c.placed_ms - number_hourly.hour * 3600000) * 2 + c.short), ''
                              ORDER BY c.placed_ms, c.short))
    FROM calls c
    WHERE c.our_number = number_hourly.number
      AND c.placed_ms >= number_hourly.hour * 3600000
      AND c.placed_ms < (number_hourly.hour + 1) * 3600000
      AND c.short >= 0
), x'');

DROP INDEX calls_by_number_time;

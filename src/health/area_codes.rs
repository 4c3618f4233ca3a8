//! NANP area codes (NPAs) with their state or province, country and IANA time zone, and a
//! caller number's local day at the hour granularity of the rollups. Pure: no SQL, no printing.
//!
//! The table is `data/area-codes/nanp.csv`, derived from libphonenumber's resource files
//! (Apache-2.0) by `data/area-codes/derive.py` and embedded at build time. An area code that
//! spans several zones carries the zone of most of its exchanges (a population proxy, see
//! `data/area-codes/README.md`), with every zone in [`AreaCode::zones`] and
//! [`AreaCode::multi_zone`] set.
//!
//! **Hour rounding.** Rollups are hourly UTC buckets, so a local day can only begin at a whole
//! UTC hour. The UTC offset is rounded **down** to the whole hour ([`local_day_offset_hours`]:
//! UTC-3:30 becomes UTC-4, UTC+5:30 becomes UTC+5). Equivalently, an hour bucket belongs to the
//! local day of its first minute, as in `health::timeline::daily`. For whole-hour zones this is
//! the exact local day. For Newfoundland (`America/St_Johns`, area codes 709 and 879) a local day
//! is counted from 04:00 UTC in winter (00:30 local) and 03:00 UTC in summer (00:30 local), half
//! an hour after the true local midnight.
//!
//! Numbers outside the NANP, and NANP numbers whose area code the table lacks, use the time
//! zone the caller passes as the default.

use std::ops::Range;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::health::rollup::{HOUR_MS, hour_of};

/// The embedded table (see `data/area-codes/README.md`).
const NANP_CSV: &str = include_str!("../../data/area-codes/nanp.csv");

/// Moments are clamped to years 1900..=9999 before any calendar arithmetic, so no input can
/// push chrono out of its range.
const MIN_MS: i64 = -2_208_988_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

/// One NANP area code.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaCode {
    /// The 3-digit NPA, e.g. `"212"`.
    pub npa: String,
    /// State or province (US, Canada) as libphonenumber's geocoding names it, else the country
    /// or territory name.
    pub region: String,
    /// ISO region code: `US`, `CA`, `JM`, ...
    pub country: String,
    /// The area code's zone: its only one, or the one covering most of its exchanges.
    pub tz: Tz,
    /// Every zone listed for the area code, `tz` first.
    pub zones: Vec<Tz>,
    /// True when more than one zone is listed.
    pub multi_zone: bool,
    /// How `tz` was chosen when there are several zones, and a note on half-hour zones.
    pub tz_note: String,
}

/// A CSV row as written by `derive.py`.
#[derive(Deserialize)]
struct Row {
    npa: String,
    region: String,
    country: String,
    tz: String,
    zones: String,
    tz_note: String,
}

/// Every area code of the table, sorted by NPA.
pub fn all() -> &'static [AreaCode] {
    static TABLE: OnceLock<Vec<AreaCode>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(NANP_CSV).0)
}

/// The area code `npa` (three digits), if the table has it.
pub fn lookup_npa(npa: &str) -> Option<&'static AreaCode> {
    let rows = all();
    rows.binary_search_by(|row| row.npa.as_str().cmp(npa))
        .ok()
        .and_then(|i| rows.get(i))
}

/// The NPA of a NANP number in E.164 form, `+1NXXNXXXXXX` (N = 2-9, X = 0-9); `None` for
/// anything else.
pub fn npa_of_number(e164: &str) -> Option<&str> {
    let digits = e164.strip_prefix("+1")?;
    let bytes = digits.as_bytes();
    let nanp = bytes.len() == 10
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] >= b'2'
        && bytes[3] >= b'2';
    nanp.then(|| &digits[..3])
}

/// The area code of a NANP number (`+1NXXNXXXXXX`), if the table has it.
pub fn area_of_number(e164: &str) -> Option<&'static AreaCode> {
    npa_of_number(e164).and_then(lookup_npa)
}

/// The time zone whose days count a number's calls: its area code's, else `default_tz`.
pub fn time_zone_of_number(e164: &str, default_tz: Tz) -> Tz {
    area_of_number(e164).map_or(default_tz, |area| area.tz)
}

/// The UTC offset of `tz` at the start of the UTC hour holding `at_ms`, rounded **down** to
/// whole hours (toward minus infinity): -3:30 gives -4, +5:30 gives +5, -5 stays -5.
pub fn local_day_offset_hours(tz: Tz, at_ms: i64) -> i64 {
    let hour_start = utc(hour_of(clamp(at_ms)) * HOUR_MS);
    let seconds = tz
        .offset_from_utc_datetime(&hour_start.naive_utc())
        .fix()
        .local_minus_utc();
    i64::from(seconds).div_euclid(3600)
}

/// The local day of `at_ms` in `tz` with the hour rounding: the local date of the first minute
/// of its UTC hour.
pub fn local_date_in(tz: Tz, at_ms: i64) -> NaiveDate {
    let hour_start = hour_of(clamp(at_ms)) * HOUR_MS;
    let shifted = hour_start + local_day_offset_hours(tz, hour_start) * HOUR_MS;
    utc(shifted).date_naive()
}

/// The local day of `at_ms` for a caller number: in its area code's zone when it is a known
/// NANP number, else in `default_tz`; with the hour rounding.
pub fn local_date(e164: &str, at_ms: i64, default_tz: Tz) -> NaiveDate {
    local_date_in(time_zone_of_number(e164, default_tz), at_ms)
}

/// The first UTC hour (hours since the epoch, as rollups are keyed) of the local day `date`
/// in `tz`, with the hour rounding. For a date a zone skipped (Pacific/Apia, 2011-12-30) it is
/// the start of the next day, so the skipped day is empty.
pub fn local_day_start_utc_hour(tz: Tz, date: NaiveDate) -> i64 {
    let midnight_as_utc = date.and_hms_opt(0, 0, 0).map_or(0, |naive| {
        hour_of(clamp(naive.and_utc().timestamp_millis()))
    });
    // Real offsets lie within -12..=+14 hours, so the start is within 15 hours of midnight
    // read as UTC; local dates never decrease from one hour to the next.
    (midnight_as_utc - 15..=midnight_as_utc + 15)
        .find(|hour| local_date_in(tz, hour * HOUR_MS) >= date)
        .unwrap_or(midnight_as_utc)
}

/// The UTC hours (hours since the epoch) of the local day `date` in `tz`, with the hour
/// rounding: 24 hours, or 23 and 25 on the days clocks change.
pub fn local_day_hours(tz: Tz, date: NaiveDate) -> Range<i64> {
    let start = local_day_start_utc_hour(tz, date);
    let end = date
        .succ_opt()
        .map_or(start + 24, |next| local_day_start_utc_hour(tz, next));
    start..end.max(start)
}

/// Parses the CSV into rows sorted by NPA, and a description of every row it had to skip.
fn parse_table(text: &str) -> (Vec<AreaCode>, Vec<String>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in csv::Reader::from_reader(text.as_bytes())
        .deserialize::<Row>()
        .enumerate()
    {
        match record.map_err(|e| e.to_string()).and_then(area_code) {
            Ok(row) => rows.push(row),
            Err(e) => problems.push(format!("row {}: {e}", i + 1)),
        }
    }
    rows.sort_by(|a, b| a.npa.cmp(&b.npa));
    rows.dedup_by(|a, b| a.npa == b.npa);
    (rows, problems)
}

fn area_code(row: Row) -> Result<AreaCode, String> {
    let valid_npa = row.npa.len() == 3
        && row.npa.bytes().all(|b| b.is_ascii_digit())
        && !row.npa.starts_with(['0', '1']);
    if !valid_npa {
        return Err(format!("{:?} is not an area code", row.npa));
    }
    let parse_tz = |name: &str| {
        name.parse::<Tz>()
            .map_err(|_| format!("{}: {name:?} is not an IANA time zone", row.npa))
    };
    let tz = parse_tz(&row.tz)?;
    let zones = row
        .zones
        .split('|')
        .map(parse_tz)
        .collect::<Result<Vec<_>, _>>()?;
    if zones.first() != Some(&tz) {
        return Err(format!("{}: zones do not start with {}", row.npa, row.tz));
    }
    Ok(AreaCode {
        multi_zone: zones.len() > 1,
        npa: row.npa,
        region: row.region,
        country: row.country,
        tz,
        zones,
        tz_note: row.tz_note,
    })
}

fn clamp(ms: i64) -> i64 {
    ms.clamp(MIN_MS, MAX_MS)
}

/// The UTC moment `ms`; callers pass clamped moments (give or take a day), which chrono
/// always represents.
fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Europe, Pacific, UTC};

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("test timestamp")
            .timestamp_millis()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    fn area(npa: &str) -> &'static AreaCode {
        lookup_npa(npa).unwrap_or_else(|| panic!("{npa} missing from the table"))
    }

    #[test]
    fn every_row_parses_with_valid_zones() {
        let (rows, problems) = parse_table(NANP_CSV);
        assert!(problems.is_empty(), "{problems:?}");
        let data_lines = NANP_CSV.lines().skip(1).count();
        assert_eq!(rows.len(), data_lines, "a row was lost or duplicated");
        assert!(rows.len() >= 300, "only {} area codes", rows.len());
        assert_eq!(all().len(), rows.len());
        for row in &rows {
            assert_eq!(row.zones[0], row.tz, "{}", row.npa);
            assert_eq!(row.multi_zone, row.zones.len() > 1, "{}", row.npa);
            assert!(!row.region.is_empty(), "{} has no region", row.npa);
            assert_eq!(row.country.len(), 2, "{}", row.npa);
            assert!(
                !row.multi_zone || row.tz_note.contains("several zones"),
                "{}: a multi-zone row says how its tz was chosen",
                row.npa
            );
        }
        assert_eq!(
            lookup_npa(&rows[rows.len() - 1].npa),
            rows.last(),
            "lookup finds the last row"
        );
    }

    #[test]
    fn well_known_area_codes() {
        let ny = area("212");
        assert_eq!(
            (ny.region.as_str(), ny.country.as_str()),
            ("New York", "US")
        );
        assert_eq!(ny.tz, America::New_York);
        assert!(!ny.multi_zone);

        let sf = area("415");
        assert_eq!(
            (sf.region.as_str(), sf.tz),
            ("California", America::Los_Angeles)
        );

        let toronto = area("416");
        assert_eq!(
            (
                toronto.region.as_str(),
                toronto.country.as_str(),
                toronto.tz
            ),
            ("Ontario", "CA", America::Toronto)
        );

        let hawaii = area("808");
        assert_eq!(
            (hawaii.region.as_str(), hawaii.tz),
            ("Hawaii", Pacific::Honolulu)
        );

        let alaska = area("907");
        assert_eq!(
            (alaska.region.as_str(), alaska.tz),
            ("Alaska", America::Anchorage)
        );
        assert!(alaska.multi_zone);
        assert!(alaska.zones.contains(&America::Adak) && alaska.zones.contains(&America::Juneau));
        assert!(
            alaska.tz_note.contains("chosen by hand"),
            "{}",
            alaska.tz_note
        );

        let jamaica = area("876");
        assert_eq!(
            (
                jamaica.region.as_str(),
                jamaica.country.as_str(),
                jamaica.tz
            ),
            ("Jamaica", "JM", America::Jamaica)
        );
    }

    #[test]
    fn multi_zone_area_codes_take_their_majority_zone() {
        // The Florida panhandle: most exchanges are on Central time (Pensacola, Panama City).
        let panhandle = area("850");
        assert_eq!(
            (panhandle.region.as_str(), panhandle.tz),
            ("Florida", America::Chicago)
        );
        assert!(panhandle.multi_zone);
        assert!(panhandle.zones.contains(&America::New_York));
        assert!(
            panhandle.tz_note.contains("majority"),
            "{}",
            panhandle.tz_note
        );

        // Southern Indiana: mostly Eastern, Evansville's corner Central.
        let indiana = area("812");
        assert_eq!(
            (indiana.region.as_str(), indiana.tz),
            ("Indiana", America::New_York)
        );
        assert!(indiana.multi_zone && indiana.zones.contains(&America::Chicago));
    }

    #[test]
    fn newfoundland_days_start_at_the_rounded_down_hour() {
        let nl = area("709");
        assert_eq!(
            (nl.region.as_str(), nl.country.as_str(), nl.tz),
            ("Newfoundland and Labrador", "CA", America::St_Johns)
        );
        assert!(nl.tz_note.contains("half-hour"), "{}", nl.tz_note);
        let number = "+17095551234";

        // Winter, UTC-3:30 rounded down to UTC-4: local midnight is 03:30 UTC, the day counts
        // from 04:00 UTC.
        assert_eq!(
            local_day_offset_hours(America::St_Johns, ms("2026-01-15T12:00:00Z")),
            -4
        );
        assert_eq!(
            local_date(number, ms("2026-01-15T03:45:00Z"), UTC),
            day(2026, 1, 14)
        );
        assert_eq!(
            local_date(number, ms("2026-01-15T04:00:00Z"), UTC),
            day(2026, 1, 15)
        );
        let start = local_day_start_utc_hour(America::St_Johns, day(2026, 1, 15));
        assert_eq!(start * HOUR_MS, ms("2026-01-15T04:00:00Z"));

        // Summer, UTC-2:30 rounded down to UTC-3: the day counts from 03:00 UTC.
        assert_eq!(
            local_day_offset_hours(America::St_Johns, ms("2026-07-15T12:00:00Z")),
            -3
        );
        assert_eq!(
            local_date(number, ms("2026-07-15T02:59:00Z"), UTC),
            day(2026, 7, 14)
        );
        assert_eq!(
            local_date(number, ms("2026-07-15T03:00:00Z"), UTC),
            day(2026, 7, 15)
        );

        // Positive half-hour offsets round down too: +5:30 gives +5.
        let kolkata: Tz = "Asia/Kolkata".parse().expect("zone");
        assert_eq!(
            local_day_offset_hours(kolkata, ms("2026-01-15T12:00:00Z")),
            5
        );
    }

    #[test]
    fn an_hour_belongs_to_the_local_day_of_its_first_minute() {
        // The rounded-down offset and `timeline::daily`'s rule agree on every hour of 2026,
        // for whole-, half- and quarter-hour zones.
        let zones = [
            "America/New_York",
            "America/St_Johns",
            "Asia/Kolkata",
            "Asia/Kathmandu",
        ];
        let first = hour_of(ms("2026-01-01T00:00:00Z"));
        for name in zones {
            let tz: Tz = name.parse().expect("zone");
            for hour in first..first + 366 * 24 {
                let at = hour * HOUR_MS + 59 * 60_000;
                let first_minute = tz.timestamp_millis_opt(hour * HOUR_MS).single();
                assert_eq!(
                    Some(local_date_in(tz, at)),
                    first_minute.map(|t| t.date_naive()),
                    "{name} at hour {hour}"
                );
            }
        }
    }

    #[test]
    fn new_york_local_dates_across_both_2026_clock_changes() {
        let number = "+12125550100";
        let cases = [
            // Spring forward on 2026-03-08: EST (UTC-5) before, EDT (UTC-4) after.
            ("2026-03-08T04:59:59Z", day(2026, 3, 7)),
            ("2026-03-08T05:00:00Z", day(2026, 3, 8)),
            ("2026-03-09T03:59:59Z", day(2026, 3, 8)),
            ("2026-03-09T04:00:00Z", day(2026, 3, 9)),
            // Fall back on 2026-11-01: EDT before, EST after.
            ("2026-11-01T03:59:59Z", day(2026, 10, 31)),
            ("2026-11-01T04:00:00Z", day(2026, 11, 1)),
            ("2026-11-02T04:59:59Z", day(2026, 11, 1)),
            ("2026-11-02T05:00:00Z", day(2026, 11, 2)),
        ];
        for (at, want) in cases {
            assert_eq!(local_date(number, ms(at), UTC), want, "at {at}");
        }
        let spring = local_day_hours(America::New_York, day(2026, 3, 8));
        assert_eq!(spring.start * HOUR_MS, ms("2026-03-08T05:00:00Z"));
        assert_eq!(spring.end - spring.start, 23);
        let fall = local_day_hours(America::New_York, day(2026, 11, 1));
        assert_eq!(fall.start * HOUR_MS, ms("2026-11-01T04:00:00Z"));
        assert_eq!(fall.end - fall.start, 25);
        assert_eq!(
            local_day_hours(America::New_York, day(2026, 6, 1)).count(),
            24
        );
    }

    #[test]
    fn unknown_and_foreign_numbers_use_the_default_zone() {
        assert!(lookup_npa("999").is_none(), "999 is not an area code");
        let paris = Europe::Paris;
        // 23:30 UTC on 2026-01-15 is 00:30 on the 16th in Paris, 18:30 on the 15th in New York.
        let at = ms("2026-01-15T23:30:00Z");
        for number in [
            "+19995550100",
            "+33142685300",
            "not a number",
            "",
            "+1212555010",
        ] {
            assert_eq!(time_zone_of_number(number, paris), paris, "{number:?}");
            assert_eq!(
                local_date(number, at, paris),
                day(2026, 1, 16),
                "{number:?}"
            );
        }
        assert_eq!(local_date("+12125550100", at, paris), day(2026, 1, 15));
    }

    #[test]
    fn only_well_formed_nanp_numbers_have_an_area_code() {
        assert_eq!(npa_of_number("+14155550100"), Some("415"));
        assert_eq!(
            area_of_number("+14155550100").map(|a| a.npa.as_str()),
            Some("415")
        );
        for bad in [
            "14155550100",
            "+1415555010",
            "+141555501000",
            "+11155550100",
            "+14151550100",
            "+1415555o100",
            "+1４１５5550100",
        ] {
            assert_eq!(npa_of_number(bad), None, "{bad:?}");
        }
        assert!(lookup_npa("").is_none() && lookup_npa("2125").is_none());
    }

    #[test]
    fn extreme_moments_are_clamped_to_years_1900_to_9999() {
        let ny = "+12125550100";
        assert_eq!(local_date(ny, i64::MIN, UTC), day(1899, 12, 31));
        assert_eq!(local_date(ny, i64::MAX, UTC), day(9999, 12, 31));
        assert_eq!(local_date(ny, 0, UTC), day(1969, 12, 31));
        assert_eq!(local_day_offset_hours(America::St_Johns, i64::MAX), -4);
        let first = local_day_hours(Pacific::Honolulu, NaiveDate::MIN);
        assert!(first.start <= first.end);
        let last = local_day_hours(Pacific::Honolulu, NaiveDate::MAX);
        assert!(last.start <= last.end);
    }
}

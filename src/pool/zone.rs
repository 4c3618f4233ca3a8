//! Where a caller number lives, as far as the pool cares: its time zone (caps count calls
//! by the number's local day, rests end at its local midnight) and the area it belongs to
//! (the cap on resting numbers is per area code).
//!
//! NANP numbers take their area code's zone from the area-code table
//! (`health::area_codes`, through `AREA_ZONE`); every other number takes `pool.default_tz`.
//! Rollups are hourly, so a half-hour zone's local day is cut at the hour boundary its
//! midnight falls in.

use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::health::area_codes::area_of_number;

/// The area-code table's time zone for a number, if it knows the number.
pub type ZoneLookup = fn(&str) -> Option<Tz>;

/// The table every `Zones::new` uses: the NANP area-code table's zone of the number's
/// area code (its main zone when it has several).
pub const AREA_ZONE: ZoneLookup = |n| area_of_number(n).map(|a| a.tz);

/// Time zones and areas of caller numbers.
#[derive(Debug, Clone, Copy)]
pub struct Zones {
    default_tz: Tz,
    lookup: ZoneLookup,
}

impl Zones {
    /// The area-code table, with `default_tz` for numbers outside it.
    pub fn new(default_tz: Tz) -> Zones {
        Zones::with_lookup(default_tz, AREA_ZONE)
    }

    pub fn with_lookup(default_tz: Tz, lookup: ZoneLookup) -> Zones {
        Zones { default_tz, lookup }
    }

    /// The number's time zone.
    pub fn tz(&self, number: &str) -> Tz {
        (self.lookup)(number).unwrap_or(self.default_tz)
    }

    /// The area the resting cap counts in: `+1NPA` for NANP numbers, else the country
    /// calling code (`+44`), else `other`.
    pub fn area(&self, number: &str) -> String {
        if let Some(rest) = number.strip_prefix("+1")
            && rest.len() == 10
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            return format!("+1{}", &rest[..3]);
        }
        phonenumber::parse(None, number)
            .map(|p| format!("+{}", p.code().value()))
            .unwrap_or_else(|_| "other".into())
    }

    /// The number's local calendar date at a moment.
    pub fn local_date(&self, number: &str, ms: i64) -> Option<NaiveDate> {
        local_date(self.tz(number), ms)
    }

    /// The moment the number's local `date` begins.
    pub fn local_midnight_ms(&self, number: &str, date: NaiveDate) -> Option<i64> {
        local_midnight_ms(self.tz(number), date)
    }
}

/// The calendar date in `tz` at a moment.
pub fn local_date(tz: Tz, ms: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz).date_naive())
}

/// The first moment of `date` in `tz`: its midnight, or the first hour that exists when a
/// daylight-saving change skips midnight.
pub fn local_midnight_ms(tz: Tz, date: NaiveDate) -> Option<i64> {
    (0..4).find_map(|h| {
        let t = date.and_hms_opt(h, 0, 0)?;
        tz.from_local_datetime(&t)
            .earliest()
            .map(|x| x.timestamp_millis())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn local_midnights_and_dates() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2025-11-20 00:00 EST is 05:00 UTC.
        let m = local_midnight_ms(ny, date("2025-11-20")).unwrap();
        assert_eq!(m, 1_763_614_800_000);
        assert_eq!(local_date(ny, m), Some(date("2025-11-20")));
        assert_eq!(local_date(ny, m - 1), Some(date("2025-11-19")));
        assert_eq!(
            local_midnight_ms(Tz::UTC, date("2025-11-20")),
            Some(1_763_596_800_000)
        );
        // Havana skips midnight when daylight saving starts (2025-03-09): 01:00 CDT.
        let havana: Tz = "America/Havana".parse().unwrap();
        let m = local_midnight_ms(havana, date("2025-03-09")).unwrap();
        assert_eq!(local_date(havana, m), Some(date("2025-03-09")));
        assert_eq!(local_date(havana, m - 1), Some(date("2025-03-08")));
    }

    #[test]
    fn areas_and_zones_of_numbers() {
        let z = Zones::with_lookup(Tz::UTC, |n| {
            n.starts_with("+1415")
                .then_some(chrono_tz::America::Los_Angeles)
        });
        assert_eq!(z.tz("+14155550100"), chrono_tz::America::Los_Angeles);
        assert_eq!(z.tz("+12125550100"), Tz::UTC);
        assert_eq!(z.area("+14155550100"), "+1415");
        assert_eq!(z.area("+442071838750"), "+44");
        assert_eq!(z.area("nonsense"), "other");
        // The area-code table: 415 is San Francisco, 212 New York; elsewhere the default.
        let table = Zones::new(chrono_tz::Europe::Berlin);
        assert_eq!(table.tz("+14155550100"), chrono_tz::America::Los_Angeles);
        assert_eq!(table.tz("+12125550100"), chrono_tz::America::New_York);
        assert_eq!(table.tz("+442071838750"), chrono_tz::Europe::Berlin);
        assert_eq!(table.tz("nonsense"), chrono_tz::Europe::Berlin);
    }
}

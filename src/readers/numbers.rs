//! Phone numbers: normalise to E.164 with phonenumber 0.3, keep well-formed E.164 that
//! its metadata does not know (flagged), reject the rest. phonenumber costs about
//! 10-15 µs per new number (mostly its internal regex cache), so results are memoised
//! per reader and process-wide, both bounded.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, OnceLock};

use phonenumber::country::Id;

use crate::error::{Error, Result};

/// The caches are cleared when they grow past this many entries.
pub(crate) const NUMBER_CACHE_MAX: usize = 100_000;
/// Longer strings are not phone numbers: rejected without parsing or caching, which
/// also bounds the caches' memory.
pub(crate) const MAX_NUMBER_BYTES: usize = 64;

/// The verdict on one number string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NumCheck {
    Ok {
        e164: crate::model::Text,
        unknown_range: bool,
    },
    Bad,
}

/// Process-wide second level behind each reader's own cache: a pull reads one
/// `FileReader` per API page and a batch ingest one per file, and the fleet's numbers
/// recur across them. Parsing is a pure function of (region, text), so sharing is safe.
fn shared_numbers() -> &'static Mutex<HashMap<(Id, String), NumCheck>> {
    static CACHE: OnceLock<Mutex<HashMap<(Id, String), NumCheck>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// One reader's cache in front of the shared one.
pub(crate) struct Numbers {
    region: Id,
    /// Keyed by the raw text; a fast hasher, as this is looked up for every record.
    local: HashMap<String, NumCheck, foldhash::fast::RandomState>,
    /// The same for raw text of the form `+digits`, by `number_key` (cheaper to look up).
    local_e164: HashMap<u64, NumCheck, foldhash::fast::RandomState>,
}

impl Numbers {
    pub(crate) fn new(region: Id) -> Numbers {
        Numbers {
            region,
            local: HashMap::default(),
            local_e164: HashMap::default(),
        }
    }

    pub(crate) fn check(&mut self, raw: &str) -> NumCheck {
        if raw.len() > MAX_NUMBER_BYTES {
            return NumCheck::Bad;
        }
        let region = self.region;
        let verdict = || shared_normalise(region, raw);
        match crate::model::number_key(raw) {
            Some(k) => remember(&mut self.local_e164, &k, verdict),
            None => remember(&mut self.local, raw, verdict),
        }
    }
}

/// The cached verdict for `key`, or `verdict()` remembered (the cache is emptied when
/// full). The key is copied only when a verdict is remembered.
fn remember<K, Q>(
    cache: &mut HashMap<K, NumCheck, foldhash::fast::RandomState>,
    key: &Q,
    verdict: impl FnOnce() -> NumCheck,
) -> NumCheck
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ToOwned<Owned = K> + ?Sized,
{
    if let Some(c) = cache.get(key) {
        return c.clone();
    }
    let c = verdict();
    if cache.len() >= NUMBER_CACHE_MAX {
        cache.clear();
    }
    cache.insert(key.to_owned(), c.clone());
    c
}

/// `normalise` through the process-wide cache (the lock is not held while parsing).
fn shared_normalise(region: Id, raw: &str) -> NumCheck {
    let key = (region, raw.to_owned());
    let lock = || shared_numbers().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = lock().get(&key) {
        return c.clone();
    }
    let c = normalise(region, raw);
    let mut cache = lock();
    if cache.len() >= NUMBER_CACHE_MAX {
        cache.clear();
    }
    cache.insert(key, c.clone());
    c
}

/// Parse a number string with the default region. Valid numbers come back in E.164;
/// well-formed E.164 the metadata does not know is kept as given and flagged.
fn normalise(region: Id, raw: &str) -> NumCheck {
    // phonenumber 0.3 has panicked on odd input in the past: give it only short
    // printable ASCII, and contain any panic (the record is then judged on shape alone).
    if raw.len() <= MAX_NUMBER_BYTES && raw.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        let parsed = catch_unwind(AssertUnwindSafe(|| {
            parse_valid(region, raw).map(|n| {
                crate::model::Text::from(n.format().mode(phonenumber::Mode::E164).to_string())
            })
        }));
        if let Ok(Some(e164)) = parsed {
            return NumCheck::Ok {
                e164,
                unknown_range: false,
            };
        }
    }
    if is_e164(raw) {
        NumCheck::Ok {
            e164: raw.into(),
            unknown_range: true,
        }
    } else {
        NumCheck::Bad
    }
}

/// `raw` parsed as a valid number, national forms read in `region`.
///
/// phonenumber 0.3 strips the *default region's* national prefix from the national part
/// of a number in international form: read in `US`, `+49 151 12345678` came back as
/// `+49 5112345678` and `+55 11 98765 4321` as `+55 987654321`, other numbers than the
/// ones given. So a number written with `+` (or `tel:+`) is parsed with no region, and
/// one dialled with an international prefix (`011 49 ...` from the US) is parsed again
/// as `+` and the digits after the prefix.
fn parse_valid(region: Id, raw: &str) -> Option<phonenumber::PhoneNumber> {
    // `+` first, after any `tel:` (any case) and opening brackets: international form.
    let t = raw.trim_start();
    let t = match t.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("tel:") => &t[4..],
        _ => t,
    };
    if t.trim_start_matches(|c: char| c == '(' || c == '[' || c.is_whitespace())
        .starts_with('+')
    {
        return phonenumber::parse(None, raw)
            .ok()
            .filter(phonenumber::is_valid);
    }
    let n = phonenumber::parse(Some(region), raw).ok()?;
    let home = phonenumber::metadata::DATABASE
        .by_id(region.as_ref())
        .map(|m| m.country_code());
    let code = n.code().value();
    if home.is_some_and(|h| h != code) {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let code_text = code.to_string();
        return (0..=4).find_map(|k| {
            let rest = digits.get(k..)?;
            if !rest.starts_with(&code_text) {
                return None;
            }
            phonenumber::parse(None, format!("+{rest}"))
                .ok()
                .filter(|n| n.code().value() == code && phonenumber::is_valid(n))
        });
    }
    phonenumber::is_valid(&n).then_some(n)
}

/// A number a person typed (a flag, not a record), as stored: in E.164 when phonenumber
/// can parse it (national formats read in `default_region`, a region code such as `US`).
/// `+digits` is judged as a record's number is: a number ingest would keep comes back as
/// it is stored, one it would reject (too short, too long) is refused. Anything else is a
/// usage error too.
pub fn normalize_number(default_region: &str, s: &str) -> Result<String> {
    let s = s.trim();
    let region = default_region.parse::<Id>().ok();
    if s.len() > 1 && s.starts_with('+') && s[1..].bytes().all(|b| b.is_ascii_digit()) {
        return match normalise(region.unwrap_or(Id::US), s) {
            NumCheck::Ok { e164, .. } => Ok(e164.to_string()),
            NumCheck::Bad => Err(Error::Usage(format!(
                "{s} is not a valid phone number ({}); give it in E.164, e.g. +14155550100",
                what_is_wrong(s)
            ))),
        };
    }
    if let Some(n) = catch_unwind(|| parse_valid(region.unwrap_or(Id::US), s))
        .ok()
        .flatten()
    {
        return Ok(n.format().mode(phonenumber::Mode::E164).to_string());
    }
    match phonenumber::parse(region, s) {
        Ok(_) => Err(Error::Usage(format!(
            "{s:?} is not a valid phone number; give it in E.164, e.g. +14155550100"
        ))),
        Err(e) => Err(Error::Usage(format!(
            "{s:?} is not a phone number ({e}); give it in E.164, e.g. +14155550100"
        ))),
    }
}

/// Why `+digits` that `normalise` refused is not a phone number: its length against the
/// lengths its country's numbers have (phonenumber's metadata), else against E.164's.
fn what_is_wrong(s: &str) -> &'static str {
    let digits = s.len() - 1;
    let known = catch_unwind(|| {
        let n = phonenumber::parse(None, s).ok()?;
        let lengths = n
            .metadata(&phonenumber::metadata::DATABASE)?
            .descriptors()
            .general()
            .possible_length()
            .to_vec();
        Some((n.national().to_string().len(), lengths))
    });
    match known {
        Ok(Some((national, lengths))) if !lengths.is_empty() => {
            let (lo, hi) = (lengths[0] as usize, lengths[lengths.len() - 1] as usize);
            if national < lo {
                "too short"
            } else if national > hi {
                "too long"
            } else {
                "no number of its country has that length"
            }
        }
        _ if digits < 8 => "too short",
        _ if digits > 15 => "too long",
        _ => "no country has that calling code",
    }
}

/// `+` then 8 to 15 digits, the first not 0.
pub(crate) fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_flags_and_rejects() {
        let us = Id::US;
        let ok = |e: &str, unknown_range| NumCheck::Ok {
            e164: e.into(),
            unknown_range,
        };
        assert_eq!(normalise(us, "(415) 555-0123"), ok("+14155550123", false));
        assert_eq!(normalise(us, "+44 7911 123456"), ok("+447911123456", false));
        assert_eq!(normalise(us, "+19995550123"), ok("+19995550123", true));
        assert_eq!(normalise(us, "+8881234567"), ok("+8881234567", true));
        // International forms keep every digit whatever the default region (phonenumber
        // 0.3 read in US dropped the 1 of a German mobile, the 11 of a Sao Paulo mobile).
        for (given, e164) in [
            ("+4915112345678", "+4915112345678"),
            ("+49 151 12345678", "+4915112345678"),
            ("tel:+4915112345678", "+4915112345678"),
            ("+33 1 42 68 53 00", "+33142685300"),
            ("+5511987654321", "+5511987654321"),
            ("011 49 151 12345678", "+4915112345678"),
            ("(+49) 151 12345678", "+4915112345678"),
            ("TEL:+4915112345678", "+4915112345678"),
            ("1 415 555 0123", "+14155550123"),
        ] {
            assert_eq!(normalise(us, given), ok(e164, false), "{given}");
            if given.contains('+') {
                assert_eq!(normalise(Id::GB, given), ok(e164, false), "{given} in GB");
            }
        }
        assert_eq!(
            normalise(Id::GB, "00 49 151 12345678"),
            ok("+4915112345678", false)
        );
        assert_eq!(
            normalise(Id::DE, "0151 12345678"),
            ok("+4915112345678", false)
        );
        for bad in [
            "12345",
            "call me",
            "+1415555012\u{0}",
            "+0123456789",
            "",
            &"9".repeat(100),
        ] {
            assert_eq!(normalise(us, bad), NumCheck::Bad, "{bad:?}");
        }
        assert!(is_e164("+12345678") && !is_e164("+1234567") && !is_e164("+1234567890123456"));
    }

    #[test]
    fn typed_numbers_come_back_in_e164_or_are_refused() {
        assert_eq!(
            normalize_number("US", " (415) 555-0123 ").unwrap(),
            "+14155550123"
        );
        assert_eq!(
            normalize_number("GB", "07911 123456").unwrap(),
            "+447911123456"
        );
        assert_eq!(
            normalize_number("US", "+33 1 42 68 53 00").unwrap(),
            "+33142685300"
        );
        assert_eq!(
            normalize_number("US", "+4915112345678").unwrap(),
            "+4915112345678"
        );
        // `+digits` is judged like a record's number: kept when ingest would keep it.
        assert_eq!(
            normalize_number("US", "+19995550123").unwrap(),
            "+19995550123"
        );
        for (short, why) in [
            ("+1415455", "too short"),
            ("+999", "too short"),
            ("+14155550100123456", "too long"),
        ] {
            match normalize_number("US", short) {
                Err(Error::Usage(m)) => assert_eq!(
                    m,
                    format!(
                        "{short} is not a valid phone number ({why}); give it in E.164, e.g. +14155550100"
                    )
                ),
                other => panic!("{short}: {other:?}"),
            }
        }
        for bad in ["call me", "+", "+1x"] {
            assert!(
                matches!(normalize_number("US", bad), Err(Error::Usage(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn cache_reuses_and_is_bounded() {
        let mut n = Numbers::new(Id::US);
        for _ in 0..3 {
            assert!(matches!(n.check("4155550123"), NumCheck::Ok { .. }));
        }
        assert_eq!((n.local.len(), n.local_e164.len()), (1, 0));
        for i in 0..NUMBER_CACHE_MAX {
            n.local.insert(format!("k{i}"), NumCheck::Bad);
            n.local_e164.insert(i as u64, NumCheck::Bad);
        }
        let ny = NumCheck::Ok {
            e164: "+12125551234".into(),
            unknown_range: false,
        };
        // `+digits` text is cached by its number key, the rest by text; each is bounded.
        assert_eq!(n.check("+12125551234"), ny);
        assert_eq!(n.local_e164.len(), 1, "cleared when full");
        assert_eq!(n.check("+12125551234"), ny);
        assert_eq!(n.check("+1 212 555 1234"), ny);
        assert_eq!(n.local.len(), 1, "cleared when full");
        assert_eq!(n.check(&"1".repeat(MAX_NUMBER_BYTES + 1)), NumCheck::Bad);
        assert_eq!(n.local.len(), 1, "long strings are not cached");
    }
}

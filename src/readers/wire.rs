//! The typed, borrowed intermediate form every input shape is mapped into before
//! validation: only the call fields numhealth needs, each kept as a loosely typed
//! `Val` so that validation (not serde) decides what a wrong type means and can name
//! the field. Everything else in a record (transcript, metadata, latency...) is skipped
//! by serde without being allocated.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One JSON (or CSV) value of a field we care about, without committing to a type.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Val<'a> {
    /// The key was not there (or the CSV cell was empty / the column missing).
    #[default]
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    /// An unsigned integer too large for `i64`.
    BigInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    /// Some object; its content was skipped.
    Object,
    /// Some array; its content was skipped.
    Array,
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Val::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Val::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Val::BigInt(v), Val::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Val::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Val::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Object)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

/// A field that should hold an object (`call`, `call_analysis`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum ObjOr<T> {
    #[default]
    Absent,
    Null,
    Obj(T),
    /// Not an object: what it was instead ("an array", "a string", ...).
    Other(&'static str),
}

struct ObjOrVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjOrVisitor<T> {
    type Value = ObjOr<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(ObjOr::Obj)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ObjOr::Other("an array"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(ObjOr::Other("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(ObjOr::Other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(ObjOr::Other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(ObjOr::Other("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(ObjOr::Other("a string"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(ObjOr::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(ObjOr::Null)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjOrVisitor(PhantomData))
    }
}

/// `call_analysis`: the three fields we keep.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub(crate) struct Analysis<'a> {
    #[serde(borrow)]
    pub in_voicemail: Val<'a>,
    #[serde(borrow)]
    pub user_sentiment: Val<'a>,
    #[serde(borrow)]
    pub call_successful: Val<'a>,
}

/// A call object, or a webhook event wrapping one (`event` + `call`). Every other key
/// is skipped by serde (`IgnoredAny`), so unknown fields cost a scan, not an allocation.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub(crate) struct Wire<'a> {
    #[serde(borrow)]
    pub call_id: Val<'a>,
    #[serde(borrow)]
    pub call_type: Val<'a>,
    #[serde(borrow)]
    pub agent_id: Val<'a>,
    #[serde(borrow)]
    pub call_status: Val<'a>,
    #[serde(borrow)]
    pub direction: Val<'a>,
    #[serde(borrow)]
    pub from_number: Val<'a>,
    #[serde(borrow)]
    pub to_number: Val<'a>,
    #[serde(borrow)]
    pub start_timestamp: Val<'a>,
    #[serde(borrow)]
    pub end_timestamp: Val<'a>,
    #[serde(borrow)]
    pub duration_ms: Val<'a>,
    #[serde(borrow)]
    pub disconnection_reason: Val<'a>,
    #[serde(borrow)]
    pub call_analysis: ObjOr<Analysis<'a>>,
    /// Webhook envelope: the event name.
    #[serde(borrow)]
    pub event: Val<'a>,
    /// Webhook envelope: the call object.
    #[serde(borrow)]
    pub call: ObjOr<Box<Wire<'a>>>,
}

impl Wire<'_> {
    /// Whether the record carries any of the call shape's keys (a call field, or the
    /// webhook envelope's `event`/`call`), whatever their values. An object with none
    /// (`{"error": "unauthorized"}`) is not a call record at all (see `unrecognised`).
    pub(crate) fn has_call_field(&self) -> bool {
        let vals = [
            &self.call_id,
            &self.call_type,
            &self.agent_id,
            &self.call_status,
            &self.direction,
            &self.from_number,
            &self.to_number,
            &self.start_timestamp,
            &self.end_timestamp,
            &self.duration_ms,
            &self.disconnection_reason,
            &self.event,
        ];
        vals.iter().any(|v| !matches!(v, Val::Absent))
            || !matches!(self.call_analysis, ObjOr::Absent)
            || !matches!(self.call, ObjOr::Absent)
    }
}

/// Keys shown of an object without call fields.
const MAX_KEYS: usize = 8;
/// Characters shown of one key.
const MAX_KEY_CHARS: usize = 40;

/// The keys of a JSON object, to say what a record without call fields held: the first
/// `MAX_KEYS` (each cut to `MAX_KEY_CHARS` characters) and how many there are. Values
/// are skipped without being allocated.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Keys {
    pub shown: Vec<String>,
    pub total: usize,
}

impl Keys {
    /// `error, status`; odd keys quoted; `... and N more` past `MAX_KEYS`; empty for `{}`.
    pub(crate) fn list(&self) -> String {
        let plain = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        };
        let mut out: Vec<String> = self
            .shown
            .iter()
            .map(|k| {
                if plain(k) {
                    k.clone()
                } else {
                    format!("{k:?}")
                }
            })
            .collect();
        if self.total > self.shown.len() {
            out.push(format!("... ({} keys in all)", self.total));
        }
        out.join(", ")
    }
}

struct ShownKey(String);

impl<'de> Deserialize<'de> for ShownKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ShownKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, v: &str) -> Result<ShownKey, E> {
                let mut s: String = v.chars().take(MAX_KEY_CHARS).collect();
                if s.len() < v.len() {
                    s.push('…');
                }
                Ok(ShownKey(s))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Keys::default();
                while let Some(ShownKey(k)) = map.next_key()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.total += 1;
                    if keys.shown.len() < MAX_KEYS {
                        keys.shown.push(k);
                    }
                }
                Ok(keys)
            }
        }
        d.deserialize_map(V)
    }
}

/// Human description of a value for reject reasons: `"abc"`, `number 5`, `an object`.
pub(crate) fn describe(v: &Val<'_>) -> String {
    match v {
        Val::Absent => "nothing".into(),
        Val::Null => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => format!("number {i}"),
        Val::BigInt(u) => format!("number {u}"),
        Val::Float(f) => format!("number {f}"),
        Val::Str(s) => show(s),
        Val::Object => "an object".into(),
        Val::Array => "an array".into(),
    }
}

/// Quotes a value for a message, cut to 80 bytes so reasons stay one readable line.
pub(crate) fn show(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return format!("{s:?}");
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}...", s.get(..end).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_skips_unknown_fields() {
        let text = r#"{"call_id":"c1","transcript":"a\nb","metadata":{"x":[1,2,{"y":null}]},
            "start_timestamp":1.7e12,"duration_ms":"5","call_analysis":{"in_voicemail":true},
            "call":[1],"agent_id":null}"#;
        let w: Wire = serde_json::from_str(text).unwrap();
        assert!(matches!(w.call_id, Val::Str(Cow::Borrowed("c1"))));
        assert_eq!(w.start_timestamp, Val::Float(1.7e12));
        assert_eq!(w.duration_ms, Val::Str("5".into()));
        assert_eq!(w.agent_id, Val::Null);
        assert_eq!(w.call, ObjOr::Other("an array"));
        match w.call_analysis {
            ObjOr::Obj(a) => assert_eq!(a.in_voicemail, Val::Bool(true)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nested_event_call_and_odd_types() {
        let text = r#"{"event":"call_ended","call":{"call_id":"x","from_number":14155550123,"to_number":{}}}"#;
        let w: Wire = serde_json::from_str(text).unwrap();
        assert_eq!(w.event, Val::Str("call_ended".into()));
        let ObjOr::Obj(c) = w.call else { panic!() };
        assert_eq!(c.from_number, Val::Int(14155550123));
        assert_eq!(c.to_number, Val::Object);
        assert_eq!(
            describe(&Val::BigInt(u64::MAX)),
            "number 18446744073709551615"
        );
        assert!(show(&"é".repeat(100)).ends_with("..."));
    }

    #[test]
    fn call_fields_and_the_keys_of_objects_without_them() {
        let w: Wire = serde_json::from_str(r#"{"error":"unauthorized","status":401}"#).unwrap();
        assert!(!w.has_call_field());
        for text in [
            r#"{"to_number":null}"#,
            r#"{"call":1}"#,
            r#"{"call_analysis":[]}"#,
        ] {
            let w: Wire = serde_json::from_str(text).unwrap();
            assert!(w.has_call_field(), "{text}");
        }
        let keys = |text: &str| serde_json::from_str::<Keys>(text).unwrap().list();
        let long = "k".repeat(50);
        assert_eq!(
            keys(&format!(
                r#"{{"a":{{"b":1}},"we ird":[2],"":3,"{long}":4}}"#
            )),
            format!(r#"a, "we ird", "", "{}…""#, "k".repeat(MAX_KEY_CHARS))
        );
        assert_eq!(keys("{}"), "");
    }
}

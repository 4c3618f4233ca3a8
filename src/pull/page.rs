//! Reading a List Calls v3 page's envelope: whether more pages follow, the cursor for the
//! next one, and the latest `start_timestamp` it holds (for the watermark). The call
//! objects themselves are left to the readers, which validate them as `ingest` does.

use serde::Deserialize;
use serde_json::Value;

/// What the pull loop needs from a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMeta {
    /// Number of entries in `items`.
    pub items: usize,
    pub has_more: bool,
    /// The cursor for the next page (`None` when absent, null or empty).
    pub pagination_key: Option<String>,
    /// The largest `start_timestamp` (epoch ms) among the items, if any has one.
    pub max_start_ms: Option<i64>,
}

#[derive(Deserialize)]
struct Envelope {
    items: Vec<Value>,
    has_more: Option<bool>,
    pagination_key: Option<String>,
}

/// Parses a page body. Errors (not JSON, no `items` array, `has_more` true without a
/// cursor) say what is wrong without quoting the body.
///
/// A page without `has_more` (or with `null`) is taken to have more exactly when it
/// carries a `pagination_key`: stopping early would move the watermark past calls never
/// fetched, and following a cursor that leads nowhere costs only one more request.
pub fn parse(body: &[u8]) -> Result<PageMeta, String> {
    let env: Envelope = serde_json::from_slice(body).map_err(describe)?;
    let pagination_key = env.pagination_key.filter(|k| !k.is_empty());
    let has_more = env.has_more.unwrap_or(pagination_key.is_some());
    if has_more && pagination_key.is_none() {
        return Err("has_more is true but the page has no pagination_key".into());
    }
    Ok(PageMeta {
        items: env.items.len(),
        has_more,
        pagination_key,
        max_start_ms: env.items.iter().filter_map(start_ms).max(),
    })
}

fn start_ms(item: &Value) -> Option<i64> {
    let v = item.get("start_timestamp")?;
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn describe(e: serde_json::Error) -> String {
    if e.is_eof() {
        format!("the body is truncated ({e})")
    } else if e.is_data() {
        format!("not a List Calls page ({e})")
    } else {
        format!("not valid JSON ({e})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cursor_and_latest_start() {
        let m = parse(
            br#"{"items": [{"call_id": "a", "start_timestamp": 5}, {"call_id": "b", "start_timestamp": 9},
                {"call_id": "c"}], "has_more": true, "pagination_key": "k2"}"#,
        )
        .unwrap();
        assert_eq!(
            m,
            PageMeta {
                items: 3,
                has_more: true,
                pagination_key: Some("k2".into()),
                max_start_ms: Some(9),
            }
        );
    }

    #[test]
    fn last_and_empty_pages() {
        let m = parse(br#"{"items": [], "has_more": false, "pagination_key": null}"#).unwrap();
        assert!(!m.has_more);
        assert_eq!(m.max_start_ms, None);
        assert_eq!(m.pagination_key, None);
    }

    #[test]
    fn missing_has_more_follows_the_cursor() {
        let m = parse(br#"{"items": [], "pagination_key": "next"}"#).unwrap();
        assert!(m.has_more);
        let m = parse(br#"{"items": [], "has_more": null, "pagination_key": ""}"#).unwrap();
        assert!(!m.has_more);
        let m = parse(br#"{"items": []}"#).unwrap();
        assert!(!m.has_more);
    }

    #[test]
    fn broken_pages_are_errors_not_panics() {
        let e = parse(br#"{"items": [{"call_id": "a"}, {"call_"#).unwrap_err();
        assert!(e.contains("truncated"), "{e}");
        let e = parse(b"<html>502 Bad Gateway</html>").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = parse(br#"{"has_more": false}"#).unwrap_err();
        assert!(e.contains("items"), "{e}");
        let e = parse(br#"[{"call_id": "a"}]"#).unwrap_err();
        assert!(e.contains("not a List Calls page"), "{e}");
        let e = parse(br#"{"items": [], "has_more": true}"#).unwrap_err();
        assert!(e.contains("pagination_key"), "{e}");
        assert!(parse(b"").is_err());
    }
}

//! The List Calls v3 request body: a `start_timestamp` range, ascending order, a page
//! size and, from the second page on, the previous page's cursor.

use serde_json::{Map, Value, json};

use crate::pull::window::Window;

/// `{"filter_criteria": {"start_timestamp": {"op": "bt", "type": "range", "value": [lo, hi]}},
/// "sort_order": "ascending", "limit": n, "pagination_key": k}` (the key only when given).
pub fn list_calls_body(window: &Window, limit: u32, pagination_key: Option<&str>) -> Value {
    let mut body = Map::new();
    body.insert(
        "filter_criteria".into(),
        json!({
            "start_timestamp": {
                "op": "bt",
                "type": "range",
                "value": [window.since_ms, window.until_ms],
            }
        }),
    );
    body.insert("sort_order".into(), "ascending".into());
    body.insert("limit".into(), limit.into());
    if let Some(k) = pagination_key {
        body.insert("pagination_key".into(), k.into());
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_page_has_range_order_and_limit_but_no_cursor() {
        let w = Window {
            since_ms: 1000,
            until_ms: 2000,
        };
        let b = list_calls_body(&w, 1000, None);
        assert_eq!(
            b,
            json!({
                "filter_criteria": {"start_timestamp": {"op": "bt", "type": "range", "value": [1000, 2000]}},
                "sort_order": "ascending",
                "limit": 1000
            })
        );
    }

    #[test]
    fn later_pages_carry_the_cursor() {
        let w = Window {
            since_ms: 1,
            until_ms: 2,
        };
        let b = list_calls_body(&w, 50, Some("abc=="));
        assert_eq!(b["pagination_key"], "abc==");
        assert_eq!(b["limit"], 50);
        assert_eq!(
            b["filter_criteria"]["start_timestamp"]["value"],
            json!([1, 2])
        );
    }
}

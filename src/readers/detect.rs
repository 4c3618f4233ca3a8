//! Shape detection: peek at the decoded input (bounded), decide which parser applies,
//! and hand back a stream that replays the peeked bytes with any UTF-8 BOM removed.

use std::io::{self, BufRead};

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::source::{Replay, fill};
use super::{InputFormat, Shape};

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Appends the next chunk of `src` to `pre`; false at end of input.
fn more(src: &mut (dyn BufRead + Send), pre: &mut Vec<u8>) -> io::Result<bool> {
    let chunk = fill(src)?;
    let n = chunk.len();
    pre.extend_from_slice(chunk);
    src.consume(n);
    Ok(n > 0)
}

/// Detects the shape. Reads at most about `cap` bytes ahead (only for a `{` input whose
/// first line is long or incomplete); everything read is replayed.
pub(crate) fn detect(
    mut src: Box<dyn BufRead + Send>,
    format: InputFormat,
    cap: usize,
) -> io::Result<(Shape, Replay)> {
    let mut pre = Vec::new();
    let mut eof = false;
    while pre.len() < BOM.len() && !eof {
        eof = !more(src.as_mut(), &mut pre)?;
    }
    let start = if pre.starts_with(BOM) { BOM.len() } else { 0 };
    let first_at = loop {
        let body = pre.get(start..).unwrap_or_default();
        if let Some(i) = body.iter().position(|&b| !is_ws(b)) {
            break Some(start + i);
        }
        if eof {
            break None;
        }
        eof = !more(src.as_mut(), &mut pre)?;
    };
    let Some(first_at) = first_at else {
        return Ok((Shape::Empty, Replay::new(pre, start, src)));
    };
    let first = pre.get(first_at).copied().unwrap_or(b' ');
    let shape = match (format, first) {
        (InputFormat::Csv, _) => Shape::Csv,
        (InputFormat::Json, b'[') | (InputFormat::Auto, b'[') => Shape::V2Array,
        (InputFormat::Json, _) => Shape::V3Page,
        (InputFormat::Ndjson, b'{') | (InputFormat::Auto, b'{') => {
            // Read the first line (bounded by `cap`).
            let mut scanned = first_at;
            let line_end = loop {
                if let Some(i) = pre
                    .get(scanned..)
                    .and_then(|s| s.iter().position(|&b| b == b'\n'))
                {
                    break scanned + i;
                }
                scanned = pre.len();
                if eof || pre.len() - first_at > cap {
                    break pre.len();
                }
                eof = !more(src.as_mut(), &mut pre)?;
            };
            let line = pre.get(first_at..line_end).unwrap_or_default();
            match (serde_json::from_slice::<Probe>(line), format) {
                (Ok(p), InputFormat::Auto) if p.items.is_some() => Shape::V3Page,
                (Ok(p), _) if p.event.is_some() && p.call.is_some() => Shape::NdjsonEvents,
                (Ok(_), _) | (Err(_), InputFormat::Ndjson) => Shape::NdjsonCalls,
                (Err(_), _) => {
                    // Not one object per line: a pretty-printed document. A v3 page if
                    // its top-level object has an "items" key.
                    let mut limit = (pre.len() - first_at).max(64 * 1024);
                    loop {
                        match top_level_has_items(pre.get(first_at..).unwrap_or_default()) {
                            Some(true) => break Shape::V3Page,
                            Some(false) => break Shape::NdjsonCalls,
                            None if eof || pre.len() - first_at > cap => break Shape::NdjsonCalls,
                            None => {}
                        }
                        limit = limit.saturating_mul(2);
                        while !eof && pre.len() - first_at < limit && pre.len() - first_at <= cap {
                            eof = !more(src.as_mut(), &mut pre)?;
                        }
                    }
                }
            }
        }
        (InputFormat::Ndjson, _) => Shape::NdjsonCalls,
        (InputFormat::Auto, _) => Shape::Csv,
    };
    Ok((shape, Replay::new(pre, start, src)))
}

/// Which envelope keys a first line has (`null` counts as absent).
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    items: Option<IgnoredAny>,
    #[serde(default)]
    event: Option<IgnoredAny>,
    #[serde(default)]
    call: Option<IgnoredAny>,
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_ws(c)) {
        i += 1;
    }
    i
}

/// Index just past the JSON value starting at `i`; `None` if `b` ends first.
/// Iterative: nesting depth is a counter, not recursion.
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut esc) = (0u64, false, false);
    let bare = !matches!(b.get(i)?, b'{' | b'[' | b'"');
    loop {
        let c = *b.get(i)?;
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        } else if bare {
            if matches!(c, b',' | b'}' | b']') || is_ws(c) {
                return Some(i);
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
}

/// Does the object at the start of `b` have a top-level `"items"` key? `None` if `b`
/// ends before that is known.
pub(crate) fn top_level_has_items(b: &[u8]) -> Option<bool> {
    let mut i = skip_ws(b, 0);
    if b.get(i)? != &b'{' {
        return Some(false);
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        if b.get(i)? != &b'"' {
            return Some(false);
        }
        let key_end = value_end(b, i)?;
        let key = b.get(i + 1..key_end.saturating_sub(1)).unwrap_or_default();
        i = skip_ws(b, key_end);
        if b.get(i)? != &b':' {
            return Some(false);
        }
        if key == b"items" {
            return Some(true);
        }
        i = skip_ws(b, i + 1);
        i = skip_ws(b, value_end(b, i)?);
        if b.get(i)? != &b',' {
            return Some(false);
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(input: &str, format: InputFormat) -> Shape {
        let src: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(input.as_bytes().to_vec()));
        detect(src, format, 1 << 20).unwrap().0
    }

    #[test]
    fn detects_every_shape() {
        use InputFormat::*;
        assert_eq!(shape("", Auto), Shape::Empty);
        assert_eq!(shape("\u{feff} \r\n\t", Auto), Shape::Empty);
        assert_eq!(shape("\u{feff}  [ {} ]", Auto), Shape::V2Array);
        assert_eq!(
            shape("{\"call_id\":\"a\"}\n{\"call_id\":\"b\"}", Auto),
            Shape::NdjsonCalls
        );
        assert_eq!(
            shape("{\"event\":\"call_ended\",\"call\":{}}\n", Auto),
            Shape::NdjsonEvents
        );
        assert_eq!(
            shape("{\"items\":[],\"has_more\":false}", Auto),
            Shape::V3Page
        );
        assert_eq!(
            shape("{\n  \"has_more\": {\"a\":\"}\"},\n  \"items\": [\n", Auto),
            Shape::V3Page
        );
        assert_eq!(
            shape("{\n  \"call_id\": \"x\"\n}\n", Auto),
            Shape::NdjsonCalls
        );
        assert_eq!(shape("{broken\n", Auto), Shape::NdjsonCalls);
        assert_eq!(shape("call_id,from_number\n", Auto), Shape::Csv);
        assert_eq!(shape("\"call_id\",x\n", Auto), Shape::Csv);
        assert_eq!(shape("[1]", Csv), Shape::Csv);
        assert_eq!(shape("{\"items\":[]}", Ndjson), Shape::NdjsonCalls);
        assert_eq!(shape("{\"items\":[]}", Json), Shape::V3Page);
        assert_eq!(shape("x", Json), Shape::V3Page);
    }

    #[test]
    fn items_probe_is_bounded_and_exact() {
        assert_eq!(top_level_has_items(b"{\"a\":1,\"items\":["), Some(true));
        assert_eq!(
            top_level_has_items(b"{\"a\":{\"items\":1},\"b\":2}"),
            Some(false)
        );
        assert_eq!(top_level_has_items(b"{\"a\":\"x\\\"y"), None);
        assert_eq!(top_level_has_items(b"{\"a\":[[[[[[[["), None);
        assert_eq!(top_level_has_items(b"[1]"), Some(false));
    }
}

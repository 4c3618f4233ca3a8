//! `numhealth report`: the overview as one self-contained HTML page (inline CSS, a few
//! lines of inline script to sort tables, charts as inline SVG; nothing loaded from
//! anywhere), written atomically. Every text from the data goes through [`esc`].

pub mod charts;
mod page;

use std::path::Path;

use crate::error::Result;
use crate::store::overview::Overview;

pub use page::render;

/// `s` with the characters HTML gives meaning to (`& < > " '`) escaped, safe in text and
/// in quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The element id of a number's section: `n` and its digits and letters
/// (`+14155550100` is `n14155550100`), valid in a URL fragment without escaping.
pub fn number_id(number: &str) -> String {
    let mut id = String::from("n");
    id.extend(number.chars().filter(char::is_ascii_alphanumeric));
    id
}

/// Renders the report and writes it to `path` as `report::write_atomically` does (`-` is
/// stdout). Returns the bytes written.
pub fn write(overview: &Overview, path: &Path) -> Result<usize> {
    let html = render(overview)?;
    super::write_atomically(path, "the report", |out| {
        out.write_all(html.as_bytes())
            .map_err(|e| super::output_error(path, e))
    })?;
    Ok(html.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_ids_need_no_escaping() {
        assert_eq!(
            esc(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("plain +1 415"), "plain +1 415");
        assert_eq!(number_id("+14155550100"), "n14155550100");
        assert_eq!(number_id("+44 20<x>"), "n4420x");
    }
}

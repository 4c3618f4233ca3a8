use super::*;
use crate::report::layouts;

/// Columns of the longest rendered line (the ellipsis is one column).
fn rendered_width(t: &Table) -> usize {
    t.render().lines().map(|l| l.width()).max().unwrap_or(0)
}

const REASON: &str = "rest until 2026-12-19: marked as spam 9 times in the 7 days up to its \
    last mark on 2026-11-19, with no calls since to show it has recovered (+5 more)";

/// A `risky` table as wide as the real one (about 300 columns).
fn risky() -> Table {
    let mut t = Table::new(&[
        "number",
        "score",
        "level",
        "action",
        "rest_until",
        "reasons",
        "flags",
        "failures",
        "bursts",
        "engagement",
        "pacing",
        "evidence",
        "trend",
        "attempts",
    ]);
    let row = |n: &str, score: &str, level: &str, action: &str, until: &str, reason: &str| {
        let mut r: Vec<String> = [n, score, level, action, until, reason]
            .iter()
            .map(|s| s.to_string())
            .collect();
        r.extend(
            [
                "100.0", "85.0", "0.0", "29.8", "0.0", "97.1", "61.4", "12345",
            ]
            .map(String::from),
        );
        r
    };
    t.push(row(
        "+19178468052",
        "99.1",
        "critical",
        "rest",
        "2026-12-19",
        REASON,
    ));
    t.push(row(
        "+15104860994",
        "0.0",
        "insufficient_data",
        "keep",
        "",
        "short",
    ));
    t.push(row("+16508131528", "1.6", "low", "keep", "", ""));
    t
}

fn column<'a>(t: &'a Table, name: &str) -> Option<Vec<&'a str>> {
    let c = t.headers.iter().position(|h| h == name)?;
    Some(t.rows.iter().map(|r| r[c].as_str()).collect())
}

#[test]
fn risky_fits_exactly_at_80_and_120_columns() {
    let t = risky();
    assert!(rendered_width(&t) > 250, "{}", rendered_width(&t));
    for width in [80, 120] {
        let f = fit(&t, width, &layouts::RISKY);
        assert_eq!(rendered_width(&f), width, "{}", f.render());
        for keep in ["number", "score", "action", "reasons"] {
            assert!(f.headers.iter().any(|h| h == keep), "{keep} at {width}");
        }
        let reasons = column(&f, "reasons").unwrap();
        assert!(reasons[0].ends_with(ELLIPSIS), "{}", reasons[0]);
        assert!(REASON.starts_with(reasons[0].trim_end_matches(ELLIPSIS)));
        assert_eq!(reasons[1], "short", "a short reason stays whole");
    }
}

#[test]
fn columns_go_in_the_layouts_order() {
    let t = risky();
    let at_120 = fit(&t, 120, &layouts::RISKY);
    let at_80 = fit(&t, 80, &layouts::RISKY);
    // Every column dropped at 120 is dropped at 80 too, and each is dropped only after
    // every column before it in the order.
    for f in [&at_120, &at_80] {
        let dropped: Vec<&str> = layouts::RISKY
            .drop
            .iter()
            .copied()
            .filter(|name| !f.headers.iter().any(|h| h == name))
            .collect();
        assert_eq!(
            dropped,
            layouts::RISKY.drop[..dropped.len()],
            "{:?}",
            f.headers
        );
    }
    assert!(at_120.headers.len() > at_80.headers.len());
    assert_eq!(at_80.headers, ["number", "score", "action", "reasons"]);
    // The columns that stay keep the table's order.
    let order: Vec<usize> = at_120
        .headers
        .iter()
        .map(|h| t.headers.iter().position(|o| o == h).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        at_120.headers
    );
}

#[test]
fn numbers_are_never_cut_even_when_nothing_fits() {
    let t = risky();
    let f = fit(&t, 20, &layouts::RISKY);
    assert_eq!(
        f.headers,
        ["number", "score", "action", "…"],
        "the header is cut too"
    );
    assert_eq!(column(&f, "number").unwrap(), column(&t, "number").unwrap());
    assert_eq!(column(&f, "score").unwrap(), column(&t, "score").unwrap());
    assert_eq!(column(&f, "action").unwrap(), column(&t, "action").unwrap());
    assert_eq!(f.rows[0][3], "…");
}

#[test]
fn a_table_that_fits_is_left_alone() {
    let t = risky();
    let natural = rendered_width(&t);
    assert_eq!(fit(&t, natural, &layouts::RISKY), t);
    assert_ne!(fit(&t, natural - 1, &layouts::RISKY), t);
}

#[test]
fn room_is_shared_between_shortened_columns() {
    assert_eq!(share(&[10, 50, 50], 61), [10, 25, 26]);
    assert_eq!(share(&[10, 50], 100), [10, 50]);
    assert_eq!(share(&[10, 50], 0), [1, 1]);
    assert_eq!(share(&[0, 50], 0), [0, 1]);
}

#[test]
fn shortening_keeps_the_start_or_the_end_and_counts_columns() {
    assert_eq!(shorten("abcdef", 4, false), "abc…");
    assert_eq!(
        shorten("/data/sample/calls.ndjson", 14, true),
        "…/calls.ndjson"
    );
    assert_eq!(shorten("abc", 3, false), "abc");
    assert_eq!(shorten("abc", 0, false), "");
    // Wide characters take two columns; the cut never overshoots.
    assert_eq!(shorten("日本語テキスト", 7, false), "日本語…");
    assert_eq!(shorten("ab\ncdefgh", 4, false), "ab\ncde…");
}

#[test]
fn paths_and_several_text_columns_fit_too() {
    let mut t = Table::new(&["run", "file", "line", "record", "field", "reason", "raw"]);
    for i in 0..3 {
        t.push(vec![
            i.to_string(),
            format!("/tmp/some/long/directory/name/that/goes/on/bad-records-{i}.ndjson"),
            "12".into(),
            "3".into(),
            "from_number".into(),
            "not a phone number in E.164 or national format for the region".into(),
            r#"{"call_id":"c1","from_number":"hello","to_number":"+14155550100"}"#.into(),
        ]);
    }
    for width in [80, 120] {
        let f = fit(&t, width, &layouts::REJECTS);
        assert_eq!(rendered_width(&f), width, "{}", f.render());
        let files = column(&f, "file").unwrap();
        assert!(files[0].starts_with(ELLIPSIS) && files[0].ends_with("-0.ndjson"));
        assert_eq!(column(&f, "line").unwrap(), ["12", "12", "12"]);
    }
}

#[test]
fn prose_wraps_at_spaces_with_an_indent() {
    let line = "  - rest until 2026-12-19: marked as spam 9 times in the 7 days";
    let lines = wrap(line, 30, "    ");
    assert_eq!(
        lines,
        [
            "  - rest until 2026-12-19:",
            "    marked as spam 9 times in",
            "    the 7 days"
        ]
    );
    assert!(lines.iter().all(|l| l.width() <= 30));
    assert_eq!(wrap("short", 30, "    "), ["short"]);
    assert_eq!(
        wrap("a https://a-very-long-word b", 10, "  "),
        ["a", "  https://a-very-long-word", "  b"]
    );
}

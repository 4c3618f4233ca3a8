//! Tables fit the width they are given (`--width N`), a pipe gets every column at its
//! natural width whatever `$COLUMNS` says, and `--wide` shows everything in full.

mod common;

use common::{Env, stderr};

const AS_OF: &str = "2026-11-21";

fn sample_db() -> Env {
    let env = Env::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/");
    let files = ["calls.ndjson", "webhooks.ndjson", "bad-records.ndjson"];
    let mut args = vec!["-q".to_string(), "ingest".to_string()];
    args.extend(files.map(|f| format!("{dir}{f}")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    env
}

fn stdout(env: &Env, args: &[&str]) -> String {
    let out = env.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Columns of the longest line (every character here is one column wide).
fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

fn header(text: &str) -> Vec<String> {
    let first = text.lines().next().unwrap_or_default();
    first.split('|').map(|h| h.trim().to_string()).collect()
}

#[test]
fn risky_fits_80_and_120_columns_keeping_number_score_action_and_reasons() {
    let env = sample_db();
    let natural = stdout(&env, &["risky", "--as-of", AS_OF]);
    assert!(widest(&natural) > 200, "{}", widest(&natural));
    for width in [80, 120] {
        let w = width.to_string();
        let text = stdout(&env, &["risky", "--as-of", AS_OF, "--width", &w]);
        assert_eq!(widest(&text), width, "{text}");
        let header = header(&text);
        for keep in ["number", "score", "action", "reasons"] {
            assert!(
                header.iter().any(|h| h == keep),
                "{keep} missing: {header:?}"
            );
        }
        assert!(!header.iter().any(|h| h == "attempts"), "{header:?}");
        assert!(text.contains('…'), "{text}");
        assert_eq!(text.lines().count(), natural.lines().count());
    }
}

#[test]
fn a_pipe_gets_the_natural_width_even_with_columns_set() {
    let env = sample_db();
    let args = ["risky", "--as-of", AS_OF];
    let plain = stdout(&env, &args);
    let out = env.cmd().args(args).env("COLUMNS", "80").output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), plain);
    assert!(!plain.contains('…'));
}

#[test]
fn wide_shows_every_reason_in_full() {
    let env = sample_db();
    let short = stdout(&env, &["risky", "--as-of", AS_OF]);
    let wide = stdout(&env, &["risky", "--as-of", AS_OF, "--wide"]);
    assert!(short.contains(" more)"), "{short}");
    assert!(!wide.contains(" more)"), "{wide}");
    assert!(widest(&wide) > widest(&short));
    let out = env.run(&["risky", "--width", "80", "--wide"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
}

#[test]
fn every_table_command_fits_80_columns() {
    let env = sample_db();
    let csv = stdout(
        &env,
        &["risky", "--as-of", AS_OF, "--top", "1", "--format", "csv"],
    );
    let top = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    for args in [
        vec!["number", top.as_str(), "--as-of", AS_OF],
        vec!["bursts"],
        vec!["rejects"],
        vec!["runs"],
    ] {
        let mut wide = args.clone();
        wide.push("--wide");
        assert!(
            widest(&stdout(&env, &wide)) > 80,
            "{args:?} is narrow anyway"
        );
        let mut fitted = args.clone();
        fitted.extend(["--width", "80"]);
        let text = stdout(&env, &fitted);
        assert!(widest(&text) <= 80, "{args:?}:\n{text}");
    }
}

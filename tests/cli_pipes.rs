//! A reader that goes away (`numhealth ... | head`) ends a command quietly: every command
//! that prints to stdout, run with a stdout pipe whose read end is already closed, exits 0
//! with no panic and no "Broken pipe" on stderr. Each command is first run with a working
//! pipe, so that it is known to print something (and what it exits with).

mod common;

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{Env, stderr};

const AS_OF: &str = "2026-11-21";

fn sample(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/").to_string() + name
}

/// A database of every sample file.
fn sample_db() -> Env {
    let env = Env::new();
    let mut args = vec!["-q".to_string(), "ingest".to_string()];
    args.extend(
        [
            "list-calls-v2.json",
            "list-calls-v3-page-1.json",
            "list-calls-v3-page-2.json",
            "bad-records.ndjson",
            "calls.ndjson",
            "webhooks.ndjson",
            "export.csv",
            "calls-older.ndjson.gz",
        ]
        .map(sample),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.run(&args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "rejects expected: {}",
        stderr(&out)
    );
    env
}

/// Runs `cmd` with stdout a pipe that nobody reads: its read end is closed before the
/// command starts, so the very first write fails.
fn with_closed_stdout(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped());
    cmd.spawn().unwrap().wait_with_output().unwrap()
}

/// The command lines that print to stdout, with a fresh database path for those that
/// write one (`ingest`).
fn printing_commands(env: &Env) -> Vec<Vec<String>> {
    let fresh = |n: usize| -> String {
        let p: PathBuf = env.dir.path().join(format!("fresh-{n}.db"));
        p.display().to_string()
    };
    let top = {
        let out = env.run(&["risky", "--as-of", AS_OF, "--top", "1", "--format", "csv"]);
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text.lines().nth(1).unwrap_or_default().to_string();
        line.split(',').next().unwrap_or_default().to_string()
    };
    assert!(top.starts_with('+'), "no riskiest number: {top:?}");
    let lines: Vec<Vec<&str>> = vec![
        vec!["risky", "--as-of", AS_OF, "--all"],
        vec!["risky", "--as-of", AS_OF, "--all", "--width", "80"],
        vec!["risky", "--as-of", AS_OF, "--all", "--wide"],
        vec!["risky", "--as-of", AS_OF, "--all", "--format", "csv"],
        vec!["risky", "--as-of", AS_OF, "--all", "--format", "json"],
        vec!["number", &top, "--as-of", AS_OF, "--days", "60"],
        vec!["number", &top, "--as-of", AS_OF, "--width", "80"],
        vec!["number", &top, "--as-of", AS_OF, "--format", "json"],
        vec!["bursts"],
        vec!["bursts", "--format", "csv"],
        vec!["bursts", "--format", "json"],
        vec!["export", "rotation", "--as-of", AS_OF],
        vec!["pool", "--as-of", AS_OF],
        vec!["pool", "--as-of", AS_OF, "--by", "state", "--format", "csv"],
        vec!["pool", "--as-of", AS_OF, "--format", "json"],
        vec!["rejects"],
        vec!["rejects", "--format", "json"],
        vec!["runs"],
        vec!["runs", "--width", "80"],
        vec!["runs", "--format", "csv"],
        vec!["runs", "--format", "json"],
        vec!["config"],
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["score", "--as-of", AS_OF],
        vec!["score", "--as-of", AS_OF, "--format", "json"],
        vec!["numbers", "--as-of", AS_OF],
        vec!["numbers", "--as-of", AS_OF, "--format", "csv"],
        vec!["numbers", "--as-of", AS_OF, "--format", "json"],
        vec!["numbers", "--status", "active", "--status", "retired"],
        vec!["prune", "--before", "2026-11-01", "--dry-run"],
        vec!["backtest", "--step", "12h"],
        vec!["backtest", "--step", "12h", "--format", "json"],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["man"],
        vec!["--help"],
        vec!["risky", "--help"],
        vec!["--version"],
        vec!["evaluate", "--seeds", "1", "--numbers", "3", "--days", "2"],
        vec![
            "evaluate",
            "--seeds",
            "1",
            "--numbers",
            "3",
            "--days",
            "2",
            "--format",
            "json",
        ],
    ];
    let mut all: Vec<Vec<String>> = lines
        .into_iter()
        .map(|l| l.into_iter().map(String::from).collect())
        .collect();
    for (n, format) in [(0, "json"), (1, "table")] {
        all.push(vec![
            "ingest".into(),
            "--db".into(),
            fresh(n),
            "--format".into(),
            format.into(),
            sample("calls.ndjson"),
        ]);
    }
    all
}

#[test]
fn every_printing_command_ends_quietly_when_stdout_is_closed() {
    let env = sample_db();
    let mut failures = Vec::new();
    for args in printing_commands(&env) {
        let shown = args.join(" ");
        // With a reader: it prints, and exits 0 (each `ingest` writes its own database,
        // first here, again below).
        let out = env.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shown}: {}", stderr(&out));
        assert!(!out.stdout.is_empty(), "{shown} printed nothing");
        // Without one.
        let out = with_closed_stdout({
            let mut c = env.cmd();
            c.args(&args);
            c
        });
        let err = stderr(&out);
        if out.status.code() != Some(0) || err.contains("panicked") || err.contains("Broken pipe") {
            failures.push(format!("{shown}: exit {:?}\n{err}", out.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Under cron (no terminal, an empty environment) a nightly job that writes its files
/// prints nothing at all: no "wrote ..." to be mailed every night, and a score run that
/// changed nothing prints nothing. With a problem it still says so (stale data warns).
#[test]
fn nightly_jobs_that_write_files_are_silent_under_cron() {
    let env = sample_db();
    let out_dir = env.dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let file = |n: &str| out_dir.join(n).display().to_string();
    let db = env.db().display().to_string();
    let as_of = format!("{AS_OF}T00:00:00Z");
    let mut first_score = true;
    for args in [
        vec!["score", "--as-of", &as_of, "--allow-stale"],
        vec!["score", "--as-of", &as_of, "--allow-stale"],
        vec![
            "export",
            "rotation",
            "--as-of",
            &as_of,
            "-o",
            &file("rotation.csv"),
        ],
        vec!["report", "--as-of", &as_of, "-o", &file("report.html")],
        vec!["backup", &file("copy.db")],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
            .env_clear()
            .arg("--db")
            .arg(&db)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let shown = args.join(" ");
        assert_eq!(out.status.code(), Some(0), "{shown}: {}", stderr(&out));
        if first_score {
            // Something changed: the changes on stdout, their count on stderr (the
            // contract; cron mails it with the changes).
            first_score = false;
            assert!(!out.stdout.is_empty());
            assert!(
                stderr(&out).starts_with("numhealth: score run 1: "),
                "{}",
                stderr(&out)
            );
            assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
            continue;
        }
        assert_eq!(stderr(&out), "", "{shown}");
        assert!(out.stdout.is_empty(), "{shown}");
    }
    for f in ["rotation.csv", "report.html", "copy.db"] {
        assert!(std::fs::metadata(file(f)).unwrap().len() > 0, "{f}");
    }
    // Stale data, judged as of now, is still a warning there.
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .env_clear()
        .arg("--db")
        .arg(&db)
        .args([
            "export",
            "rotation",
            "--allow-stale",
            "-o",
            &file("now.csv"),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the newest data is"),
        "{}",
        stderr(&out)
    );
}

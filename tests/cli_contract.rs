//! The command-line contract users' scripts depend on: exit codes, help, completions,
//! the man page and the version, driven through the real binary.

mod common;

use clap::CommandFactory;
use common::Env;

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[test]
fn usage_errors_exit_64_with_numhealths_prefix() {
    let env = Env::new();
    for args in [
        &["pull", "--sinse", "2026-11-01"][..],
        &[][..],
        &["risky", "--top", "3", "--all"][..],
        &["risky", "--format", "xml"][..],
        &["evaluate", "--seeds", "0"][..],
        &["risky", "--as-of", "someday"][..],
    ] {
        let out = env.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 64, "{args:?}: {err}");
        assert!(err.starts_with("numhealth: error: "), "{args:?}: {err}");
    }
    // A typo is not mistaken for "finished with rejects" (2) by `[ $? -le 2 ]`.
    assert!(!env.db().exists(), "a usage error created the database");
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let env = Env::new();
    let out = env.run(&["--help"]);
    assert_eq!(code(&out), 0);
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "0   ok",
        "2   finished, but",
        "3   another",
        "4   stale",
        "64  usage",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
    assert!(help.contains("Global options"), "{help}");
    let out = env.run(&["--version"]);
    assert_eq!(code(&out), 0);
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        version.starts_with(&format!("numhealth {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    // Built from a checkout, the version names the commit.
    let in_git = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(head) = in_git {
        let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
        assert!(
            version.contains(&format!("({head})")),
            "{version} vs {head}"
        );
    }
}

#[test]
fn every_flag_and_command_has_a_description() {
    let cmd = numhealth::cli::Cli::command();
    let mut missing = Vec::new();
    let mut walk = vec![(String::from("numhealth"), cmd)];
    while let Some((path, c)) = walk.pop() {
        for a in c.get_arguments() {
            if a.is_hide_set() || a.get_id() == "help" || a.get_id() == "version" {
                continue;
            }
            if a.get_help().is_none_or(|h| h.to_string().trim().is_empty()) {
                missing.push(format!("{path} {}", a.get_id()));
            }
        }
        for s in c.get_subcommands() {
            if s.get_about().is_none() && s.get_name() != "help" {
                missing.push(format!("{path} {} (command)", s.get_name()));
            }
            walk.push((format!("{path} {}", s.get_name()), s.clone()));
        }
    }
    assert!(missing.is_empty(), "no description: {missing:?}");
}

#[test]
fn commands_without_a_database_do_not_offer_db_flags() {
    let env = Env::new();
    for cmd in ["config", "simulate", "evaluate", "completions", "man"] {
        let out = env.run(&[cmd, "--help"]);
        let help = String::from_utf8_lossy(&out.stdout);
        assert_eq!(code(&out), 0, "{cmd}");
        assert!(
            !help.contains("--db") && !help.contains("--lock-timeout"),
            "{cmd} --help lists database flags:\n{help}"
        );
    }
    for cmd in ["ingest", "score", "prune", "pull"] {
        let help = String::from_utf8_lossy(&env.run(&[cmd, "--help"]).stdout).to_string();
        assert!(
            help.contains("--db") && help.contains("--lock-timeout"),
            "{cmd}"
        );
    }
    let help = String::from_utf8_lossy(&env.run(&["risky", "--help"]).stdout).to_string();
    assert!(
        help.contains("--db") && !help.contains("--lock-timeout"),
        "{help}"
    );
}

#[test]
fn db_flag_works_before_and_after_the_command() {
    let env = Env::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/calls.ndjson");
    let other = env.dir.path().join("other.db");
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_numhealth"));
    let out = c
        .args(["-q", "ingest", "--db"])
        .arg(&other)
        .arg(sample)
        .env_remove("NUMHEALTH_DB")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(other.exists());
    assert_eq!(code(&env.run(&["-q", "ingest", sample])), 0);
    assert!(env.db().exists());
}

#[test]
fn completions_and_man_page_come_from_the_real_flags() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("numhealth") && script.contains("allow-stale"),
            "{shell}: {script:.200}"
        );
    }
    let out = env.run(&["man"]);
    assert_eq!(code(&out), 0);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH numhealth 1"), "{page:.200}");
    for section in ["NUMHEALTH INGEST", "NUMHEALTH PRUNE", "dry\\-run"] {
        assert!(page.contains(section), "man page lacks {section}");
    }
}

#[test]
fn a_moment_without_a_zone_is_taken_as_utc_and_the_person_is_told() {
    let env = Env::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/calls.ndjson");
    assert_eq!(code(&env.run(&["-q", "ingest", sample])), 0);
    let zoned = env.run(&[
        "risky",
        "--as-of",
        "2026-11-21T00:00:00Z",
        "--format",
        "csv",
    ]);
    let bare = env.run(&["risky", "--as-of", "2026-11-21T00:00", "--format", "csv"]);
    assert_eq!(code(&bare), 0);
    assert_eq!(bare.stdout, zoned.stdout, "the same moment");
    let note = String::from_utf8_lossy(&bare.stderr);
    assert!(
        note.contains("taken as UTC (2026-11-21T00:00:00Z)"),
        "{note}"
    );
    assert!(!String::from_utf8_lossy(&zoned.stderr).contains("taken as UTC"));
    let quiet = env.run(&[
        "-q",
        "risky",
        "--as-of",
        "2026-11-21T00:00",
        "--format",
        "csv",
    ]);
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    // The relative forms share the grammar.
    assert_eq!(
        code(&env.run(&["risky", "--as-of", "2d ago", "--format", "csv"])),
        0
    );
}

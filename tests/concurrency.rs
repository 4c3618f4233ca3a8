//! Concurrency: two ingests of different files at once with `--lock-timeout` (the second
//! waits for the single-writer lock and says so) while readers (`risky`, `export rotation`,
//! `check`) run over and over and always succeed with consistent output; at the end the
//! database holds exactly the union of both files. Without `--lock-timeout` the second
//! writer exits 3 naming the lock holder.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Env, SIM_END, path_args, simulated_calls, stderr, write_parts};

/// Two halves of one simulated fleet (different calls), written into `env`'s directory.
fn halves(env: &Env) -> (PathBuf, PathBuf) {
    let lines = simulated_calls(10, 3, 30, 11);
    let (a, b) = lines.split_at(lines.len() / 2);
    let a = write_parts(env.dir.path(), "a", a, 1).remove(0);
    let b = write_parts(env.dir.path(), "b", b, 1).remove(0);
    (a, b)
}

fn lock_file(env: &Env) -> PathBuf {
    PathBuf::from(format!("{}.lock", env.db().display()))
}

/// Waits until the process `pid` holds the write lock (it records its pid in the lock file).
fn wait_for_holder(env: &Env, child: &mut Child) {
    let pid = child.id().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(lock_file(env))
        .unwrap_or_default()
        .trim()
        != pid
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the first writer ended before taking the lock"
        );
        assert!(
            Instant::now() < deadline,
            "the first writer never took the lock"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn_ingest(env: &Env, extra: &[&str], file: &PathBuf) -> Child {
    env.cmd()
        .arg("ingest")
        .args(extra)
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// One round of readers: each must succeed and be self-consistent. Returns the calls count.
fn read_once(env: &Env) -> i64 {
    let out = env.run(&["risky", "--all", "--format", "json", "--as-of", SIM_END]);
    assert_eq!(out.status.code(), Some(0), "risky: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("risky JSON parses");
    let rows = v.as_array().expect("risky prints an array");
    let numbers: HashSet<&str> = rows.iter().map(|r| r["number"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), rows.len(), "risky lists a number twice");

    let out = env.run(&["export", "rotation", "--as-of", SIM_END]);
    assert_eq!(out.status.code(), Some(0), "export: {}", stderr(&out));
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = rdr.headers().unwrap().clone();
    // Today's columns first (the pool's and the components follow).
    assert_eq!(
        headers.iter().take(6).collect::<Vec<_>>(),
        [
            "number",
            "action",
            "rest_until",
            "score",
            "level",
            "reasons"
        ]
    );
    let mut seen = HashSet::new();
    for rec in rdr.records() {
        let rec = rec.expect("export CSV parses");
        assert_eq!(rec.len(), headers.len());
        assert!(rec[0].starts_with('+'), "{rec:?}");
        assert!(
            seen.insert(rec[0].to_string()),
            "export lists {} twice",
            &rec[0]
        );
    }
    let c = env.check();
    assert_eq!(c.integrity, "ok");
    c.calls
}

#[test]
fn two_writers_queue_on_the_lock_while_readers_always_succeed() {
    let env = Env::new();
    let (a, b) = halves(&env);

    // Sequential reference: a then b into a fresh database.
    let seq = Env::new();
    let out = seq
        .cmd()
        .arg("ingest")
        .args(path_args(&[a.clone(), b.clone()]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reference = seq.check();

    // The database exists (schema only) before the readers start.
    assert_eq!(env.run(&["score", "-q"]).status.code(), Some(0));
    let mut first = spawn_ingest(&env, &["--lock-timeout", "60"], &a);
    wait_for_holder(&env, &mut first);
    let mut second = spawn_ingest(&env, &["--lock-timeout", "60"], &b);

    let (mut rounds, mut last_calls) = (0, 0);
    let mut first_done = None;
    let mut second_done = None;
    while first_done.is_none() || second_done.is_none() {
        let calls = read_once(&env);
        assert!(
            calls >= last_calls,
            "readers saw calls go from {last_calls} to {calls}"
        );
        last_calls = calls;
        rounds += 1;
        if first_done.is_none() {
            first_done = first.try_wait().unwrap();
        }
        if second_done.is_none() {
            second_done = second.try_wait().unwrap();
        }
    }
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    let waited = stderr(&second);
    assert!(
        waited.contains("waiting up to 60s for another numhealth run"),
        "the second writer did not say it waits: {waited}"
    );
    eprintln!("{rounds} reader rounds while two writers ran; second writer said: {waited}");
    assert!(rounds >= 2, "readers did not overlap the writers");
    assert_eq!(read_once(&env), reference.calls);
    assert_eq!(
        env.check(),
        reference,
        "concurrent result differs from sequential"
    );
}

#[test]
fn without_lock_timeout_the_second_writer_exits_3() {
    let env = Env::new();
    let (a, b) = halves(&env);
    let mut first = spawn_ingest(&env, &["--format", "json"], &a);
    wait_for_holder(&env, &mut first);
    let started = Instant::now();
    let out = env.cmd().arg("ingest").arg(&b).output().unwrap();
    let refused_in = started.elapsed();
    let holder_still_running = first.try_wait().unwrap().is_none();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(msg.contains("locked"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", first.id())),
        "names the holder: {msg}"
    );
    assert!(msg.contains("--lock-timeout"), "says how to wait: {msg}");
    assert!(
        holder_still_running,
        "the holder finished first; the test proves nothing"
    );
    assert!(
        refused_in < Duration::from_secs(5),
        "refused at once, took {refused_in:?}"
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    // The refused run changed nothing: only a's calls are stored, and no run record was left.
    let summary: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(env.check().calls, common::n(&summary, "inserted"));
    let (_, runs) = env.json(&["runs", "--format", "json"]);
    assert_eq!(
        runs.as_array().unwrap().len(),
        1,
        "the refused run left a record: {runs}"
    );
}

#[test]
fn backups_taken_during_an_ingest_are_consistent_snapshots() {
    let env = Env::new();
    let lines = simulated_calls(10, 3, 30, 13);
    let files = write_parts(env.dir.path(), "part", &lines, 4);
    let out = env.cmd().arg("ingest").arg(&files[0]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = env.check().calls;

    let mut writer = env
        .cmd()
        .arg("ingest")
        .args(path_args(&files[1..]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_holder(&env, &mut writer);
    let mut copies = Vec::new();
    while writer.try_wait().unwrap().is_none() || copies.is_empty() {
        let dest = env.dir.path().join(format!("backup-{}.db", copies.len()));
        let out = env.run(&["backup", dest.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "backup: {}", stderr(&out));
        copies.push(dest);
    }
    let out = writer.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = env.check().calls;
    assert!(after > before);

    let mut counts = Vec::new();
    for dest in &copies {
        let c = common::check_db(dest);
        assert_eq!(c.integrity, "ok", "{}", dest.display());
        assert!(
            (before..=after).contains(&c.calls),
            "backup holds {} calls, source had {before} then {after}",
            c.calls
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dest).unwrap().permissions(),
        ) & 0o777;
        assert_eq!(mode, 0o600, "backup {} is mode {mode:o}", dest.display());
        counts.push(c.calls);
    }
    eprintln!(
        "{} backups during the ingest held {counts:?} calls ({before}..={after})",
        copies.len()
    );
    // The last copy taken after the writer finished is the source exactly.
    let last = env.dir.path().join("backup-final.db");
    assert_eq!(
        env.run(&["backup", last.to_str().unwrap()]).status.code(),
        Some(0)
    );
    assert_eq!(common::check_db(&last), env.check());
}

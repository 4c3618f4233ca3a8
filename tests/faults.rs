//! Resource faults: a full disk (a file-size limit) mid-ingest, a database the OS will not
//! let us write even as root (`chattr +i`), a `--db` whose parent is a regular file, and a
//! missing directory. Each fails with a clear message and exit 1 (or, for the size limit,
//! SIGXFSZ), leaves the database intact, and a rerun without the fault converges. Also:
//! the default data directory numhealth creates itself is private.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Check, Env, fixture, path_args, simulated_calls, stderr, write_parts};

/// A fleet in four files, and the state an uninterrupted ingest of all of them leaves.
fn fleet(env: &Env) -> (Vec<PathBuf>, Check) {
    let lines = simulated_calls(8, 3, 40, 23);
    let files = write_parts(env.dir.path(), "part", &lines, 4);
    let reference = Env::new();
    let out = reference
        .cmd()
        .arg("ingest")
        .args(path_args(&files))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (files, reference.check())
}

/// `numhealth --db DB ingest FILES` under `ulimit -f blocks` (512-byte blocks in dash);
/// with `ignore_xfsz` SIGXFSZ is ignored, so writes fail with EFBIG instead of killing.
fn ingest_with_size_limit(db: &Path, files: &[PathBuf], blocks: u64, ignore_xfsz: bool) -> Output {
    let trap = if ignore_xfsz { "trap '' XFSZ; " } else { "" };
    let script = format!("{trap}ulimit -f {blocks}; exec \"$0\" \"$@\"");
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_numhealth"))
        .arg("--db")
        .arg(db)
        .arg("ingest")
        .args(path_args(files))
        .env_remove("NUMHEALTH_DB")
        .env_remove("NUMHEALTH_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_mid_ingest_keeps_the_database_intact_and_a_rerun_converges() {
    let env = Env::new();
    let (files, reference) = fleet(&env);
    // The previous state: the first file, loaded without a limit.
    let db = env.db();
    let out = env.cmd().arg("ingest").arg(&files[0]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Both ways a full disk shows: SIGXFSZ kills the process, or (signal ignored) every
    // write past the limit fails with EFBIG and SQLite reports an I/O error.
    for ignore_xfsz in [false, true] {
        let before = common::check_db(&db);
        // 200 blocks of 512 bytes: the write-ahead log of the next file outgrows it.
        let out = ingest_with_size_limit(&db, &files[1..], 200, ignore_xfsz);
        let how = match (out.status.code(), out.status.signal()) {
            (_, Some(25)) if !ignore_xfsz => "killed by SIGXFSZ".to_string(),
            (Some(1), _) if ignore_xfsz => format!("exit 1: {}", stderr(&out).trim()),
            other => panic!("unexpected outcome {other:?}: {}", stderr(&out)),
        };
        let after = common::check_db(&db);
        eprintln!("size limit, ignore SIGXFSZ={ignore_xfsz}: {how}; {before:?} -> {after:?}");
        assert_eq!(after.integrity, "ok");
        assert!(
            after.calls >= before.calls && after.calls <= reference.calls,
            "{before:?} -> {after:?}"
        );
        if after.calls == before.calls {
            assert_eq!(after, before, "no file landed, so nothing changed");
        }
    }
    // Without the limit, the same command converges to the reference.
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .arg("--db")
        .arg(&db)
        .arg("ingest")
        .args(path_args(&files))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(common::check_db(&db), reference);
}

/// A SQLite error raised deep in the loader (here EFBIG, "disk I/O error") names the
/// database, not `database : disk I/O error`.
#[test]
fn a_full_disk_error_names_the_database() {
    let env = Env::new();
    let (files, _) = fleet(&env);
    let db = env.db();
    assert!(
        env.cmd()
            .arg("ingest")
            .arg(&files[0])
            .status()
            .unwrap()
            .success()
    );
    let out = ingest_with_size_limit(&db, &files[1..], 200, true);
    assert_eq!(out.status.code(), Some(1));
    let msg = stderr(&out);
    assert!(msg.contains(&db.display().to_string()), "{msg}");
}

fn sha(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

/// `chattr +i` for the life of the guard (root ignores permission bits, not immutability).
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// Run by `.ci/run`; elsewhere `cargo test --test faults -- --ignored unwritable`.
#[test]
#[ignore = "needs chattr +i: root (CAP_LINUX_IMMUTABLE) and a filesystem with inode flags (not tmpfs)"]
fn an_unwritable_database_is_refused_with_its_path_and_left_unchanged() {
    let env = Env::new();
    let out = env.run(&["ingest", fixture("list-calls-v2.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let db = env.db();
    let before = sha(&db);
    let _guard = Immutable::set(&db).unwrap_or_else(|| {
        panic!(
            "chattr +i {} failed: this test needs root and a filesystem with inode flags",
            db.display()
        )
    });
    let out = env.run(&["ingest", fixture("calls.ndjson").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains(&db.display().to_string()) && msg.contains("cannot open for writing"),
        "{msg}"
    );
    let out = env.run(&["score"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(sha(&db), before, "the database changed");
    // Readers still read it.
    let c = env.check();
    assert_eq!((c.integrity.as_str(), c.calls), ("ok", 3));
}

#[test]
fn a_db_path_under_a_regular_file_is_a_clear_error_and_creates_nothing() {
    let env = Env::new();
    let file = env.dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let db = file.join("nh.db");
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .arg("--db")
        .arg(&db)
        .arg("ingest")
        .arg(fixture("calls.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(
        msg.contains(&db.display().to_string()) && msg.contains("Not a directory"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    assert_eq!(std::fs::read_dir(env.dir.path()).unwrap().count(), 1);
}

fn ingest_into_missing_dir(env: &Env) -> (PathBuf, Output) {
    let db = env.dir.path().join("missing/nh.db");
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .arg("--db")
        .arg(&db)
        .arg("ingest")
        .arg(fixture("calls.ndjson"))
        .env_remove("NUMHEALTH_DB")
        .output()
        .unwrap();
    (db, out)
}

#[test]
fn a_missing_directory_fails_and_creates_nothing() {
    let env = Env::new();
    let (db, out) = ingest_into_missing_dir(&env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&db.display().to_string()),
        "{}",
        stderr(&out)
    );
    assert!(!db.parent().unwrap().exists(), "the directory was created");
    assert_eq!(std::fs::read_dir(env.dir.path()).unwrap().count(), 0);
}

/// The directory is checked before the write lock is taken, so the message is not about
/// the lock file ("cannot open lock file .../nh.db.lock: No such file or directory").
#[test]
fn a_missing_directory_message_says_it_does_not_exist() {
    let env = Env::new();
    let (_, out) = ingest_into_missing_dir(&env);
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

/// Without `--db` or `NUMHEALTH_DB` the database goes in the per-user data directory,
/// which numhealth creates private (0700, with any missing parents) and fills with
/// private files (0600).
#[test]
fn the_default_data_directory_is_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("xdg-data");
    let out = Command::new(env!("CARGO_BIN_EXE_numhealth"))
        .arg("ingest")
        .arg(fixture("calls.ndjson"))
        .env_remove("NUMHEALTH_DB")
        .env_remove("NUMHEALTH_CONFIG")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", &data)
        .env("XDG_CONFIG_HOME", home.path().join("xdg-config"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = data.join("numhealth");
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    for name in ["numhealth.db", "numhealth.db.lock"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    assert_eq!(common::check_db(&dir.join("numhealth.db")).calls, 4);
}

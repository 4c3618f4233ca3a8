//! What numhealth writes for other programs is safe to open: `export rotation -o FILE` is
//! created private (0600) and atomically, even over an existing world-readable file, and a
//! CSV cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is defused with a
//! leading `'` while JSON keeps the exact text.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use common::{Env, fixture, stderr};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_rotation_export_is_private_even_over_a_world_readable_file() {
    let env = Env::new();
    let out = env.run(&["ingest", fixture("calls.ndjson").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fresh = env.dir.path().join("rotation.csv");
    let out = env.run(&[
        "export",
        "rotation",
        "--allow-stale",
        "-o",
        fresh.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&fresh), 0o600);

    let old = env.dir.path().join("old.csv");
    std::fs::write(&old, "stale\n").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.run(&[
        "export",
        "rotation",
        "--allow-stale",
        "-o",
        old.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&old), 0o600);
    let text = std::fs::read_to_string(&old).unwrap();
    assert!(
        text.starts_with("number,action,rest_until,score,level,reasons,status,"),
        "{text}"
    );
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".numhealth-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn formula_like_reject_cells_are_defused_in_csv_and_exact_in_json() {
    let env = Env::new();
    // A file whose name starts with '=', holding one good call and four lines that are
    // not JSON and start like spreadsheet formulas.
    let evil = [
        "=cmd|' /C calc'!A0",
        "+SUM(1,2)",
        "-2+3*cmd",
        "@IMPORTXML(1)",
    ];
    let mut text = std::fs::read_to_string(fixture("calls.ndjson"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    text.push('\n');
    for e in evil {
        text.push_str(e);
        text.push('\n');
    }
    let name = "=HYPERLINK(1).ndjson";
    std::fs::write(env.dir.path().join(name), text).unwrap();
    let out = env
        .cmd()
        .current_dir(env.dir.path())
        .args(["ingest", "--input-format", "ndjson", name])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let out = env.run(&["rejects", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (file, raw) = (col("file"), col("raw"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let mut raws: Vec<&str> = rows.iter().map(|r| &r[raw]).collect();
    raws.sort();
    let mut want: Vec<String> = evil.iter().map(|e| format!("'{e}")).collect();
    want.sort();
    assert_eq!(raws, want, "raw cells not defused");
    // Files are stored under their absolute path, which no formula starts like.
    let stored = std::fs::canonicalize(env.dir.path().join(name)).unwrap();
    for row in &rows {
        assert_eq!(&row[file], stored.display().to_string(), "file cell");
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "live formula: {row:?}"
            );
        }
    }

    let (code, v) = env.json(&["rejects", "--format", "json"]);
    assert_eq!(code, 0);
    let mut raws: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["raw"].as_str().unwrap())
        .collect();
    raws.sort();
    let mut want = evil.to_vec();
    want.sort();
    assert_eq!(raws, want, "JSON keeps the exact text");
}

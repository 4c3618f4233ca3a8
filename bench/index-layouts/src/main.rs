//! How the layout of the call lookup index decides whether appending a day of calls costs
//! what the day costs or what the history costs. Loads the benchmark's 1M-call batch
//! (flattened CSV) ten times as ten days with fresh ids into one database with numhealth's
//! `calls` columns, WAL, `synchronous=NORMAL`, a 32 MB cache, one transaction a day, and
//! prints each day's seconds. Layouts:
//!   text        `call_id TEXT PRIMARY KEY` (schema v1/v2, and the sqlite3 anchor)
//!   key         a unique index on a 64-bit hash of call_id
//!   key-late    the hash index written in one sorted pass at the end of each day
//!               (looked up, not written, while the day loads)
//!   day-key     a unique index on (start day, 64-bit hash) (schema v3)
//! Run: cargo run --release -- /work/bench-out/full/batch.csv day-key /tmp/x.db

use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, params};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Row {
    id: String,
    from: String,
    to: String,
    dir: String,
    status: String,
    reason: String,
    start: i64,
    end: i64,
    dur: i64,
}

fn key(id: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes()) as i64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, csv_path, layout, db] = &args[..] else {
        eprintln!("usage: index-layouts BATCH.csv text|key|key-late|day-key DB");
        std::process::exit(2);
    };
    let mut rows = Vec::new();
    let mut rd = csv::Reader::from_path(csv_path).expect("read the CSV");
    for r in rd.records() {
        let r = r.expect("CSV record");
        let num = |i: usize| r[i].parse().unwrap_or(0);
        rows.push(Row {
            id: r[0].into(),
            from: r[1].into(),
            to: r[2].into(),
            dir: r[3].into(),
            status: r[4].into(),
            reason: r[5].into(),
            start: num(6),
            end: num(7),
            dur: num(8),
        });
    }
    let _ = std::fs::remove_file(db);
    let mut conn = Connection::open(db).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32000; PRAGMA temp_store=FILE;",
    )
    .unwrap();
    let (id_col, index) = match layout.as_str() {
        "text" => ("call_id TEXT PRIMARY KEY", ""),
        "key" => ("call_id TEXT NOT NULL", "CREATE UNIQUE INDEX k ON calls (call_key);"),
        "key-late" => ("call_id TEXT NOT NULL", "CREATE TABLE keys (k INTEGER PRIMARY KEY, call INTEGER NOT NULL);"),
        "day-key" => ("call_id TEXT NOT NULL", "CREATE UNIQUE INDEX k ON calls (anchor_day, call_key);"),
        other => panic!("unknown layout {other}"),
    };
    conn.execute_batch(&format!(
        "CREATE TABLE calls ({id_col}, direction TEXT NOT NULL, our_number TEXT NOT NULL, other_number TEXT NOT NULL, \
         call_status TEXT NOT NULL, agent_id TEXT, disconnection_reason TEXT, start_ms INTEGER, end_ms INTEGER, \
         duration_ms INTEGER, in_voicemail INTEGER, user_sentiment TEXT, call_successful INTEGER, \
         number_flags INTEGER NOT NULL, placed_ms INTEGER NOT NULL, short INTEGER NOT NULL, \
         completeness INTEGER NOT NULL, fingerprint INTEGER NOT NULL, run_id INTEGER NOT NULL, \
         anchor_day INTEGER NOT NULL, call_key INTEGER) STRICT; {index}"
    ))
    .unwrap();
    let conflict = if layout == "key-late" { "" } else { "ON CONFLICT DO NOTHING" };
    let t0 = Instant::now();
    for day in 0..10i64 {
        let t = Instant::now();
        let tx = conn.transaction().unwrap();
        let mut inserted = 0;
        {
            let mut ins = tx
                .prepare(&format!(
                    "INSERT INTO calls VALUES (?1, ?2, ?3, ?4, ?5, 'agent_3c8b1d7e5f2a9c0b4d6e8f1a', ?6, ?7, ?8, ?9, \
                     0, 'Unknown', 0, 0, ?7, 0, 3, ?10, 1, ?11, ?10) {conflict}"
                ))
                .unwrap();
            let mut look = tx.prepare("SELECT call FROM keys WHERE k = ?1").ok();
            let mut late: Vec<(i64, i64)> = Vec::new();
            let mut batch: Vec<(i64, String, &Row)> = rows
                .iter()
                .map(|r| {
                    let id = format!("{}-{day}", r.id);
                    (key(&id), id, r)
                })
                .collect();
            for chunk in batch.chunks_mut(20_000) {
                if layout == "text" {
                    chunk.sort_by(|a, b| a.1.cmp(&b.1));
                } else {
                    chunk.sort_by_key(|a| a.0);
                }
                for (k, id, r) in chunk.iter() {
                    if let Some(l) = look.as_mut()
                        && l.query_row([k], |r| r.get::<_, i64>(0)).optional().unwrap().is_some()
                    {
                        continue;
                    }
                    let start = r.start + day * 86_400_000;
                    let n = ins
                        .execute(params![id, r.dir, r.from, r.to, r.status, r.reason, start, r.end, r.dur, k, start / 86_400_000])
                        .unwrap();
                    inserted += n;
                    if n == 1 && look.is_some() {
                        late.push((*k, tx.last_insert_rowid()));
                    }
                }
            }
            late.sort_unstable();
            let mut put = tx.prepare("INSERT INTO keys VALUES (?1, ?2)").ok();
            for (k, row) in late {
                put.as_mut().unwrap().execute([k, row]).unwrap();
            }
        }
        tx.commit().unwrap();
        println!("{layout}\tday {day}\t{inserted} calls\t{:.2} s", t.elapsed().as_secs_f64());
    }
    drop(conn);
    println!("{layout}\ttotal\t{:.1} s", t0.elapsed().as_secs_f64());
}

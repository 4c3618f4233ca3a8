//! The number pool through the real binary: a nightly replay over a simulated fleet
//! (open loop: every call is ingested, then `score --as-of` runs at each midnight in
//! order, and a score only sees calls before its as-of), operator marks, the quiet second
//! run, the webhook against a loopback server (a failing one too), the as-of views of
//! `export rotation`, the refusals of `score`, and the thinning of old score rows.
//!
//! The simulated fleets end on 2025-03-31, so that "60 days later" is still in the past
//! (a run may not be more than 5 minutes ahead of the clock).

mod common;
// The loopback HTTP server the unit tests of `pull` and `notify` use.
#[path = "../src/pull/test_server.rs"]
mod test_server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

use chrono::{Days, NaiveDate};
use common::{Env, stderr, trimmed_call};
use serde_json::Value;
use test_server::{Reply, Server};

/// The last simulated day.
const END: &str = "2025-03-31";

/// A simulated fleet: its calls (cut down to what numhealth stores) and each number's
/// planted kind (`truth.csv`).
struct Fleet {
    lines: Vec<String>,
    kinds: BTreeMap<String, String>,
}

impl Fleet {
    fn of_kind(&self, kind: &str) -> Vec<&str> {
        self.kinds
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

fn simulate(seed: u64, numbers: usize, days: i64, calls_per_day: u32) -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    let out = Env::new()
        .cmd()
        .arg("simulate")
        .arg("--out")
        .arg(dir.path().join("sim"))
        .args(["--seed", &seed.to_string()])
        .args(["--numbers", &numbers.to_string()])
        .args(["--days", &days.to_string()])
        .args(["--calls-per-day", &calls_per_day.to_string()])
        .args(["--end", END, "--ndjson-only", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "simulate: {}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("sim/calls.ndjson")).unwrap();
    let lines = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(trimmed_call)
        .collect();
    let truth = std::fs::read_to_string(dir.path().join("sim/truth.csv")).unwrap();
    let kinds = truth
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect();
    Fleet { lines, kinds }
}

/// 40 numbers over 21 days (2025-03-11 to 2025-03-31), 40 calls a day each.
fn replay_fleet() -> &'static Fleet {
    static F: OnceLock<Fleet> = OnceLock::new();
    F.get_or_init(|| simulate(5, 40, 21, 40))
}

/// 20 numbers over 14 days, 30 calls a day each: four are retired by a first score.
fn small_fleet() -> &'static Fleet {
    static F: OnceLock<Fleet> = OnceLock::new();
    F.get_or_init(|| simulate(3, 20, 14, 30))
}

/// A fresh database with every call of `fleet` ingested.
fn loaded(fleet: &Fleet) -> Env {
    let env = Env::new();
    let file = env.dir.path().join("calls.ndjson");
    std::fs::write(&file, fleet.lines.join("\n") + "\n").unwrap();
    let out = env
        .cmd()
        .args(["ingest", "-q"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_file(file).unwrap();
    env
}

/// `YYYY-MM-DD` of `END` plus `days`.
fn day(days: i64) -> String {
    let end: NaiveDate = END.parse().unwrap();
    let d = if days >= 0 {
        end.checked_add_days(Days::new(days as u64))
    } else {
        end.checked_sub_days(Days::new((-days) as u64))
    };
    d.unwrap().to_string()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `numbers --format json` (with `extra` flags), as number -> row.
fn registry(env: &Env, extra: &[&str]) -> BTreeMap<String, Value> {
    let mut args = vec!["numbers", "--format", "json"];
    args.extend(extra);
    let (code, v) = env.json(&args);
    assert_eq!(code, 0, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["number"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

fn statuses(env: &Env, extra: &[&str]) -> BTreeMap<String, String> {
    registry(env, extra)
        .into_iter()
        .map(|(n, r)| (n, r["status"].as_str().unwrap().to_string()))
        .collect()
}

fn count(env: &Env, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(env.db()).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn transitions(env: &Env) -> i64 {
    count(env, "SELECT count(*) FROM pool_transitions")
}

/// Checks that the numbers resting on the reputation score alone (the rests the resting
/// cap holds back) are at most `pool.max_resting_share` (default 0.2, rounded up, at least
/// 1) of each area code's numbers still in rotation; returns how many there are.
fn assert_score_rests_within_the_cap(rows: &BTreeMap<String, Value>, night: &str) -> usize {
    let area = |n: &str| n.get(..5).unwrap_or(n).to_string();
    let mut size: BTreeMap<String, i64> = BTreeMap::new();
    let mut score_resting: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (n, r) in rows {
        let status = r["status"].as_str().unwrap();
        if !matches!(status, "retired" | "released") {
            *size.entry(area(n)).or_default() += 1;
        }
        let reason = r["reason"].as_str().unwrap_or_default();
        if status == "resting" && reason.contains("at critical risk") {
            score_resting.entry(area(n)).or_default().push(n);
        }
    }
    let mut total = 0;
    for (a, resting) in &score_resting {
        let cap = ((0.2 * size[a] as f64).ceil() as usize).max(1);
        assert!(
            resting.len() <= cap,
            "{night}: {} numbers of {} in {a} resting on the score, over the cap of {cap}: {resting:?}",
            resting.len(),
            size[a]
        );
        total += resting.len();
    }
    total
}

/// The number a change line is about, and the status it moves to.
fn parse_line(line: &str) -> (String, String) {
    let (number, rest) = line.split_once(' ').unwrap();
    let to = rest.split(" -> ").nth(1).unwrap();
    let to = to.split([' ', ':']).next().unwrap().to_string();
    (number.to_string(), to)
}

#[test]
fn a_nightly_replay_retires_for_good_and_never_touches_healthy_numbers() {
    let fleet = replay_fleet();
    let env = loaded(fleet);
    let protected: BTreeSet<&str> = fleet
        .of_kind("healthy")
        .into_iter()
        .chain(fleet.of_kind("low_volume"))
        .collect();
    assert!(protected.len() >= 20, "{:?}", fleet.kinds);
    let mut lines_seen = 0;
    let mut score_rests_seen = 0;
    for night in -19..=1 {
        let before = transitions(&env);
        let out = env.run(&["score", "-q", "--as-of", &day(night)]);
        let stdout = ok(&out);
        assert!(
            stderr(&out).is_empty(),
            "-q hides the count: {}",
            stderr(&out)
        );
        // One line per recorded transition, each naming its number and new status.
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len() as i64, transitions(&env) - before, "{stdout}");
        lines_seen += lines.len();
        let rows = registry(&env, &["--as-of", &day(night)]);
        let now: BTreeMap<String, String> = rows
            .iter()
            .map(|(n, r)| (n.clone(), r["status"].as_str().unwrap().to_string()))
            .collect();
        for line in &lines {
            let (number, to) = parse_line(line);
            assert_eq!(now.get(&number), Some(&to), "{line}");
        }
        score_rests_seen += assert_score_rests_within_the_cap(&rows, &day(night));
        for n in &protected {
            let s = now.get(*n).map(String::as_str);
            assert!(
                !matches!(s, Some("resting" | "retired")),
                "{n} ({}) is {s:?} as of {}",
                fleet.kinds[*n],
                day(night)
            );
        }
    }
    assert!(lines_seen >= 40, "every number registered at least");
    eprintln!("replay: {score_rests_seen} number-nights resting on the reputation score");
    let end = statuses(&env, &["--as-of", &day(1)]);
    let retired: Vec<&String> = end
        .iter()
        .filter(|(_, s)| *s == "retired")
        .map(|(n, _)| n)
        .collect();
    // The clear cases are all retired: flagged from the start, or bursting then degrading.
    for n in fleet
        .of_kind("already_flagged")
        .into_iter()
        .chain(fleet.of_kind("burst_then_degrade"))
    {
        assert_eq!(end[n], "retired", "{n} ({})", fleet.kinds[n]);
    }

    // The quiet second run: same as-of, nothing printed at all, nothing recorded.
    let before = transitions(&env);
    let rows = |env: &Env| {
        (
            count(env, "SELECT count(*) FROM score_runs"),
            count(env, "SELECT count(*) FROM scores"),
        )
    };
    let recorded = rows(&env);
    let out = env.run(&["score", "--as-of", &day(1)]);
    assert_eq!(ok(&out), "");
    assert_eq!(stderr(&out), "");
    assert_eq!(transitions(&env), before);
    assert_eq!(rows(&env), recorded, "a repeated run recorded a new run");

    // 60 days after the end, with no further calls: still retired, nothing moved them.
    let later = day(61);
    ok(&env.run(&["score", "-q", "--as-of", &later]));
    let after = statuses(&env, &["--as-of", &later]);
    for n in &retired {
        assert_eq!(after[*n], "retired", "{n} 60 days later");
        let (code, v) = env.json(&["number", n, "--as-of", &later, "--format", "json"]);
        assert_eq!(code, 0);
        let ts = v["transitions"].as_array().unwrap();
        assert_eq!(ts.last().unwrap()["to"], "retired", "{v}");
        assert_eq!(v["status"]["status"], "retired");
    }
    eprintln!(
        "replay: {} numbers, {} retired, {} transitions",
        end.len(),
        retired.len(),
        transitions(&env)
    );
}

#[test]
fn rested_numbers_that_call_cleanly_are_back_within_three_clean_days() {
    let fleet = replay_fleet();
    let env = loaded(fleet);
    let recovered = fleet.of_kind("rested_recovered");
    assert!(!recovered.is_empty());
    // Each one's calls and last spam mark: its clean days start after the silent rest.
    let mut last_spam: BTreeMap<&str, i64> = BTreeMap::new();
    let mut calls: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let parsed: Vec<Value> = fleet
        .lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for v in &parsed {
        let Some(n) = v["from_number"].as_str() else {
            continue;
        };
        let Some(n) = recovered.iter().find(|r| **r == n) else {
            continue;
        };
        let at = v["start_timestamp"].as_i64().unwrap();
        calls.entry(n).or_default().push(at);
        if v["disconnection_reason"] == "marked_as_spam" {
            let l = last_spam.entry(n).or_default();
            *l = (*l).max(at);
        }
    }
    let day_ms = 86_400_000;
    // Start the nightly runs in the silent stretch after the flagged episode.
    let first_night = -9;
    for night in first_night..=1 {
        ok(&env.run(&["score", "-q", "--as-of", &day(night)]));
        let now = statuses(&env, &["--as-of", &day(night)]);
        if night == first_night {
            for n in &recovered {
                assert_eq!(now[*n], "resting", "{n} is rested on its old flags");
            }
        }
    }
    for n in &recovered {
        // The first call after the silent stretch of the rest (a gap of days).
        let mut times = calls[n].clone();
        times.sort_unstable();
        let first_clean = times
            .windows(2)
            .find(|w| w[1] - w[0] > 2 * day_ms)
            .map(|w| w[1])
            .unwrap();
        assert!(first_clean > last_spam[n]);
        let (code, v) = env.json(&["number", n, "--as-of", &day(1), "--format", "json"]);
        assert_eq!(code, 0);
        let back = v["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["from"] == "resting" && t["to"] == "probation")
            .unwrap_or_else(|| panic!("{n} never came back: {v}"));
        let at = chrono::DateTime::parse_from_rfc3339(back["at"].as_str().unwrap())
            .unwrap()
            .timestamp_millis();
        let clean_day = first_clean.div_euclid(day_ms) * day_ms;
        assert!(
            at - clean_day <= 3 * day_ms,
            "{n}: clean from {first_clean}, back only at {at}"
        );
        assert!(
            back["reason"]
                .as_str()
                .unwrap()
                .contains("since its rest; back in probation"),
            "{back}"
        );
        assert_eq!(v["status"]["status"], "active", "a clean probation ends");
    }
}

#[test]
fn operators_mark_numbers_and_the_refusals_say_why() {
    let fleet = small_fleet();
    let env = loaded(fleet);
    ok(&env.run(&["score", "-q", "--as-of", &day(1)]));
    let first = statuses(&env, &["--as-of", &day(1)]);
    let retired: Vec<&String> = first
        .iter()
        .filter(|(_, s)| *s == "retired")
        .map(|(n, _)| n)
        .collect();
    assert!(retired.len() >= 2, "{first:?}");
    let (r1, r2) = (retired[0].as_str(), retired[1].as_str());
    let healthy = fleet.of_kind("healthy");
    let at = |h: &str| format!("{}T{h}:00Z", day(1));

    // A retired number brought back by an operator.
    let out = env.run(&[
        "mark",
        r1,
        "--status",
        "active",
        "--by",
        "alice",
        "--note",
        "carrier cleared it",
        "--at",
        &at("06:00"),
    ]);
    assert_eq!(
        ok(&out),
        format!("{r1} retired -> active (100 a day, 30 an hour): marked active by alice\n")
    );
    // "marked 1 number" is for a person at a terminal: quiet without one, as under cron.
    assert_eq!(stderr(&out), "");
    // Its old flags are still in the lookback, but the policy only judges what came after.
    let out = ok(&env.run(&["score", "-q", "--as-of", &day(2)]));
    assert!(!out.contains(r1), "{out}");
    let row = &registry(&env, &["--as-of", &day(2)])[r1];
    assert_eq!(
        (&row["status"], &row["source"], &row["note"]),
        (
            &Value::from("active"),
            &Value::from("operator"),
            &Value::from("carrier cleared it")
        )
    );
    let (_, risky) = env.json(&["risky", "--as-of", &day(2), "--all", "--format", "json"]);
    let r1_risky = risky
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == r1)
        .unwrap();
    assert_eq!(r1_risky["status"], "active");
    assert_eq!(r1_risky["action"], "retire", "the score still says so");

    let before = transitions(&env);
    // Resting needs a date: a usage error, nothing recorded.
    let out = env.run(&["mark", r2, "--status", "resting"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("--until"), "{}", stderr(&out));
    // A number the fleet never used: refused (a data refusal) unless --add.
    let new = "+19995550123";
    let out = env.run(&["mark", new, "--status", "active", "--at", &at("23:00")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--add"), "{}", stderr(&out));
    // History is append-only: a mark before the pool's last transition or score run is
    // refused, for a number with no transition of its own after it too.
    let out = env.run(&[
        "mark",
        "--add",
        new,
        "--status",
        "active",
        "--at",
        &at("23:00"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("append-only"), "{}", stderr(&out));
    let out = env.run(&["mark", r2, "--status", "released", "--at", &day(-1)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("append-only"), "{}", stderr(&out));
    // All or nothing: one unknown number refuses the whole batch.
    let out = env.run(&["mark", healthy[0], new, "--status", "retired"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(transitions(&env), before);
    assert_eq!(statuses(&env, &["--as-of", &day(2)])[healthy[0]], "active");

    // A new number replacing a retired one.
    let (code, v) = env.json(&[
        "mark",
        new,
        "--status",
        "active",
        "--add",
        "--replaces",
        r2,
        "--at",
        &day(2),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{v}");
    let t = &v["transitions"][0];
    assert_eq!(
        (&t["from"], &t["to"]),
        (&Value::Null, &Value::from("active"))
    );
    assert!(
        t["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("(added to the pool); replaces {r2}")),
        "{t}"
    );
    assert_eq!(statuses(&env, &["--as-of", &day(2)])[new], "active");
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM pool_numbers WHERE number = '+19995550123' AND replaces IS NOT NULL"
        ),
        1
    );

    // A CSV with a `number` column: every number in it, rested until a date.
    let file: PathBuf = env.dir.path().join("rest.csv");
    std::fs::write(
        &file,
        format!(
            "campaign,number\nwest,{}\neast,{}\n",
            healthy[1], healthy[2]
        ),
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["mark", "--status", "resting", "--until", &day(20)])
        .args(["--at", &format!("{}T01:00:00Z", day(2))])
        .arg("--from-file")
        .arg(&file)
        .output()
        .unwrap();
    let text = ok(&out);
    assert_eq!(text.lines().count(), 2, "{text}");
    let now = statuses(&env, &["--status", "resting", "--as-of", &day(3)]);
    assert!(now.values().all(|s| s == "resting"), "{now:?}");
    assert!(
        now.contains_key(healthy[1]) && now.contains_key(healthy[2]),
        "{now:?}"
    );
}

/// A fresh database with `paced_calls(numbers)` ingested, and the calls.
fn paced(numbers: &[(&str, i64)]) -> (Env, String) {
    let env = Env::new();
    let csv = paced_calls(numbers);
    ingest_csv(&env, "calls.csv", &csv);
    (env, csv)
}

/// Writes `csv` to `name` in the test's directory and ingests it.
fn ingest_csv(env: &Env, name: &str, csv: &str) {
    let file = env.dir.path().join(name);
    std::fs::write(&file, csv).unwrap();
    ok(&env
        .cmd()
        .args(["ingest", "-q"])
        .arg(&file)
        .output()
        .unwrap());
}

/// Calls from each `(number, calls a day)`: three days to 2025-03-31, spread evenly over
/// 13:00-21:00 UTC, one in four answered for 45 s, the rest not answered.
fn paced_calls(numbers: &[(&str, i64)]) -> String {
    let day0 = NaiveDate::from_ymd_opt(2025, 3, 29).unwrap();
    let mut out = String::from(
        "call_id,direction,from_number,to_number,start_timestamp,duration_ms,disconnection_reason\n",
    );
    for (n, per_day) in numbers {
        for d in 0..3u64 {
            let date = day0.checked_add_days(Days::new(d)).unwrap();
            let start = date
                .and_hms_opt(13, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis();
            for i in 0..*per_day {
                let at = start + i * 8 * 3_600_000 / per_day;
                let (ms, why) = if i % 4 == 0 {
                    (45_000, "user_hangup")
                } else {
                    (0, "dial_no_answer")
                };
                out.push_str(&format!(
                    "{n}-{d}-{i},outbound,{n},+12125550199,{at},{ms},{why}\n"
                ));
            }
        }
    }
    out
}

#[test]
fn a_numbers_own_caps_are_the_pace_its_throttle_judges() {
    // Normal caps 100 a day, 30 an hour. `big` may place 200 a day and places 120;
    // `small` may place 30 a day and places 60; `plain` places 120 on the normal caps.
    let (big, small, plain) = ("+14155550100", "+14155550101", "+14155550102");
    let (env, _) = paced(&[(big, 120), (small, 60), (plain, 120)]);
    let at = "2025-03-29T00:00:00Z";
    ok(&env.run(&[
        "mark",
        big,
        "--status",
        "active",
        "--daily-cap",
        "200",
        "--hourly-cap",
        "60",
        "--at",
        at,
    ]));
    ok(&env.run(&[
        "mark",
        small,
        "--status",
        "active",
        "--daily-cap",
        "30",
        "--hourly-cap",
        "10",
        "--at",
        at,
    ]));
    ok(&env.run(&["score", "-q", "--as-of", "2025-04-01"]));
    let rows = registry(&env, &[]);
    let caps = |n: &str| {
        (
            rows[n]["daily_cap"].as_i64(),
            rows[n]["hourly_cap"].as_i64(),
        )
    };
    assert_eq!(caps(big), (Some(200), Some(60)), "{}", rows[big]);
    assert_eq!(
        caps(small),
        (Some(15), Some(5)),
        "half its own: {}",
        rows[small]
    );
    assert_eq!(caps(plain), (Some(50), Some(15)), "{}", rows[plain]);
    let reason = rows[small]["reason"].as_str().unwrap();
    assert!(reason.contains("30 calls a day"), "{reason}");
    // The views judge the pace the same way.
    let (code, risky) = env.json(&[
        "risky",
        "--all",
        "--as-of",
        "2025-04-01",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{risky}");
    let action = |n: &str| {
        risky
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["number"] == n)
            .unwrap()["action"]
            .clone()
    };
    assert_eq!(action(small), "throttle");
    assert_eq!(action(plain), "throttle");
    assert_ne!(action(big), "throttle");
    for n in [big, small, plain] {
        let (code, story) = env.json(&["number", n, "--as-of", "2025-04-01", "--format", "json"]);
        assert_eq!(code, 0, "{story}");
        assert_eq!(story["assessment"]["action"], action(n), "number {n}");
    }
    // Caps set later do not change what a past moment said.
    let live = ok(&env.run(&["export", "rotation", "--as-of", "2025-04-01"]));
    ok(&env.run(&[
        "mark",
        big,
        "--status",
        "active",
        "--daily-cap",
        "50",
        "--hourly-cap",
        "10",
        "--at",
        "2025-04-01T01:00:00Z",
    ]));
    let later = ok(&env.run(&["export", "rotation", "--as-of", "2025-04-01"]));
    assert_eq!(later, live);
    let (_, story) = env.json(&["number", big, "--as-of", "2025-04-01", "--format", "json"]);
    assert_ne!(story["assessment"]["action"], "throttle", "{story}");
    let now = ok(&env.run(&["export", "rotation", "--as-of", "2025-04-01T02:00:00Z"]));
    let row = now.lines().find(|l| l.starts_with(big)).unwrap();
    assert!(row.contains(",throttle,"), "{row}");
}

#[test]
fn with_new_numbers_on_probation_a_number_new_to_the_pool_warms_up() {
    let (old, new) = ("+14155550100", "+14155550101");
    let (env, _) = paced(&[(old, 60)]);
    let config = env.dir.path().join("numhealth.toml");
    std::fs::write(&config, "[pool]\nnew_numbers = \"probation\"\n").unwrap();
    let run = |args: &[&str]| {
        let out = env
            .cmd()
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        ok(&out)
    };
    // The first run takes the fleet as it is.
    run(&["score", "-q", "--as-of", "2025-03-31"]);
    // A number the pool has not seen, with calls of its own already.
    ingest_csv(&env, "new.csv", &paced_calls(&[(new, 60)]));
    // Before the next run the export already shows it as that run will register it.
    let text = run(&["export", "rotation", "--as-of", "2025-04-01"]);
    let row = text
        .lines()
        .find(|l| l.starts_with(new))
        .unwrap()
        .to_string();
    assert!(row.contains(",probation,"), "{row}");
    let between = |t: &str| {
        let text = run(&["export", "rotation", "--as-of", t]);
        text.lines()
            .find(|l| l.starts_with(new))
            .unwrap()
            .to_string()
    };
    let live = between("2025-03-31T12:00:00Z");
    let out = run(&["score", "-q", "--as-of", "2025-04-01"]);
    assert!(out.contains(&format!("{new} new -> probation")), "{out}");
    // A moment before that run is answered as it was shown live.
    assert_eq!(between("2025-03-31T12:00:00Z"), live);
    let rows = registry(&env, &["--as-of", "2025-04-01"]);
    assert_eq!(rows[old]["status"], "active");
    assert_eq!(
        (&rows[new]["status"], rows[new]["daily_cap"].as_i64()),
        (&Value::from("probation"), Some(25))
    );
}

#[test]
fn a_mark_after_a_rest_ended_between_runs_comes_after_the_rest_end() {
    let number = "+14155550100"; // Pacific: local midnight of 03-31 is 07:00Z.
    let (env, _) = paced(&[(number, 40)]);
    ok(&env.run(&["score", "-q", "--as-of", "2025-03-30"]));
    ok(&env.run(&[
        "mark",
        number,
        "--status",
        "resting",
        "--until",
        "2025-03-31",
        "--at",
        "2025-03-30T01:00:00Z",
    ]));
    let row = |t: &str| {
        let text = ok(&env.run(&["export", "rotation", "--as-of", t]));
        let line = text
            .lines()
            .find(|l| l.starts_with(number))
            .unwrap()
            .to_string();
        let f: Vec<String> = line.split(',').map(String::from).collect();
        (f[6].clone(), f[9].clone())
    };
    // Live, before any run or mark notices it, the rest has ended: probation at 25%.
    let live = row("2025-04-01T00:00:00Z");
    assert_eq!(live, ("probation".to_string(), "25".to_string()));
    // An operator then sets its caps (cron has not run since).
    let out = ok(&env.run(&[
        "mark",
        number,
        "--status",
        "active",
        "--daily-cap",
        "80",
        "--at",
        "2025-04-01T12:00:00Z",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&format!("{number} resting -> probation")),
        "{out}"
    );
    assert!(
        lines[1].starts_with(&format!("{number} probation -> active")),
        "{out}"
    );
    // The moment before the mark is answered as it was shown.
    assert_eq!(row("2025-04-01T00:00:00Z"), live);
}

#[test]
fn calls_today_at_a_past_moment_counts_the_calls_before_it() {
    let number = "+14155550100"; // Pacific: the local day of 2025-03-30 starts at 07:00Z.
    let (env, csv) = paced(&[(number, 120)]);
    // Calls today, and the daily cap and what it leaves.
    let calls_today = |as_of: &str| -> (i64, i64, i64) {
        let text = ok(&env.run(&["export", "rotation", "--as-of", as_of]));
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let h = rows.headers().unwrap().clone();
        let col = |name: &str| h.iter().position(|c| c == name).unwrap();
        let r = rows.records().next().unwrap().unwrap();
        let cap: i64 = r[col("daily_cap")].parse().unwrap();
        let remaining: i64 = r[col("remaining_today")].parse().unwrap();
        (r[col("calls_today")].parse().unwrap(), cap, remaining)
    };
    let placed: Vec<i64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    let local_day = chrono::DateTime::parse_from_rfc3339("2025-03-30T07:00:00Z")
        .unwrap()
        .timestamp_millis();
    for as_of in [
        "2025-03-30T15:30:00Z",
        "2025-03-30T15:00:00Z",
        "2025-03-30T20:59:00Z",
    ] {
        let at = chrono::DateTime::parse_from_rfc3339(as_of)
            .unwrap()
            .timestamp_millis();
        let before = placed.iter().filter(|&&p| p >= local_day && p < at).count() as i64;
        assert!(before > 0);
        let (today, cap, remaining) = calls_today(as_of);
        assert_eq!(today, before, "{as_of}");
        assert_eq!(remaining, (cap - today).max(0), "{as_of}");
    }
    // Once the raw calls are pruned, the rollups still give every whole hour before the
    // moment, and an hour that starts at the moment is not counted.
    ok(&env.run(&["prune", "-q", "--before", "2025-04-01"]));
    let at = chrono::DateTime::parse_from_rfc3339("2025-03-30T15:00:00Z")
        .unwrap()
        .timestamp_millis();
    let before = placed.iter().filter(|&&p| p >= local_day && p < at).count() as i64;
    assert_eq!(calls_today("2025-03-30T15:00:00Z").0, before);
}

#[test]
fn alerts_reach_the_webhook_after_the_run_and_a_failed_one_is_retried_under_its_key() {
    let fleet = small_fleet();
    let env = loaded(fleet);
    let server = Server::start(vec![Reply::json(500, "upstream down")]);
    let config = env.dir.path().join("numhealth.toml");
    std::fs::write(
        &config,
        "[notify]\ntimeout_secs = 5\nbackoff_initial_secs = 1\nbackoff_max_secs = 2\n",
    )
    .unwrap();
    let url = format!("{}/hooks/s3cr3t", server.base_url());
    let score = |as_of: &str, extra: &[&str]| {
        env.cmd()
            .arg("--config")
            .arg(&config)
            .args(["score", "-q", "--as-of", as_of])
            .args(extra)
            .env("NUMHEALTH_WEBHOOK_URL", &url)
            .output()
            .unwrap()
    };

    // A dry run shows the changes, records nothing and posts nothing.
    let out = score(&day(1), &["--dry-run"]);
    let dry = ok(&out);
    assert!(dry.lines().count() >= 20, "{dry}");
    assert_eq!(count(&env, "SELECT count(*) FROM score_runs"), 0);
    assert_eq!(transitions(&env), 0);
    assert!(server.requests().is_empty());

    // The first run's alert fails: the run stands (exit 0), the error shows under -q and
    // is noted on the run, and the same changes were printed.
    let out = score(&day(1), &[]);
    assert_eq!(ok(&out), dry, "the dry run showed what the run recorded");
    let err = stderr(&out);
    assert!(
        err.contains("numhealth: error: webhook 127.0.0.1")
            && err.contains("HTTP 500: upstream down"),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "the URL is a secret: {err}");
    let noted = count(
        &env,
        "SELECT count(*) FROM score_runs WHERE id = 1 AND alert_error LIKE '%HTTP 500%'",
    );
    assert_eq!(noted, 1);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let key = reqs[0].header("idempotency-key").unwrap().to_string();
    let body = reqs[0].json();
    assert_eq!(body["kind"], "transitions");
    assert_eq!(body["changes"], dry.lines().count());
    assert!(
        body["text"].as_str().unwrap().starts_with(&format!(
            "numhealth: {} changes in the number pool",
            dry.lines().count()
        )),
        "{body}"
    );

    // The next run (nothing changed) retries it, once its backoff passed, under the same key.
    server.push(vec![Reply::json(200, "ok")]);
    std::thread::sleep(std::time::Duration::from_millis(1300));
    let out = score(&day(1), &[]);
    assert_eq!(ok(&out), "");
    assert_eq!(stderr(&out), "");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].header("idempotency-key"), Some(key.as_str()));
    assert_eq!(
        reqs[1].body, reqs[0].body,
        "the same payload, byte for byte"
    );
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM outbox WHERE delivered_ms IS NOT NULL"
        ),
        1
    );
    // A run without changes posts nothing new.
    ok(&score(&day(1), &[]));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn export_rotation_shows_the_status_of_its_moment() {
    let fleet = small_fleet();
    let env = loaded(fleet);
    ok(&env.run(&["score", "-q", "--as-of", &day(1)]));
    let n = fleet.of_kind("healthy")[0];
    // Rested by an operator until 2025-04-10, after the first run; a second run follows.
    let mark_at = format!("{}T06:00:00Z", day(1));
    ok(&env.run(&[
        "mark",
        n,
        "--status",
        "resting",
        "--until",
        &day(10),
        "--at",
        &mark_at,
    ]));
    ok(&env.run(&["score", "-q", "--as-of", &day(2)]));
    let recorded = transitions(&env);

    let export = |as_of: &str| -> BTreeMap<String, String> {
        let out = env.run(&["export", "rotation", "--as-of", as_of]);
        let text = ok(&out);
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let headers = rows.headers().unwrap().clone();
        let first: Vec<&str> = headers.iter().take(13).collect();
        assert_eq!(
            first,
            [
                "number",
                "action",
                "rest_until",
                "score",
                "level",
                "reasons",
                "status",
                "since",
                "until",
                "daily_cap",
                "hourly_cap",
                "calls_today",
                "remaining_today"
            ]
        );
        assert!(headers.iter().any(|h| h == "trend"), "{headers:?}");
        let row = rows
            .records()
            .map(|r| r.unwrap())
            .find(|r| &r[0] == n)
            .unwrap();
        headers
            .iter()
            .zip(row.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect()
    };
    let get = |row: &BTreeMap<String, String>, k: &str| row[k].clone();

    // Before the mark (and before the last run): what was recorded then.
    let then = export(&format!("{}T03:00:00Z", day(1)));
    assert_eq!(get(&then, "status"), "active");
    assert_eq!(get(&then, "daily_cap"), "100");
    // While resting: action rest until the date, no calls allowed.
    let resting = export(&day(5));
    assert_eq!(
        (
            get(&resting, "status"),
            get(&resting, "action"),
            get(&resting, "rest_until"),
            get(&resting, "daily_cap"),
            get(&resting, "remaining_today")
        ),
        (
            "resting".into(),
            "rest".into(),
            day(10),
            "0".into(),
            "0".into()
        )
    );
    // After the rest's date: probation on the ramp, stepping up, never recorded.
    let ramp: Vec<(String, String, String)> = [11, 13, 15]
        .iter()
        .map(|d| {
            let r = export(&day(*d));
            (
                get(&r, "status"),
                get(&r, "daily_cap"),
                get(&r, "hourly_cap"),
            )
        })
        .collect();
    assert_eq!(
        ramp,
        [
            ("probation".into(), "25".into(), "8".into()),
            ("probation".into(), "50".into(), "15".into()),
            ("probation".into(), "100".into(), "30".into()),
        ]
    );
    assert_eq!(transitions(&env), recorded, "export records nothing");
    // `numbers` answers the same moments the same way.
    let at_then = statuses(&env, &["--as-of", &format!("{}T03:00:00Z", day(1))]);
    assert_eq!(at_then[n], "active");
    assert_eq!(statuses(&env, &["--as-of", &day(11)])[n], "probation");
    // A retired number: retire, no calls allowed, whatever the moment after it.
    let retired = statuses(&env, &["--status", "retired", "--as-of", &day(40)]);
    let r = retired.keys().next().unwrap();
    let out = ok(&env.run(&["export", "rotation", "--as-of", &day(40)]));
    let line = out.lines().find(|l| l.starts_with(r.as_str())).unwrap();
    assert!(line.starts_with(&format!("{r},retire,,")), "{line}");
    assert!(line.contains(",retired,"), "{line}");

    // History is append-only: no run before the last transition, none ahead of the clock.
    let out = env.run(&["score", "--as-of", &day(1)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("before the pool's last recorded transition"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["score", "--as-of", "2999-01-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ahead of the clock"),
        "{}",
        stderr(&out)
    );
    assert_eq!(transitions(&env), recorded);
}

#[test]
fn prune_keeps_one_score_row_per_number_per_day_beyond_the_window() {
    let fleet = small_fleet();
    let env = loaded(fleet);
    let config = env.dir.path().join("numhealth.toml");
    std::fs::write(&config, "[pool]\nscore_retention_days = 1\n").unwrap();
    for as_of in [
        format!("{}T18:00:00Z", day(-4)),
        format!("{}T00:00:00Z", day(-3)),
        format!("{}T12:00:00Z", day(-3)),
        format!("{}T18:00:00Z", day(-3)),
        day(1),
    ] {
        ok(&env.run(&["score", "-q", "--as-of", &as_of]));
    }
    let per_run = |id: i64| {
        count(
            &env,
            &format!("SELECT count(*) FROM scores WHERE run_id = {id}"),
        )
    };
    let numbers = per_run(5);
    assert!(numbers >= 19);
    let scores = |as_of: &str| -> BTreeMap<String, Value> {
        registry(&env, &["--as-of", as_of])
            .into_iter()
            .map(|(n, r)| (n, r["score"].clone()))
            .collect()
    };
    let evening = scores(&format!("{}T20:00:00Z", day(-4)));
    // A dry run counts what would go, score rows too, and deletes nothing.
    let out = env
        .cmd()
        .arg("--config")
        .arg(&config)
        .args(["prune", "--before", &day(-30), "--dry-run"])
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(
        text.contains(&format!("({} would be deleted)", 2 * numbers)),
        "{text}"
    );
    assert_eq!(per_run(2), numbers);
    let out = env
        .cmd()
        .arg("--config")
        .arg(&config)
        .args(["prune", "--before", &day(-30)])
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(
        text.contains(&format!(
            "every run's kept since {}T00:00:00Z, one per number per day before it ({} deleted)",
            day(0),
            2 * numbers
        )),
        "{text}"
    );
    assert_eq!(
        (per_run(1), per_run(2), per_run(3), per_run(4)),
        (numbers, 0, 0, numbers)
    );
    assert_eq!(per_run(5), numbers);
    assert_eq!(count(&env, "SELECT count(*) FROM score_runs"), 5);
    // The registry at a moment whose last run was thinned gives the last score kept
    // before it (the day before's last run).
    let morning = scores(&format!("{}T06:00:00Z", day(-3)));
    assert!(morning.values().all(|v| v.is_number()), "{morning:?}");
    assert_eq!(morning, evening);
}

//! `numhealth report` and `numhealth pool` through the real binary: the HTML report on the
//! sample data parses, is self-contained and agrees with `risky`; the pool plan's rows add
//! up to its totals, and a small fleet's replacements are the ones computed by hand.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Env, stderr};
use scraper::{Html, Selector};
use serde_json::Value;

const AS_OF: &str = "2026-11-21";

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// The sample data ingested and scored as of `AS_OF`.
fn sample() -> Env {
    let env = unscored();
    let out = env.run(&["score", "-q", "--as-of", AS_OF, "--allow-stale"]);
    assert!(out.status.success(), "{}", stderr(&out));
    env
}

/// The sample data ingested, no score run yet.
fn unscored() -> Env {
    let env = Env::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let mut args: Vec<String> = vec!["ingest".into(), "-q".into()];
    for f in [
        "calls-older.ndjson.gz",
        "calls.ndjson",
        "webhooks.ndjson",
        "list-calls-v2.json",
        "export.csv",
    ] {
        args.push(dir.join(f).display().to_string());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.run(&refs);
    assert!(out.status.success(), "{}", stderr(&out));
    env
}

fn report(env: &Env, extra: &[&str]) -> (String, String) {
    let path = env.dir.path().join("out/report.html");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut args = vec!["report", "-o", path.to_str().unwrap()];
    args.extend(extra);
    let out = env.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(left.len(), 1, "a temporary file was left behind");
    (std::fs::read_to_string(&path).unwrap(), stderr(&out))
}

/// Every attribute and style of the page that could load something names no remote
/// address, and nothing is embedded that would fetch (images, frames, linked styles or
/// scripts).
fn assert_loads_nothing(doc: &Html, html: &str) {
    for tag in [
        "img", "iframe", "object", "embed", "link", "video", "audio", "source",
    ] {
        assert_eq!(doc.select(&sel(tag)).count(), 0, "a <{tag}> element");
    }
    for e in doc.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            if [
                "src",
                "href",
                "xlink:href",
                "action",
                "srcset",
                "poster",
                "data",
            ]
            .contains(&name)
            {
                let v = value.trim().to_ascii_lowercase();
                assert!(
                    v.starts_with('#') && !v.contains("//"),
                    "<{} {name}={value:?}> points outside the page",
                    e.value().name()
                );
            }
            assert!(
                !value.contains("url("),
                "{name}={value:?} in <{}>",
                e.value().name()
            );
        }
    }
    for s in doc.select(&sel("style")) {
        let css = s.text().collect::<String>();
        assert!(!css.contains("@import") && !css.contains("url("), "{css}");
    }
    assert!(!html.contains("@import"));
    assert!(!html.to_ascii_lowercase().contains("url(http"));
    // The only http(s) text is the SVG namespace name, which loads nothing.
    let stripped = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!stripped.contains("http://") && !stripped.contains("https://"));
}

#[test]
fn the_report_is_one_offline_page_that_agrees_with_risky() {
    let env = sample();
    let (html, err) = report(&env, &["--as-of", AS_OF]);
    // "wrote the report" is for a person at a terminal; without one (cron) it is quiet.
    assert_eq!(err, "");
    let doc = Html::parse_document(&html);
    assert!(
        doc.errors.is_empty(),
        "HTML5 parse errors: {:?}",
        doc.errors
    );
    assert_loads_nothing(&doc, &html);
    for e in doc.select(&sel("[id]")) {
        let id = e.value().id().unwrap();
        assert!(
            id.starts_with(|c: char| c.is_ascii_alphabetic())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "id {id:?} needs escaping"
        );
    }

    // One SVG per chart: two for the fleet, three for each number's section, and a
    // sparkline in each risk-table row.
    let charts: Vec<_> = doc.select(&sel("figure.chart")).collect();
    for c in &charts {
        assert_eq!(c.select(&sel("svg")).count(), 1, "{}", c.html());
    }
    let sections = doc.select(&sel("article.number")).count();
    let rows = doc.select(&sel("#risk-table tbody tr")).count();
    assert_eq!(charts.len(), 2 + 3 * sections);
    assert_eq!(doc.select(&sel("td.spark svg")).count(), rows);
    assert_eq!(doc.select(&sel("svg")).count(), charts.len() + rows);
    assert!(
        doc.select(&sel("figure[data-chart=fleet-attempts] svg"))
            .next()
            .is_some()
    );
    assert!(
        doc.select(&sel("figure[data-chart=fleet-rates] svg"))
            .next()
            .is_some()
    );
    // The sample's outage and anomalies are shaded and named in the legend.
    assert!(html.contains("outage hours") && html.contains("platform-anomaly hours"));

    // Every number `risky` rests or retires is in the table with the same score and
    // action, and has a section of its own.
    let (code, risky) = env.json(&["risky", "--as-of", AS_OF, "--all", "--format", "json"]);
    assert_eq!(code, 0);
    let risky = risky.as_array().unwrap();
    let mut seen = 0;
    for r in risky {
        let action = r["action"].as_str().unwrap();
        if action != "rest" && action != "retire" {
            continue;
        }
        seen += 1;
        let number = r["number"].as_str().unwrap();
        let row = doc
            .select(&sel(&format!("#risk-table tr[data-number=\"{number}\"]")))
            .next()
            .unwrap_or_else(|| panic!("{number} is not in the risk table"));
        let score: f64 = row.value().attr("data-score").unwrap().parse().unwrap();
        assert_eq!(score, r["score"].as_f64().unwrap(), "{number}");
        assert_eq!(row.value().attr("data-action"), Some(action), "{number}");
        let id = format!("n{}", number.trim_start_matches('+'));
        let section = doc
            .select(&sel(&format!("article#{id}")))
            .next()
            .unwrap_or_else(|| panic!("{number} has no section"));
        assert!(section.text().any(|t| t.contains(action)));
        assert_eq!(
            section.select(&sel("ul.reasons li")).count(),
            r["reasons"].as_array().unwrap().len()
        );
        assert!(
            doc.select(&sel(&format!("a[href=\"#{id}\"]")))
                .next()
                .is_some()
        );
    }
    assert!(seen >= 6, "the sample rests or retires {seen} numbers");
    // Kept numbers that are clean are not in the table.
    let clean = risky
        .iter()
        .find(|r| {
            r["action"] == "keep" && r["metrics"]["marked_as_spam_7d"] == 0 && r["level"] == "low"
        })
        .unwrap();
    let number = clean["number"].as_str().unwrap();
    assert!(!html.contains(&format!("data-number=\"{number}\"")));

    // The header: the moment, the newest call, numbers by status; fresh data, no warning.
    let header = doc
        .select(&sel("header"))
        .next()
        .unwrap()
        .text()
        .collect::<String>();
    assert!(
        header.contains("2026-11-21T00:00:00Z") && header.contains("newest call"),
        "{header}"
    );
    assert!(doc.select(&sel("#stale")).next().is_none());
    // The pool table ends with the totals.
    let total = doc
        .select(&sel("#pool-table tfoot td"))
        .next()
        .unwrap()
        .text()
        .collect::<String>();
    assert_eq!(total, "total");
}

/// Every risk-table row's action, status and rest date against `export rotation` at
/// `AS_OF` (`global` flags before the command), and every number export takes out of plain
/// active rotation in the table; returns the report's page and the rows compared.
fn assert_report_agrees_with_export(env: &Env, global: &[&str]) -> (Html, usize) {
    let mut args = global.to_vec();
    args.extend(["export", "rotation", "--as-of", AS_OF]);
    let out = env.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut csv = csv::Reader::from_reader(&out.stdout[..]);
    // number -> (action, rest_until, status)
    let exported: BTreeMap<String, (String, String, String)> = csv
        .records()
        .map(|r| {
            let r = r.unwrap();
            let f = |i: usize| r[i].to_string();
            (f(0), (f(1), f(2), f(6)))
        })
        .collect();
    let path = env.dir.path().join("agree.html");
    let mut args = global.to_vec();
    args.extend(["report", "--as-of", AS_OF, "-o", path.to_str().unwrap()]);
    let out = env.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = Html::parse_document(&std::fs::read_to_string(&path).unwrap());
    let mut rows = 0;
    for row in doc.select(&sel("#risk-table tbody tr")) {
        let number = row.value().attr("data-number").unwrap();
        let (action, rest_until, status) = &exported[number];
        let cells: Vec<String> = row
            .select(&sel("td"))
            .map(|c| c.text().collect::<String>())
            .collect();
        let got = (
            row.value().attr("data-action").unwrap(),
            &cells[4],
            &cells[5],
        );
        assert_eq!(got, (action.as_str(), status, rest_until), "{number}");
        rows += 1;
    }
    for (number, (action, _, status)) in &exported {
        if status != "active" || action != "keep" {
            let row = format!("#risk-table tr[data-number=\"{number}\"]");
            let found = doc.select(&sel(&row)).next().is_some();
            assert!(
                found,
                "{number} ({status}, {action}) is not in the risk table"
            );
        }
    }
    (doc, rows)
}

#[test]
fn before_any_score_run_the_report_registers_numbers_as_export_does() {
    let env = unscored();
    // New numbers warm up: the first run puts those with too little history on probation.
    let config = env.dir.path().join("nh.toml");
    std::fs::write(&config, "[pool]\nnew_numbers = \"probation\"\n").unwrap();
    let c = config.display().to_string();
    let (doc, rows) = assert_report_agrees_with_export(&env, &["--config", &c]);
    assert!(rows >= 6, "{rows} rows");
    let probation = doc
        .select(&sel("#risk-table tbody tr .s-probation"))
        .count();
    assert!(probation >= 1, "no number on probation in the table");
}

#[test]
fn the_report_gives_each_number_the_action_export_rotation_gives() {
    let env = sample();
    // An operator keeps a number the score rests: the pool has not followed the score.
    let (_, risky) = env.json(&["risky", "--as-of", AS_OF, "--all", "--format", "json"]);
    let kept = risky
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "rest" && r["status"] == "resting")
        .expect("the sample rests a number")["number"]
        .as_str()
        .unwrap()
        .to_string();
    let at = format!("{AS_OF}T00:00:00Z");
    let out = env.run(&["mark", &kept, "--status", "active", "--at", &at]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (doc, rows) = assert_report_agrees_with_export(&env, &[]);
    assert!(rows >= 6, "{rows} rows");
    let row = doc
        .select(&sel(&format!("#risk-table tr[data-number=\"{kept}\"]")))
        .next()
        .unwrap();
    assert_ne!(row.value().attr("data-action"), Some("rest"));
    let reason = row.text().collect::<String>();
    assert!(reason.contains("the score alone says rest"), "{reason}");
}

#[test]
fn a_report_to_dash_goes_to_stdout_and_a_closed_pipe_is_quiet() {
    let env = sample();
    let out = env.run(&["report", "--as-of", AS_OF, "-o", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert_eq!(stderr(&out), "", "nothing on stderr without a terminal");
    assert!(
        !env.dir.path().join("-").exists(),
        "a file named - was written"
    );
    // The reader going away early ends it quietly, exit 0, as on every command.
    let mut child = env
        .cmd()
        .args(["report", "-q", "--as-of", AS_OF, "-o", "-"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(stderr(&done).is_empty(), "{}", stderr(&done));
}

#[test]
fn stale_data_is_a_visible_warning_and_sections_are_capped() {
    let env = sample();
    let config = env.dir.path().join("nh.toml");
    std::fs::write(&config, "[report]\nmax_number_sections = 2\n").unwrap();
    let (html, err) = report(
        &env,
        &[
            "--as-of",
            "2026-12-10",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert!(err.contains("warning: the newest data is"), "{err}");
    let doc = Html::parse_document(&html);
    let warning = doc
        .select(&sel("header .warning#stale"))
        .next()
        .expect("a visible warning");
    assert!(
        warning
            .text()
            .collect::<String>()
            .contains("older than --as-of 2026-12-10")
    );
    assert_eq!(doc.select(&sel("article.number")).count(), 2);
    let needing = doc.select(&sel("#risk-table tbody tr td a[href]")).count();
    let note = doc
        .select(&sel("#left-out"))
        .next()
        .expect("a note of the numbers left out");
    assert!(
        note.text()
            .collect::<String>()
            .contains(&format!("{} more number", needing - 2)),
        "{}",
        note.html()
    );
}

fn pool_json(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["pool", "--as-of", AS_OF, "--format", "json"];
    all.extend(args);
    let (code, v) = env.json(&all);
    assert_eq!(code, 0, "{v}");
    v
}

const COUNTS: [&str; 11] = [
    "numbers",
    "active",
    "probation",
    "resting",
    "retired",
    "released",
    "capacity_per_day",
    "replacements_needed",
    "spare",
    "attempts",
    "lead_attempts",
];

fn assert_rows_add_up(v: &Value) {
    let rows = v["rows"].as_array().unwrap();
    for key in COUNTS {
        let sum: i64 = rows.iter().map(|r| r[key].as_i64().unwrap()).sum();
        assert_eq!(sum, v["totals"][key].as_i64().unwrap(), "{key}");
    }
    for key in ["calls_per_day", "lead_calls_per_day"] {
        let sum: f64 = rows.iter().map(|r| r[key].as_f64().unwrap()).sum();
        assert!(
            (sum - v["totals"][key].as_f64().unwrap()).abs() < 1e-6,
            "{key}"
        );
    }
}

#[test]
fn pool_rows_add_up_to_the_totals_in_every_grouping_and_format() {
    let env = sample();
    let by_area = pool_json(&env, &[]);
    assert_rows_add_up(&by_area);
    let t = &by_area["totals"];
    assert_eq!(t["numbers"], 40);
    // Nothing pruned: the callee side counts the same calls as the callers' rollups.
    assert_eq!(t["attempts"], t["lead_attempts"]);
    assert!(t["attempts"].as_i64().unwrap() > 1000);
    let first = &by_area["rows"][0];
    assert!(first["area_code"].is_string() && first.get("group").is_none());
    let r415 = by_area["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["area_code"] == "415")
        .unwrap();
    assert_eq!(
        (r415["region"].as_str(), r415["time_zone"].as_str()),
        (Some("California"), Some("America/Los_Angeles"))
    );

    for by in ["state", "country"] {
        let v = pool_json(&env, &["--by", by]);
        assert_rows_add_up(&v);
        assert!(v["rows"][0]["group"].is_string());
        for key in COUNTS {
            assert_eq!(v["totals"][key], by_area["totals"][key], "{by} {key}");
        }
    }

    // The CSV's last row is the totals, with the JSON's figures.
    let out = env.run(&["pool", "--as-of", AS_OF, "--format", "csv"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "area_code");
    let last: Vec<&str> = text.lines().last().unwrap().split(',').collect();
    let col = |name: &str| last[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(col("area_code"), "total");
    assert_eq!(
        col("replacements_needed"),
        t["replacements_needed"].to_string()
    );
    assert_eq!(col("numbers"), "40");
    assert_eq!(
        text.lines().count(),
        by_area["rows"].as_array().unwrap().len() + 2
    );

    // A person's table fits 120 columns when asked to.
    let out = env.run(&["pool", "--as-of", AS_OF, "--width", "120"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.lines().all(|l| l.chars().count() <= 120), "{table}");
    assert!(table.contains("total"));
}

/// One outbound call as the platform's List Calls API writes it.
fn call(id: &str, from: &str, to: &str, start_ms: i64, reason: &str) -> String {
    serde_json::json!({
        "call_id": id,
        "call_type": "phone_call",
        "call_status": "ended",
        "direction": "outbound",
        "from_number": from,
        "to_number": to,
        "start_timestamp": start_ms,
        "end_timestamp": start_ms + 30_000,
        "duration_ms": 30_000,
        "disconnection_reason": reason,
    })
    .to_string()
}

#[test]
fn replacements_needed_on_a_small_fleet_computed_by_hand() {
    use numhealth::pool::{Caps, Entry, Plan, Status};
    let env = Env::new();
    const DAY: i64 = 86_400_000;
    let end = 1_795_219_200_000; // 2026-11-21T00:00Z, the as-of moment
    let start = end - 7 * DAY;
    let mut lines = Vec::new();
    let mut n = 0;
    let mut spread = |from: &str, callee_prefix: &str, count: i64, lines: &mut Vec<String>| {
        for i in 0..count {
            n += 1;
            let at = start + i * (7 * DAY / count) + 60_000;
            lines.push(call(
                &format!("c{n}"),
                from,
                &format!("{callee_prefix}{:04}", i % 10_000),
                at,
                "user_hangup",
            ));
        }
    };
    // 415: A calls 70 callees in 646, B 105 in 415. 212: C calls 140 in 212.
    spread("+14155550101", "+1646555", 70, &mut lines);
    spread("+14155550102", "+1415555", 105, &mut lines);
    spread("+12125550101", "+1212555", 140, &mut lines);
    // D (312) only called before the window; E (415) and F (212) are registered below.
    lines.push(call(
        "d1",
        "+13125550101",
        "+13125550199",
        start - 3 * DAY,
        "user_hangup",
    ));
    lines.push(call(
        "e1",
        "+14155550103",
        "+14155550199",
        start - 3 * DAY,
        "user_hangup",
    ));
    lines.push(call(
        "f1",
        "+12125550109",
        "+12125550199",
        start - 3 * DAY,
        "user_hangup",
    ));
    // Neither a platform fault nor an inbound call is an attempt, on either side.
    lines.push(call(
        "p1",
        "+14155550101",
        "+16465550001",
        start + DAY,
        "concurrency_limit_reached",
    ));
    let mut inbound: Value = serde_json::from_str(&call(
        "i1",
        "+17185550100",
        "+12125550101",
        start + DAY,
        "user_hangup",
    ))
    .unwrap();
    inbound["direction"] = "inbound".into();
    lines.push(inbound.to_string());
    let file = env.dir.path().join("calls.ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = env.run(&["ingest", "-q", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    // E rests until 3 days after the as-of moment; F is retired.
    {
        let mut store = numhealth::store::Store::open_rw(&env.db(), false).unwrap();
        let mut e = Entry::new(
            "+14155550103",
            Status::Resting,
            start,
            Caps::NONE,
            "flagged".into(),
        );
        e.until_ms = Some(end + 3 * DAY);
        e.until = Some("2026-11-24".parse().unwrap());
        let f = Entry::new(
            "+12125550109",
            Status::Retired,
            start,
            Caps::NONE,
            "replaced".into(),
        );
        store
            .apply_pool_plan(&Plan {
                transitions: vec![
                    e.transition_from(None, start),
                    f.transition_from(None, start),
                ],
                entries: vec![e, f],
                since_ms: Vec::new(),
            })
            .unwrap();
    }
    let config = env.dir.path().join("nh.toml");
    std::fs::write(&config, "[pool]\ndaily_cap = 10\n").unwrap();
    let v = pool_json(&env, &["--config", config.to_str().unwrap()]);
    assert_rows_add_up(&v);
    let rows: BTreeMap<&str, &Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["area_code"].as_str().unwrap(), r))
        .collect();
    assert_eq!(
        rows.keys().copied().collect::<Vec<_>>(),
        ["212", "312", "415", "646"]
    );
    let get = |area: &str, key: &str| rows[area][key].clone();
    let fig = |area: &str| {
        (
            get(area, "numbers").as_i64().unwrap(),
            get(area, "calls_per_day").as_f64().unwrap(),
            get(area, "lead_calls_per_day").as_f64().unwrap(),
            get(area, "capacity_per_day").as_i64().unwrap(),
            get(area, "replacements_needed").as_i64().unwrap(),
            get(area, "spare").as_i64().unwrap(),
        )
    };
    // 415: (70 + 105) / 7 = 25 calls a day, 15 to its callees: 3 numbers at 10 a day; it
    // has 2 dialable and E back within 7 days, so none to buy.
    assert_eq!(fig("415"), (3, 25.0, 15.0, 20, 0, 0));
    assert_eq!(
        (get("415", "resting"), get("415", "back_within_7d")),
        (1.into(), 1.into())
    );
    // 212: 20 a day both ways, 2 needed, C alone dials (F is retired): 1 to buy.
    assert_eq!(fig("212"), (2, 20.0, 20.0, 10, 1, 0));
    assert_eq!(get("212", "retired"), 1);
    // 646: callees only, 10 a day: 1 to buy.
    assert_eq!(fig("646"), (0, 0.0, 10.0, 0, 1, 0));
    // 312: D placed no calls this week: spare.
    assert_eq!(fig("312"), (1, 0.0, 0.0, 10, 0, 1));
    let t = &v["totals"];
    assert_eq!(
        (
            t["numbers"].as_i64(),
            t["replacements_needed"].as_i64(),
            t["spare"].as_i64()
        ),
        (Some(6), Some(2), Some(1))
    );
    assert_eq!(
        (
            t["calls_per_day"].as_f64(),
            t["lead_calls_per_day"].as_f64()
        ),
        (Some(45.0), Some(45.0))
    );
    assert_eq!(v["normal_daily_cap"], 10);

    // After pruning the first half of the window, the callee side counts what is left and
    // says so; the callers' side (rollups) is unchanged.
    let out = env.run(&["prune", "-q", "--before", "2026-11-17T12:00:00Z"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&[
        "pool",
        "--as-of",
        AS_OF,
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(stderr(&out).contains("were pruned"), "{}", stderr(&out));
    let after: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(after["totals"]["attempts"], 315);
    let lead = after["totals"]["lead_attempts"].as_i64().unwrap();
    assert!(lead > 100 && lead < 315, "{lead}");
    assert_eq!(after["lead_calls_pruned_before"], "2026-11-17T12:00:00Z");
}

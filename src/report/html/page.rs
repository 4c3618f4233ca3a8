//! The page itself: header, fleet charts, the sortable risk table with sparklines, one
//! section per number that needs action, and the pool table. Plain string building; the
//! style and the sorting script are inline.

use std::fmt::Write;

use crate::error::Result;
use crate::health::assessment::Action;
use crate::health::rollup::HOUR_MS;
use crate::pool::Status;
use crate::pool::plan_capacity::CapacityRow;
use crate::pool::rotation::not_followed;
use crate::report::html::charts::{self, Span};
use crate::report::html::{esc, number_id};
use crate::store::overview::{NumberSection, Overview, RiskRow};
use crate::time::{plural, rfc3339};

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
header,section{background:#fff;margin:12px auto;max-width:1180px;padding:14px 22px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{margin:4px 0 8px;font-size:24px}h2{font-size:19px;margin:6px 0 10px}h3{font-size:16px;margin:4px 0 8px}
.meta{color:#444;margin:4px 0}.note{color:#555;font-size:13px}
.warning{background:#fff3cd;border:1px solid #e0b000;color:#6b4f00;padding:8px 12px;border-radius:6px;margin:8px 0;font-weight:600}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 8px;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:middle}
th{background:#f0f2f5;position:sticky;top:0}table.sortable th{cursor:pointer}table.sortable th:hover{background:#e2e6ec}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:700;border-top:2px solid #999}
.counts td{padding:2px 10px}.tag{display:inline-block;padding:1px 7px;border-radius:9px;font-size:12px;font-weight:600;color:#fff;background:#777}
.a-retire{background:#8b1a1a}.a-rest{background:#c0392b}.a-throttle{background:#d68910}.a-monitor{background:#2e86c1}.a-keep{background:#1e8449}
.s-retired{background:#555}.s-resting{background:#a04000}.s-probation{background:#7d3c98}.s-active{background:#1e8449}.s-released{background:#999}
article.number{border-top:1px solid #ddd;padding:10px 0 14px}.charts{display:flex;flex-wrap:wrap;gap:8px}
figure.chart{margin:0}figure.chart svg{max-width:100%;height:auto}
ul.reasons{margin:4px 0 8px 18px;padding:0}nav a{margin-right:14px}
.scroll{max-height:640px;overflow:auto;border:1px solid #e3e3e3}
";

/// Sorts a table by the clicked column (by `data-v` when given, numbers as numbers).
const SCRIPT: &str = "\
document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){
var t=th.closest('table'),b=t.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th),asc=th.dataset.dir!=='asc';
t.querySelectorAll('th').forEach(function(h){delete h.dataset.dir});th.dataset.dir=asc?'asc':'desc';
function v(r){var c=r.cells[i];return c?(c.dataset.v!==undefined?c.dataset.v:c.textContent):''}
Array.prototype.slice.call(b.rows).sort(function(x,y){var a=v(x),c=v(y),na=parseFloat(a),nc=parseFloat(c);
var r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return asc?r:-r}).forEach(function(r){b.appendChild(r)})})});
";

/// A chart in its figure (the tests count `figure.chart`, one SVG each).
fn figure(out: &mut String, name: &str, svg: &str) {
    let _ = write!(
        out,
        "<figure class=\"chart\" data-chart=\"{}\">{svg}</figure>",
        esc(name)
    );
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

/// A sort key with four decimals (enough to order rates, a quarter of the bytes).
fn round4(x: f64) -> String {
    format!("{x:.4}")
}

fn tag(class: &str, text: &str) -> String {
    format!("<span class=\"tag {}\">{}</span>", esc(class), esc(text))
}

/// The charts' time axis: the lookback, from the first stored call's day when the data
/// begins inside it.
fn span_of(o: &Overview) -> Span {
    let first_call_day = o
        .freshness
        .first_call_ms
        .map_or(o.first_day, |ms| ms.div_euclid(24 * HOUR_MS));
    let first = o.first_day.max(first_call_day).min(o.last_day);
    Span {
        start_hour: first * 24,
        end_hour: (o.last_day + 1) * 24,
    }
}

fn header(out: &mut String, o: &Overview) {
    let f = &o.freshness;
    let when = |ms: Option<i64>| ms.map_or_else(|| "none".into(), rfc3339);
    let _ = write!(
        out,
        "<header><h1>numhealth report</h1><p class=\"meta\">As of <b>{}</b>{} · data from {} to {} · newest call <b>{}</b>{}</p>",
        esc(&rfc3339(o.as_of.ms)),
        o.as_of
            .given
            .as_deref()
            .map_or_else(String::new, |g| format!(" (--as-of {})", esc(g))),
        esc(&when(f.first_call_ms)),
        esc(&when(f.newest_call_ms)),
        esc(&when(f.newest_call_ms)),
        f.watermark_ms.map_or_else(String::new, |w| format!(
            " · last pull reached {}",
            esc(&rfc3339(w))
        )),
    );
    if let Some(w) = &o.warning {
        let _ = write!(out, "<div class=\"warning\" id=\"stale\">{}</div>", esc(w));
    }
    let _ = write!(
        out,
        "<table class=\"counts\"><tr><th>numbers</th><td class=\"num\">{}</td>",
        o.numbers
    );
    for s in Status::ALL {
        let n = o.by_status.get(&s).copied().unwrap_or(0);
        let _ = write!(
            out,
            "<th>{}</th><td class=\"num\">{n}</td>",
            tag(&format!("s-{}", s.as_str()), s.as_str())
        );
    }
    out.push_str("</tr><tr><th>actions</th><td></td>");
    for (a, n) in &o.by_action {
        let _ = write!(
            out,
            "<th>{}</th><td class=\"num\">{n}</td>",
            tag(&format!("a-{}", a.as_str()), a.as_str())
        );
    }
    out.push_str(
        "</tr></table><nav><a href=\"#fleet\">Fleet</a><a href=\"#risk\">Risk table</a><a href=\"#numbers\">Numbers needing action</a><a href=\"#pool\">Pool by area code</a></nav></header>",
    );
}

fn fleet(out: &mut String, o: &Overview) -> Result<()> {
    let span = span_of(o);
    let _ = write!(
        out,
        "<section id=\"fleet\"><h2>The fleet over the last {}</h2><div class=\"charts\">",
        esc(&plural(o.lookback_days, "day", "days"))
    );
    figure(
        out,
        "fleet-attempts",
        &charts::fleet_attempts(&o.fleet_days, &o.marked_hours, span)?,
    );
    figure(
        out,
        "fleet-rates",
        &charts::fleet_rates(&o.fleet_days, &o.marked_hours, span)?,
    );
    let outages = o
        .marked_hours
        .iter()
        .filter(|(_, m)| *m == crate::health::overview::HourMark::Outage)
        .count();
    let _ = write!(
        out,
        "</div><p class=\"note\">Rates are over the calls whose outcome speaks to the caller number. Shaded: {} and {}, which scoring sets aside (whole-fleet outages: telephony faults or failures on at least half the calls; anomalies: spam marks on a fifth or platform faults on half, with the configured thresholds).</p></section>",
        esc(&plural(outages as i64, "outage hour", "outage hours")),
        esc(&plural(
            (o.marked_hours.len() - outages) as i64,
            "platform-anomaly hour",
            "platform-anomaly hours"
        )),
    );
    Ok(())
}

fn risk_table(out: &mut String, o: &Overview) -> Result<()> {
    let _ = write!(
        out,
        "<section id=\"risk\"><h2>Risk table: {}</h2><p class=\"note\">Every number that is not kept active and clean, riskiest first. Click a heading to sort.</p><div class=\"scroll\"><table class=\"sortable\" id=\"risk-table\"><thead><tr><th>number</th><th class=\"num\">score</th><th>level</th><th>action</th><th>status</th><th>rest until</th><th class=\"num\">calls</th><th class=\"num\">failed 7d</th><th class=\"num\">fleet 7d</th><th class=\"num\">spam 7d</th><th>score history</th><th>first reason</th></tr></thead><tbody>",
        esc(&plural(o.risk.len() as i64, "number", "numbers"))
    );
    for r in &o.risk {
        risk_row(out, r)?;
    }
    out.push_str("</tbody></table></div></section>");
    Ok(())
}

fn risk_row(out: &mut String, r: &RiskRow) -> Result<()> {
    let a = &r.assessment;
    let number = if r.needs_action {
        format!(
            "<a href=\"#{}\">{}</a>",
            number_id(&a.number),
            esc(&a.number)
        )
    } else {
        esc(&a.number)
    };
    // As in `export rotation`: a rest date only for a number the action rests, and the
    // first reason says why when the pool has not followed the score.
    let rest_until = if r.action == Action::Rest {
        r.entry
            .as_ref()
            .and_then(|e| e.until.map(|d| d.to_string()))
            .or_else(|| a.rest_until.clone())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let first = a.reasons.first().map_or("", String::as_str);
    let reason = match r.entry.as_ref().and_then(|e| not_followed(a, r.action, e)) {
        Some(why) if first.is_empty() => why,
        Some(why) => format!("{why}: {first}"),
        None => first.to_string(),
    };
    let m = &a.metrics;
    let _ = write!(
        out,
        "<tr data-number=\"{n}\" data-score=\"{score}\" data-action=\"{action}\"><td data-v=\"{n}\">{number}</td><td class=\"num\" data-v=\"{score}\">{score:.1}</td><td>{level}</td><td data-v=\"{rank}\">{atag}</td><td>{stag}</td><td>{rest}</td><td class=\"num\">{calls}</td><td class=\"num\" data-v=\"{f}\">{fp}</td><td class=\"num\" data-v=\"{ff}\">{ffp}</td><td class=\"num\">{spam}</td><td class=\"spark\">{spark}</td><td>{reason}</td></tr>",
        n = esc(&a.number),
        score = a.score,
        action = r.action.as_str(),
        level = a.level.as_str(),
        rank = r.action as u8,
        atag = tag(&format!("a-{}", r.action.as_str()), r.action.as_str()),
        stag = tag(&format!("s-{}", r.status.as_str()), r.status.as_str()),
        rest = esc(&rest_until),
        calls = a.attempts,
        f = round4(m.failure_rate_7d),
        fp = pct(Some(m.failure_rate_7d)),
        ff = round4(m.fleet_failure_rate_7d),
        ffp = pct(Some(m.fleet_failure_rate_7d)),
        spam = m.marked_as_spam_7d,
        spark = charts::sparkline(&r.history)?,
        reason = esc(&reason),
    );
    Ok(())
}

fn number_section(out: &mut String, o: &Overview, s: &NumberSection) -> Result<()> {
    let Some(r) = o.risk.get(s.risk_row) else {
        return Ok(());
    };
    let a = &r.assessment;
    let span = span_of(o);
    let _ = write!(
        out,
        "<article class=\"number\" id=\"{}\"><h3>{} {} {} score {:.1} ({})</h3>",
        number_id(&a.number),
        esc(&a.number),
        tag(&format!("a-{}", r.action.as_str()), r.action.as_str()),
        tag(&format!("s-{}", r.status.as_str()), r.status.as_str()),
        a.score,
        esc(a.level.as_str()),
    );
    if let Some(e) = &r.entry {
        let _ = write!(
            out,
            "<p class=\"meta\">In the pool: {} since {}{}; {} calls a day allowed. {}{}</p>",
            esc(e.status.as_str()),
            esc(&rfc3339(e.since_ms)),
            e.until.map_or_else(String::new, |u| format!(" until {u}")),
            e.caps.daily,
            esc(&e.reason),
            if r.action == a.action {
                String::new()
            } else {
                esc(&format!(
                    ". So {} here; the score alone says {}.",
                    r.action.as_str(),
                    a.action.as_str()
                ))
            },
        );
    }
    out.push_str("<ul class=\"reasons\">");
    for reason in &a.reasons {
        let _ = write!(out, "<li>{}</li>", esc(reason));
    }
    if a.reasons.is_empty() {
        out.push_str("<li>No reasons recorded.</li>");
    }
    out.push_str("</ul><div class=\"charts\">");
    let id = number_id(&a.number);
    figure(
        out,
        &format!("{id}-attempts"),
        &charts::number_attempts(&s.days, &s.bursts, &o.marked_hours, span)?,
    );
    figure(
        out,
        &format!("{id}-rates"),
        &charts::number_rates(&s.days, &o.fleet_days, &o.marked_hours, span)?,
    );
    figure(
        out,
        &format!("{id}-scores"),
        &charts::score_history(&r.history)?,
    );
    out.push_str("</div>");
    let _ = write!(
        out,
        "<p class=\"note\">{} in the last {}; last 7 days: failed, declined or blocked on {} of its calls against {} for the rest of the fleet, marked as spam {} (about {:.1} would be normal).</p>",
        esc(&plural(s.bursts.len() as i64, "burst", "bursts")),
        esc(&plural(o.lookback_days, "day", "days")),
        pct(Some(a.metrics.failure_rate_7d)),
        pct(Some(a.metrics.fleet_failure_rate_7d)),
        esc(&plural(a.metrics.marked_as_spam_7d, "time", "times")),
        a.metrics.expected_marked_as_spam_7d,
    );
    if s.transitions.is_empty() {
        out.push_str("<p class=\"note\">No lifecycle transitions recorded yet.</p>");
    } else {
        out.push_str("<table class=\"transitions\"><thead><tr><th>when</th><th>from</th><th>to</th><th>until</th><th class=\"num\">calls a day</th><th>by</th><th>reason</th></tr></thead><tbody>");
        for t in &s.transitions {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&rfc3339(t.at_ms)),
                esc(t.from.map_or("(new)", Status::as_str)),
                esc(t.to.as_str()),
                t.until.map_or_else(String::new, |u| u.to_string()),
                t.caps.daily,
                esc(t.by.as_deref().unwrap_or(t.source.as_str())),
                esc(&t.reason),
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</article>");
    Ok(())
}

fn numbers(out: &mut String, o: &Overview) -> Result<()> {
    let _ = write!(
        out,
        "<section id=\"numbers\"><h2>Numbers that need action: {}</h2>",
        esc(&plural(
            (o.sections.len() + o.sections_left_out) as i64,
            "number",
            "numbers"
        ))
    );
    if o.sections_left_out > 0 {
        let _ = write!(
            out,
            "<p class=\"note\" id=\"left-out\">{} left out here (report.max_number_sections = {}); they are in the risk table and in <code>numhealth number</code>.</p>",
            esc(&plural(
                o.sections_left_out as i64,
                "more number",
                "more numbers"
            )),
            o.sections.len()
        );
    }
    if o.sections.is_empty() && o.sections_left_out == 0 {
        out.push_str("<p>None.</p>");
    }
    for s in &o.sections {
        number_section(out, o, s)?;
    }
    out.push_str("</section>");
    Ok(())
}

fn pool_cells(out: &mut String, r: &CapacityRow, cell: &str) {
    let _ = write!(
        out,
        "<{cell}>{}</{cell}><{cell}>{}</{cell}><{cell}>{}</{cell}>",
        esc(&r.group),
        esc(&r.region),
        esc(&r.time_zone)
    );
    for v in r.status_counts() {
        let _ = write!(out, "<{cell} class=\"num\">{v}</{cell}>");
    }
    let _ = write!(
        out,
        "<{cell} class=\"num\">{:.1}</{cell}><{cell} class=\"num\">{:.1}</{cell}><{cell} class=\"num\">{}</{cell}><{cell} class=\"num\" data-v=\"{}\">{}</{cell}><{cell} class=\"num\" data-v=\"{}\">{}</{cell}><{cell} class=\"num\">{}</{cell}><{cell} class=\"num\">{}</{cell}>",
        r.calls_per_day,
        r.lead_calls_per_day,
        r.capacity_per_day,
        round4(r.utilisation.unwrap_or(-1.0)),
        r.utilisation
            .map_or_else(|| "-".into(), |u| format!("{:.0}%", u * 100.0)),
        round4(r.flagged_share.unwrap_or(-1.0)),
        pct(r.flagged_share),
        r.replacements_needed,
        r.spare,
    );
}

fn pool(out: &mut String, o: &Overview) {
    let p = &o.pool;
    let _ = write!(
        out,
        "<section id=\"pool\"><h2>Pool by area code</h2><p class=\"note\">Calls per day over {:.1} days from {} to {}; lead calls are counted by the callee's area code; replacements needed = max(0, ceil(max(calls, lead calls) per day / {} a number) - dialable - resting numbers back within 7 days).{}</p><div class=\"scroll\"><table class=\"sortable\" id=\"pool-table\"><thead><tr><th>area code</th><th>region</th><th>time zone</th><th class=\"num\">numbers</th><th class=\"num\">active</th><th class=\"num\">probation</th><th class=\"num\">resting</th><th class=\"num\">retired</th><th class=\"num\">released</th><th class=\"num\">calls/day</th><th class=\"num\">lead calls/day</th><th class=\"num\">capacity/day</th><th class=\"num\">utilisation</th><th class=\"num\">flagged</th><th class=\"num\">replacements needed</th><th class=\"num\">spare</th></tr></thead><tbody>",
        p.plan.days,
        esc(&rfc3339(p.window_start_ms)),
        esc(&rfc3339(p.window_end_ms)),
        p.plan.normal_daily_cap,
        p.lead_pruned_before_ms
            .map_or_else(String::new, |t| format!(
                " Raw calls before {} were pruned: lead calls count only the calls after it.",
                esc(&rfc3339(t))
            )),
    );
    for r in &p.plan.rows {
        out.push_str("<tr>");
        pool_cells(out, r, "td");
        out.push_str("</tr>");
    }
    out.push_str("</tbody><tfoot><tr>");
    pool_cells(out, &p.plan.totals, "td");
    out.push_str("</tr></tfoot></table></div></section>");
}

/// The whole page.
pub fn render(o: &Overview) -> Result<String> {
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>numhealth report as of {}</title><style>{STYLE}</style></head><body>",
        esc(&rfc3339(o.as_of.ms))
    );
    header(&mut out, o);
    fleet(&mut out, o)?;
    risk_table(&mut out, o)?;
    numbers(&mut out, o)?;
    pool(&mut out, o);
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    Ok(out)
}

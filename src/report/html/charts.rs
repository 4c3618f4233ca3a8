//! The report's charts, drawn by `plotters` into SVG text (its SVG backend writes `<text>`
//! elements itself, so no font library is needed): the fleet's daily attempts and rates,
//! one number's attempts with its bursts and its rates against the fleet's, score
//! histories and sparklines. The x axis is days since the epoch (UTC, fractional, so that
//! ticks fall on midnights); shaded hours are the fleet's outages and platform anomalies.

use chrono::DateTime;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::health::overview::{DayPoint, HourMark};
use crate::health::rollup::HOUR_MS;
use crate::store::{BurstRow, ScoreHistoryRow};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;

const BLUE: RGBColor = RGBColor(46, 109, 180);
const GREEN: RGBColor = RGBColor(40, 150, 80);
const RED: RGBColor = RGBColor(200, 50, 40);
const PURPLE: RGBColor = RGBColor(130, 60, 170);
const ORANGE: RGBColor = RGBColor(240, 150, 30);
const GREY: RGBColor = RGBColor(120, 120, 120);

const DAY_MS: f64 = 24.0 * HOUR_MS as f64;

/// A moment (ms) as days since the epoch.
fn day_of_ms(ms: i64) -> f64 {
    ms as f64 / DAY_MS
}

/// An hour since the epoch as days since the epoch.
fn day_of_hour(hour: i64) -> f64 {
    hour as f64 / 24.0
}

/// What a chart's time axis spans: hours since the epoch, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start_hour: i64,
    pub end_hour: i64,
}

impl Span {
    fn range(&self) -> std::ops::Range<f64> {
        day_of_hour(self.start_hour)..day_of_hour(self.end_hour.max(self.start_hour + 1))
    }
}

/// Draws into an SVG of `(w, h)` pixels and returns its text.
fn svg((w, h): (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| draw(&root))
            .and_then(|()| root.present())
            .map_err(|e| Error::Other(format!("drawing a chart: {e}")))?;
    }
    Ok(out)
}

/// "Nov 14" for a day since the epoch.
fn day_label(day: &f64) -> String {
    DateTime::from_timestamp_millis((day * DAY_MS).round() as i64)
        .map(|t| t.format("%b %d").to_string())
        .unwrap_or_default()
}

fn percent_label(v: &f64) -> String {
    format!("{v:.0}%")
}

/// Runs of consecutive days that have a rate, as (mid-day, percent) points: a day
/// without calls breaks the line.
fn rate_runs(days: &[DayPoint], rate: impl Fn(&DayPoint) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for d in days {
        match rate(d) {
            Some(r) => {
                if let Some(run) = runs.last_mut() {
                    run.push((d.day as f64 + 0.5, r * 100.0));
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn shade_color(mark: HourMark) -> RGBAColor {
    match mark {
        HourMark::Outage => ORANGE.mix(0.35),
        HourMark::Anomaly => PURPLE.mix(0.25),
    }
}

/// The shaded hours as rectangles spanning `0..top`.
fn shading(
    marks: &[(i64, HourMark)],
    span: Span,
    top: f64,
) -> impl Iterator<Item = Rectangle<(f64, f64)>> + '_ {
    marks
        .iter()
        .filter(move |(h, _)| (span.start_hour..span.end_hour).contains(h))
        .map(move |(h, m)| {
            // At least 1/300 of the axis wide, so that a single hour shows on a month.
            let days = (span.end_hour - span.start_hour) as f64 / 24.0;
            let pad = ((days / 300.0 - 1.0 / 24.0) / 2.0).max(0.0);
            Rectangle::new(
                [
                    (day_of_hour(*h) - pad, 0.0),
                    (day_of_hour(h + 1) + pad, top),
                ],
                shade_color(*m).filled(),
            )
        })
}

/// Daily bars of attempts.
fn bars(days: &[DayPoint], color: RGBColor) -> impl Iterator<Item = Rectangle<(f64, f64)>> + '_ {
    days.iter().filter(|d| d.attempts > 0).map(move |d| {
        let x = d.day as f64;
        Rectangle::new(
            [(x + 0.08, 0.0), (x + 0.92, d.attempts as f64)],
            color.filled(),
        )
    })
}

/// A chart on days (x) against a value (y).
type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The two chart sizes: the fleet's wide ones and a number's small ones.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    Wide,
    Small,
}

impl Size {
    /// Width and height in pixels.
    fn pixels(self) -> (u32, u32) {
        match self {
            Size::Wide => (1100, 280),
            Size::Small => (560, 230),
        }
    }
}

/// A chart with `caption` over `x` and `y` on `root`, laid out for `size`.
fn frame<'a, 'b>(
    root: &'a Area<'b>,
    caption: &str,
    size: Size,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> std::result::Result<Chart<'a, SVGBackend<'b>>, DrawingAreaErrorKind<std::io::Error>> {
    // (caption font, margin, right margin, x label area, y label area)
    let (font, margin, right, x_area, y_area) = match size {
        Size::Wide => (16, 10, 28, 28, 52),
        Size::Small => (15, 8, 26, 26, 44),
    };
    ChartBuilder::on(root)
        .caption(caption, ("sans-serif", font))
        .margin(margin)
        .margin_right(right)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)
}

/// The series legend, top left on a pale box.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
}

/// The legend entry of shaded hours, drawn only when some are in view.
fn shading_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    marks: &[(i64, HourMark)],
    span: Span,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (mark, name) in [
        (HourMark::Outage, "outage hours"),
        (HourMark::Anomaly, "platform-anomaly hours"),
    ] {
        let in_view = marks
            .iter()
            .any(|(h, m)| *m == mark && (span.start_hour..span.end_hour).contains(h));
        if in_view {
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], shade_color(mark).filled())
                });
        }
    }
    Ok(())
}

/// The top of a calls-per-day chart: the busiest day with headroom above the bars for the
/// legend.
fn attempts_top(days: &[DayPoint]) -> f64 {
    days.iter().map(|d| d.attempts).max().unwrap_or(0).max(1) as f64 * 1.45
}

/// The fleet's dialled calls per day, outage and anomaly hours shaded.
pub fn fleet_attempts(days: &[DayPoint], marks: &[(i64, HourMark)], span: Span) -> Result<String> {
    let top = attempts_top(days);
    svg(Size::Wide.pixels(), |root| {
        let mut chart = frame(
            root,
            "Fleet: calls dialled per day (UTC)",
            Size::Wide,
            span.range(),
            0.0..top,
        )?;
        chart
            .configure_mesh()
            .x_labels(10)
            .x_label_formatter(&day_label)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(shading(marks, span, top))?;
        chart
            .draw_series(bars(days, BLUE))?
            .label("calls dialled")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE.filled()));
        shading_legend(&mut chart, marks, span)?;
        legend(&mut chart)
    })
}

/// One line of a rate chart: its legend label, color and runs of points.
type RateLine<'a> = (&'a str, RGBAColor, Vec<Vec<(f64, f64)>>);

/// Lines of daily rates (percent).
fn rate_chart(
    caption: &str,
    lines: &[RateLine<'_>],
    marks: &[(i64, HourMark)],
    span: Span,
    size: Size,
) -> Result<String> {
    let high = lines
        .iter()
        .flat_map(|(_, _, runs)| runs.iter().flatten().map(|p| p.1))
        .fold(0.0f64, f64::max);
    // Headroom above the lines for the legend.
    let top = (high * 1.6).clamp(5.0, 100.0);
    svg(size.pixels(), |root| {
        // Rate charts keep the wide layout (room for percent labels) at either size.
        let mut chart = frame(root, caption, Size::Wide, span.range(), 0.0..top)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&day_label)
            .y_label_formatter(&percent_label)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(shading(marks, span, top))?;
        for (label, color, runs) in lines {
            let style = color.stroke_width(2);
            let mut first = true;
            for run in runs {
                let drawn = chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
                if first {
                    drawn
                        .label(*label)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
                    first = false;
                }
            }
        }
        shading_legend(&mut chart, marks, span)?;
        legend(&mut chart)
    })
}

/// The fleet's answer, `dial_failed` and `marked_as_spam` rates per day.
pub fn fleet_rates(days: &[DayPoint], marks: &[(i64, HourMark)], span: Span) -> Result<String> {
    rate_chart(
        "Fleet: answer, dial_failed and marked_as_spam rates per day",
        &[
            (
                "answered",
                GREEN.mix(1.0),
                rate_runs(days, DayPoint::answer_rate),
            ),
            (
                "dial_failed",
                RED.mix(1.0),
                rate_runs(days, DayPoint::dial_failed_rate),
            ),
            (
                "marked_as_spam",
                PURPLE.mix(1.0),
                rate_runs(days, DayPoint::spam_rate),
            ),
        ],
        marks,
        span,
        Size::Wide,
    )
}

/// One number's calls dialled per day, its bursts marked on the time axis.
pub fn number_attempts(
    days: &[DayPoint],
    bursts: &[BurstRow],
    marks: &[(i64, HourMark)],
    span: Span,
) -> Result<String> {
    let top = attempts_top(days);
    let burst_marks: Vec<(f64, f64)> = bursts
        .iter()
        .map(|b| (day_of_ms(b.start_ms), top * 0.96))
        .filter(|(h, _)| span.range().contains(h))
        .collect();
    svg(Size::Small.pixels(), |root| {
        let mut chart = frame(
            root,
            "Calls dialled per day, bursts marked",
            Size::Small,
            span.range(),
            0.0..top,
        )?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(5)
            .x_label_formatter(&day_label)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(shading(marks, span, top))?;
        chart
            .draw_series(bars(days, BLUE))?
            .label("calls dialled")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE.filled()));
        if !burst_marks.is_empty() {
            chart.draw_series(burst_marks.iter().map(|(x, _)| {
                PathElement::new(
                    vec![(*x, 0.0), (*x, top * 0.9)],
                    RED.mix(0.7).stroke_width(1),
                )
            }))?;
            chart
                .draw_series(
                    burst_marks
                        .iter()
                        .map(|p| TriangleMarker::new(*p, 5, RED.filled())),
                )?
                .label("burst")
                .legend(|(x, y)| TriangleMarker::new((x + 7, y), 5, RED.filled()));
        }
        legend(&mut chart)
    })
}

/// One number's failure and spam rates per day against the fleet's.
pub fn number_rates(
    days: &[DayPoint],
    fleet: &[DayPoint],
    marks: &[(i64, HourMark)],
    span: Span,
) -> Result<String> {
    rate_chart(
        "Failed/declined/blocked and spam-marked rates vs the fleet",
        &[
            (
                "failures",
                RED.mix(1.0),
                rate_runs(days, DayPoint::failure_rate),
            ),
            (
                "fleet failures",
                RED.mix(0.35),
                rate_runs(fleet, DayPoint::failure_rate),
            ),
            (
                "marked as spam",
                PURPLE.mix(1.0),
                rate_runs(days, DayPoint::spam_rate),
            ),
            (
                "fleet marked as spam",
                PURPLE.mix(0.35),
                rate_runs(fleet, DayPoint::spam_rate),
            ),
        ],
        marks,
        span,
        Size::Small,
    )
}

/// Where the score points go: days since the epoch of each run's as-of, and the score.
fn score_points(history: &[ScoreHistoryRow]) -> Vec<(f64, f64)> {
    history
        .iter()
        .map(|r| (day_of_ms(r.as_of_ms), r.score.clamp(0.0, 100.0)))
        .collect()
}

/// The x range of a score history: its runs, at least a day wide.
fn history_range(points: &[(f64, f64)]) -> std::ops::Range<f64> {
    let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    let pad = ((hi - lo) * 0.05).max(0.5);
    (lo - pad)..(hi + pad)
}

/// "Nov 14 06:00" for a day since the epoch (for axes spanning a few days).
fn hour_label(day: &f64) -> String {
    DateTime::from_timestamp_millis((day * DAY_MS).round() as i64)
        .map(|t| t.format("%b %d %H:%M").to_string())
        .unwrap_or_default()
}

/// One number's recorded scores (0-100) over its score runs.
pub fn score_history(history: &[ScoreHistoryRow]) -> Result<String> {
    let points = score_points(history);
    let range = history_range(&points);
    let label: fn(&f64) -> String = if range.end - range.start < 3.0 {
        hour_label
    } else {
        day_label
    };
    let caption = if points.is_empty() {
        "Score history: no recorded score runs"
    } else {
        "Score history (recorded score runs)"
    };
    svg(Size::Small.pixels(), |root| {
        let mut chart = frame(root, caption, Size::Small, range.clone(), 0.0..100.0)?;
        chart
            .configure_mesh()
            .x_labels(4)
            .x_label_formatter(&label)
            .y_labels(5)
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            BLUE.stroke_width(2),
        ))?;
        chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))?;
        Ok(())
    })
}

/// A score sparkline for the risk table: the recorded scores, no axes.
pub fn sparkline(history: &[ScoreHistoryRow]) -> Result<String> {
    let points = score_points(history);
    svg((110, 24), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(3)
            .build_cartesian_2d(history_range(&points), 0.0..100.0)?;
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            BLUE.stroke_width(1),
        ))?;
        if let Some(last) = points.last() {
            chart.draw_series(std::iter::once(Circle::new(*last, 2, RED.filled())))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day: i64, attempts: i64, judged: i64, failures: i64) -> DayPoint {
        DayPoint {
            day,
            attempts,
            judged,
            failures,
            ..DayPoint::default()
        }
    }

    #[test]
    fn charts_are_standalone_svg_with_their_text() {
        let days = [
            day(20_400, 50, 40, 4),
            day(20_401, 0, 0, 0),
            day(20_402, 30, 30, 3),
        ];
        let span = Span {
            start_hour: 20_400 * 24,
            end_hour: 20_403 * 24,
        };
        let marks = [(20_400 * 24 + 5, HourMark::Outage)];
        let s = fleet_attempts(&days, &marks, span).unwrap();
        assert!(
            s.starts_with("<svg") && s.trim_end().ends_with("</svg>"),
            "{s}"
        );
        assert!(
            s.contains("outage hours") && !s.contains("platform-anomaly"),
            "{s}"
        );
        assert!(s.contains("<text"), "{s}");
        assert!(!s.contains("href") && !s.contains("url("), "{s}");
        // A day without calls breaks the line into two runs.
        assert_eq!(rate_runs(&days, DayPoint::failure_rate).len(), 2);
        assert!(
            score_history(&[])
                .unwrap()
                .contains("no recorded score runs")
        );
        let spark = sparkline(&[]).unwrap();
        assert!(spark.starts_with("<svg"), "{spark}");
    }
}

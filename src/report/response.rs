//! Spend-response curves per channel: outcome per period at a flat spend per period, with its
//! 90 % band and the current (mean historical) spend marked.

use crate::posterior::{CURVE_POINTS, CurveRow};

use super::figure::{Figure, LegendKey, Mark};
use super::format::{interval, num};
use super::input::ReportData;
use super::plot::{Plot, SMALL, TICKS_SMALL, panel_size};
use super::svg::color;

const HISTORY_COLOR: &str = "#777777";
/// Colour of the lift tests marked on a response curve.
const LIFT_COLOR: &str = "#111111";
/// Half-width of a measured lift's 90 % interval, in standard errors.
const Z90: f64 = 1.645;

/// A single-channel lift test as a point on its channel's response curve, in the curve's
/// per-period units: the window's mean spend per period plus the test's spend change spread
/// over the window, and the curve at the window's spend plus the measured lift (window and
/// carryover) per window period — the steady-state reading of the test. A model consistent
/// with the test passes through the point. Tests on several channels, and windows after the
/// data (no observed spend to start from), are not marked.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LiftMark {
    /// 1-based row in the lift-test file.
    row: usize,
    /// Spend per period during the test.
    spend: f64,
    /// Outcome per period during the test (curve at the baseline plus the measured lift).
    outcome: f64,
    /// Half-width of the measured lift's 90 % interval, per period.
    half_width: f64,
}

fn lift_marks(report: &ReportData, c: usize, rows: &[CurveRow]) -> Vec<LiftMark> {
    let name = &report.spec.channels[c].name;
    let (dates, spend) = (report.data.dates(), report.data.channel(c));
    report
        .lift_tests
        .iter()
        .filter(|t| t.channel.trim() == name.as_str())
        .filter_map(|t| {
            // ISO dates order as strings.
            let inside: Vec<f64> = dates
                .iter()
                .zip(spend)
                .filter(|(d, _)| t.start.as_str() <= d.as_str() && d.as_str() <= t.end.as_str())
                .map(|(_, s)| *s)
                .collect();
            if inside.is_empty() {
                return None;
            }
            let n = inside.len() as f64;
            let base = inside.iter().sum::<f64>() / n;
            let (at_base, _, _) = at_spend(rows, base);
            let mark = LiftMark {
                row: t.row,
                spend: base + t.spend_change / n,
                outcome: at_base + t.measured / n,
                half_width: Z90 * t.measured_sd / n,
            };
            (mark.spend.is_finite() && mark.outcome.is_finite()).then_some(mark)
        })
        .collect()
}

/// The response-curve panels, one per channel, laid out `columns` to a row.
pub fn response_panels(report: &ReportData, columns: usize) -> Vec<Figure> {
    let curves = &report.derived.curves;
    report
        .spec
        .channels
        .iter()
        .enumerate()
        .filter_map(|(c, ch)| {
            let rows = curves.get(c * CURVE_POINTS..(c + 1) * CURVE_POINTS)?;
            rows.iter()
                .all(|r| r.channel == ch.name)
                .then(|| panel(report, c, rows, columns))
        })
        .collect()
}

/// Linear interpolation of the curve's (mean, lower, upper) at `spend`.
fn at_spend(rows: &[CurveRow], spend: f64) -> (f64, f64, f64) {
    interpolate(rows, spend, |r| r.spend, |r| (r.mean, r.lower, r.upper))
}

/// Linear interpolation at `spend` of three values `pick` reads off each row of a curve
/// sorted by `spend_of`; flat beyond its ends, NaN for an empty curve.
pub(super) fn interpolate<R>(
    rows: &[R],
    spend: f64,
    spend_of: impl Fn(&R) -> f64,
    pick: impl Fn(&R) -> (f64, f64, f64),
) -> (f64, f64, f64) {
    let i = rows.partition_point(|r| spend_of(r) < spend);
    match i {
        0 => rows.first().map_or((f64::NAN, f64::NAN, f64::NAN), &pick),
        i if i >= rows.len() => rows.last().map_or((f64::NAN, f64::NAN, f64::NAN), &pick),
        i => {
            let (a, b) = (pick(&rows[i - 1]), pick(&rows[i]));
            let (sa, sb) = (spend_of(&rows[i - 1]), spend_of(&rows[i]));
            let w = (spend - sa) / (sb - sa);
            let mix = |x: f64, y: f64| x + w * (y - x);
            (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
        }
    }
}

fn panel(report: &ReportData, c: usize, rows: &[CurveRow], columns: usize) -> Figure {
    let spend = report.data.channel(c);
    let current = spend.iter().sum::<f64>() / spend.len().max(1) as f64;
    let max = spend.iter().fold(0.0_f64, |m, v| m.max(*v));
    let xs: Vec<f64> = rows.iter().map(|r| r.spend).collect();
    let mean: Vec<f64> = rows.iter().map(|r| r.mean).collect();
    let lower: Vec<f64> = rows.iter().map(|r| r.lower).collect();
    let upper: Vec<f64> = rows.iter().map(|r| r.upper).collect();
    let marks = lift_marks(report, c, rows);
    let (x_lo, x_hi) = super::axis::extent(xs.iter().copied().chain(marks.iter().map(|m| m.spend)))
        .unwrap_or((0.0, 1.0));
    let mark_ys = marks
        .iter()
        .flat_map(|m| [m.outcome - m.half_width, m.outcome + m.half_width]);
    let (y_lo, y_hi) = super::axis::extent(
        lower
            .iter()
            .chain(&upper)
            .copied()
            .chain([0.0])
            .chain(mark_ys),
    )
    .unwrap_or((0.0, 1.0));
    let mut plot = Plot::new(panel_size(columns), SMALL, (x_lo, x_hi), (y_lo, y_hi), 4);
    let target = &report.spec.data.target;
    let period = report.period_word();
    let col = color(c);
    plot.y_axis(&format!("{target} per {period}"));
    plot.x_axis(&format!("spend per {period}"), TICKS_SMALL);
    plot.band(&xs, &lower, &upper, col, 0.2);
    let line: Vec<(f64, f64)> = xs.iter().copied().zip(mean.iter().copied()).collect();
    plot.line(&line, col, 2.0, false);
    plot.vline(current, "#222222", "current", 0);
    plot.vline(max, HISTORY_COLOR, "max", 1);
    for mark in &marks {
        plot.whisker(
            mark.spend,
            mark.outcome - mark.half_width,
            mark.outcome + mark.half_width,
            LIFT_COLOR,
        );
        plot.points(&[(mark.spend, mark.outcome)], LIFT_COLOR, 3.5);
    }
    let (m, lo, hi) = at_spend(rows, current);
    let name = &report.spec.channels[c].name;
    let mroas = report
        .derived
        .roas
        .get(c)
        .map_or(f64::NAN, |r| r.mroas_mean);
    let title = format!("{name}: response to spend");
    let mut reading = format!(
        "At the current {} per {period}: {} {target} per {period}; the next unit returns {}.",
        num(current),
        interval(m, lo, hi),
        num(mroas)
    );
    for mark in &marks {
        let (on_curve, lo, hi) = at_spend(rows, mark.spend);
        reading.push_str(&format!(
            " Lift test (row {}): at {} per {period} it measured {} ± {} {target} per {period}; \
             the curve gives {}.",
            mark.row,
            num(mark.spend),
            num(mark.outcome),
            num(mark.half_width),
            interval(on_curve, lo, hi)
        ));
    }
    Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading,
    }
}

/// The legend shared by the response panels.
pub fn response_legend(report: &ReportData) -> Vec<LegendKey> {
    let band = format!("{} credible band", report.interval().label());
    let mut keys = vec![
        LegendKey::new("#555555", "posterior mean response", Mark::Line),
        LegendKey::new("#555555", &band, Mark::Band),
        LegendKey::new("#222222", "current spend (mean per period)", Mark::Dashed),
        LegendKey::new(HISTORY_COLOR, "largest historical spend", Mark::Dashed),
    ];
    if !report.lift_tests.is_empty() {
        keys.push(LegendKey::new(
            LIFT_COLOR,
            "lift test: window spend + its change, measured lift per period (90 %)",
            Mark::Dot,
        ));
    }
    keys
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::super::test_fixture::fixture;
    use super::*;

    /// Interpolation of a straight line is exact up to round-off.
    const INTERP_TOL: f64 = 1e-12;

    fn row(spend: f64, mean: f64) -> CurveRow {
        CurveRow {
            channel: "a".into(),
            spend,
            mean,
            q5: mean - 2.0,
            q95: mean + 2.0,
            lower: mean - 1.0,
            upper: mean + 1.0,
        }
    }

    #[test]
    fn response_at_a_spend_between_grid_points_is_interpolated() {
        let rows = [row(0.0, 0.0), row(10.0, 20.0), row(20.0, 30.0)];
        let (m, lo, hi) = at_spend(&rows, 15.0);
        assert_abs_diff_eq!(m, 25.0, epsilon = INTERP_TOL);
        assert_abs_diff_eq!(lo, 24.0, epsilon = INTERP_TOL);
        assert_abs_diff_eq!(hi, 26.0, epsilon = INTERP_TOL);
        assert_abs_diff_eq!(at_spend(&rows, 99.0).0, 30.0, epsilon = INTERP_TOL);
    }

    #[test]
    fn a_lift_test_is_marked_at_its_window_spend_plus_change_per_period() {
        let mut report = fixture();
        let c = 0;
        let name = report.spec.channels[c].name.clone();
        let (dates, spend) = (
            report.data.dates().to_vec(),
            report.data.channel(c).to_vec(),
        );
        // A window of the data's periods 2..=5: four periods.
        let base = spend[2..6].iter().sum::<f64>() / 4.0;
        let test = |channel: &str, start: &str| super::super::input::LiftRow {
            channel: channel.to_string(),
            row: 3,
            start: start.to_string(),
            end: dates[5].clone(),
            spend_change: 400.0,
            measured: 80.0,
            measured_sd: 8.0,
            prior: (0.0, 0.0, 0.0),
            posterior: (0.0, 0.0, 0.0),
        };
        report.lift_tests = vec![
            test(&name, &dates[2]),
            test(&format!("{name}+other"), &dates[2]),
        ];
        let rows = &report.derived.curves[..CURVE_POINTS];
        let marks = lift_marks(&report, c, rows);
        assert_eq!(marks.len(), 1, "multi-channel tests are not marked");
        let m = marks[0];
        assert_abs_diff_eq!(m.spend, base + 100.0, epsilon = 1e-9);
        assert_abs_diff_eq!(m.outcome, at_spend(rows, base).0 + 20.0, epsilon = 1e-9);
        assert_abs_diff_eq!(m.half_width, Z90 * 2.0, epsilon = 1e-12);
        let panel = &response_panels(&report, 2)[c];
        assert!(
            panel.reading.contains("Lift test (row 3)"),
            "{}",
            panel.reading
        );
        // A window after the data has no observed spend to start from: not marked.
        report.lift_tests = vec![test(&name, "2999-01-01")];
        report.lift_tests[0].end = "2999-02-01".to_string();
        assert!(lift_marks(&report, c, rows).is_empty());
    }

    #[test]
    fn one_panel_per_channel_with_current_spend_marked() {
        let report = fixture();
        let panels = response_panels(&report, 2);
        assert_eq!(panels.len(), report.spec.channels.len());
        for p in &panels {
            assert!(p.svg.contains(">current<") && p.svg.contains(">max<"));
        }
    }
}

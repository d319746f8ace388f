//! Spend-response curves per channel: outcome per period at a flat spend per period, with its
//! 90 % band and the current (mean historical) spend marked.

use crate::posterior::{CURVE_POINTS, CurveRow};

use super::figure::{Figure, LegendKey, Mark};
use super::format::{interval, num};
use super::input::ReportData;
use super::plot::{Plot, SMALL, TICKS_SMALL, panel_size};
use super::svg::color;

const HISTORY_COLOR: &str = "#777777";

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
    let i = rows.partition_point(|r| r.spend < spend);
    let pick = |r: &CurveRow| (r.mean, r.lower, r.upper);
    match i {
        0 => rows.first().map_or((f64::NAN, f64::NAN, f64::NAN), pick),
        i if i >= rows.len() => rows.last().map_or((f64::NAN, f64::NAN, f64::NAN), pick),
        i => {
            let (a, b) = (&rows[i - 1], &rows[i]);
            let w = (spend - a.spend) / (b.spend - a.spend);
            let mix = |x: f64, y: f64| x + w * (y - x);
            (
                mix(a.mean, b.mean),
                mix(a.lower, b.lower),
                mix(a.upper, b.upper),
            )
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
    let (x_lo, x_hi) = super::axis::extent(xs.iter().copied()).unwrap_or((0.0, 1.0));
    let (y_lo, y_hi) =
        super::axis::extent(lower.iter().chain(&upper).copied().chain([0.0])).unwrap_or((0.0, 1.0));
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
    let (m, lo, hi) = at_spend(rows, current);
    let name = &report.spec.channels[c].name;
    let mroas = report
        .derived
        .roas
        .get(c)
        .map_or(f64::NAN, |r| r.mroas_mean);
    let title = format!("{name}: response to spend");
    Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "At the current {} per {period}: {} {target} per {period}; the next unit returns {}.",
            num(current),
            interval(m, lo, hi),
            num(mroas)
        ),
    }
}

/// The legend shared by the response panels.
pub fn response_legend(report: &ReportData) -> Vec<LegendKey> {
    let band = format!("{} credible band", report.interval().label());
    vec![
        LegendKey::new("#555555", "posterior mean response", Mark::Line),
        LegendKey::new("#555555", &band, Mark::Band),
        LegendKey::new("#222222", "current spend (mean per period)", Mark::Dashed),
        LegendKey::new(HISTORY_COLOR, "largest historical spend", Mark::Dashed),
    ]
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
    fn one_panel_per_channel_with_current_spend_marked() {
        let report = fixture();
        let panels = response_panels(&report, 2);
        assert_eq!(panels.len(), report.spec.channels.len());
        for p in &panels {
            assert!(p.svg.contains(">current<") && p.svg.contains(">max<"));
        }
    }
}

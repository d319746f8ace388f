//! Actual against fitted: the data, the posterior mean fit with its band, and the 90 %
//! posterior predictive band.

use super::components::{Component, Components};
use super::figure::{Figure, LegendKey, Mark};
use super::format::{num, pct};
use super::input::ReportData;
use super::plot::{PAGE_WIDTH, Plot, TICKS_WIDE, WIDE, WIDE_HEIGHT, date_ticks};
use super::svg::PALETTE;

const FIT_COLOR: &str = PALETTE[0];
const ACTUAL_COLOR: &str = "#222222";

/// The actual-versus-fitted chart (`None` when the contributions table lacks the series).
pub fn actual_vs_fitted(report: &ReportData) -> Option<Figure> {
    let comps = Components::new(report);
    let actual = comps.series(Component::Actual)?;
    let fitted = comps.series(Component::Fitted)?;
    let predictive = comps.series(Component::Predictive)?;
    let xs: Vec<f64> = (0..actual.mean.len()).map(|t| t as f64).collect();
    let ys = actual
        .mean
        .iter()
        .chain(&predictive.q5)
        .chain(&predictive.q95)
        .copied();
    let (lo, hi) = super::axis::extent(ys).unwrap_or((0.0, 1.0));
    let mut plot = Plot::new(
        (PAGE_WIDTH, WIDE_HEIGHT),
        WIDE,
        (0.0, xs.len().saturating_sub(1) as f64),
        (lo, hi),
        6,
    );
    let target = &report.spec.data.target;
    let period = report.period_word();
    plot.y_axis(&format!("{target} per {period}"));
    plot.x_axis_labels(&date_ticks(report.data.dates(), TICKS_WIDE), period);
    plot.band(&xs, &predictive.q5, &predictive.q95, FIT_COLOR, 0.18);
    plot.band(&xs, &fitted.lower, &fitted.upper, FIT_COLOR, 0.4);
    let line: Vec<(f64, f64)> = xs
        .iter()
        .copied()
        .zip(fitted.mean.iter().copied())
        .collect();
    plot.line(&line, FIT_COLOR, 2.0, false);
    let dots: Vec<(f64, f64)> = xs
        .iter()
        .copied()
        .zip(actual.mean.iter().copied())
        .collect();
    plot.points(&dots, ACTUAL_COLOR, 2.2);
    let q = &report.derived.quality;
    let title = format!("Actual and fitted {target}");
    Some(Figure {
        svg: plot.finish(&title),
        title,
        legend: vec![
            LegendKey::new(ACTUAL_COLOR, format!("actual {target}"), Mark::Dot),
            LegendKey::new(FIT_COLOR, "fitted (posterior mean)", Mark::Line),
            LegendKey::new(
                FIT_COLOR,
                format!("{} interval of the mean", report.interval().label()),
                Mark::Shade,
            ),
            LegendKey::new(FIT_COLOR, "90% predictive interval", Mark::Band),
        ],
        reading: format!(
            "R² {}, mean absolute error {} of the actual value; the 90% predictive band holds \
             {} of the {}s (about 90% is expected; far fewer means the model misses structure).",
            num(q.r2),
            pct(q.mape),
            pct(q.ppc_coverage),
            period
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_fixture::fixture;
    use super::*;

    #[test]
    fn the_fit_chart_draws_every_actual_value_and_two_bands() {
        let report = fixture();
        let fig = actual_vs_fitted(&report).unwrap();
        assert_eq!(fig.svg.matches("<circle").count(), report.data.n_periods());
        // Two bands and the fitted line.
        assert_eq!(fig.svg.matches("<path").count(), 3);
        assert!(fig.reading.contains("R²"));
    }
}

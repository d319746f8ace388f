//! Carryover per channel: the posterior mean adstock weight of every lag with its 90 %
//! interval, from the weights of each draw.

use crate::diagnostics::quantiles;
use crate::spec::{AdstockKind as SpecAdstock, ParamKind};
use crate::transform::AdstockKind;

use super::figure::Figure;
use super::format::{interval, pct};
use super::input::ReportData;
use super::plot::{Plot, SMALL, panel_size};
use super::svg::color;

/// Lag axes with more lags than this label every second (or further) lag.
const MAX_LAG_LABELS: usize = 12;

/// Posterior summaries of one channel's adstock.
#[derive(Debug, Clone, PartialEq)]
pub struct AdstockSummary {
    /// Mean weight per lag.
    pub mean: Vec<f64>,
    /// Lower bound of the `[report] interval` per lag.
    pub lower: Vec<f64>,
    /// Upper bound of the `[report] interval` per lag.
    pub upper: Vec<f64>,
    /// Share of the total weight on lag 0: mean and interval.
    pub immediate: (f64, f64, f64),
    /// Mean delay Σ l·w_l / Σ w_l in periods: mean and interval.
    pub delay: (f64, f64, f64),
}

fn kernel(kind: &SpecAdstock) -> (AdstockKind, [ParamKind; 2]) {
    match kind {
        SpecAdstock::Geometric { .. } => (AdstockKind::Geometric, [ParamKind::Alpha; 2]),
        SpecAdstock::Delayed { .. } => (AdstockKind::Delayed, [ParamKind::Alpha, ParamKind::Theta]),
        SpecAdstock::Weibull { .. } => (AdstockKind::Weibull, [ParamKind::Shape, ParamKind::Scale]),
    }
}

fn mean_and_interval(v: &[f64], probs: [f64; 2]) -> (f64, f64, f64) {
    let q = quantiles(v, &probs);
    (v.iter().sum::<f64>() / v.len().max(1) as f64, q[0], q[1])
}

/// Channel `c`'s adstock weights over the draws (`None` when its parameters are not found).
pub fn summarize_adstock(report: &ReportData, c: usize) -> Option<AdstockSummary> {
    let ch = report.spec.channels.get(c)?;
    let (kind, param_kinds) = kernel(&ch.adstock.kind);
    let params = report.spec.parameters();
    let idx: Vec<usize> = param_kinds[..kind.n_params()]
        .iter()
        .map(|k| {
            params
                .iter()
                .position(|p| p.kind == *k && p.index == c)
                .filter(|i| report.draws.names.get(*i) == Some(&params[*i].name))
        })
        .collect::<Option<_>>()?;
    let lags = ch.adstock.max_lag;
    let probs = report.interval().probs();
    let n = report.draws.len();
    let mut by_lag = vec![vec![0.0; n]; lags];
    let (mut immediate, mut delay) = (vec![0.0; n], vec![0.0; n]);
    let mut w = vec![0.0; lags];
    let mut theta = [0.0; 2];
    for (d, x) in report.draws.iter().enumerate() {
        for (t, i) in theta.iter_mut().zip(&idx) {
            *t = x[*i];
        }
        kind.weights(&theta[..idx.len()], ch.adstock.normalize, &mut w);
        let total: f64 = w.iter().sum();
        for (l, wl) in w.iter().enumerate() {
            by_lag[l][d] = *wl;
        }
        immediate[d] = w.first().copied().unwrap_or(0.0) / total;
        delay[d] = w
            .iter()
            .enumerate()
            .map(|(l, wl)| l as f64 * wl)
            .sum::<f64>()
            / total;
    }
    let per_lag: Vec<(f64, f64, f64)> =
        by_lag.iter().map(|v| mean_and_interval(v, probs)).collect();
    Some(AdstockSummary {
        mean: per_lag.iter().map(|s| s.0).collect(),
        lower: per_lag.iter().map(|s| s.1).collect(),
        upper: per_lag.iter().map(|s| s.2).collect(),
        immediate: mean_and_interval(&immediate, probs),
        delay: mean_and_interval(&delay, probs),
    })
}

/// One panel per channel: weights by lag.
pub fn adstock_panels(report: &ReportData, columns: usize) -> Vec<Figure> {
    (0..report.spec.channels.len())
        .filter_map(|c| Some(panel(report, c, &summarize_adstock(report, c)?, columns)))
        .collect()
}

fn panel(report: &ReportData, c: usize, s: &AdstockSummary, columns: usize) -> Figure {
    let lags = s.mean.len();
    let (lo, hi) = super::axis::extent(s.upper.iter().copied().chain([0.0])).unwrap_or((0.0, 1.0));
    let size = panel_size(columns);
    let mut plot = Plot::new(size, SMALL, (-0.5, lags as f64 - 0.5), (lo, hi), 4);
    let period = report.period_word();
    let weight_title = if report.spec.channels[c].adstock.normalize {
        "weight (sums to 1)"
    } else {
        "weight"
    };
    plot.y_axis(weight_title);
    let every = lags.div_ceil(MAX_LAG_LABELS).max(1);
    let labels: Vec<(f64, String)> = (0..lags)
        .step_by(every)
        .map(|l| (l as f64, l.to_string()))
        .collect();
    plot.x_axis_labels(&labels, &format!("{period}s after the spend (lag)"));
    let bar_width = 0.6 * (size.0 - SMALL.left - SMALL.right) / lags.max(1) as f64;
    let col = color(c);
    for l in 0..lags {
        plot.bar(l as f64, 0.0, s.mean[l], bar_width, col);
        plot.whisker(l as f64, s.lower[l], s.upper[l], "#333333");
    }
    let name = &report.spec.channels[c].name;
    let title = format!("{name}: carryover (adstock)");
    let (imm, imm_lo, imm_hi) = s.immediate;
    Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "{} [{}, {}] of the effect lands in the {period} of spend; mean delay {} {period}s.",
            pct(imm),
            pct(imm_lo),
            pct(imm_hi),
            interval(s.delay.0, s.delay.1, s.delay.2)
        ),
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::super::test_fixture::fixture;
    use super::*;

    /// Averages of a few hundred weights.
    const MEAN_TOL: f64 = 1e-12;

    #[test]
    fn mean_weights_are_the_average_of_each_draws_weights() {
        let report = fixture();
        let s = summarize_adstock(&report, 0).unwrap();
        let alpha = report
            .draws
            .names
            .iter()
            .position(|n| n == "alpha[tv]")
            .unwrap();
        let mut want = [0.0; 4];
        let mut w = [0.0; 4];
        for x in report.draws.iter() {
            AdstockKind::Geometric.weights(&[x[alpha]], true, &mut w);
            for (a, b) in want.iter_mut().zip(&w) {
                *a += b / report.draws.len() as f64;
            }
        }
        for (got, want) in s.mean.iter().zip(&want) {
            assert_abs_diff_eq!(got, want, epsilon = MEAN_TOL);
        }
        assert_abs_diff_eq!(s.mean.iter().sum::<f64>(), 1.0, epsilon = MEAN_TOL);
        assert!(s.lower[0] <= s.mean[0] && s.mean[0] <= s.upper[0]);
    }

    #[test]
    fn delayed_adstock_uses_both_parameters() {
        let report = fixture();
        let s = summarize_adstock(&report, 1).unwrap();
        assert_eq!(s.mean.len(), 5);
        // A delayed kernel peaks after lag 0 when theta is near its prior median (2).
        assert!(s.delay.0 > 1.0, "{:?}", s.delay);
        assert_eq!(adstock_panels(&report, 2).len(), 2);
    }
}

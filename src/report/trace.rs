//! Trace plots of the parameters whose R-hat or effective sample size look worst: every
//! chain's draws in order, one colour per chain.

use crate::diagnostics::{ESS_MIN, RHAT_MAX};

use super::figure::{Figure, LegendKey, Mark};
use super::format::{fixed, num};
use super::input::ReportData;
use super::plot::{Plot, SMALL, TICKS_SMALL, panel_size};
use super::svg::color;

/// How many parameters get a trace plot.
pub const TRACES_SHOWN: usize = 4;
/// At most this many draws per chain are drawn (evenly thinned beyond it).
const MAX_POINTS: usize = 500;

/// How far a parameter is from healthy: the larger of R-hat's excess over its threshold and
/// the shortfall of its smaller ESS, each relative to its threshold (1 = at the threshold).
pub fn badness(r_hat: f64, ess_bulk: f64, ess_tail: f64) -> f64 {
    let r = if r_hat.is_finite() {
        (r_hat - 1.0) / (RHAT_MAX - 1.0)
    } else {
        0.0
    };
    let ess = ess_bulk.min(ess_tail);
    let e = if ess > 0.0 {
        ESS_MIN / ess
    } else {
        f64::INFINITY
    };
    r.max(e)
}

/// Indices of the [`TRACES_SHOWN`] worst parameters, worst first (ties in model order).
pub fn worst_parameters(report: &ReportData) -> Vec<usize> {
    let mut scored: Vec<(usize, f64)> = report
        .summary
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                i,
                badness(r.stats.r_hat, r.stats.ess_bulk, r.stats.ess_tail),
            )
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
        .into_iter()
        .take(TRACES_SHOWN)
        .map(|(i, _)| i)
        .collect()
}

/// Trace panels of the worst parameters.
pub fn trace_panels(report: &ReportData, columns: usize) -> Vec<Figure> {
    worst_parameters(report)
        .into_iter()
        .filter(|p| *p < report.draws.n_params())
        .map(|p| panel(report, p, columns))
        .collect()
}

fn panel(report: &ReportData, p: usize, columns: usize) -> Figure {
    let traces = report.draws.traces(p);
    let n = report.draws.n_draws;
    let every = n.div_ceil(MAX_POINTS).max(1);
    let (lo, hi) = super::axis::extent(traces.iter().flatten().copied()).unwrap_or((0.0, 1.0));
    let mut plot = Plot::new(
        panel_size(columns),
        SMALL,
        (0.0, n.saturating_sub(1) as f64),
        (lo, hi),
        4,
    );
    plot.y_axis("value");
    let thinned = if every > 1 {
        format!("draw (every {every}th shown)")
    } else {
        "draw".to_string()
    };
    plot.x_axis(&thinned, TICKS_SMALL);
    for (c, trace) in traces.iter().enumerate() {
        let pts: Vec<(f64, f64)> = trace
            .iter()
            .enumerate()
            .step_by(every)
            .map(|(i, v)| (i as f64, *v))
            .collect();
        plot.line(&pts, color(c), 0.8, false);
    }
    let name = &report.draws.names[p];
    let s = &report.summary[p].stats;
    let health = if s.r_hat.is_finite() && s.r_hat >= RHAT_MAX {
        "chains disagree — look for one that sits apart or drifts"
    } else if s.ess_bulk.min(s.ess_tail) < ESS_MIN {
        "chains agree but the draws are strongly autocorrelated — run longer"
    } else {
        "chains overlap without trends, as they should"
    };
    let title = format!("{name}: trace");
    Figure {
        svg: plot.finish(&title),
        title,
        legend: Vec::new(),
        reading: format!(
            "R-hat {}, bulk ESS {}, tail ESS {}: {health}.",
            fixed(s.r_hat, 3),
            num(s.ess_bulk.round()),
            num(s.ess_tail.round())
        ),
    }
}

/// The legend shared by the trace panels: one colour per chain.
pub fn trace_legend(chains: usize) -> Vec<LegendKey> {
    (0..chains)
        .map(|c| LegendKey::new(color(c), format!("chain {}", c + 1), Mark::Line))
        .collect()
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::super::test_fixture::fixture;
    use super::*;

    /// Badness is a ratio of two literals.
    const RATIO_TOL: f64 = 1e-9;

    #[test]
    fn badness_is_one_at_either_threshold() {
        assert_abs_diff_eq!(badness(RHAT_MAX, 1e6, 1e6), 1.0, epsilon = RATIO_TOL);
        assert_abs_diff_eq!(badness(1.0, ESS_MIN, 1e6), 1.0, epsilon = RATIO_TOL);
        assert!(badness(1.2, 1e6, 1e6) > badness(1.0, 200.0, 1e6));
        assert!(badness(f64::NAN, 0.0, 0.0).is_infinite());
    }

    #[test]
    fn the_worst_parameters_come_first_with_one_line_per_chain() {
        let report = fixture();
        let worst = worst_parameters(&report);
        assert_eq!(worst.len(), TRACES_SHOWN);
        let score = |i: usize| {
            let s = &report.summary[i].stats;
            badness(s.r_hat, s.ess_bulk, s.ess_tail)
        };
        assert!(worst.windows(2).all(|w| score(w[0]) >= score(w[1])));
        let panels = trace_panels(&report, 2);
        assert_eq!(
            panels[0].svg.matches("<path").count(),
            report.draws.n_chains
        );
    }
}

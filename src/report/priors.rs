//! Prior against posterior for every parameter: the posterior as a histogram of the draws and
//! the prior density as a line, on the parameter's own (constrained) scale.

use crate::diagnostics::quantiles;
use crate::posterior::Interval;
use crate::spec::{ParamInfo, ParamKind, Prior, Support};

use super::figure::{Figure, LegendKey, Mark};
use super::format::{fixed, interval, pct};
use super::input::ReportData;
use super::plot::{Plot, SMALL, TICKS_SMALL, panel_size};

const POSTERIOR_COLOR: &str = "#0072B2";
const PRIOR_COLOR: &str = "#D55E00";
/// Histogram bins over the range of the draws.
const BINS: usize = 24;
/// Points on the prior density line.
const PRIOR_POINTS: usize = 121;
/// When the prior's 90 % interval is this many times wider than the posterior's range, the
/// axis zooms on the posterior (the prior line then leaves the panel).
const ZOOM_RATIO: f64 = 6.0;
/// The prior line is cut at this multiple of the histogram's peak.
const PRIOR_CAP: f64 = 2.5;
/// A posterior interval wider than this share of the prior's means the data say little.
const WEAKLY_INFORMED: f64 = 0.8;

/// Histogram of `values` on `bins` equal bins over `[lo, hi]`, as densities.
pub fn histogram(values: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0.0; bins];
    if width.is_nan() || width <= 0.0 || values.is_empty() {
        return counts;
    }
    for v in values.iter().filter(|v| v.is_finite()) {
        let b = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[b] += 1.0;
    }
    let scale = 1.0 / (values.len() as f64 * width);
    counts.iter_mut().for_each(|c| *c *= scale);
    counts
}

/// The x range shown for a parameter: posterior range and prior 90 % interval, zoomed on the
/// posterior when the prior is far wider, inside the support.
fn x_range(post: (f64, f64), prior: &Prior, support: Support) -> (f64, f64) {
    let (p_lo, p_hi) = (prior.quantile(0.05), prior.quantile(0.95));
    let span = (post.1 - post.0).max(f64::EPSILON * post.0.abs().max(1.0));
    let (mut lo, mut hi) = (post.0.min(p_lo), post.1.max(p_hi));
    if hi - lo > ZOOM_RATIO * span {
        let (centre, half) = (0.5 * (post.0 + post.1), 0.5 * ZOOM_RATIO * span);
        lo = lo.max(centre - half);
        hi = hi.min(centre + half);
    }
    let (s_lo, s_hi) = support.bounds();
    (lo.max(s_lo), hi.min(s_hi))
}

/// One panel per parameter.
pub fn prior_panels(report: &ReportData, columns: usize) -> Vec<Figure> {
    let params = report.spec.parameters();
    params
        .iter()
        .enumerate()
        .filter(|(i, p)| report.draws.names.get(*i) == Some(&p.name))
        // A roi/mroi/share prior is not a prior on the beta draws: no panel overlays them.
        .filter(|(_, p)| {
            !(p.kind == ParamKind::Beta && report.spec.channels[p.index].effect.is_some())
        })
        .map(|(i, p)| {
            let values: Vec<f64> = report.draws.iter().map(|x| x[i]).collect();
            panel(p, &values, columns, report.interval())
        })
        .collect()
}

fn panel(param: &ParamInfo, values: &[f64], columns: usize, level: Interval) -> Figure {
    let (v_lo, v_hi) = super::axis::extent(values.iter().copied()).unwrap_or((0.0, 1.0));
    let (v_lo, v_hi) = super::axis::sane_interval(v_lo, v_hi);
    let hist = histogram(values, v_lo, v_hi, BINS);
    let (x_lo, x_hi) = x_range((v_lo, v_hi), &param.prior, param.support);
    let xs: Vec<f64> = (0..PRIOR_POINTS)
        .map(|i| x_lo + (x_hi - x_lo) * i as f64 / (PRIOR_POINTS - 1) as f64)
        .collect();
    let prior_pdf: Vec<f64> = xs
        .iter()
        .map(|x| {
            let p = param.prior.logpdf(*x).exp();
            if p.is_finite() { p } else { f64::NAN }
        })
        .collect();
    let hist_max = hist.iter().fold(0.0_f64, |m, v| m.max(*v));
    let prior_max = prior_pdf
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(*v));
    let y_hi = hist_max.max(prior_max.min(PRIOR_CAP * hist_max));
    let mut plot = Plot::new(panel_size(columns), SMALL, (x_lo, x_hi), (0.0, y_hi), 3);
    plot.y_axis("density");
    plot.x_axis("value (model scale)", TICKS_SMALL);
    let width = (v_hi - v_lo) / BINS as f64;
    for (b, h) in hist.iter().enumerate() {
        let left = v_lo + b as f64 * width;
        let (a, b) = (left.max(x_lo), (left + width).min(x_hi));
        if b > a && *h > 0.0 {
            let (px0, py) = plot.at(a, *h);
            let (px1, py0) = plot.at(b, 0.0);
            plot.svg.rect(
                px0,
                py,
                px1 - px0,
                py0 - py,
                &format!(r#"fill="{POSTERIOR_COLOR}" fill-opacity="0.55""#),
            );
        }
    }
    let line: Vec<(f64, f64)> = xs.iter().copied().zip(prior_pdf.iter().copied()).collect();
    plot.line(&line, PRIOR_COLOR, 2.0, false);
    let probs = level.probs();
    let q = quantiles(values, &probs);
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let prior_width = param.prior.quantile(probs[1]) - param.prior.quantile(probs[0]);
    let ratio = (q[1] - q[0]) / prior_width;
    let width = if ratio >= 0.1 || !ratio.is_finite() {
        format!("{} as wide as the prior's", pct(ratio))
    } else {
        format!("1/{} of the prior's width", fixed(1.0 / ratio, 0))
    };
    let verdict = if ratio > WEAKLY_INFORMED {
        " — the data say little about it"
    } else {
        ""
    };
    let title = param.name.clone();
    Figure {
        svg: plot.finish(&format!("{title}: prior and posterior")),
        title,
        legend: Vec::new(),
        reading: format!(
            "Posterior {}; {} interval {width}{verdict}.",
            interval(mean, q[0], q[1]),
            level.label(),
        ),
    }
}

/// The legend shared by the prior panels.
pub fn prior_legend() -> Vec<LegendKey> {
    vec![
        LegendKey::new(
            POSTERIOR_COLOR,
            "posterior (histogram of the draws)",
            Mark::Area,
        ),
        LegendKey::new(PRIOR_COLOR, "prior density", Mark::Line),
    ]
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;

    use super::super::test_fixture::fixture;
    use super::*;

    /// A histogram's densities integrate to one up to round-off.
    const AREA_TOL: f64 = 1e-12;

    #[test]
    fn histogram_densities_integrate_to_one() {
        let values: Vec<f64> = (0..100).map(|i| f64::from(i) / 10.0).collect();
        let h = histogram(&values, 0.0, 9.9, 10);
        let area: f64 = h.iter().map(|d| d * 0.99).sum();
        assert_abs_diff_eq!(area, 1.0, epsilon = AREA_TOL);
        // The largest value falls in the last bin, not past it.
        assert!(h[9] > 0.0);
    }

    #[test]
    fn the_axis_zooms_on_a_posterior_much_narrower_than_its_prior() {
        let prior = Prior::Normal {
            mu: 0.0,
            sigma: 100.0,
        };
        let (lo, hi) = x_range((1.0, 1.1), &prior, Support::Real);
        assert!(hi - lo <= ZOOM_RATIO * 0.1 * (1.0 + 1e-9), "{lo} {hi}");
        assert!(lo < 1.0 && hi > 1.1);
        // A posterior a sixth as wide as its prior's 90% interval or more shows both whole.
        let beta = Prior::Beta {
            alpha: 2.0,
            beta: 2.0,
        };
        let (lo, hi) = x_range((0.3, 0.45), &beta, Support::UnitInterval);
        assert_abs_diff_eq!(lo, beta.quantile(0.05), epsilon = AREA_TOL);
        assert_abs_diff_eq!(hi, beta.quantile(0.95), epsilon = AREA_TOL);
    }

    #[test]
    fn one_panel_per_parameter_each_with_a_prior_line() {
        let report = fixture();
        let panels = prior_panels(&report, 3);
        assert_eq!(panels.len(), report.draws.n_params());
        assert!(panels.iter().all(|p| p.svg.contains(PRIOR_COLOR)));
    }
}

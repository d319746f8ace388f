//! Each lift test's model lift before calibration (independent draws from the prior) and
//! after it (over the posterior), mean and interval, beside the measured one: how far the
//! experiments moved the model and how well the fit agrees with them.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::density::MmmDensity;

/// Independent prior draws behind each test's prior lift.
pub const PRIOR_LIFT_DRAWS: usize = 2000;
/// Their fixed seed, so a fit's prior lift does not depend on the sampler's seed.
const PRIOR_LIFT_SEED: u64 = 0x11f7;

use super::draws::PosteriorDraws;
use super::interval::Interval;

/// One lift test: measured vs the model's posterior lift, original units.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LiftSummary {
    /// The channel cell as written (`tv` or `tv+radio`).
    pub channel: String,
    /// 1-based row in the lift-test file.
    pub row: usize,
    /// First and last day of the window, as ISO dates.
    pub start: String,
    /// Last day of the window.
    pub end: String,
    /// Spend change over the window.
    pub spend_change: f64,
    /// Measured lift.
    pub measured: f64,
    /// Its standard error.
    pub measured_sd: f64,
    /// Posterior mean of the model's lift.
    pub mean: f64,
    /// Lower end of the credible interval.
    pub lower: f64,
    /// Upper end of the credible interval.
    pub upper: f64,
    /// Prior mean of the model's lift (before calibration: parameters drawn from their priors,
    /// without the data or the tests).
    pub prior_mean: f64,
    /// Lower end of the prior interval.
    pub prior_lower: f64,
    /// Upper end of the prior interval.
    pub prior_upper: f64,
    /// Periods of the window and its tail after the data (baseline spend from the last
    /// reference periods).
    pub periods_after_data: usize,
}

/// The model's lift of every test of `density` over `draws`, with `interval`'s bounds.
pub fn summarize_lifts(
    density: &MmmDensity,
    draws: &PosteriorDraws,
    interval: Interval,
) -> Vec<LiftSummary> {
    let windows = density.lift_windows();
    if windows.is_empty() || draws.is_empty() {
        return Vec::new();
    }
    let mut density = density.clone();
    let mut per_test: Vec<Vec<f64>> = vec![Vec::with_capacity(draws.len()); windows.len()];
    for x in draws.iter() {
        for (values, lift) in per_test.iter_mut().zip(density.model_lifts(x)) {
            values.push(lift);
        }
    }
    let prior = prior_lifts(&mut density, windows.len());
    let [lo, hi] = interval.probs();
    windows
        .iter()
        .zip(per_test)
        .zip(prior)
        .map(|((w, mut v), mut p)| {
            v.sort_by(f64::total_cmp);
            p.sort_by(f64::total_cmp);
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            LiftSummary {
                channel: w.test.label.clone(),
                row: w.test.row,
                start: w.test.start.to_string(),
                end: w.test.end.to_string(),
                spend_change: w.test.spend_change,
                measured: w.test.lift,
                measured_sd: w.test.lift_sd,
                mean,
                lower: quantile(&v, lo),
                upper: quantile(&v, hi),
                prior_mean: p.iter().sum::<f64>() / p.len() as f64,
                prior_lower: quantile(&p, lo),
                prior_upper: quantile(&p, hi),
                periods_after_data: w.periods_after_data,
            }
        })
        .collect()
}

/// Each test's model lift over [`PRIOR_LIFT_DRAWS`] independent draws of every parameter from
/// its prior (β derived where a channel states an ROI, mROI or share prior); draws whose lift
/// is not finite are dropped.
fn prior_lifts(density: &mut MmmDensity, n_tests: usize) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(PRIOR_LIFT_SEED);
    let priors = density.layout.priors.clone();
    let mut out = vec![Vec::with_capacity(PRIOR_LIFT_DRAWS); n_tests];
    let mut x = vec![0.0; priors.len()];
    for _ in 0..PRIOR_LIFT_DRAWS {
        for (xi, p) in x.iter_mut().zip(&priors) {
            *xi = p.sample(&mut rng);
        }
        density.derive_betas(&mut x, |_| false);
        let lifts = density.model_lifts(&x);
        if lifts.iter().all(|l| l.is_finite()) {
            for (o, l) in out.iter_mut().zip(lifts) {
                o.push(l);
            }
        }
    }
    if out.iter().any(Vec::is_empty) {
        out.iter_mut().for_each(|o| *o = vec![f64::NAN]);
    }
    out
}

/// Linear-interpolation quantile (type 7) of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = p * (sorted.len() - 1) as f64;
    let i = h.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (h - i as f64) * (sorted[j] - sorted[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lift_quantile_interpolates_between_order_statistics() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((quantile(&v, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile(&v, 0.05) - 1.2).abs() < 1e-12);
        assert!((quantile(&v, 1.0) - 5.0).abs() < 1e-12);
    }
}

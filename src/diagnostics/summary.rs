//! One parameter's posterior summary: moments, quantiles and convergence diagnostics.

use serde::Serialize;

use super::ess::{ess_bulk, ess_tail};
use super::mcse::mcse_mean;
use super::moments::{mean, variance};
use super::quantile::quantiles;
use super::rhat::rhat;

/// Probabilities of the summary's quantiles.
const SUMMARY_PROBS: [f64; 3] = [0.05, 0.5, 0.95];

/// Posterior summary of one scalar parameter over all chains, as in ArviZ's `az.summary`
/// (with 5%/50%/95% quantiles instead of an HDI). Fields that are undefined for the input are
/// NaN (serialised by `serde_json` as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSummary {
    /// Mean of all draws.
    pub mean: f64,
    /// Standard deviation of all draws (ddof = 1).
    pub sd: f64,
    /// 5% quantile of all draws (type 7).
    pub q5: f64,
    /// Median of all draws (type 7).
    pub q50: f64,
    /// 95% quantile of all draws (type 7).
    pub q95: f64,
    /// Monte Carlo standard error of the mean, see [`mcse_mean`].
    pub mcse_mean: f64,
    /// Bulk effective sample size, see [`ess_bulk`].
    pub ess_bulk: f64,
    /// Tail effective sample size, see [`ess_tail`].
    pub ess_tail: f64,
    /// Rank-normalised split R-hat, see [`rhat`].
    pub r_hat: f64,
}

/// Summarises one parameter's draws, one slice per chain (equal lengths). Mean, sd and
/// quantiles pool all draws (NaN when there are none); the diagnostics follow the rules of
/// [`rhat`], [`ess_bulk`], [`ess_tail`] and [`mcse_mean`].
pub fn summarize(chains: &[&[f64]]) -> ParamSummary {
    let pooled = chains.concat();
    let [q5, q50, q95] = match quantiles(&pooled, &SUMMARY_PROBS)[..] {
        [a, b, c] => [a, b, c],
        _ => [f64::NAN; 3],
    };
    ParamSummary {
        mean: mean(&pooled),
        sd: variance(&pooled, 1).sqrt(),
        q5,
        q50,
        q95,
        mcse_mean: mcse_mean(chains),
        ess_bulk: ess_bulk(chains),
        ess_tail: ess_tail(chains),
        r_hat: rhat(chains),
    }
}

#[cfg(test)]
mod tests {
    use super::summarize;
    use approx::assert_relative_eq;

    /// Small-integer arithmetic with a few roundings.
    const REL_TOL: f64 = 1e-14;

    #[test]
    fn pooled_moments_and_quantiles() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [5.0, 6.0, 7.0, 8.0];
        let s = summarize(&[&a, &b]);
        assert_relative_eq!(s.mean, 4.5, max_relative = REL_TOL);
        // Variance of 1..=8 with ddof 1 is 6.
        assert_relative_eq!(s.sd, 6.0_f64.sqrt(), max_relative = REL_TOL);
        // Positions 7 * p: 0.35, 3.5, 6.65.
        assert_relative_eq!(s.q5, 1.35, max_relative = REL_TOL);
        assert_relative_eq!(s.q50, 4.5, max_relative = REL_TOL);
        assert_relative_eq!(s.q95, 7.65, max_relative = REL_TOL);
        assert!(s.r_hat > 1.0);
    }

    #[test]
    fn constant_draws_follow_arviz_convention_and_serialise_nan_as_null() {
        let c = [1.25; 6];
        let s = summarize(&[&c, &c]);
        assert!(s.r_hat.is_nan());
        assert_relative_eq!(s.ess_bulk, 12.0, max_relative = REL_TOL);
        assert_relative_eq!(s.ess_tail, 12.0, max_relative = REL_TOL);
        assert_relative_eq!(s.mcse_mean, 0.0);
        let json = serde_json::to_value(s).unwrap_or_default();
        assert!(json["r_hat"].is_null());
        assert_eq!(json["ess_bulk"].as_f64(), Some(12.0));
    }

    #[test]
    fn no_draws_give_nan_everywhere() {
        let s = summarize(&[]);
        for v in [
            s.mean,
            s.sd,
            s.q5,
            s.q50,
            s.q95,
            s.mcse_mean,
            s.ess_bulk,
            s.ess_tail,
            s.r_hat,
        ] {
            assert!(v.is_nan());
        }
    }
}

//! Monte Carlo standard error of the posterior mean.

use super::draws::Draws;
use super::ess::ess_of;
use super::moments::{mean, variance};

/// Monte Carlo standard error of the mean: sd(all draws, ddof = 1) / sqrt(ESS_mean)
/// (ArviZ `az.mcse(method="mean")`).
///
/// `chains` holds one slice per chain, all of equal length. NaN when there are no chains,
/// fewer than 4 draws per chain, unequal lengths or a NaN draw; 0 for constant draws.
pub fn mcse_mean(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, 1).map_or(f64::NAN, |draws| {
        let sd = variance(draws.values(), 1).sqrt();
        sd / ess_of(&draws.split()).sqrt()
    })
}

/// Monte Carlo standard error of the posterior sd (ArviZ `az.mcse(method="sd")`): with
/// c = (x − mean)², ESS = ESS_mean(c), var(var) = (mean(c²) − mean(c)²) / ESS and
/// mcse_sd = sqrt(var(var) / mean(c) / 4). Heavy tails make it large, which is the point: it
/// says how far two runs' sd estimates may honestly differ.
pub fn mcse_sd(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, 1).map_or(f64::NAN, |draws| {
        let m = mean(draws.values());
        let c2 = draws.map(|x| (x - m) * (x - m));
        let ess = ess_of(&c2.split());
        let evar = mean(c2.values());
        let c4 = mean(&c2.values().iter().map(|c| c * c).collect::<Vec<_>>());
        let varvar = (c4 - evar * evar) / ess;
        (varvar / evar / 4.0).sqrt()
    })
}

#[cfg(test)]
mod tests {
    use super::mcse_mean;
    use approx::assert_abs_diff_eq;

    #[test]
    fn constant_draws_have_zero_error() {
        let c = [1.25; 8];
        assert_abs_diff_eq!(mcse_mean(&[&c, &c]), 0.0);
    }

    #[test]
    fn invalid_input_gives_nan() {
        assert!(mcse_mean(&[&[1.0, 2.0]]).is_nan());
    }
}

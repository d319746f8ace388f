//! Effective sample size (Vehtari et al. 2021): Geyer's initial monotone sequence estimator on
//! split chains, and its bulk, tail, quantile and mean variants.

use super::draws::Draws;
use super::moments::{mean, variance};
use super::quantile::{quantile_sorted, sorted_copy};
use super::rank::normal_scores;

/// Fewest chains for ESS.
const MIN_CHAINS: usize = 1;

/// Draws whose range is below this are constant and get ESS = S (ArviZ uses NumPy's
/// `finfo(float).resolution`, an absolute 1e-15).
const CONSTANT_RANGE: f64 = 1e-15;

/// Default tail probabilities of [`ess_tail`] (the 5% and 95% quantiles).
const TAIL_PROBS: (f64, f64) = (0.05, 0.95);

/// Bulk ESS: ESS of the rank-normalised split chains (ArviZ `az.ess(method="bulk")`); the
/// reliability of the mean and median. Should exceed [`ESS_MIN`](super::ESS_MIN).
///
/// `chains` holds one slice per chain, all of equal length. NaN when there are no chains,
/// fewer than 4 draws per chain, unequal lengths or a NaN draw. Constant draws give S, the
/// total number of draws (as ArviZ). With antithetic chains ESS can exceed S.
pub fn ess_bulk(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, MIN_CHAINS).map_or(f64::NAN, |draws| {
        let split = draws.split();
        ess_of(&split.with_values(normal_scores(split.values())))
    })
}

/// Tail ESS: the smaller ESS of the indicators I(x <= q05) and I(x <= q95) on split chains,
/// with type-7 quantiles of all draws (ArviZ `az.ess(method="tail")`); the reliability of the
/// 5% and 95% quantiles. Same input rules and NaN cases as [`ess_bulk`].
pub fn ess_tail(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, MIN_CHAINS).map_or(f64::NAN, |draws| {
        let sorted = sorted_copy(draws.values());
        let low = indicator_ess(&draws, quantile_sorted(&sorted, TAIL_PROBS.0));
        let high = indicator_ess(&draws, quantile_sorted(&sorted, TAIL_PROBS.1));
        // Python's `min(low, high)`, NaN handling included.
        if high < low { high } else { low }
    })
}

/// ESS of the `prob` quantile: ESS of I(x <= q) on split chains, q the type-7 quantile of all
/// draws (ArviZ `az.ess(method="quantile", prob=...)`). NaN also for `prob` outside [0, 1];
/// otherwise same input rules as [`ess_bulk`].
pub fn ess_quantile(chains: &[&[f64]], prob: f64) -> f64 {
    Draws::new(chains, MIN_CHAINS).map_or(f64::NAN, |draws| {
        let q = quantile_sorted(&sorted_copy(draws.values()), prob);
        if q.is_nan() {
            f64::NAN
        } else {
            indicator_ess(&draws, q)
        }
    })
}

/// ESS for the mean: ESS of the split chains on the raw scale (ArviZ `az.ess(method="mean")`).
/// Same input rules and NaN cases as [`ess_bulk`].
pub fn ess_mean(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, MIN_CHAINS).map_or(f64::NAN, |draws| ess_of(&draws.split()))
}

/// ESS of the split indicator chains I(x <= threshold).
fn indicator_ess(draws: &Draws, threshold: f64) -> f64 {
    let indicator = draws.map(|v| if v <= threshold { 1.0 } else { 0.0 });
    ess_of(&indicator.split())
}

/// ESS of the chains as given (already split): S / tau, with tau from Geyer's initial positive
/// sequence of paired autocorrelations, then made monotone, floored at 1 / log10(S).
/// Autocovariances are direct sums with divisor n, computed only up to the lag where the
/// sequence stops. Constant draws give S.
pub(super) fn ess_of(draws: &Draws) -> f64 {
    let values = draws.values();
    let total = values.len() as f64;
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if hi - lo < CONSTANT_RANGE {
        return total;
    }
    let n = draws.n_draws();
    let acov = MeanAutocovariance::new(draws);
    let nf = n as f64;
    let mean_var = acov.at(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if draws.n_chains() > 1 {
        let chain_means: Vec<f64> = draws.chains().map(mean).collect();
        var_plus += variance(&chain_means, 1);
    }
    let rho = |lag: usize| 1.0 - (mean_var - acov.at(lag)) / var_plus;

    let mut rho_t = vec![0.0; n];
    rho_t[0] = 1.0;
    let mut even = 1.0;
    let mut odd = rho(1);
    rho_t[1] = odd;
    // Initial positive sequence over pairs (rho_{t+1}, rho_{t+2}).
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho(t + 1);
        odd = rho(t + 2);
        if even + odd >= 0.0 {
            rho_t[t + 1] = even;
            rho_t[t + 2] = odd;
        }
        t += 2;
    }
    // ArviZ's max_t is t - 2 (possibly -1); `next` = max_t + 1 is always a valid index.
    let next = t - 1;
    if even > 0.0 {
        rho_t[next] = even;
    }
    // Initial monotone sequence: no pair sum may exceed the previous one.
    let mut t = 1;
    while t + 3 <= next {
        if rho_t[t + 1] + rho_t[t + 2] > rho_t[t - 1] + rho_t[t] {
            rho_t[t + 1] = (rho_t[t - 1] + rho_t[t]) / 2.0;
            rho_t[t + 2] = rho_t[t + 1];
        }
        t += 2;
    }
    let mut tau = -1.0 + 2.0 * rho_t[..next].iter().sum::<f64>() + rho_t[next];
    let floor = 1.0 / total.log10();
    if floor > tau {
        tau = floor;
    }
    if rho_t.iter().any(|r| r.is_nan()) {
        return f64::NAN;
    }
    total / tau
}

/// Autocovariances averaged over chains, lag by lag, on demand.
struct MeanAutocovariance {
    /// Each chain minus its own mean, chain after chain.
    centred: Vec<f64>,
    n_draws: usize,
}

impl MeanAutocovariance {
    fn new(draws: &Draws) -> Self {
        let mut centred = Vec::with_capacity(draws.values().len());
        for chain in draws.chains() {
            let m = mean(chain);
            centred.extend(chain.iter().map(|v| v - m));
        }
        Self {
            centred,
            n_draws: draws.n_draws(),
        }
    }

    /// Mean over chains of (1/n) sum_i c_i c_{i+lag}.
    fn at(&self, lag: usize) -> f64 {
        let n = self.n_draws;
        let chains = self.centred.chunks_exact(n);
        let n_chains = chains.len() as f64;
        let total: f64 = chains
            .map(|c| {
                c[..n - lag]
                    .iter()
                    .zip(&c[lag..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            })
            .sum();
        total / n as f64 / n_chains
    }
}

#[cfg(test)]
mod tests {
    use super::{ess_bulk, ess_mean, ess_quantile, ess_tail};
    use approx::assert_relative_eq;

    /// Exact-arithmetic expectations (constant input returns S exactly).
    const REL_TOL: f64 = 1e-15;

    /// A deterministic, strongly autocorrelated pair of chains.
    fn sticky_chains() -> [Vec<f64>; 2] {
        let a: Vec<f64> = (0..200).map(|i| f64::from(i / 25)).collect();
        let b: Vec<f64> = a.iter().rev().copied().collect();
        [a, b]
    }

    #[test]
    fn constant_draws_give_total_draws() {
        let c = [1.25; 10];
        for ess in [ess_bulk, ess_tail, ess_mean] {
            assert_relative_eq!(ess(&[&c, &c, &c]), 30.0, max_relative = REL_TOL);
        }
    }

    #[test]
    fn autocorrelated_chains_have_far_fewer_effective_draws() {
        let [a, b] = sticky_chains();
        let chains: [&[f64]; 2] = [&a, &b];
        for ess in [ess_bulk(&chains), ess_mean(&chains), ess_tail(&chains)] {
            assert!(ess > 0.0 && ess < 40.0, "ess {ess}");
        }
    }

    #[test]
    fn invalid_input_gives_nan() {
        let x = [0.0, 1.0, 2.0];
        assert!(ess_bulk(&[&x]).is_nan());
        assert!(ess_mean(&[]).is_nan());
        assert!(ess_quantile(&[&[0.0, 1.0, 2.0, 3.0]], 1.5).is_nan());
    }
}

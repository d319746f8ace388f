//! Rank-normalised split R-hat (Vehtari et al. 2021): bulk, folded (tail) and their maximum.

use super::draws::Draws;
use super::moments::{mean, variance};
use super::quantile::{median_sorted, sorted_copy};
use super::rank::normal_scores;

/// Fewest chains for R-hat, as in ArviZ (split R-hat of one chain is NaN there too).
const MIN_CHAINS: usize = 2;

/// Rank-normalised split R-hat: the larger of [`rhat_bulk`] and [`rhat_tail`]
/// (ArviZ `az.rhat(method="rank")`). Values above [`RHAT_MAX`](super::RHAT_MAX) mean the
/// chains have not mixed.
///
/// `chains` holds one slice per chain, all of equal length. NaN when there are fewer than 2
/// chains or 4 draws per chain, the lengths differ, or a draw is NaN, and also for constant
/// draws (0/0, as ArviZ; R's `posterior` returns NA there). If only the tail part is NaN the
/// bulk part is returned, and if the bulk part is NaN the result is NaN, as Python's `max`.
pub fn rhat(chains: &[&[f64]]) -> f64 {
    let Some(split) = Draws::new(chains, MIN_CHAINS).map(|d| d.split()) else {
        return f64::NAN;
    };
    let bulk = bulk_of_split(&split);
    let tail = tail_of_split(&split);
    if tail > bulk { tail } else { bulk }
}

/// Bulk R-hat: split R-hat of the rank-normalised draws (location and scale mixing).
/// Same input rules and NaN cases as [`rhat`].
pub fn rhat_bulk(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, MIN_CHAINS).map_or(f64::NAN, |d| bulk_of_split(&d.split()))
}

/// Tail (folded) R-hat: split R-hat of the rank-normalised |draw - median|, with the median
/// over all split draws (mixing in the tails). Same input rules and NaN cases as [`rhat`].
pub fn rhat_tail(chains: &[&[f64]]) -> f64 {
    Draws::new(chains, MIN_CHAINS).map_or(f64::NAN, |d| tail_of_split(&d.split()))
}

/// Bulk R-hat of already split draws.
fn bulk_of_split(split: &Draws) -> f64 {
    basic_rhat(&split.with_values(normal_scores(split.values())))
}

/// Folded R-hat of already split draws.
fn tail_of_split(split: &Draws) -> f64 {
    let median = median_sorted(&sorted_copy(split.values()));
    let folded = split.map(|v| (v - median).abs());
    basic_rhat(&folded.with_values(normal_scores(folded.values())))
}

/// Potential scale reduction of the chains as given (no split, no ranks):
/// sqrt((B/W + n - 1) / n), B = n * var(chain means), W = mean(chain variances), ddof = 1.
pub(super) fn basic_rhat(draws: &Draws) -> f64 {
    let n = draws.n_draws() as f64;
    let means: Vec<f64> = draws.chains().map(mean).collect();
    let variances: Vec<f64> = draws.chains().map(|c| variance(c, 1)).collect();
    let between = n * variance(&means, 1);
    let within = mean(&variances);
    ((between / within + n - 1.0) / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::{basic_rhat, rhat, rhat_bulk, rhat_tail};
    use crate::diagnostics::draws::Draws;
    use approx::assert_relative_eq;

    /// Hand computation with a few roundings.
    const REL_TOL: f64 = 1e-14;

    #[test]
    fn basic_rhat_matches_hand_computation() {
        let Some(draws) = Draws::new(&[&[0.0, 2.0, 0.0, 2.0], &[4.0, 6.0, 4.0, 6.0]], 2) else {
            panic!("valid draws rejected");
        };
        let halves = draws.split();
        // Split chains (0, 2), (4, 6), (0, 2), (4, 6), n = 2: chain means 1, 5, 1, 5, so
        // B = 2 * var(1, 5, 1, 5) = 2 * 16/3; every chain variance is 2, so W = 2.
        let expected = ((2.0 * 16.0 / 3.0 / 2.0 + 2.0 - 1.0) / 2.0_f64).sqrt();
        assert_relative_eq!(basic_rhat(&halves), expected, max_relative = REL_TOL);
    }

    #[test]
    fn constant_draws_give_nan() {
        let c = [1.25; 10];
        assert!(rhat(&[&c, &c]).is_nan());
        assert!(rhat_bulk(&[&c, &c]).is_nan());
        assert!(rhat_tail(&[&c, &c]).is_nan());
    }

    #[test]
    fn too_few_chains_or_draws_give_nan() {
        let x = [0.1, 0.5, -0.3, 0.9, 1.2, -0.7];
        assert!(rhat(&[&x]).is_nan());
        assert!(rhat(&[&x[..3], &x[3..]]).is_nan());
        assert!(rhat(&[&x[..4], &x[2..]]).is_finite());
    }

    #[test]
    fn separated_chains_are_flagged_by_bulk_not_tail() {
        let a: Vec<f64> = (0..20).map(|i| f64::from(i % 5)).collect();
        let b: Vec<f64> = a.iter().map(|v| v + 10.0).collect();
        let chains: [&[f64]; 2] = [&a, &b];
        assert!(rhat_bulk(&chains) > 1.5);
        assert_relative_eq!(rhat(&chains), rhat_bulk(&chains));
        // Folded about the median 7, every split chain holds the values 3..=7 twice: B = 0,
        // so R-hat = sqrt((n - 1) / n) with n = 10.
        assert_relative_eq!(rhat_tail(&chains), 0.9_f64.sqrt(), max_relative = REL_TOL);
    }
}

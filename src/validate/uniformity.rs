//! Are SBC ranks uniform? Rank histograms, a chi-square test per parameter, and the band a
//! uniform histogram's bars stay in.

use serde::Serialize;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

/// Fewest expected replicates per histogram bin the bin count is chosen for.
pub const MIN_EXPECTED_PER_BIN: usize = 10;
/// Bin counts tried, most first; each divides the 100 possible ranks of 99 thinned draws.
pub const BIN_CHOICES: [usize; 3] = [20, 10, 5];
/// Mass of the band drawn around a uniform bin count (each bar alone stays inside it with this
/// probability when ranks are uniform).
pub const BAND_MASS: f64 = 0.99;

/// The test of one parameter's ranks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankTest {
    /// Parameter name.
    pub name: String,
    /// Replicates per bin, bin `b` holding ranks `b·(L+1)/B .. (b+1)·(L+1)/B − 1`.
    pub counts: Vec<usize>,
    /// Pearson's chi-square statistic against equal counts.
    pub chi_square: f64,
    /// Its p-value with B − 1 degrees of freedom.
    pub p_value: f64,
    /// Whether the p-value clears the per-parameter threshold.
    pub pass: bool,
}

/// The number of histogram bins for `replicates` ranks: the most of [`BIN_CHOICES`] that still
/// expects [`MIN_EXPECTED_PER_BIN`] replicates per bin (the fewest choice when none does).
pub fn bins_for(replicates: usize) -> usize {
    BIN_CHOICES
        .iter()
        .copied()
        .find(|b| replicates >= b * MIN_EXPECTED_PER_BIN)
        .unwrap_or(BIN_CHOICES[BIN_CHOICES.len() - 1])
}

/// Histogram of `ranks` (each in `0..=max_rank`) in `bins` equal bins; `bins` should divide
/// `max_rank + 1` for the bins to hold equally many rank values.
pub fn rank_counts(ranks: &[usize], max_rank: usize, bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins];
    let values = max_rank + 1;
    for r in ranks {
        let b = (r.min(&max_rank) * bins) / values;
        counts[b] += 1;
    }
    counts
}

/// Pearson's chi-square statistic of `counts` against equal expected counts, and its p-value
/// (upper tail of the chi-square with `counts.len() − 1` degrees of freedom). NaN for fewer
/// than two bins or no counts.
pub fn chi_square_uniform(counts: &[usize]) -> (f64, f64) {
    let total: usize = counts.iter().sum();
    if counts.len() < 2 || total == 0 {
        return (f64::NAN, f64::NAN);
    }
    let expected = total as f64 / counts.len() as f64;
    let stat: f64 = counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum();
    let p = ChiSquared::new((counts.len() - 1) as f64).map_or(f64::NAN, |d| d.sf(stat));
    (stat, p)
}

/// The `[lower, upper]` count a bin of a uniform rank histogram lies in with probability
/// [`BAND_MASS`]: quantiles of Binomial(replicates, 1/bins).
pub fn uniform_band(replicates: usize, bins: usize) -> [u64; 2] {
    match Binomial::new(1.0 / bins.max(1) as f64, replicates as u64) {
        Ok(d) => {
            let tail = 0.5 * (1.0 - BAND_MASS);
            [d.inverse_cdf(tail), d.inverse_cdf(1.0 - tail)]
        }
        Err(_) => [0, replicates as u64],
    }
}

/// Test every parameter: `ranks[i][p]` is replicate `i`'s rank of parameter `p`. A parameter
/// passes when its p-value is at least `alpha / names.len()` (Bonferroni), so all pass together
/// with probability at least 1 − `alpha` when the ranks are uniform.
pub fn test_ranks(
    names: &[String],
    ranks: &[Vec<usize>],
    max_rank: usize,
    alpha: f64,
) -> Vec<RankTest> {
    let bins = bins_for(ranks.len());
    let threshold = alpha / names.len().max(1) as f64;
    names
        .iter()
        .enumerate()
        .map(|(p, name)| {
            let column: Vec<usize> = ranks.iter().map(|r| r[p]).collect();
            let counts = rank_counts(&column, max_rank, bins);
            let (chi_square, p_value) = chi_square_uniform(&counts);
            RankTest {
                name: name.clone(),
                counts,
                chi_square,
                p_value,
                pass: p_value >= threshold,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed forms are matched to round-off.
    const CLOSED_FORM_TOL: f64 = 1e-12;
    /// A histogram with every rank in 3 of 10 bins is far from uniform.
    const SKEWED_P_MAX: f64 = 1e-10;
    /// The 0.5 % and 99.5 % quantiles of Binomial(100, 0.1), from the exact CDF.
    const BAND_100_10: [u64; 2] = [3, 18];

    #[test]
    fn bins_keep_ten_expected_replicates_each() {
        assert_eq!(bins_for(100), 10);
        assert_eq!(bins_for(199), 10);
        assert_eq!(bins_for(200), 20);
        assert_eq!(bins_for(60), 5);
        assert_eq!(bins_for(3), 5);
    }

    #[test]
    fn ranks_fall_in_equal_bins() {
        let ranks: Vec<usize> = (0..=99).collect();
        assert_eq!(rank_counts(&ranks, 99, 10), vec![10; 10]);
        assert_eq!(
            rank_counts(&[0, 9, 10, 99], 99, 10),
            vec![2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
        );
    }

    #[test]
    fn chi_square_p_value_matches_the_closed_form_for_two_degrees_of_freedom() {
        // Three bins: expected 10 each; statistic (25 + 0 + 25) / 10 = 5; p = exp(-5/2).
        let (stat, p) = chi_square_uniform(&[5, 10, 15]);
        assert!((stat - 5.0).abs() < CLOSED_FORM_TOL);
        assert!((p - (-2.5_f64).exp()).abs() < CLOSED_FORM_TOL, "{p}");
        let (stat, p) = chi_square_uniform(&[7; 10]);
        assert!(stat.abs() < CLOSED_FORM_TOL && (p - 1.0).abs() < CLOSED_FORM_TOL);
        assert!(chi_square_uniform(&[4]).1.is_nan());
    }

    #[test]
    fn bonferroni_fails_only_the_skewed_parameter() {
        let names = vec!["flat".to_string(), "skewed".to_string()];
        let ranks: Vec<Vec<usize>> = (0..100).map(|i| vec![i, (i % 10) * 3]).collect();
        let tests = test_ranks(&names, &ranks, 99, 0.01);
        assert!(tests[0].pass && tests[0].counts == vec![10; 10]);
        assert!(!tests[1].pass && tests[1].p_value < SKEWED_P_MAX);
    }

    #[test]
    fn the_uniform_band_holds_the_expected_count() {
        assert_eq!(uniform_band(100, 10), BAND_100_10);
    }
}

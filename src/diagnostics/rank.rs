//! Rank normalisation: pooled average ranks mapped through Blom's offset and Phi^-1.

use super::normal_quantile::normal_quantile;

/// Blom's offset c in (r - c) / (S - 2c + 1) (Vehtari et al. 2021, eq. 14).
const BLOM_OFFSET: f64 = 3.0 / 8.0;

/// 1-based ranks of `values`, ties sharing the mean of their ranks (SciPy's "average").
/// Values must not be NaN; -0.0 and 0.0 tie.
pub(super) fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let first = values[order[start]];
        let end = start
            + order[start..]
                .iter()
                // Sorted ascending, so `<=` means tied with `first`.
                .take_while(|&&i| values[i] <= first)
                .count();
        // Positions start..end hold ranks start+1 ..= end; their mean is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Normal scores Phi^-1((r - 3/8) / (S + 1/4)) of the pooled average ranks r of `values`.
pub(super) fn normal_scores(values: &[f64]) -> Vec<f64> {
    let denominator = values.len() as f64 - 2.0 * BLOM_OFFSET + 1.0;
    average_ranks(values)
        .into_iter()
        .map(|r| normal_quantile((r - BLOM_OFFSET) / denominator))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{average_ranks, normal_scores};
    use crate::diagnostics::normal_quantile::normal_quantile;
    use approx::assert_relative_eq;

    /// Scores are one quantile evaluation each: a few ulps.
    const REL_TOL: f64 = 1e-15;

    #[test]
    fn ties_share_their_mean_rank() {
        let ranks = average_ranks(&[3.0, 1.0, 3.0, 0.0, -0.0, 3.0]);
        assert_eq!(ranks, vec![5.0, 3.0, 5.0, 1.5, 1.5, 5.0]);
    }

    #[test]
    fn scores_use_blom_offset() {
        // Ranks 1, 2, 3 of S = 3: (r - 0.375) / 3.25.
        let z = normal_scores(&[10.0, 30.0, 20.0]);
        let expected = [0.625 / 3.25, 2.625 / 3.25, 1.625 / 3.25].map(normal_quantile);
        for (got, want) in z.iter().zip(expected) {
            assert_relative_eq!(*got, want, max_relative = REL_TOL);
        }
        assert_relative_eq!(z[2], 0.0);
    }
}

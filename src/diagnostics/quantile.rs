//! Sample quantiles: R's type 7 (NumPy's default "linear") and NumPy's median.

/// Type-7 quantile of already sorted values: linear interpolation between order statistics
/// at position (n - 1) * prob, computed exactly as NumPy does (from the upper neighbour when
/// the fraction is at least one half). NaN when `sorted` is empty or `prob` is outside [0, 1].
pub fn quantile_sorted(sorted: &[f64], prob: f64) -> f64 {
    quantile_of_ranks(sorted.len(), prob, |i| sorted[i])
}

/// Type-7 quantile of `n` values known through `at(i)`, the value of rank `i` (0-based, in
/// ascending order): the arithmetic of [`quantile_sorted`], reading only the (at most two)
/// order statistics at ranks ⌊(n − 1)·prob⌋ and the one above, so a caller that kept only the
/// tails of its values gets the same bits. NaN when `n` is 0 or `prob` is outside [0, 1].
pub fn quantile_of_ranks(n: usize, prob: f64, mut at: impl FnMut(usize) -> f64) -> f64 {
    if n == 0 || !(0.0..=1.0).contains(&prob) {
        return f64::NAN;
    }
    let position = (n - 1) as f64 * prob;
    if position >= (n - 1) as f64 {
        return at(n - 1);
    }
    let below = position.floor();
    let fraction = position - below;
    // `below` is in [0, n - 2] here, so `below + 1` is in bounds.
    let i = below as usize;
    let (a, b) = (at(i), at(i + 1));
    let diff = b - a;
    if fraction >= 0.5 {
        b - diff * (1.0 - fraction)
    } else {
        a + diff * fraction
    }
}

/// Type-7 quantiles of `values` (any order) at each of `probs`; all NaN if a value is NaN.
pub fn quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    if values.iter().any(|v| v.is_nan()) {
        return vec![f64::NAN; probs.len()];
    }
    let sorted = sorted_copy(values);
    probs.iter().map(|&p| quantile_sorted(&sorted, p)).collect()
}

/// A sorted copy of `values` (NaN sorts last).
pub(super) fn sorted_copy(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted
}

/// Median of sorted values as NumPy computes it: the middle value, or the mean of the two
/// middle values for an even count. NaN when empty.
pub(super) fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::{median_sorted, quantile_sorted, quantiles};
    use approx::assert_relative_eq;

    /// Interpolation of small integers: only a rounding or two.
    const REL_TOL: f64 = 1e-14;

    #[test]
    fn type_seven_matches_r_values() {
        // R: quantile(c(1, 2, 4, 7, 11), c(0, 0.05, 0.3, 0.5, 0.95, 1), type = 7)
        //    = 1.0, 1.2, 2.4, 4.0, 10.2, 11.0
        let q = quantiles(
            &[7.0, 1.0, 11.0, 4.0, 2.0],
            &[0.0, 0.05, 0.3, 0.5, 0.95, 1.0],
        );
        let expected = [1.0, 1.2, 2.4, 4.0, 10.2, 11.0];
        for (got, want) in q.iter().zip(expected) {
            assert_relative_eq!(*got, want, max_relative = REL_TOL);
        }
    }

    #[test]
    fn degenerate_inputs_give_nan() {
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert!(quantile_sorted(&[1.0], 1.5).is_nan());
        assert!(quantiles(&[1.0, f64::NAN], &[0.5])[0].is_nan());
        assert_relative_eq!(quantile_sorted(&[3.0], 0.7), 3.0);
    }

    #[test]
    fn median_averages_the_middle_pair() {
        assert_relative_eq!(median_sorted(&[1.0, 2.0, 4.0, 7.0]), 3.0);
        assert_relative_eq!(median_sorted(&[1.0, 2.0, 4.0]), 2.0);
        assert!(median_sorted(&[]).is_nan());
    }
}

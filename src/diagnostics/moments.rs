//! Sample mean and variance, computed the way NumPy does (two passes).

/// Arithmetic mean; NaN for an empty slice.
pub(super) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Variance with `ddof` delta degrees of freedom: sum of squared deviations / (n - ddof);
/// NaN when n <= ddof.
pub(super) fn variance(values: &[f64], ddof: usize) -> f64 {
    if values.len() <= ddof {
        return f64::NAN;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    ss / (values.len() as f64 - ddof as f64)
}

#[cfg(test)]
mod tests {
    use super::{mean, variance};
    use approx::assert_relative_eq;

    /// Exact small-integer arithmetic: only the final division rounds.
    const REL_TOL: f64 = 1e-15;

    #[test]
    fn mean_and_variance_of_small_sample() {
        let x = [1.0, 2.0, 4.0, 7.0];
        assert_relative_eq!(mean(&x), 3.5, max_relative = REL_TOL);
        // Squared deviations 6.25 + 2.25 + 0.25 + 12.25 = 21.
        assert_relative_eq!(variance(&x, 1), 7.0, max_relative = REL_TOL);
        assert_relative_eq!(variance(&x, 0), 5.25, max_relative = REL_TOL);
    }

    #[test]
    fn too_few_values_give_nan() {
        assert!(mean(&[]).is_nan());
        assert!(variance(&[], 0).is_nan());
        assert!(variance(&[2.0], 1).is_nan());
    }
}

//! The linear trend feature t/T, defined on the fitted periods and extended past them.

/// Writes the linear trend feature for periods `start`, `start + 1`, ... into `out`:
/// `out[i] = (start + i) / n_fit`, where `n_fit` = T is the number of fitted periods and
/// period indices are 0-based.
///
/// So over the fit the feature runs 0, 1/T, ..., (T−1)/T: it is 0 at the first period (the
/// intercept is the level there) and a coefficient δ is the change over T periods. Forecasts
/// and backtests pass `start = T` (or later) with the same `n_fit` to extend the line. The
/// feature does not depend on δ; ∂(δ·feature)/∂δ is the feature.
///
/// # Panics
/// If `n_fit == 0`.
pub fn linear_trend(start: usize, n_fit: usize, out: &mut [f64]) {
    assert!(n_fit > 0, "linear trend needs at least one fitted period");
    let scale = n_fit as f64;
    for (i, v) in out.iter_mut().enumerate() {
        *v = (start + i) as f64 / scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Agreement expected for a ratio of small integers.
    const RATIO_REL: f64 = 1e-15;

    #[test]
    fn fit_periods_run_from_zero_in_steps_of_one_over_t() {
        let mut out = [f64::NAN; 4];
        linear_trend(0, 4, &mut out);
        for (got, want) in out.iter().zip([0.0, 0.25, 0.5, 0.75]) {
            assert_relative_eq!(*got, want, max_relative = RATIO_REL);
        }
    }

    #[test]
    fn forecast_periods_continue_the_line() {
        let mut fit = [0.0; 10];
        linear_trend(0, 10, &mut fit);
        let mut ahead = [0.0; 3];
        linear_trend(10, 10, &mut ahead);
        let step = fit[1] - fit[0];
        assert_relative_eq!(ahead[0] - fit[9], step, max_relative = RATIO_REL);
        assert_relative_eq!(ahead[2], 1.2, max_relative = RATIO_REL);
    }
}

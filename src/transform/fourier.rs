//! Fourier seasonality features sin/cos(2π·j·d/P), j = 1..order, and their column names.

use std::f64::consts::TAU;

/// Days in a mean year: the period P of yearly seasonality.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Writes the 2·`order` Fourier columns for the day values `days` (length T) into `out`
/// (length 2·order·T), column-major: `out[c * T + t]` is column `c` at period `t`.
///
/// Columns 0..order are sin(2π·j·d_t/P) for j = 1..order (names `sin_1`..), columns
/// order..2·order are cos(2π·j·d_t/P) (names `cos_1`..), matching [`fourier_names`]. `days`
/// may be days of year ([`Date::day_of_year`](super::calendar::Date::day_of_year)) or a
/// continuous day count ([`Date::days_since_epoch`](super::calendar::Date::days_since_epoch));
/// `period` is P in the same unit, [`DAYS_PER_YEAR`] for yearly seasonality.
///
/// The features do not depend on model parameters; the density's derivative with respect to
/// coefficient c is simply column c.
///
/// # Panics
/// If `out.len() != 2 * order * days.len()`.
pub fn fourier_features(days: &[f64], order: usize, period: f64, out: &mut [f64]) {
    let n = days.len();
    assert_eq!(out.len(), 2 * order * n, "Fourier output length");
    if n == 0 {
        return;
    }
    let (sin_cols, cos_cols) = out.split_at_mut(order * n);
    for (j, (sin_col, cos_col)) in sin_cols
        .chunks_exact_mut(n)
        .zip(cos_cols.chunks_exact_mut(n))
        .enumerate()
    {
        let frequency = TAU * (j + 1) as f64 / period;
        for ((s, c), d) in sin_col.iter_mut().zip(cos_col.iter_mut()).zip(days) {
            (*s, *c) = (frequency * d).sin_cos();
        }
    }
}

/// Column names in the order of [`fourier_features`]: `sin_1`..`sin_order`, then
/// `cos_1`..`cos_order`.
pub fn fourier_names(order: usize) -> Vec<String> {
    let sin = (1..=order).map(|j| format!("sin_{j}"));
    let cos = (1..=order).map(|j| format!("cos_{j}"));
    sin.chain(cos).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Absolute agreement expected for sines and cosines computed two ways.
    const TRIG_ABS: f64 = 1e-12;

    #[test]
    fn columns_are_sines_then_cosines_of_each_harmonic() {
        let days = [1.0, 32.0, 180.5, 365.0];
        let order = 3;
        let mut out = vec![f64::NAN; 2 * order * days.len()];
        fourier_features(&days, order, DAYS_PER_YEAR, &mut out);
        let names = fourier_names(order);
        for (c, name) in names.iter().enumerate() {
            let (trig, j): (fn(f64) -> f64, usize) = if c < order {
                (f64::sin, c + 1)
            } else {
                (f64::cos, c - order + 1)
            };
            assert!(name.ends_with(&j.to_string()));
            for (t, d) in days.iter().enumerate() {
                let want = trig(2.0 * std::f64::consts::PI * j as f64 * d / DAYS_PER_YEAR);
                assert_relative_eq!(out[c * days.len() + t], want, epsilon = TRIG_ABS);
            }
        }
    }

    #[test]
    fn names_follow_the_summary_convention() {
        assert_eq!(fourier_names(2), ["sin_1", "sin_2", "cos_1", "cos_2"]);
        assert!(fourier_names(0).is_empty());
    }

    #[test]
    fn a_full_period_later_gives_the_same_features() {
        let days = [10.0, 10.0 + DAYS_PER_YEAR];
        let mut out = [0.0; 8];
        fourier_features(&days, 2, DAYS_PER_YEAR, &mut out);
        for column in out.chunks_exact(2) {
            assert_relative_eq!(column[0], column[1], epsilon = TRIG_ABS);
        }
    }
}

//! Out-of-sample accuracy of point forecasts and predictive intervals: RMSE, MAE, MAPE, R² and
//! interval coverage.

use serde::Serialize;

/// Accuracy over a set of held-out periods.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metrics {
    /// Held-out periods.
    pub n: usize,
    /// Root mean squared error of the point forecast.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean absolute percentage error, over periods with a non-zero actual (a fraction).
    pub mape: f64,
    /// 1 − SS_res / SS_tot around the held-out periods' own mean.
    pub r2: f64,
    /// Share of periods whose actual lies in the predictive interval.
    pub coverage: f64,
}

/// Accuracy of `forecast` against `actual`, with predictive intervals `[lower, upper]`.
pub fn metrics(actual: &[f64], forecast: &[f64], lower: &[f64], upper: &[f64]) -> Metrics {
    let n = actual.len();
    let nf = n.max(1) as f64;
    let mean_y = actual.iter().sum::<f64>() / nf;
    let (mut ss_res, mut ss_tot, mut abs, mut ape, mut n_ape, mut covered) =
        (0.0, 0.0, 0.0, 0.0, 0usize, 0usize);
    for t in 0..n {
        let (y, f) = (actual[t], forecast[t]);
        ss_res += (y - f) * (y - f);
        ss_tot += (y - mean_y) * (y - mean_y);
        abs += (y - f).abs();
        if y != 0.0 {
            ape += ((y - f) / y).abs();
            n_ape += 1;
        }
        covered += usize::from(y >= lower[t] && y <= upper[t]);
    }
    Metrics {
        n,
        rmse: (ss_res / nf).sqrt(),
        mae: abs / nf,
        mape: if n_ape > 0 {
            ape / n_ape as f64
        } else {
            f64::NAN
        },
        r2: 1.0 - ss_res / ss_tot,
        coverage: covered as f64 / nf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed values are matched to round-off.
    const HAND_TOL: f64 = 1e-12;

    #[test]
    fn metrics_match_hand_computed_values() {
        let actual = [1.0, 2.0, 3.0, 0.0];
        let forecast = [2.0, 2.0, 1.0, 1.0];
        let m = metrics(
            &actual,
            &forecast,
            &[0.0, 1.5, 3.5, -1.0],
            &[1.5, 2.5, 4.0, 0.5],
        );
        // Errors -1, 0, 2, -1: SS 6, abs 4; y mean 1.5: SS_tot 0.25+0.25+2.25+2.25 = 5.
        assert!((m.rmse - (6.0_f64 / 4.0).sqrt()).abs() < HAND_TOL);
        assert!((m.mae - 1.0).abs() < HAND_TOL);
        // MAPE skips y = 0: (1 + 0 + 2/3) / 3.
        assert!((m.mape - (1.0 + 2.0 / 3.0) / 3.0).abs() < HAND_TOL);
        assert!((m.r2 - (1.0 - 6.0 / 5.0)).abs() < HAND_TOL);
        assert!((m.coverage - 0.75).abs() < HAND_TOL);
        assert_eq!(m.n, 4);
    }
}

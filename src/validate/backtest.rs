//! Rolling-origin backtests: refit on the periods before each origin and predict the next
//! window, whose adstock carries the real spend history before it (no cold start).

use std::sync::atomic::{AtomicUsize, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::data::Dataset;
use crate::density::{Decomposition, DensityError, MmmDensity};
use crate::diagnostics::quantiles;
use crate::posterior::{INTERVAL_PROBS, PosteriorDraws, summarize_params};
use crate::sampler::{NoProgress, SampleError, sample};
use crate::spec::{Likelihood, ModelSpec};

use super::metrics::{Metrics, metrics};

/// Posterior draws used for the predictions of a fold (evenly spaced over all draws).
pub const PREDICTION_DRAWS: usize = 1000;

/// Folds and horizon of a backtest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacktestSettings {
    /// Number of origins.
    pub folds: usize,
    /// Periods predicted after each origin.
    pub horizon: usize,
}

/// Why a backtest could not run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BacktestError {
    /// The folds leave too little to fit.
    #[error(
        "{folds} folds of {horizon} periods leave {train} of {n} periods to fit the first fold, \
         but the model needs at least {needed}; use fewer --folds or a shorter --horizon"
    )]
    TooFewTrainingRows {
        /// Folds asked for.
        folds: usize,
        /// Horizon asked for.
        horizon: usize,
        /// Rows left before the first origin.
        train: usize,
        /// Rows in the data.
        n: usize,
        /// Rows the model needs.
        needed: usize,
    },
    /// Folds or horizon of zero.
    #[error("--folds and --horizon must each be at least 1 (got {folds} and {horizon})")]
    Empty {
        /// Folds asked for.
        folds: usize,
        /// Horizon asked for.
        horizon: usize,
    },
    /// A fold's density could not be built.
    #[error(transparent)]
    Density(#[from] DensityError),
    /// A fold's sampling failed.
    #[error(transparent)]
    Sample(#[from] SampleError),
}

/// One fold's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fold {
    /// 1-based fold number, oldest origin first.
    pub fold: usize,
    /// Periods fitted (the first ones).
    pub train_periods: usize,
    /// Last fitted date.
    pub train_end: String,
    /// First and last predicted dates.
    pub test_start: String,
    /// Last predicted date.
    pub test_end: String,
    /// Accuracy on the predicted periods.
    pub metrics: Metrics,
    /// Divergent transitions of the fold's fit.
    pub divergences: usize,
    /// Largest split R-hat of the fold's fit.
    pub max_rhat: f64,
}

/// One predicted period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Fold number.
    pub fold: usize,
    /// Period date.
    pub date: String,
    /// Observed target.
    pub actual: f64,
    /// Posterior mean of the expected target.
    pub mean: f64,
    /// 5 % quantile of the posterior predictive.
    pub q5: f64,
    /// 95 % quantile of the posterior predictive.
    pub q95: f64,
}

/// A whole backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Folds, oldest origin first.
    pub folds: Vec<Fold>,
    /// Accuracy over every predicted period.
    pub overall: Metrics,
    /// Every predicted period.
    pub predictions: Vec<Prediction>,
}

/// Run the backtest of `spec` on `data`: fold k (of K) fits the first n − (K − k + 1)·H
/// periods with the model's sampler settings and predicts the H after them. Folds run in
/// parallel; `progress` gets the number of finished folds.
pub fn backtest(
    spec: &ModelSpec,
    data: &Dataset,
    settings: &BacktestSettings,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Backtest, BacktestError> {
    let BacktestSettings { folds, horizon } = *settings;
    if folds == 0 || horizon == 0 {
        return Err(BacktestError::Empty { folds, horizon });
    }
    let n = data.n_periods();
    let longest = spec
        .channels
        .iter()
        .map(|c| c.adstock.max_lag)
        .max()
        .unwrap_or(1);
    let needed = (spec.parameters().len() + 1).max(longest).max(2);
    let train = n.saturating_sub(folds * horizon);
    if train < needed {
        return Err(BacktestError::TooFewTrainingRows {
            folds,
            horizon,
            train,
            n,
            needed,
        });
    }
    let done = AtomicUsize::new(0);
    let results: Vec<(Fold, Vec<Prediction>)> = (0..folds)
        .into_par_iter()
        .map(|k| {
            let r = fold(spec, data, train + k * horizon, horizon, k + 1);
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            r
        })
        .collect::<Result<_, _>>()?;
    let mut out_folds = Vec::with_capacity(folds);
    let mut predictions = Vec::with_capacity(folds * horizon);
    for (f, p) in results {
        out_folds.push(f);
        predictions.extend(p);
    }
    let column = |f: fn(&Prediction) -> f64| predictions.iter().map(f).collect::<Vec<f64>>();
    let overall = metrics(
        &column(|p| p.actual),
        &column(|p| p.mean),
        &column(|p| p.q5),
        &column(|p| p.q95),
    );
    Ok(Backtest {
        folds: out_folds,
        overall,
        predictions,
    })
}

/// Fit the first `n_fit` periods and predict the `horizon` after them.
fn fold(
    spec: &ModelSpec,
    data: &Dataset,
    n_fit: usize,
    horizon: usize,
    number: usize,
) -> Result<(Fold, Vec<Prediction>), BacktestError> {
    let mut density = MmmDensity::with_fit_rows(spec, data, n_fit)?;
    let samples = sample(&density, &spec.sampler, &NoProgress)?;
    let draws = PosteriorDraws::from_samples(&density, &samples);
    let max_rhat = summarize_params(&draws)
        .iter()
        .map(|s| s.stats.r_hat)
        .filter(|v| v.is_finite())
        .fold(f64::NAN, f64::max);
    let sigma_at = draws.names.iter().position(|n| n == "sigma");
    let log_normal = matches!(spec.likelihood.family, Likelihood::LogNormal);
    let all: Vec<&[f64]> = draws.iter().collect();
    let used = all.len().min(PREDICTION_DRAWS);
    let test = n_fit..n_fit + horizon;
    let mut expected = vec![vec![0.0; used]; horizon];
    let mut predictive = vec![vec![0.0; used]; horizon];
    let mut rng = ChaCha8Rng::seed_from_u64(spec.sampler.seed.wrapping_add(number as u64));
    let mut dec = Decomposition::default();
    let mut rep = vec![0.0; data.n_periods()];
    for d in 0..used {
        let x = all[d * all.len() / used];
        density.decompose(x, &mut dec);
        density.predictive_draw(x, &mut rng, &mut rep);
        // The log-normal fit is the median exp(mu); its mean carries exp(sigma² / 2).
        let lift = match (log_normal, sigma_at) {
            (true, Some(i)) => (0.5 * x[i] * x[i]).exp(),
            _ => 1.0,
        };
        for (h, t) in test.clone().enumerate() {
            expected[h][d] = dec.fitted[t] * lift;
            predictive[h][d] = rep[t];
        }
    }
    let predictions: Vec<Prediction> = test
        .clone()
        .enumerate()
        .map(|(h, t)| {
            let q = quantiles(&predictive[h], &INTERVAL_PROBS);
            Prediction {
                fold: number,
                date: data.dates()[t].clone(),
                actual: data.target()[t],
                mean: expected[h].iter().sum::<f64>() / used.max(1) as f64,
                q5: q[0],
                q95: q[1],
            }
        })
        .collect();
    let column = |f: fn(&Prediction) -> f64| predictions.iter().map(f).collect::<Vec<f64>>();
    let m = metrics(
        &column(|p| p.actual),
        &column(|p| p.mean),
        &column(|p| p.q5),
        &column(|p| p.q95),
    );
    let dates = data.dates();
    Ok((
        Fold {
            fold: number,
            train_periods: n_fit,
            train_end: dates[n_fit - 1].clone(),
            test_start: dates[test.start].clone(),
            test_end: dates[test.end - 1].clone(),
            metrics: m,
            divergences: samples.divergences(),
            max_rhat,
        },
        predictions,
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::data::load_dataset_from_reader;
    use crate::fit::{data_csv, data_request};
    use crate::simulate::{SimulateOptions, Truth, simulate};

    const PERIODS: usize = 40;
    const SETTINGS: BacktestSettings = BacktestSettings {
        folds: 2,
        horizon: 5,
    };

    /// Bit-for-bit equality.
    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits()
    }

    fn quick_model() -> ModelSpec {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/sbc_small.toml");
        let mut spec = ModelSpec::from_file(path).unwrap();
        spec.override_sampler(Some(1), Some(60), Some(40), Some(3))
            .unwrap();
        spec
    }

    fn simulated(spec: &ModelSpec) -> Dataset {
        let options = SimulateOptions {
            periods: Some(PERIODS),
            seed: Some(5),
        };
        simulate(spec, &Truth::prior_draw(spec), &options)
            .unwrap()
            .data
    }

    #[test]
    fn folds_predict_consecutive_windows_after_growing_training_sets() {
        let spec = quick_model();
        let data = simulated(&spec);
        let b = backtest(&spec, &data, &SETTINGS, &|_| {}).unwrap();
        let train: Vec<usize> = b.folds.iter().map(|f| f.train_periods).collect();
        assert_eq!(train, [30, 35]);
        assert_eq!(b.predictions.len(), 10);
        assert_eq!(b.folds[0].test_start, data.dates()[30]);
        assert_eq!(b.folds[1].test_end, data.dates()[39]);
        for (p, t) in b.predictions.iter().zip(30..) {
            assert_eq!(p.date, data.dates()[t]);
            assert!(p.q5 <= p.q95 && same(p.actual, data.target()[t]));
        }
        assert_eq!(b.overall.n, 10);
    }

    #[test]
    fn held_out_outcomes_never_reach_the_fit() {
        // Change the outcome of the last window: no fold fits on it, so every prediction stays
        // bit for bit the same.
        let spec = quick_model();
        let data = simulated(&spec);
        let mut csv: Vec<String> = data_csv(&spec, &data).lines().map(str::to_string).collect();
        for line in csv.iter_mut().skip(1 + PERIODS - SETTINGS.horizon) {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            cells[1] = "1000".to_string();
            *line = cells.join(",");
        }
        let changed = load_dataset_from_reader(
            csv.join("\n").as_bytes(),
            "changed.csv",
            &data_request(&spec),
        )
        .unwrap();
        let a = backtest(&spec, &data, &SETTINGS, &|_| {}).unwrap();
        let b = backtest(&spec, &changed, &SETTINGS, &|_| {}).unwrap();
        for (p, q) in a.predictions.iter().zip(&b.predictions) {
            assert!(
                same(p.mean, q.mean) && same(p.q5, q.q5) && same(p.q95, q.q95),
                "{}",
                p.date
            );
        }
        assert!(!same(a.overall.rmse, b.overall.rmse));
    }

    #[test]
    fn too_many_folds_are_refused_with_what_to_do() {
        let spec = quick_model();
        let data = simulated(&spec);
        let many = BacktestSettings {
            folds: 7,
            horizon: 5,
        };
        let err = backtest(&spec, &data, &many, &|_| {}).unwrap_err();
        assert!(
            matches!(
                err,
                BacktestError::TooFewTrainingRows {
                    train: 5,
                    needed: 9,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("use fewer --folds"));
        let none = BacktestSettings {
            folds: 0,
            horizon: 5,
        };
        assert!(matches!(
            backtest(&spec, &data, &none, &|_| {}),
            Err(BacktestError::Empty { .. })
        ));
    }
}

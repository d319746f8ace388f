//! Metric adaptation over Stan's warm-up windows: each kind of metric pairs the mass matrix the
//! trajectory uses with the estimator that replaces it at the end of every window.

use super::auto_metric::AutoMetric;
use super::dense_estimate::CovEstimator;
use super::dense_metric::DenseMetric;
use super::diag_metric::DiagMetric;
use super::hamiltonian::MassMatrix;
use super::low_rank_metric::LowRankMetric;
use super::metric::{MetricEstimator, initial_inv_mass};
use super::settings::{
    AUTO_MAX_CORRECTION_DIM, AUTO_MAX_FISHER_CORRECTED, AUTO_MAX_RESIDUAL_SHARE,
    AUTO_MIN_WINDOW_DRAWS, LOW_RANK_CUTOFF,
};

/// What the end of a metric window installed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WindowEnd {
    /// The first coordinate whose inverse mass was held up by the floor, if any.
    pub floored: Option<usize>,
    /// Directions corrected beyond the diagonal: 0 for a diagonal metric, n for a dense one.
    pub rank: usize,
    /// Fisher divergence per dimension of the installed metric on the window's draws and
    /// gradients (1 when it whitens a Gaussian posterior); None when not measured.
    pub fisher: Option<f64>,
    /// The same for the window's diagonal metric.
    pub fisher_diag: Option<f64>,
}

/// The `auto` gate: a window's low-rank correction, whose metric has Fisher divergence
/// `fisher_corrected` where the diagonal one has `fisher_diag` (per dimension, 1 at best), is
/// applied only when it leaves at most [`AUTO_MAX_FISHER_CORRECTED`] and at most
/// [`AUTO_MAX_RESIDUAL_SHARE`] of the diagonal's excess over 1. NaN never passes.
pub(crate) fn auto_accepts(fisher_diag: f64, fisher_corrected: f64) -> bool {
    let excess = fisher_diag - 1.0;
    excess > 0.0
        && fisher_corrected <= AUTO_MAX_FISHER_CORRECTED
        && fisher_corrected - 1.0 <= AUTO_MAX_RESIDUAL_SHARE * excess
}

/// A metric that learns from warm-up draws.
pub(crate) trait AdaptiveMetric {
    /// The mass matrix handed to the trajectory.
    type Metric: MassMatrix;

    /// The unit metric in `dim` dimensions.
    fn new(dim: usize) -> Self;

    /// The current mass matrix.
    fn metric(&self) -> &Self::Metric;

    /// The first metric, from the gradient at the initial point (before any window).
    fn start(&mut self, grad: &[f64]);

    /// Record one warm-up draw of the current window and the gradient there.
    fn add(&mut self, q: &[f64], grad: &[f64]);

    /// End of a window: estimate, install the new metric, forget the window's draws.
    fn end_window(&mut self) -> WindowEnd;

    /// The diagonal of the inverse mass M^{-1}.
    fn inv_mass_diag(&self) -> Vec<f64>;

    /// The whole inverse mass (n x n row-major) when the metric is dense.
    fn inv_mass_dense(&self) -> Option<Vec<f64>>;
}

/// The diagonal metric with the gradient-informed estimate of [`MetricEstimator`].
#[derive(Debug, Clone)]
pub(crate) struct DiagAdaptation {
    metric: DiagMetric,
    inv_mass: Vec<f64>,
    estimator: MetricEstimator,
}

impl AdaptiveMetric for DiagAdaptation {
    type Metric = DiagMetric;

    fn new(dim: usize) -> Self {
        DiagAdaptation {
            metric: DiagMetric::unit(dim),
            inv_mass: vec![1.0; dim],
            estimator: MetricEstimator::new(dim),
        }
    }

    fn metric(&self) -> &DiagMetric {
        &self.metric
    }

    fn start(&mut self, grad: &[f64]) {
        initial_inv_mass(grad, &mut self.inv_mass);
        self.metric.set(&self.inv_mass);
    }

    fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.estimator.add(q, grad);
    }

    fn end_window(&mut self) -> WindowEnd {
        let floored = self.estimator.estimate(&mut self.inv_mass);
        let fisher = self.estimator.fisher(&self.inv_mass);
        self.metric.set(&self.inv_mass);
        self.estimator.reset();
        WindowEnd {
            floored,
            rank: 0,
            fisher,
            fisher_diag: fisher,
        }
    }

    fn inv_mass_diag(&self) -> Vec<f64> {
        self.inv_mass.clone()
    }

    fn inv_mass_dense(&self) -> Option<Vec<f64>> {
        None
    }
}

/// The dense metric: the diagonal estimate of [`MetricEstimator`] sets the scales, the
/// covariances of [`CovEstimator`] the rest.
#[derive(Debug, Clone)]
pub(crate) struct DenseAdaptation {
    metric: DenseMetric,
    diag: Vec<f64>,
    diag_estimator: MetricEstimator,
    cov_estimator: CovEstimator,
    scratch: Vec<f64>,
}

impl AdaptiveMetric for DenseAdaptation {
    type Metric = DenseMetric;

    fn new(dim: usize) -> Self {
        DenseAdaptation {
            metric: DenseMetric::unit(dim),
            diag: vec![1.0; dim],
            diag_estimator: MetricEstimator::new(dim),
            cov_estimator: CovEstimator::new(dim),
            scratch: vec![0.0; dim * dim],
        }
    }

    fn metric(&self) -> &DenseMetric {
        &self.metric
    }

    fn start(&mut self, grad: &[f64]) {
        initial_inv_mass(grad, &mut self.diag);
        self.metric.set_diagonal(&self.diag);
    }

    fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.diag_estimator.add(q, grad);
        self.cov_estimator.add(q, grad);
    }

    /// A window whose dense estimate fails (too short, not positive definite) falls back to
    /// the diagonal estimate.
    fn end_window(&mut self) -> WindowEnd {
        let floored = self.diag_estimator.estimate(&mut self.diag);
        let fisher_diag = self.diag_estimator.fisher(&self.diag);
        let dense_ok = self.cov_estimator.estimate(&self.diag, &mut self.scratch)
            && self.metric.set(&self.scratch).is_ok();
        if !dense_ok {
            self.metric.set_diagonal(&self.diag);
        }
        self.diag_estimator.reset();
        self.cov_estimator.reset();
        WindowEnd {
            floored,
            rank: if dense_ok { self.diag.len() } else { 0 },
            fisher: if dense_ok { None } else { fisher_diag },
            fisher_diag,
        }
    }

    fn inv_mass_diag(&self) -> Vec<f64> {
        let n = self.diag.len();
        (0..n).map(|i| self.metric.inv_mass()[i * n + i]).collect()
    }

    fn inv_mass_dense(&self) -> Option<Vec<f64>> {
        Some(self.metric.inv_mass().to_vec())
    }
}

/// The diagonal metric corrected along the directions where the covariance estimate, in the
/// diagonal's scaled coordinates, has eigenvalues outside `[1 / c, c]` ([`LOW_RANK_CUTOFF`])
/// (the `low_rank` metric).
#[derive(Debug, Clone)]
pub(crate) struct LowRankAdaptation {
    metric: LowRankMetric,
    window: LowRankWindow,
}

/// The estimators of a low-rank window, shared by `low_rank` and `auto`.
#[derive(Debug, Clone)]
struct LowRankWindow {
    diag: Vec<f64>,
    /// Draws added in the current window.
    draws: usize,
    diag_estimator: MetricEstimator,
    /// `None` when no correction is estimated (`auto` above [`AUTO_MAX_CORRECTION_DIM`]).
    cov_estimator: Option<CovEstimator>,
}

impl LowRankWindow {
    fn new(dim: usize, estimate_correction: bool) -> Self {
        LowRankWindow {
            diag: vec![1.0; dim],
            draws: 0,
            diag_estimator: MetricEstimator::new(dim),
            cov_estimator: estimate_correction.then(|| CovEstimator::new(dim)),
        }
    }

    fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.draws += 1;
        self.diag_estimator.add(q, grad);
        if let Some(cov) = &mut self.cov_estimator {
            cov.add(q, grad);
        }
    }

    /// Estimate the diagonal and the correction (only directions that lower the Fisher
    /// divergence when `only_improving`), forget the window, and hand the correction to
    /// `install` as (diagonal, directions, eigenvalues, Fisher divergence of the diagonal and
    /// of the corrected metric); a window whose estimate fails gets no direction.
    fn end(
        &mut self,
        only_improving: bool,
        install: impl FnOnce(&[f64], &[f64], &[f64], Option<f64>, Option<f64>) -> usize,
    ) -> WindowEnd {
        let floored = self.diag_estimator.estimate(&mut self.diag);
        let fisher_diag = self.diag_estimator.fisher(&self.diag);
        let lr = self
            .cov_estimator
            .as_ref()
            .and_then(|cov| cov.low_rank(&self.diag, LOW_RANK_CUTOFF, only_improving));
        let (rank, fisher) = match lr {
            Some(lr) => {
                let rank = install(
                    &self.diag,
                    &lr.vecs,
                    &lr.vals,
                    Some(lr.fisher_diag),
                    Some(lr.fisher_low_rank),
                );
                let fisher = if rank > 0 {
                    Some(lr.fisher_low_rank)
                } else {
                    fisher_diag
                };
                (rank, fisher)
            }
            None => (install(&self.diag, &[], &[], None, None), fisher_diag),
        };
        self.diag_estimator.reset();
        if let Some(cov) = &mut self.cov_estimator {
            cov.reset();
        }
        self.draws = 0;
        WindowEnd {
            floored,
            rank,
            fisher,
            fisher_diag,
        }
    }
}

impl AdaptiveMetric for LowRankAdaptation {
    type Metric = LowRankMetric;

    fn new(dim: usize) -> Self {
        LowRankAdaptation {
            metric: LowRankMetric::unit(dim),
            window: LowRankWindow::new(dim, true),
        }
    }

    fn metric(&self) -> &LowRankMetric {
        &self.metric
    }

    fn start(&mut self, grad: &[f64]) {
        initial_inv_mass(grad, &mut self.window.diag);
        self.metric.set(&self.window.diag, &[], &[]);
    }

    fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.window.add(q, grad);
    }

    fn end_window(&mut self) -> WindowEnd {
        let metric = &mut self.metric;
        self.window.end(false, |d, vecs, vals, _, _| {
            metric.set(d, vecs, vals);
            vals.len()
        })
    }

    fn inv_mass_diag(&self) -> Vec<f64> {
        self.metric.inv_mass_diag()
    }

    fn inv_mass_dense(&self) -> Option<Vec<f64>> {
        (self.metric.rank() > 0).then(|| self.metric.inv_mass_dense())
    }
}

/// The `auto` metric: the low-rank correction keeps only directions that lower the window's
/// Fisher divergence, and is applied only in a window of at least [`AUTO_MIN_WINDOW_DRAWS`]
/// draws and when [`auto_accepts`] it; otherwise the window's
/// metric is exactly the diagonal one, computed as [`DiagAdaptation`] computes it.
#[derive(Debug, Clone)]
pub(crate) struct AutoAdaptation {
    metric: AutoMetric,
    window: LowRankWindow,
}

impl AdaptiveMetric for AutoAdaptation {
    type Metric = AutoMetric;

    fn new(dim: usize) -> Self {
        AutoAdaptation {
            metric: AutoMetric::unit(dim),
            window: LowRankWindow::new(dim, dim <= AUTO_MAX_CORRECTION_DIM),
        }
    }

    fn metric(&self) -> &AutoMetric {
        &self.metric
    }

    fn start(&mut self, grad: &[f64]) {
        initial_inv_mass(grad, &mut self.window.diag);
        self.metric.set(&self.window.diag, &[], &[]);
    }

    fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.window.add(q, grad);
    }

    fn end_window(&mut self) -> WindowEnd {
        let metric = &mut self.metric;
        let enough = self.window.draws >= AUTO_MIN_WINDOW_DRAWS;
        self.window.end(true, |d, vecs, vals, f_diag, f_corrected| {
            let accept = enough
                && !vals.is_empty()
                && matches!((f_diag, f_corrected), (Some(a), Some(b)) if auto_accepts(a, b));
            if accept {
                metric.set(d, vecs, vals);
            } else {
                metric.set(d, &[], &[]);
            }
            metric.rank()
        })
    }

    fn inv_mass_diag(&self) -> Vec<f64> {
        if self.metric.rank() > 0 {
            self.metric.low_rank().inv_mass_diag()
        } else {
            self.window.diag.clone()
        }
    }

    fn inv_mass_dense(&self) -> Option<Vec<f64>> {
        (self.metric.rank() > 0).then(|| self.metric.low_rank().inv_mass_dense())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Above the size cap `auto` keeps no covariance estimate (two n × n matrices per chain)
    /// and installs the diagonal metric at every window end, whatever its draws.
    #[test]
    fn auto_above_the_size_cap_estimates_no_correction() {
        assert!(
            AutoAdaptation::new(AUTO_MAX_CORRECTION_DIM)
                .window
                .cov_estimator
                .is_some()
        );
        let n = AUTO_MAX_CORRECTION_DIM + 1;
        let mut big = AutoAdaptation::new(n);
        assert!(big.window.cov_estimator.is_none());
        big.start(&vec![1.0; n]);
        // Strongly correlated draws: below the cap a correction could be installed.
        for i in 0..200 {
            let t = (i as f64 * 0.37).sin();
            let q: Vec<f64> = (0..n).map(|j| t + 1e-3 * ((i * j) as f64).cos()).collect();
            let g: Vec<f64> = q.iter().map(|x| -x).collect();
            big.add(&q, &g);
        }
        let end = big.end_window();
        assert_eq!(end.rank, 0);
        assert!(big.inv_mass_dense().is_none());
        assert!(
            big.inv_mass_diag()
                .iter()
                .all(|v| v.is_finite() && *v > 0.0)
        );
    }

    /// The gate: a nearly whitening correction that removes nearly all of the misfit passes;
    /// one that leaves the metric poor, or removes only part of the misfit, does not.
    #[test]
    fn auto_applies_only_a_correction_that_removes_nearly_all_misfit() {
        // kilpisjarvi-like: a ridge the correction removes.
        assert!(auto_accepts(150.0, 1.3));
        // Removes 97 % of the excess but leaves 2.5: still a poor metric.
        assert!(!auto_accepts(51.0, 2.5));
        // A curved ridge: the correction halves the divergence and no more.
        assert!(!auto_accepts(4.0, 2.0));
        assert!(!auto_accepts(3.0, 1.3));
        assert!(auto_accepts(3.0, 1.09));
        assert!(!auto_accepts(3.0, 1.2));
        // The diagonal already fits: nothing to remove.
        assert!(!auto_accepts(1.0, 0.99));
        assert!(!auto_accepts(0.98, 0.9));
        assert!(!auto_accepts(f64::NAN, 1.0));
        assert!(!auto_accepts(5.0, f64::NAN));
    }
}

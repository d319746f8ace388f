//! Metric adaptation over Stan's warm-up windows: each kind of metric pairs the mass matrix the
//! trajectory uses with the estimator that replaces it at the end of every window.

use super::dense_estimate::CovEstimator;
use super::dense_metric::DenseMetric;
use super::diag_metric::DiagMetric;
use super::hamiltonian::MassMatrix;
use super::low_rank_metric::LowRankMetric;
use super::metric::{MetricEstimator, initial_inv_mass};
use super::settings::{AUTO_MAX_FISHER_RATIO, AUTO_MIN_FISHER_DIAG, LOW_RANK_CUTOFF};

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

    /// End of a window: estimate, install the new metric, forget the window's draws. Returns
    /// the first coordinate whose inverse mass was held up by the floor, if any.
    fn end_window(&mut self) -> Option<usize>;

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

    fn end_window(&mut self) -> Option<usize> {
        let floored = self.estimator.estimate(&mut self.inv_mass);
        self.metric.set(&self.inv_mass);
        self.estimator.reset();
        floored
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
    fn end_window(&mut self) -> Option<usize> {
        let floored = self.diag_estimator.estimate(&mut self.diag);
        let dense_ok = self.cov_estimator.estimate(&self.diag, &mut self.scratch)
            && self.metric.set(&self.scratch).is_ok();
        if !dense_ok {
            self.metric.set_diagonal(&self.diag);
        }
        self.diag_estimator.reset();
        self.cov_estimator.reset();
        floored
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
/// diagonal's scaled coordinates, has eigenvalues outside `[1 / c, c]` ([`LOW_RANK_CUTOFF`]).
/// With `GATED` (the `auto` metric) the correction keeps only directions that lower the
/// window's Fisher divergence, and is applied only when the diagonal metric fits poorly
/// (divergence at least [`AUTO_MIN_FISHER_DIAG`]) and the correction divides its divergence by
/// at least 1 / [`AUTO_MAX_FISHER_RATIO`]; otherwise the metric is exactly the diagonal one.
#[derive(Debug, Clone)]
pub(crate) struct LowRankAdaptation<const GATED: bool> {
    metric: LowRankMetric,
    diag: Vec<f64>,
    diag_estimator: MetricEstimator,
    cov_estimator: CovEstimator,
}

impl<const GATED: bool> AdaptiveMetric for LowRankAdaptation<GATED> {
    type Metric = LowRankMetric;

    fn new(dim: usize) -> Self {
        LowRankAdaptation {
            metric: LowRankMetric::unit(dim),
            diag: vec![1.0; dim],
            diag_estimator: MetricEstimator::new(dim),
            cov_estimator: CovEstimator::new(dim),
        }
    }

    fn metric(&self) -> &LowRankMetric {
        &self.metric
    }

    fn start(&mut self, grad: &[f64]) {
        initial_inv_mass(grad, &mut self.diag);
        self.metric.set(&self.diag, &[], &[]);
    }

    fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.diag_estimator.add(q, grad);
        self.cov_estimator.add(q, grad);
    }

    /// A window whose estimate fails (too short, not positive definite) keeps the diagonal.
    fn end_window(&mut self) -> Option<usize> {
        let floored = self.diag_estimator.estimate(&mut self.diag);
        let lrr = self
            .cov_estimator
            .low_rank(&self.diag, LOW_RANK_CUTOFF, GATED);
        match lrr {
            Some(lr)
                if !GATED
                    || (lr.fisher_diag >= AUTO_MIN_FISHER_DIAG
                        && lr.fisher_low_rank <= AUTO_MAX_FISHER_RATIO * lr.fisher_diag) =>
            {
                self.metric.set(&self.diag, &lr.vecs, &lr.vals);
            }
            _ => self.metric.set(&self.diag, &[], &[]),
        }
        self.diag_estimator.reset();
        self.cov_estimator.reset();
        floored
    }

    fn inv_mass_diag(&self) -> Vec<f64> {
        self.metric.inv_mass_diag()
    }

    fn inv_mass_dense(&self) -> Option<Vec<f64>> {
        (self.metric.rank() > 0).then(|| self.metric.inv_mass_dense())
    }
}

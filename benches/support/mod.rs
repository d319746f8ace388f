//! Adapters of the sampler benchmarks: a density that counts its gradient evaluations, and any
//! `mmm::LogDensity` as a nuts-rs `CpuLogpFunc`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mmm::{LogDensity, LogpError};
use nuts_rs::{CpuLogpFunc, CpuMathError, HasDims};

/// A density that counts its evaluations; every clone counts from zero and adds its count to
/// the shared `total` when dropped (the samplers drop their per-chain clones at the end), so
/// the hot path pays one integer increment, not an atomic.
#[derive(Debug)]
pub struct Counted<D> {
    inner: D,
    calls: u64,
    total: Arc<AtomicU64>,
}

impl<D> Counted<D> {
    pub fn new(inner: D, total: Arc<AtomicU64>) -> Self {
        Counted {
            inner,
            calls: 0,
            total,
        }
    }
}

impl<D: Clone> Clone for Counted<D> {
    fn clone(&self) -> Self {
        Counted::new(self.inner.clone(), Arc::clone(&self.total))
    }
}

impl<D> Drop for Counted<D> {
    fn drop(&mut self) {
        self.total.fetch_add(self.calls, Ordering::Relaxed);
    }
}

impl<D: LogDensity> LogDensity for Counted<D> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        self.calls += 1;
        self.inner.logp_grad(theta, grad)
    }
}

/// nuts-rs's error type around ours.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct NutsRsError(LogpError);

impl nuts_rs::LogpError for NutsRsError {
    fn is_recoverable(&self) -> bool {
        self.0.is_recoverable()
    }
}

/// Any `mmm::LogDensity` as a nuts-rs `CpuLogpFunc`.
#[derive(Debug, Clone)]
pub struct NutsRsModel<D>(pub D);

impl<D: LogDensity> HasDims for NutsRsModel<D> {
    fn dim_sizes(&self) -> HashMap<String, u64> {
        HashMap::from([("unconstrained_parameter".to_string(), self.0.dim() as u64)])
    }
}

impl<D: LogDensity> CpuLogpFunc for NutsRsModel<D> {
    type LogpError = NutsRsError;
    type FlowParameters = ();
    type ExpandedVector = Vec<f64>;

    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn logp(&mut self, position: &[f64], grad: &mut [f64]) -> Result<f64, NutsRsError> {
        self.0.logp_grad(position, grad).map_err(NutsRsError)
    }

    fn expand_vector<R>(&mut self, _rng: &mut R, array: &[f64]) -> Result<Vec<f64>, CpuMathError>
    where
        R: rand::Rng + ?Sized,
    {
        Ok(array.to_vec())
    }
}

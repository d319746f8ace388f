//! The benchmark densities (a 100-d standard normal and posteriordb's kidiq) and the wrappers
//! that count gradient evaluations and let nuts-rs sample any `mmm::LogDensity`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mmm::{LogDensity, LogpError};
use nuts_rs::{CpuLogpFunc, CpuMathError, HasDims};
use serde::Deserialize;

/// The standard normal in `dim` dimensions.
#[derive(Debug, Clone)]
pub struct StdNormal {
    pub dim: usize,
}

impl LogDensity for StdNormal {
    fn dim(&self) -> usize {
        self.dim
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let mut lp = 0.0;
        for (g, x) in grad.iter_mut().zip(theta) {
            *g = -x;
            lp -= 0.5 * x * x;
        }
        Ok(lp)
    }
}

/// Scale of the half-Cauchy prior on sigma in posteriordb's `kidscore_momhsiq`.
const KIDIQ_SIGMA_SCALE: f64 = 2.5;

/// posteriordb `kidiq-kidscore_momhsiq`: kid_score ~ N(b1 + b2 mom_hs + b3 mom_iq, sigma), flat
/// b, sigma ~ half-Cauchy(0, 2.5). Unconstrained parameters (b1, b2, b3, u) with sigma = exp(u)
/// and the log-Jacobian u added. A stand-in until `mmm::reference_models` lands on main.
#[derive(Debug, Clone)]
pub struct Kidiq {
    y: Arc<[f64]>,
    hs: Arc<[f64]>,
    iq: Arc<[f64]>,
}

#[derive(Deserialize)]
struct KidiqData {
    kid_score: Vec<f64>,
    mom_hs: Vec<f64>,
    mom_iq: Vec<f64>,
}

impl Kidiq {
    /// Read posteriordb's data file.
    pub fn load(path: &str) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let d: KidiqData = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        if d.mom_hs.len() != d.kid_score.len() || d.mom_iq.len() != d.kid_score.len() {
            return Err(format!(
                "{path}: kid_score, mom_hs and mom_iq differ in length"
            ));
        }
        Ok(Kidiq {
            y: d.kid_score.into(),
            hs: d.mom_hs.into(),
            iq: d.mom_iq.into(),
        })
    }
}

impl LogDensity for Kidiq {
    fn dim(&self) -> usize {
        4
    }

    fn logp_grad(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<f64, LogpError> {
        let (b1, b2, b3, u) = (theta[0], theta[1], theta[2], theta[3]);
        let (mut ss, mut r1, mut r2, mut r3) = (0.0, 0.0, 0.0, 0.0);
        for ((y, hs), iq) in self.y.iter().zip(self.hs.iter()).zip(self.iq.iter()) {
            let r = y - b1 - b2 * hs - b3 * iq;
            ss += r * r;
            r1 += r;
            r2 += r * hs;
            r3 += r * iq;
        }
        let n = self.y.len() as f64;
        let prec = (-2.0 * u).exp();
        let s2 = (2.0 * u).exp() / (KIDIQ_SIGMA_SCALE * KIDIQ_SIGMA_SCALE);
        grad[0] = prec * r1;
        grad[1] = prec * r2;
        grad[2] = prec * r3;
        grad[3] = -(n - 1.0) + prec * ss - 2.0 * s2 / (1.0 + s2);
        Ok(-(n - 1.0) * u - 0.5 * prec * ss - s2.ln_1p())
    }
}

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

/// Relative step of the central finite differences in [`check_gradient`].
const FD_STEP: f64 = 1e-6;
/// Largest accepted |analytic - finite difference| / (1 + |finite difference|).
const FD_TOL: f64 = 1e-5;

/// Compare the gradient of `density` at `theta` with central finite differences; the bench
/// refuses to time a density whose gradient is wrong.
pub fn check_gradient<D: LogDensity>(density: &mut D, theta: &[f64]) -> Result<(), String> {
    let n = theta.len();
    let mut grad = vec![0.0; n];
    let mut scratch = vec![0.0; n];
    density
        .logp_grad(theta, &mut grad)
        .map_err(|e| e.to_string())?;
    let mut x = theta.to_vec();
    for i in 0..n {
        let h = FD_STEP * (1.0 + theta[i].abs());
        x[i] = theta[i] + h;
        let up = density
            .logp_grad(&x, &mut scratch)
            .map_err(|e| e.to_string())?;
        x[i] = theta[i] - h;
        let down = density
            .logp_grad(&x, &mut scratch)
            .map_err(|e| e.to_string())?;
        x[i] = theta[i];
        let fd = (up - down) / (2.0 * h);
        if (grad[i] - fd).abs() > FD_TOL * (1.0 + fd.abs()) {
            return Err(format!(
                "coordinate {i}: analytic {} vs finite difference {fd}",
                grad[i]
            ));
        }
    }
    Ok(())
}

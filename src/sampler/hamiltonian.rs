//! Euclidean Hamiltonian dynamics: phase-space points, the interface every mass matrix offers
//! (momentum draws, kinetic energy, velocity) and the leapfrog integrator written once over it.

use super::target::{LogDensity, LogpError, checked_logp_grad};

/// A point in phase space: position, momentum, and the log density with its gradient there.
#[derive(Debug, Clone)]
pub(crate) struct Point {
    /// Position (unconstrained parameters).
    pub q: Vec<f64>,
    /// Momentum.
    pub p: Vec<f64>,
    /// Gradient of the log density at `q`.
    pub grad: Vec<f64>,
    /// Log density at `q`.
    pub lp: f64,
}

impl Point {
    /// A zeroed point of dimension `n`.
    pub fn new(n: usize) -> Self {
        Point {
            q: vec![0.0; n],
            p: vec![0.0; n],
            grad: vec![0.0; n],
            lp: f64::NEG_INFINITY,
        }
    }

    /// Copy `other` into `self` without allocating.
    pub fn copy_from(&mut self, other: &Point) {
        self.q.copy_from_slice(&other.q);
        self.p.copy_from_slice(&other.p);
        self.grad.copy_from_slice(&other.grad);
        self.lp = other.lp;
    }
}

/// A Euclidean metric with mass matrix M (kinetic energy p^T M^{-1} p / 2). Every method writes
/// into caller buffers and allocates nothing: they run inside the trajectory.
pub(crate) trait MassMatrix {
    /// Momentum from independent standard normal draws `z`, in place, so that p ~ N(0, M).
    fn momentum_from_std(&self, z: &mut [f64]);

    /// Kinetic energy p^T M^{-1} p / 2.
    fn kinetic(&self, p: &[f64]) -> f64;

    /// The velocity M^{-1} p ("p sharp" in Stan), written into `out`.
    fn velocity(&self, p: &[f64], out: &mut [f64]);

    /// The position update of a leapfrog step: q += eps M^{-1} p.
    fn drift(&self, q: &mut [f64], p: &[f64], eps: f64);

    /// Kinetic energy and velocity together (a dense metric shares the product M^{-1} p).
    fn kinetic_and_velocity(&self, p: &[f64], out: &mut [f64]) -> f64 {
        let k = self.kinetic(p);
        self.velocity(p, out);
        k
    }

    /// The Hamiltonian -log p(q) + K(p) of a point.
    fn energy(&self, z: &Point) -> f64 {
        -z.lp + self.kinetic(&z.p)
    }

    /// One leapfrog step of size `eps` (negative to go backwards), updating `z` in place.
    fn leapfrog<D: LogDensity + ?Sized>(
        &self,
        density: &mut D,
        z: &mut Point,
        eps: f64,
    ) -> Result<(), LogpError> {
        let half = 0.5 * eps;
        for (p, g) in z.p.iter_mut().zip(&z.grad) {
            *p += half * g;
        }
        self.drift(&mut z.q, &z.p, eps);
        z.lp = checked_logp_grad(density, &z.q, &mut z.grad)?;
        for (p, g) in z.p.iter_mut().zip(&z.grad) {
            *p += half * g;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::dense_metric::DenseMetric;
    use super::super::diag_metric::DiagMetric;
    use super::*;

    const ENERGY_DRIFT_TOL: f64 = 1e-3;
    const REVERSIBILITY_TOL: f64 = 1e-12;

    /// A correlated 2-d normal with covariance [[1, 0.8], [0.8, 4]].
    struct Gauss;
    const DET: f64 = 4.0 - 0.8 * 0.8;
    const PREC: [[f64; 2]; 2] = [[4.0 / DET, -0.8 / DET], [-0.8 / DET, 1.0 / DET]];
    impl LogDensity for Gauss {
        fn dim(&self) -> usize {
            2
        }
        fn logp_grad(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
            g[0] = -(PREC[0][0] * x[0] + PREC[0][1] * x[1]);
            g[1] = -(PREC[1][0] * x[0] + PREC[1][1] * x[1]);
            Ok(0.5 * (x[0] * g[0] + x[1] * g[1]))
        }
    }

    fn check_leapfrog<M: MassMatrix>(metric: &M) {
        let mut z = Point::new(2);
        z.q.copy_from_slice(&[0.5, -1.0]);
        z.p.copy_from_slice(&[0.3, 0.2]);
        z.lp = Gauss.logp_grad(&z.q, &mut z.grad).unwrap();
        let start = z.clone();
        let h0 = metric.energy(&z);
        for _ in 0..20 {
            metric.leapfrog(&mut Gauss, &mut z, 0.05).unwrap();
        }
        assert!((metric.energy(&z) - h0).abs() < ENERGY_DRIFT_TOL);
        for _ in 0..20 {
            metric.leapfrog(&mut Gauss, &mut z, -0.05).unwrap();
        }
        for (a, b) in z.q.iter().zip(&start.q) {
            assert!((a - b).abs() < REVERSIBILITY_TOL);
        }
    }

    #[test]
    fn leapfrog_is_reversible_and_nearly_conserves_energy() {
        let mut diag = DiagMetric::unit(2);
        diag.set(&[1.0, 4.0]);
        check_leapfrog(&diag);
        let mut dense = DenseMetric::unit(2);
        dense.set(&[1.0, 0.8, 0.8, 4.0]).unwrap();
        check_leapfrog(&dense);
    }
}

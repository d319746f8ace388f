//! Euclidean Hamiltonian dynamics with a diagonal metric: phase-space points, kinetic energy and
//! the leapfrog integrator.

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

/// The diagonal metric: `inv_mass[i]` is the inverse mass (the posterior variance estimate) of
/// coordinate `i`, and `sqrt_mass[i]` = 1 / sqrt(inv_mass[i]) scales momentum draws.
#[derive(Debug, Clone)]
pub(crate) struct DiagMetric {
    pub inv_mass: Vec<f64>,
    sqrt_mass: Vec<f64>,
}

impl DiagMetric {
    /// The unit metric in `n` dimensions.
    pub fn unit(n: usize) -> Self {
        DiagMetric {
            inv_mass: vec![1.0; n],
            sqrt_mass: vec![1.0; n],
        }
    }

    /// Replace the inverse mass by `inv_mass`.
    pub fn set(&mut self, inv_mass: &[f64]) {
        self.inv_mass.copy_from_slice(inv_mass);
        for (s, v) in self.sqrt_mass.iter_mut().zip(inv_mass) {
            *s = 1.0 / v.sqrt();
        }
    }

    /// Momentum from independent standard normal draws `z`: p = M^{1/2} z.
    pub fn momentum_from_std(&self, z: &mut [f64]) {
        for (zi, s) in z.iter_mut().zip(&self.sqrt_mass) {
            *zi *= s;
        }
    }

    /// Kinetic energy p^T M^{-1} p / 2.
    pub fn kinetic(&self, p: &[f64]) -> f64 {
        0.5 * p
            .iter()
            .zip(&self.inv_mass)
            .map(|(pi, m)| pi * pi * m)
            .sum::<f64>()
    }

    /// The velocity M^{-1} p ("p sharp" in Stan), written into `out`.
    pub fn velocity(&self, p: &[f64], out: &mut [f64]) {
        for ((o, pi), m) in out.iter_mut().zip(p).zip(&self.inv_mass) {
            *o = pi * m;
        }
    }

    /// The Hamiltonian -log p(q) + K(p) of a point.
    pub fn energy(&self, z: &Point) -> f64 {
        -z.lp + self.kinetic(&z.p)
    }

    /// One leapfrog step of size `eps` (negative to go backwards), updating `z` in place.
    pub fn leapfrog<D: LogDensity + ?Sized>(
        &self,
        density: &mut D,
        z: &mut Point,
        eps: f64,
    ) -> Result<(), LogpError> {
        let half = 0.5 * eps;
        for (p, g) in z.p.iter_mut().zip(&z.grad) {
            *p += half * g;
        }
        for ((q, p), m) in z.q.iter_mut().zip(&z.p).zip(&self.inv_mass) {
            *q += eps * m * p;
        }
        z.lp = checked_logp_grad(density, &z.q, &mut z.grad)?;
        for (p, g) in z.p.iter_mut().zip(&z.grad) {
            *p += half * g;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENERGY_DRIFT_TOL: f64 = 1e-3;

    struct Gauss;
    impl LogDensity for Gauss {
        fn dim(&self) -> usize {
            2
        }
        fn logp_grad(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
            g[0] = -x[0];
            g[1] = -x[1] / 4.0;
            Ok(-0.5 * x[0] * x[0] - x[1] * x[1] / 8.0)
        }
    }

    #[test]
    fn leapfrog_is_reversible_and_nearly_conserves_energy() {
        let mut metric = DiagMetric::unit(2);
        metric.set(&[1.0, 4.0]);
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
            assert!((a - b).abs() < 1e-12);
        }
    }
}

//! The diagonal metric: one inverse mass per coordinate (Stan's `diag_e`).

use super::hamiltonian::MassMatrix;

/// `inv_mass[i]` is the inverse mass (the posterior variance estimate) of coordinate `i`, and
/// `sqrt_mass[i]` = 1 / sqrt(inv_mass[i]) scales momentum draws.
#[derive(Debug, Clone)]
pub(crate) struct DiagMetric {
    inv_mass: Vec<f64>,
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
}

impl MassMatrix for DiagMetric {
    /// p = M^{1/2} z.
    fn momentum_from_std(&self, z: &mut [f64]) {
        for (zi, s) in z.iter_mut().zip(&self.sqrt_mass) {
            *zi *= s;
        }
    }

    fn kinetic(&self, p: &[f64]) -> f64 {
        0.5 * p
            .iter()
            .zip(&self.inv_mass)
            .map(|(pi, m)| pi * pi * m)
            .sum::<f64>()
    }

    fn velocity(&self, p: &[f64], out: &mut [f64]) {
        for ((o, pi), m) in out.iter_mut().zip(p).zip(&self.inv_mass) {
            *o = pi * m;
        }
    }

    fn drift(&self, q: &mut [f64], p: &[f64], eps: f64) {
        for ((q, p), m) in q.iter_mut().zip(p).zip(&self.inv_mass) {
            *q += eps * m * p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-14;

    #[test]
    fn kinetic_velocity_and_momentum_scale_by_the_inverse_mass() {
        let mut m = DiagMetric::unit(2);
        m.set(&[4.0, 0.25]);
        let p = [1.0, 2.0];
        assert!((m.kinetic(&p) - 0.5 * (4.0 + 1.0)).abs() < TOL);
        let mut v = [0.0; 2];
        m.velocity(&p, &mut v);
        assert!((v[0] - 4.0).abs() < TOL && (v[1] - 0.5).abs() < TOL);
        let mut z = [1.0, 1.0];
        m.momentum_from_std(&mut z);
        assert!((z[0] - 0.5).abs() < TOL && (z[1] - 2.0).abs() < TOL);
    }
}

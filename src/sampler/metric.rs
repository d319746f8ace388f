//! Diagonal mass-matrix estimation from warm-up draws: the gradient-informed estimate
//! sqrt(Var[θ] / Var[∇ log p]) of nuts-rs, shrunk in log space towards the previous estimate
//! so that the regulariser is relative to each coordinate's own scale, and floored relative to
//! the problem (never by an absolute constant).

/// A coordinate's posterior sd is taken to be at least this fraction of the magnitude of its
/// mean: below that, steps are lost in the rounding of the position itself (about the square
/// root of the machine epsilon).
pub(crate) const SD_FLOOR_REL_POSITION: f64 = 1e-8;
/// An inverse mass is at least this fraction of the largest one (sds 1e10 apart at most).
pub(crate) const INV_MASS_FLOOR_REL_MAX: f64 = 1e-20;
/// Pseudo-draws of the shrinkage towards the previous estimate (Stan uses 5 towards 1e-3).
pub(crate) const SHRINK_DRAWS: f64 = 5.0;

/// Welford running means and variances of positions and gradients over one window.
#[derive(Debug, Clone)]
pub(crate) struct MetricEstimator {
    n: f64,
    mean_q: Vec<f64>,
    m2_q: Vec<f64>,
    mean_g: Vec<f64>,
    m2_g: Vec<f64>,
}

impl MetricEstimator {
    /// An empty estimator in `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        MetricEstimator {
            n: 0.0,
            mean_q: vec![0.0; dim],
            m2_q: vec![0.0; dim],
            mean_g: vec![0.0; dim],
            m2_g: vec![0.0; dim],
        }
    }

    /// Forget all draws (start of a new window).
    pub fn reset(&mut self) {
        self.n = 0.0;
        for v in [
            &mut self.mean_q,
            &mut self.m2_q,
            &mut self.mean_g,
            &mut self.m2_g,
        ] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
    }

    /// Add one draw and the gradient of the log density there.
    pub fn add(&mut self, q: &[f64], grad: &[f64]) {
        self.n += 1.0;
        let n = self.n;
        welford(&mut self.mean_q, &mut self.m2_q, q, n);
        welford(&mut self.mean_g, &mut self.m2_g, grad, n);
    }

    /// Write the new inverse mass into `inv_mass`, which holds the previous one on entry.
    /// Returns the first coordinate held up by the floor (see [`SD_FLOOR_REL_POSITION`] and
    /// [`INV_MASS_FLOOR_REL_MAX`]), if any: a sign that the chain did not move in it.
    pub fn estimate(&self, inv_mass: &mut [f64]) -> Option<usize> {
        if self.n < 3.0 {
            return None;
        }
        let w = self.n / (self.n + SHRINK_DRAWS);
        for (i, m) in inv_mass.iter_mut().enumerate() {
            let var_q = self.m2_q[i] / (self.n - 1.0);
            let var_g = self.m2_g[i] / (self.n - 1.0);
            let est = if var_q > 0.0 && var_g > 0.0 {
                (var_q / var_g).sqrt()
            } else if var_q > 0.0 {
                var_q
            } else {
                *m
            };
            let shrunk = (w * est.ln() + (1.0 - w) * m.ln()).exp();
            if shrunk.is_finite() && shrunk > 0.0 {
                *m = shrunk;
            }
        }
        let max = inv_mass.iter().fold(0.0f64, |a, b| a.max(*b));
        let mut floored = None;
        for (i, m) in inv_mass.iter_mut().enumerate() {
            let at_position = (SD_FLOOR_REL_POSITION * self.mean_q[i]).powi(2);
            let floor = at_position.max(INV_MASS_FLOOR_REL_MAX * max);
            if *m < floor {
                *m = floor;
                floored.get_or_insert(i);
            }
        }
        floored
    }
}

impl MetricEstimator {
    /// Fisher divergence per dimension of the diagonal metric `inv_mass` on the window's draws
    /// and gradients, (Σ Var[∇_i] m_i + Σ Var[θ_i] / m_i) / 2n: 1 when it whitens an
    /// independent Gaussian posterior, larger the worse it fits (as
    /// `CovEstimator::low_rank` computes it for the diagonal). None below 3 draws.
    pub fn fisher(&self, inv_mass: &[f64]) -> Option<f64> {
        if self.n < 3.0 {
            return None;
        }
        let total: f64 = (0..inv_mass.len())
            .map(|i| (self.m2_g[i] * inv_mass[i] + self.m2_q[i] / inv_mass[i]) / (self.n - 1.0))
            .sum();
        Some(total / (2.0 * inv_mass.len() as f64))
    }
}

fn welford(mean: &mut [f64], m2: &mut [f64], x: &[f64], n: f64) {
    for ((m, s), xi) in mean.iter_mut().zip(m2.iter_mut()).zip(x) {
        let d = xi - *m;
        *m += d / n;
        *s += d * (xi - *m);
    }
}

/// The first metric, before any window: 1 / |∇ log p| at the initial point (nuts-rs), which
/// already puts coordinates of very different scales on a comparable footing.
pub(crate) fn initial_inv_mass(grad: &[f64], inv_mass: &mut [f64]) {
    for (m, g) in inv_mass.iter_mut().zip(grad) {
        let v = 1.0 / g.abs();
        *m = if v.is_finite() {
            v.clamp(1e-10, 1e10)
        } else {
            1.0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REL_TOL: f64 = 0.1;

    /// For independent normals, sqrt(Var θ / Var ∇) equals the variance, whatever the scale.
    #[test]
    fn gradient_informed_estimate_recovers_variances_across_scales() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let sds = [1e-5, 1.0, 300.0];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut est = MetricEstimator::new(3);
        let (mut q, mut g) = ([0.0; 3], [0.0; 3]);
        for _ in 0..5000 {
            for i in 0..3 {
                let z: f64 = StandardNormal.sample(&mut rng);
                q[i] = sds[i] * z;
                g[i] = -q[i] / (sds[i] * sds[i]);
            }
            est.add(&q, &g);
        }
        let mut inv = [1.0; 3];
        // Repeated windows shrink the influence of the unit start away.
        for _ in 0..10 {
            est.estimate(&mut inv);
        }
        let fisher = est.fisher(&inv).unwrap();
        assert!((fisher - 1.0).abs() < REL_TOL, "Fisher divergence {fisher}");
        let wide = [inv[0] * 4.0, inv[1], inv[2]];
        assert!(est.fisher(&wide).unwrap() > fisher + 0.3);
        for i in 0..3 {
            let want = sds[i] * sds[i];
            assert!(
                (inv[i] / want - 1.0).abs() < REL_TOL,
                "{i}: {} vs {want}",
                inv[i]
            );
        }
    }
}

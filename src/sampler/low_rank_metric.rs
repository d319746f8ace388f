//! The low-rank metric: a diagonal inverse mass corrected along k orthonormal directions,
//! M^{-1} = D^{1/2} (I + U (Λ - I) U^T) D^{1/2} (nutpie's low-rank adaptation), applied in
//! O(n k) per leapfrog step.

use std::cell::RefCell;

use super::hamiltonian::MassMatrix;

/// `sd[i]` = sqrt(D_ii); `vecs` holds the k columns of U (column j at `j * n..(j + 1) * n`),
/// `vals` their eigenvalues Λ in the scaled coordinates. With k = 0 this is the diagonal metric.
#[derive(Debug, Clone)]
pub(crate) struct LowRankMetric {
    sd: Vec<f64>,
    vecs: Vec<f64>,
    vals: Vec<f64>,
    /// sqrt(1 / λ) - 1 per direction: the momentum draw's correction.
    mom: Vec<f64>,
    /// k projections, reused by every product (the metric belongs to one chain).
    proj: RefCell<Vec<f64>>,
}

impl LowRankMetric {
    /// The unit metric in `n` dimensions.
    pub fn unit(n: usize) -> Self {
        LowRankMetric {
            sd: vec![1.0; n],
            vecs: Vec::new(),
            vals: Vec::new(),
            mom: Vec::new(),
            proj: RefCell::new(Vec::new()),
        }
    }

    /// Install the diagonal `diag` (> 0) and the directions `vecs` (k columns of length n,
    /// orthonormal) with eigenvalues `vals` (> 0).
    pub fn set(&mut self, diag: &[f64], vecs: &[f64], vals: &[f64]) {
        for (s, d) in self.sd.iter_mut().zip(diag) {
            *s = d.sqrt();
        }
        self.vecs = vecs.to_vec();
        self.vals = vals.to_vec();
        self.mom = vals.iter().map(|l| 1.0 / l.sqrt() - 1.0).collect();
        self.proj = RefCell::new(vec![0.0; vals.len()]);
    }

    /// Number of corrected directions.
    pub fn rank(&self) -> usize {
        self.vals.len()
    }

    fn n(&self) -> usize {
        self.sd.len()
    }

    /// `proj[j] = u_j^T x`.
    fn project(&self, x: &[f64], proj: &mut [f64]) {
        let n = self.n();
        for (j, c) in proj.iter_mut().enumerate() {
            *c = dot(&self.vecs[j * n..(j + 1) * n], x);
        }
    }

    /// `out = M^{-1} p`, through w = D^{1/2} p.
    fn apply(&self, p: &[f64], mut out: impl FnMut(usize, f64)) {
        let n = self.n();
        let mut proj = self.proj.borrow_mut();
        for (j, c) in proj.iter_mut().enumerate() {
            let u = &self.vecs[j * n..(j + 1) * n];
            let w_dot: f64 = u
                .iter()
                .zip(p)
                .zip(&self.sd)
                .map(|((u, p), s)| u * p * s)
                .sum();
            *c = (self.vals[j] - 1.0) * w_dot;
        }
        for (i, (s, pi)) in self.sd.iter().zip(p).enumerate() {
            let mut w = s * pi;
            for (j, c) in proj.iter().enumerate() {
                w += self.vecs[j * n + i] * c;
            }
            out(i, s * w);
        }
    }

    /// The whole inverse mass, n x n row-major (for the fit's record).
    pub fn inv_mass_dense(&self) -> Vec<f64> {
        let n = self.n();
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..n {
                let mut v = if i == k { 1.0 } else { 0.0 };
                for j in 0..self.rank() {
                    v += self.vecs[j * n + i] * (self.vals[j] - 1.0) * self.vecs[j * n + k];
                }
                m[i * n + k] = self.sd[i] * v * self.sd[k];
            }
        }
        m
    }

    /// The diagonal of the inverse mass.
    pub fn inv_mass_diag(&self) -> Vec<f64> {
        let n = self.n();
        (0..n)
            .map(|i| {
                let corr: f64 = (0..self.rank())
                    .map(|j| self.vecs[j * n + i].powi(2) * (self.vals[j] - 1.0))
                    .sum();
                self.sd[i] * self.sd[i] * (1.0 + corr)
            })
            .collect()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl MassMatrix for LowRankMetric {
    /// p = D^{-1/2} (I + U (Λ^{-1/2} - I) U^T) z: the square root of M, since U is orthonormal.
    fn momentum_from_std(&self, z: &mut [f64]) {
        let n = self.n();
        let mut proj = self.proj.borrow_mut();
        self.project(z, &mut proj);
        for (j, c) in proj.iter().enumerate() {
            let f = self.mom[j] * c;
            for (zi, u) in z.iter_mut().zip(&self.vecs[j * n..(j + 1) * n]) {
                *zi += f * u;
            }
        }
        for (zi, s) in z.iter_mut().zip(&self.sd) {
            *zi /= s;
        }
    }

    fn kinetic(&self, p: &[f64]) -> f64 {
        let mut k = 0.0;
        self.apply(p, |i, v| k += p[i] * v);
        0.5 * k
    }

    fn velocity(&self, p: &[f64], out: &mut [f64]) {
        self.apply(p, |i, v| out[i] = v);
    }

    fn drift(&self, q: &mut [f64], p: &[f64], eps: f64) {
        self.apply(p, |i, v| q[i] += eps * v);
    }

    fn kinetic_and_velocity(&self, p: &[f64], out: &mut [f64]) -> f64 {
        let mut k = 0.0;
        self.apply(p, |i, v| {
            out[i] = v;
            k += p[i] * v;
        });
        0.5 * k
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    use super::super::dense_metric::DenseMetric;
    use super::*;

    const TOL: f64 = 1e-12;

    /// D = diag(4, 0.25, 1e-4); U: one direction mixing the first two coordinates, λ = 9.
    fn metric() -> LowRankMetric {
        let mut m = LowRankMetric::unit(3);
        let r = 0.5f64.sqrt();
        m.set(&[4.0, 0.25, 1e-4], &[r, -r, 0.0], &[9.0]);
        m
    }

    /// Products agree with the dense metric built from the same matrix.
    #[test]
    fn products_match_the_dense_matrix() {
        let m = metric();
        let full = m.inv_mass_dense();
        let mut dense = DenseMetric::unit(3);
        dense.set(&full).unwrap();
        let p = [0.3, -2.0, 50.0];
        assert!((m.kinetic(&p) - dense.kinetic(&p)).abs() < TOL * dense.kinetic(&p));
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        let k = m.kinetic_and_velocity(&p, &mut a);
        dense.velocity(&p, &mut b);
        assert!((k - dense.kinetic(&p)).abs() < TOL * k);
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < TOL * y.abs().max(1.0));
        }
        let diag = m.inv_mass_diag();
        for i in 0..3 {
            assert!((diag[i] - full[i * 3 + i]).abs() < TOL * full[i * 3 + i]);
        }
    }

    /// p ~ N(0, M): then M^{-1} p has covariance M^{-1}.
    #[test]
    fn momentum_draws_have_covariance_m() {
        const COV_TOL: f64 = 0.02;
        let m = metric();
        let full = m.inv_mass_dense();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let draws = 200_000;
        let mut cov = [0.0; 9];
        let mut v = [0.0; 3];
        for _ in 0..draws {
            let mut p: [f64; 3] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
            m.momentum_from_std(&mut p);
            m.velocity(&p, &mut v);
            for i in 0..3 {
                for j in 0..3 {
                    cov[i * 3 + j] += v[i] * v[j] / draws as f64;
                }
            }
        }
        for i in 0..3 {
            for j in 0..3 {
                let scale = (full[i * 3 + i] * full[j * 3 + j]).sqrt();
                let got = cov[i * 3 + j] / scale;
                let want = full[i * 3 + j] / scale;
                assert!((got - want).abs() < COV_TOL, "({i},{j}): {got} vs {want}");
            }
        }
    }
}

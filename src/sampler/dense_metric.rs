//! The dense metric: a full inverse mass matrix M^{-1} = L L^T (Stan's `dense_e`), with its
//! Cholesky factor for momentum draws p = L^{-T} z.

use thiserror::Error;

use super::hamiltonian::MassMatrix;

/// The matrix given as inverse mass is not symmetric positive definite.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
#[error("inverse mass matrix is not positive definite (pivot {pivot} is {value})")]
pub(crate) struct NotPositiveDefinite {
    /// Row of the Cholesky factorisation that failed.
    pub pivot: usize,
    /// The value under the square root there.
    pub value: f64,
}

/// `inv_mass` is M^{-1} and `chol` its lower Cholesky factor L, both n x n row-major.
#[derive(Debug, Clone)]
pub(crate) struct DenseMetric {
    n: usize,
    inv_mass: Vec<f64>,
    chol: Vec<f64>,
}

/// Lower Cholesky factor of the symmetric `a` (n x n row-major), written into `l`.
pub(crate) fn cholesky(a: &[f64], n: usize, l: &mut [f64]) -> Result<(), NotPositiveDefinite> {
    l.iter_mut().for_each(|x| *x = 0.0);
    for j in 0..n {
        let d = a[j * n + j] - dot(&l[j * n..j * n + j], &l[j * n..j * n + j]);
        if !(d > 0.0 && d.is_finite()) {
            return Err(NotPositiveDefinite { pivot: j, value: d });
        }
        let ljj = d.sqrt();
        l[j * n + j] = ljj;
        for i in j + 1..n {
            let s = a[i * n + j] - dot(&l[i * n..i * n + j], &l[j * n..j * n + j]);
            l[i * n + j] = s / ljj;
        }
    }
    Ok(())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

impl DenseMetric {
    /// The unit metric in `n` dimensions.
    pub fn unit(n: usize) -> Self {
        let mut eye = vec![0.0; n * n];
        for i in 0..n {
            eye[i * n + i] = 1.0;
        }
        DenseMetric {
            n,
            inv_mass: eye.clone(),
            chol: eye,
        }
    }

    /// Replace the inverse mass by `inv_mass` (n x n row-major, symmetric). On error the metric
    /// is left as it was.
    pub fn set(&mut self, inv_mass: &[f64]) -> Result<(), NotPositiveDefinite> {
        let mut chol = vec![0.0; self.n * self.n];
        cholesky(inv_mass, self.n, &mut chol)?;
        self.inv_mass.copy_from_slice(inv_mass);
        self.chol = chol;
        Ok(())
    }

    /// A diagonal inverse mass `diag` (every entry > 0).
    pub fn set_diagonal(&mut self, diag: &[f64]) {
        let n = self.n;
        self.inv_mass.iter_mut().for_each(|x| *x = 0.0);
        self.chol.iter_mut().for_each(|x| *x = 0.0);
        for (i, d) in diag.iter().enumerate() {
            self.inv_mass[i * n + i] = *d;
            self.chol[i * n + i] = d.sqrt();
        }
    }

    /// M^{-1}, n x n row-major.
    pub fn inv_mass(&self) -> &[f64] {
        &self.inv_mass
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.inv_mass[i * self.n..(i + 1) * self.n]
    }
}

impl MassMatrix for DenseMetric {
    /// Solves L^T p = z by back substitution: Cov(p) = L^{-T} L^{-1} = (L L^T)^{-1} = M.
    fn momentum_from_std(&self, z: &mut [f64]) {
        let n = self.n;
        for i in (0..n).rev() {
            let mut s = z[i];
            for (k, zk) in z.iter().enumerate().skip(i + 1) {
                s -= self.chol[k * n + i] * zk;
            }
            z[i] = s / self.chol[i * n + i];
        }
    }

    fn kinetic(&self, p: &[f64]) -> f64 {
        0.5 * p
            .iter()
            .enumerate()
            .map(|(i, pi)| pi * dot(self.row(i), p))
            .sum::<f64>()
    }

    fn velocity(&self, p: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = dot(self.row(i), p);
        }
    }

    fn drift(&self, q: &mut [f64], p: &[f64], eps: f64) {
        for (i, qi) in q.iter_mut().enumerate() {
            *qi += eps * dot(self.row(i), p);
        }
    }

    fn kinetic_and_velocity(&self, p: &[f64], out: &mut [f64]) -> f64 {
        self.velocity(p, out);
        0.5 * dot(p, out)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;

    const TOL: f64 = 1e-12;
    /// Monte Carlo tolerance on covariance entries from 200 000 momentum draws (entries of
    /// order 1: standard error about 0.003).
    const COV_TOL: f64 = 0.02;

    /// A 3 x 3 inverse mass with strong correlation and scales 1e-3 .. 10.
    fn sigma() -> [f64; 9] {
        let sd = [1e-3, 1.0, 10.0];
        let corr = [[1.0, -0.9, 0.3], [-0.9, 1.0, -0.2], [0.3, -0.2, 1.0]];
        let mut s = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                s[i * 3 + j] = sd[i] * corr[i][j] * sd[j];
            }
        }
        s
    }

    fn matvec(a: &[f64], x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n).map(|i| dot(&a[i * n..(i + 1) * n], x)).collect()
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let a = sigma();
        let mut l = [0.0; 9];
        cholesky(&a, 3, &mut l).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let llt: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((llt - a[i * 3 + j]).abs() <= TOL * a[i * 3 + j].abs().max(1e-6));
                if j > i {
                    assert_eq!(l[i * 3 + j].to_bits(), 0.0f64.to_bits());
                }
            }
        }
        let err = cholesky(&[1.0, 2.0, 2.0, 1.0], 2, &mut [0.0; 4]).unwrap_err();
        assert_eq!(err.pivot, 1);
    }

    #[test]
    fn kinetic_and_velocity_use_the_inverse_mass() {
        let a = sigma();
        let mut m = DenseMetric::unit(3);
        m.set(&a).unwrap();
        let p = [300.0, -2.0, 0.05];
        let v_direct = matvec(&a, &p);
        let k_direct = 0.5 * dot(&p, &v_direct);
        assert!((m.kinetic(&p) - k_direct).abs() < TOL * k_direct);
        let mut v = [0.0; 3];
        let k = m.kinetic_and_velocity(&p, &mut v);
        assert!((k - k_direct).abs() < TOL * k_direct);
        for (a, b) in v.iter().zip(&v_direct) {
            assert!((a - b).abs() < TOL * b.abs().max(1.0));
        }
        let mut q = [1.0, 2.0, 3.0];
        m.drift(&mut q, &p, 0.5);
        for i in 0..3 {
            let want = [1.0, 2.0, 3.0][i] + 0.5 * v_direct[i];
            assert!((q[i] - want).abs() < TOL * want.abs().max(1.0));
        }
    }

    /// p = L^{-T} z must have covariance M. Checked scale-free through the velocity:
    /// Cov(M^{-1} p) = M^{-1} M M^{-1} = M^{-1}, compared as correlations.
    #[test]
    fn momentum_draws_have_covariance_m() {
        let a = sigma();
        let mut m = DenseMetric::unit(3);
        m.set(&a).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
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
                let scale = (a[i * 3 + i] * a[j * 3 + j]).sqrt();
                let got = cov[i * 3 + j] / scale;
                let want = a[i * 3 + j] / scale;
                assert!((got - want).abs() < COV_TOL, "({i},{j}): {got} vs {want}");
            }
        }
    }
}

//! Dense mass-matrix estimation from warm-up draws: the covariances of positions and of
//! gradients, each shrunk towards the identity in coordinates scaled by the diagonal estimate,
//! combined by their matrix geometric mean (the dense form of sqrt(Var[θ] / Var[∇ log p])).

use nalgebra::{DMatrix, SymmetricEigen};

use super::metric::SHRINK_DRAWS;

/// Fewer draws than this in a window leave the metric as it was.
const MIN_DRAWS: f64 = 3.0;

/// Welford running means and covariance matrices (n x n row-major sums of squares) of
/// positions and gradients over one window.
#[derive(Debug, Clone)]
pub(crate) struct CovEstimator {
    dim: usize,
    n: f64,
    mean_q: Vec<f64>,
    m2_q: Vec<f64>,
    mean_g: Vec<f64>,
    m2_g: Vec<f64>,
    delta: Vec<f64>,
}

impl CovEstimator {
    /// An empty estimator in `dim` dimensions.
    pub fn new(dim: usize) -> Self {
        CovEstimator {
            dim,
            n: 0.0,
            mean_q: vec![0.0; dim],
            m2_q: vec![0.0; dim * dim],
            mean_g: vec![0.0; dim],
            m2_g: vec![0.0; dim * dim],
            delta: vec![0.0; dim],
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
        welford_cov(&mut self.mean_q, &mut self.m2_q, q, n, &mut self.delta);
        welford_cov(&mut self.mean_g, &mut self.m2_g, grad, n, &mut self.delta);
    }

    /// Write the new inverse mass (n x n row-major) into `out`, given the window's diagonal
    /// estimate `diag` (variances, > 0). Returns false, leaving `out` alone, when the window
    /// is too short or the estimate is not positive definite.
    ///
    /// In coordinates scaled by sqrt(diag), the covariance A of positions and B of gradients
    /// are shrunk towards the identity with Stan's weight n / (n + 5); the inverse mass S then
    /// solves S B S = A (the geometric mean of A and B^{-1}), which for a Gaussian posterior
    /// is its covariance, since there B = A^{-1}. The scaling only decides where the identity
    /// target points: no absolute constant enters, whatever the parameters' units.
    pub fn estimate(&self, diag: &[f64], out: &mut [f64]) -> bool {
        let Some((s, _, _)) = self.scaled_estimate(diag) else {
            return false;
        };
        let d = self.dim;
        let sd: Vec<f64> = diag.iter().map(|v| v.sqrt()).collect();
        for i in 0..d {
            for j in 0..d {
                out[i * d + j] = sd[i] * s[(i, j)] * sd[j];
            }
        }
        out.iter().all(|x| x.is_finite())
    }

    /// The estimate S of [`CovEstimator::estimate`] in coordinates scaled by sqrt(diag),
    /// symmetrised, with the shrunk covariances A (draws) and B (gradients) it comes from;
    /// None when the window is too short or S is not positive definite.
    pub fn scaled_estimate(
        &self,
        diag: &[f64],
    ) -> Option<(DMatrix<f64>, DMatrix<f64>, DMatrix<f64>)> {
        if self.n < MIN_DRAWS {
            return None;
        }
        let (d, n) = (self.dim, self.n);
        let w = n / (n + SHRINK_DRAWS);
        let sd: Vec<f64> = diag.iter().map(|v| v.sqrt()).collect();
        let shrunk = |m2: &[f64], scale: &dyn Fn(usize, usize) -> f64| {
            DMatrix::from_fn(d, d, |i, j| {
                let cov = w * m2[i.min(j) * d + i.max(j)] / (n - 1.0) * scale(i, j);
                if i == j { cov + (1.0 - w) } else { cov }
            })
        };
        let a = shrunk(&self.m2_q, &|i, j| 1.0 / (sd[i] * sd[j]));
        let b = shrunk(&self.m2_g, &|i, j| sd[i] * sd[j]);
        let s = geometric_mean(a.clone(), &b)?;
        let s = 0.5 * (&s + s.transpose());
        s.iter().all(|x| x.is_finite()).then_some((s, a, b))
    }

    /// The low-rank form of the estimate: the eigenpairs of the scaled S whose eigenvalue lies
    /// outside `[1 / cutoff, cutoff]`, with the window's Fisher divergence under the diagonal
    /// metric and under the corrected one. None as for [`CovEstimator::scaled_estimate`].
    ///
    /// The Fisher divergence of a metric Σ (in the scaled coordinates, per dimension) is
    /// (tr(Σ B) + tr(Σ⁻¹ A)) / 2n for the raw covariances A of the draws and B of the
    /// gradients: 1 when Σ whitens a Gaussian posterior, larger the worse Σ fits (nutpie's
    /// criterion, Seyboldt et al.). A direction u with eigenvalue λ changes it by
    /// ((λ − 1) uᵀBu + (1/λ − 1) uᵀAu) / 2n, never positive for a Gaussian (where
    /// uᵀAu = λ, uᵀBu = 1/λ). With `only_improving`, directions whose change is not negative
    /// (draws and gradients disagree about them, as along a curved ridge) are left out.
    pub fn low_rank(&self, diag: &[f64], cutoff: f64, only_improving: bool) -> Option<LowRank> {
        let (s, _, _) = self.scaled_estimate(diag)?;
        let (d, n) = (self.dim, self.n);
        let sd: Vec<f64> = diag.iter().map(|v| v.sqrt()).collect();
        let raw = |m2: &[f64], i: usize, j: usize| m2[i.min(j) * d + i.max(j)] / (n - 1.0);
        let a = DMatrix::from_fn(d, d, |i, j| raw(&self.m2_q, i, j) / (sd[i] * sd[j]));
        let b = DMatrix::from_fn(d, d, |i, j| raw(&self.m2_g, i, j) * sd[i] * sd[j]);
        let eig = SymmetricEigen::new(s);
        let vals = &eig.eigenvalues;
        if vals.iter().any(|l| !(*l > 0.0 && l.is_finite())) {
            return None;
        }
        let per_dim = 1.0 / (2.0 * d as f64);
        let fisher_diag = (a.trace() + b.trace()) * per_dim;
        let mut out = LowRank {
            vecs: Vec::new(),
            vals: Vec::new(),
            fisher_diag,
            fisher_low_rank: fisher_diag,
        };
        for (j, l) in vals.iter().enumerate() {
            if *l <= cutoff && *l >= 1.0 / cutoff {
                continue;
            }
            let u = eig.eigenvectors.column(j);
            let along_a = (u.transpose() * &a * u)[(0, 0)];
            let along_b = (u.transpose() * &b * u)[(0, 0)];
            let change = ((l - 1.0) * along_b + (1.0 / l - 1.0) * along_a) * per_dim;
            if only_improving && (change >= 0.0 || change.is_nan()) {
                continue;
            }
            out.fisher_low_rank += change;
            out.vecs.extend(u.iter());
            out.vals.push(*l);
        }
        Some(out)
    }
}

/// Directions (columns of U, concatenated) and eigenvalues of a low-rank correction, and the
/// window's Fisher divergence (per dimension, 1 at best) under the diagonal metric and under
/// the corrected one.
#[derive(Debug, Clone)]
pub(crate) struct LowRank {
    /// k unit vectors of length n, one after another.
    pub vecs: Vec<f64>,
    /// Their eigenvalues in the scaled coordinates.
    pub vals: Vec<f64>,
    /// Fisher divergence of the diagonal metric on the window's draws.
    pub fisher_diag: f64,
    /// Fisher divergence of the corrected metric on the window's draws.
    pub fisher_low_rank: f64,
}

fn welford_cov(mean: &mut [f64], m2: &mut [f64], x: &[f64], n: f64, delta: &mut [f64]) {
    let d = mean.len();
    for ((dl, m), xi) in delta.iter_mut().zip(mean.iter_mut()).zip(x) {
        *dl = xi - *m;
        *m += *dl / n;
    }
    let c = (n - 1.0) / n;
    // The upper triangle only; readers take element (min, max).
    for i in 0..d {
        let di = delta[i] * c;
        for j in i..d {
            m2[i * d + j] += di * delta[j];
        }
    }
}

/// M^{1/2} and M^{-1/2} of a symmetric positive definite matrix, or None if it is not.
fn sqrt_and_inv_sqrt(m: DMatrix<f64>) -> Option<(DMatrix<f64>, DMatrix<f64>)> {
    let eig = SymmetricEigen::new(m);
    if eig.eigenvalues.iter().any(|l| !(*l > 0.0 && l.is_finite())) {
        return None;
    }
    let v = &eig.eigenvectors;
    let root = |f: fn(f64) -> f64| {
        let mut scaled = v.clone();
        for (mut col, l) in scaled.column_iter_mut().zip(eig.eigenvalues.iter()) {
            col *= f(*l);
        }
        &scaled * v.transpose()
    };
    Some((root(f64::sqrt), root(|l| 1.0 / l.sqrt())))
}

/// The S > 0 solving S B S = A: S = A^{1/2} (A^{1/2} B A^{1/2})^{-1/2} A^{1/2}.
fn geometric_mean(a: DMatrix<f64>, b: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let (a_half, _) = sqrt_and_inv_sqrt(a)?;
    let c = &a_half * b * &a_half;
    let (_, c_inv_half) = sqrt_and_inv_sqrt(0.5 * (&c + c.transpose()))?;
    Some(&a_half * c_inv_half * &a_half)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;

    /// Relative tolerance on sds and absolute on correlations, 20 000 independent draws.
    const SD_REL_TOL: f64 = 0.03;
    const CORR_TOL: f64 = 0.01;
    const SOLVE_TOL: f64 = 1e-10;

    #[test]
    fn geometric_mean_solves_sbs_equals_a() {
        let a = DMatrix::from_row_slice(2, 2, &[2.0, 0.5, 0.5, 1.0]);
        let b = DMatrix::from_row_slice(2, 2, &[3.0, -1.0, -1.0, 0.7]);
        let s = geometric_mean(a.clone(), &b).unwrap();
        assert!((&s * &b * &s - &a).abs().max() < SOLVE_TOL);
        assert!(s.clone().cholesky().is_some());
    }

    /// A Gaussian with sds 1e-4, 1, 300 and correlation -0.99 between the first two: the
    /// estimate recovers its covariance even when the diagonal it is given is off by 10x.
    #[test]
    fn recovers_a_correlated_gaussian_across_scales() {
        let sd = [1e-4, 1.0, 300.0];
        let corr = [[1.0, -0.99, 0.2], [-0.99, 1.0, -0.1], [0.2, -0.1, 1.0]];
        let sigma = DMatrix::from_fn(3, 3, |i, j| sd[i] * corr[i][j] * sd[j]);
        let chol = sigma.clone().cholesky().unwrap().l();
        let prec = sigma.clone().try_inverse().unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut est = CovEstimator::new(3);
        for _ in 0..20_000 {
            let z = nalgebra::DVector::from_fn(3, |_, _| StandardNormal.sample(&mut rng));
            let q = &chol * z;
            let g = -(&prec * &q);
            est.add(q.as_slice(), g.as_slice());
        }
        let diag = [10.0 * sd[0] * sd[0], 0.1, sd[2] * sd[2]];
        let mut out = [0.0; 9];
        assert!(est.estimate(&diag, &mut out));
        for i in 0..3 {
            let got_sd = out[i * 3 + i].sqrt();
            assert!(
                (got_sd / sd[i] - 1.0).abs() < SD_REL_TOL,
                "sd {i}: {got_sd}"
            );
            for j in 0..3 {
                let got = out[i * 3 + j] / (got_sd * out[j * 3 + j].sqrt());
                assert!((got - corr[i][j]).abs() < CORR_TOL, "corr {i}{j}: {got}");
            }
        }
    }

    #[test]
    fn too_few_draws_leave_the_metric_alone() {
        let mut est = CovEstimator::new(1);
        est.add(&[1.0], &[-1.0]);
        let mut out = [7.0];
        assert!(!est.estimate(&[1.0], &mut out));
        assert_eq!(out[0].to_bits(), 7.0f64.to_bits());
    }
}

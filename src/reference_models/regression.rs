//! The Gaussian linear-regression likelihood `y ~ N(X beta, sigma)`, `sigma = exp(u)`, with its
//! gradient: the shared core of the kidiq, earnings, arK, sblrc and kilpisjarvi posteriors.

/// Design matrix (row-major, `n x p`) and response of a linear regression.
#[derive(Debug, Clone)]
pub(super) struct GaussianRegression {
    x: Vec<f64>,
    y: Vec<f64>,
    p: usize,
}

impl GaussianRegression {
    /// A regression with `p` predictors; `x` holds `y.len()` rows of `p` values each.
    pub fn new(x: Vec<f64>, y: Vec<f64>, p: usize) -> Self {
        debug_assert_eq!(x.len(), y.len() * p, "design matrix shape");
        GaussianRegression { x, y, p }
    }

    /// Number of predictors.
    pub fn p(&self) -> usize {
        self.p
    }

    /// Log likelihood up to a constant, `-n u - sum r_i^2 / (2 sigma^2)` with `r = y - X beta`.
    /// Writes its gradient in `beta` into `grad_beta` (overwriting it) and returns the value
    /// and the derivative in `u`. Allocates nothing.
    pub fn loglik_grad(&self, beta: &[f64], u: f64, grad_beta: &mut [f64]) -> (f64, f64) {
        grad_beta.fill(0.0);
        let mut ssr = 0.0;
        for (row, y) in self.x.chunks_exact(self.p).zip(&self.y) {
            let fitted: f64 = row.iter().zip(beta).map(|(x, b)| x * b).sum();
            let r = y - fitted;
            ssr += r * r;
            for (g, x) in grad_beta.iter_mut().zip(row) {
                *g += r * x;
            }
        }
        let inv_var = (-2.0 * u).exp();
        for g in grad_beta.iter_mut() {
            *g *= inv_var;
        }
        let n = self.y.len() as f64;
        (-n * u - 0.5 * ssr * inv_var, -n + ssr * inv_var)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::assert_gradients_ok;
    use crate::{LogDensity, LogpError};
    use approx::assert_relative_eq;

    const TOL: f64 = 1e-12;

    /// The likelihood alone as a density in (beta, u).
    #[derive(Clone)]
    struct Lik(GaussianRegression);
    impl LogDensity for Lik {
        fn dim(&self) -> usize {
            self.0.p() + 1
        }
        fn logp_grad(&mut self, t: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
            let p = self.0.p();
            let (lp, du) = self.0.loglik_grad(&t[..p], t[p], &mut g[..p]);
            g[p] = du;
            Ok(lp)
        }
    }

    fn small() -> GaussianRegression {
        let x = vec![1.0, 0.5, 1.0, -1.0, 1.0, 2.0, 1.0, 3.5];
        GaussianRegression::new(x, vec![1.0, -0.5, 2.5, 4.0], 2)
    }

    #[test]
    fn value_matches_direct_sum() {
        let reg = small();
        let (beta, u) = ([0.3, 1.1], 0.2);
        let mut g = [0.0; 2];
        let (lp, _) = reg.loglik_grad(&beta, u, &mut g);
        let sigma = f64::exp(u);
        let rows = [(0.5, 1.0), (-1.0, -0.5), (2.0, 2.5), (3.5, 4.0)];
        let direct: f64 = rows
            .iter()
            .map(|(x, y)| -u - 0.5 * ((y - beta[0] - beta[1] * x) / sigma).powi(2))
            .sum();
        assert_relative_eq!(lp, direct, max_relative = TOL);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        assert_gradients_ok(&mut Lik(small()), &[0.0, 1.0, 0.0], &[2.0, 2.0, 1.5]);
    }
}

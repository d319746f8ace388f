//! Adstock (carryover): the lag weights of the geometric, delayed and Weibull kernels with their
//! exact derivatives, the convolution of spend with the weights, and its two adjoints.

use serde::{Deserialize, Serialize};

use super::bijector::Support;
use super::reduce::dot_where_nonzero;

/// The largest number of parameters any adstock kernel has.
pub const ADSTOCK_MAX_PARAMS: usize = 2;

/// The shape of the lag weights w_0..w_{L−1} (L = `max_lag`), before optional normalisation.
///
/// Parameters are passed as a slice in the order of [`AdstockKind::param_names`]:
///
/// - `Geometric` — `[alpha]`: w_l = α^l, α ∈ (0, 1).
/// - `Delayed` (Jin et al. 2017) — `[alpha, theta]`: w_l = α^((l−θ)²), α ∈ (0, 1),
///   θ ∈ (0, L−1) (the peak lag; needs L ≥ 2).
/// - `Weibull` — `[shape, scale]`: w_l = f(l + 1; k, λ), the Weibull(shape k > 0,
///   scale λ > 0) density f(x) = (k/λ)(x/λ)^(k−1) e^(−(x/λ)^k) evaluated at x = l + 1, so lag 0
///   sits at x = 1 and the weights are finite for every k. This is the lag grid of Robyn's
///   `weibull_pdf` adstock (`dweibull(1:windlen, ...)`), with two differences that make it
///   differentiable: λ is a real number of periods, where Robyn rounds a quantile of the window,
///   and the weights are normalised to sum 1 (or left as raw density values), where Robyn
///   min-max rescales them (which forces the smallest weight to 0).
///
/// With `normalize = true` the weights are divided by their sum, so Σ w_l = 1 and a flat spend
/// is carried over without inflation; with `false` they are used as defined above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdstockKind {
    /// w_l = α^l.
    Geometric,
    /// w_l = α^((l−θ)²).
    Delayed,
    /// w_l = Weibull pdf at l + 1.
    Weibull,
}

impl AdstockKind {
    /// Number of parameters of the kernel (the length of its `params` slice).
    pub fn n_params(self) -> usize {
        self.param_names().len()
    }

    /// Parameter names in slice order, as they appear in summaries (`alpha[tv]`, ...).
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            AdstockKind::Geometric => &["alpha"],
            AdstockKind::Delayed => &["alpha", "theta"],
            AdstockKind::Weibull => &["shape", "scale"],
        }
    }

    /// Support of parameter `index` for a kernel of `max_lag` lags, or `None` past the last
    /// parameter. θ of `Delayed` lives on (0, max_lag − 1).
    pub fn param_support(self, index: usize, max_lag: usize) -> Option<Support> {
        match (self, index) {
            (AdstockKind::Geometric | AdstockKind::Delayed, 0) => Some(Support::UnitInterval),
            (AdstockKind::Delayed, 1) => Some(Support::Interval {
                lo: 0.0,
                hi: max_lag.saturating_sub(1) as f64,
            }),
            (AdstockKind::Weibull, 0 | 1) => Some(Support::Positive),
            _ => None,
        }
    }

    /// Writes the weights w_0..w_{L−1} into `w` (L = `w.len()`, the max lag).
    ///
    /// Parameters outside their support give NaN or infinite weights, never a panic.
    ///
    /// # Panics
    /// If `params.len() != self.n_params()`.
    #[inline]
    pub fn weights(self, params: &[f64], normalize: bool, w: &mut [f64]) {
        assert_eq!(params.len(), self.n_params(), "adstock parameter count");
        if self == AdstockKind::Geometric {
            geometric_weights(params[0], normalize, w);
            return;
        }
        for (l, wl) in w.iter_mut().enumerate() {
            *wl = self.log_weight(params, l).0;
        }
        exp_and_normalize(w, normalize);
    }

    /// Writes the weights into `w` and their Jacobian into `jac`, row-major by parameter:
    /// `jac[p * L + l]` = `∂w_l/∂params[p]`, taken after normalisation when `normalize` is set.
    ///
    /// # Panics
    /// If `params.len() != self.n_params()` or `jac.len() != self.n_params() * w.len()`.
    pub fn weights_with_jacobian(
        self,
        params: &[f64],
        normalize: bool,
        w: &mut [f64],
        jac: &mut [f64],
    ) {
        let n = self.n_params();
        let lags = w.len();
        assert_eq!(params.len(), n, "adstock parameter count");
        assert_eq!(jac.len(), n * lags, "adstock Jacobian length");
        // First pass: ln w_l into w, ∂ln w_l/∂p into jac.
        for (l, wl) in w.iter_mut().enumerate() {
            let (log_w, dlog_w) = self.log_weight(params, l);
            *wl = log_w;
            for (p, d) in dlog_w.iter().take(n).enumerate() {
                jac[p * lags + l] = *d;
            }
        }
        if self == AdstockKind::Geometric {
            geometric_weights(params[0], normalize, w);
        } else {
            exp_and_normalize(w, normalize);
        }
        // ∂w_l/∂p = w_l·∂ln w_l/∂p; normalised, ∂ŵ_l/∂p = ŵ_l·(∂ln w_l/∂p − Σ_m ŵ_m ∂ln w_m/∂p).
        for row in jac.chunks_exact_mut(lags) {
            let shift = if normalize {
                w.iter().zip(row.iter()).map(|(wl, d)| wl * d).sum()
            } else {
                0.0
            };
            for (d, wl) in row.iter_mut().zip(w.iter()) {
                *d = wl * (*d - shift);
            }
        }
    }

    /// ln w_l (unnormalised) and its derivatives with respect to the parameters.
    fn log_weight(self, p: &[f64], l: usize) -> (f64, [f64; ADSTOCK_MAX_PARAMS]) {
        let lag = l as f64;
        match self {
            AdstockKind::Geometric => {
                let alpha = p[0];
                (lag * alpha.ln(), [lag / alpha, 0.0])
            }
            AdstockKind::Delayed => {
                let (alpha, theta) = (p[0], p[1]);
                let ln_alpha = alpha.ln();
                let off = lag - theta;
                (
                    off * off * ln_alpha,
                    [off * off / alpha, -2.0 * off * ln_alpha],
                )
            }
            AdstockKind::Weibull => {
                let (k, lambda) = (p[0], p[1]);
                let ln_z = (lag + 1.0).ln() - lambda.ln();
                let z_k = (k * ln_z).exp();
                let log_w = k.ln() - lambda.ln() + (k - 1.0) * ln_z - z_k;
                let d_k = 1.0 / k + ln_z * (1.0 - z_k);
                let d_lambda = k / lambda * (z_k - 1.0);
                (log_w, [d_k, d_lambda])
            }
        }
    }
}

/// w_l = α^l by repeated products (no `exp` per lag), divided by their sum when normalising.
/// The largest weight is w_0 = α^0, so nothing needs shifting.
#[inline]
fn geometric_weights(alpha: f64, normalize: bool, w: &mut [f64]) {
    let mut power = 1.0;
    let mut sum = 0.0;
    for wl in w.iter_mut() {
        *wl = power;
        sum += power;
        power *= alpha;
    }
    if normalize {
        let inv = 1.0 / sum;
        w.iter_mut().for_each(|v| *v *= inv);
    }
}

/// Turns log weights into weights; when normalising, subtracts the largest log weight first so
/// that no weight underflows to a zero sum.
fn exp_and_normalize(w: &mut [f64], normalize: bool) {
    if !normalize {
        w.iter_mut().for_each(|v| *v = v.exp());
        return;
    }
    let max = w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in w.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    w.iter_mut().for_each(|v| *v /= sum);
}

/// The adstocked series a_t = Σ_{l<L} w_l · x_{t−l} into `a` (spend before the first row is 0).
///
/// In registers: four periods at a time, their sums held over all lags and stored once (each
/// sum adds its terms in lag order), which the compiler vectorises. O(T·L); geometric weights
/// have an O(T) path ([`geometric_adstock`](super::geometric::geometric_adstock)).
///
/// # Panics
/// If `a.len() != x.len()`.
#[inline(always)]
pub fn convolve(w: &[f64], x: &[f64], a: &mut [f64]) {
    const V: usize = 4;
    let n = x.len();
    assert_eq!(a.len(), n, "adstock output length");
    // Periods whose window reaches before the first row, then whole windows V at a time.
    let head = w.len().saturating_sub(1).min(n);
    let window = |t: usize| -> f64 {
        let mut s = 0.0;
        for (l, wl) in w.iter().enumerate().take(t + 1) {
            s += wl * x[t - l];
        }
        s
    };
    for (t, at) in a.iter_mut().enumerate().take(head) {
        *at = window(t);
    }
    let mut t = head;
    while t + V <= n {
        let mut s = [0.0; V];
        for (l, wl) in w.iter().enumerate() {
            let xs: [f64; V] = x[t - l..t - l + V].try_into().expect("V periods");
            for k in 0..V {
                s[k] += wl * xs[k];
            }
        }
        a[t..t + V].copy_from_slice(&s);
        t += V;
    }
    for (t, at) in a.iter_mut().enumerate().skip(t) {
        *at = window(t);
    }
}

/// Reverse mode through [`convolve`] to the weights: given g_t = ∂L/∂a_t, writes
/// `dw[l]` = ∂L/∂w_l = Σ_t g_t · x_{t−l} (overwriting `dw`, whose length is L).
///
/// One dot product per lag with four partial sums. Terms with x_s = 0 are taken as exactly 0,
/// not multiplied. So an infinite g_t at a period where
/// a_t = 0 — the Hill slope at 0 when S < 1 — does not turn the result into NaN: with positive
/// weights, a_t = 0 means every x in its window is 0 and g_t has no path to the weights.
///
/// # Panics
/// If `g.len() != x.len()`.
#[inline(always)]
pub fn convolve_adjoint_weights(x: &[f64], g: &[f64], dw: &mut [f64]) {
    let n = x.len();
    assert_eq!(g.len(), n, "adstock adjoint length");
    for (l, dwl) in dw.iter_mut().enumerate() {
        *dwl = if l < n {
            dot_where_nonzero(&g[l..], &x[..n - l])
        } else {
            0.0
        };
    }
}

/// Reverse mode through [`convolve`] to the spend: given g_t = ∂L/∂a_t, writes
/// `dx[s]` = ∂L/∂x_s = Σ_{l<L} g_{s+l} · w_l (overwriting `dx`). The budget optimiser's
/// gradient with respect to a spend plan.
///
/// # Panics
/// If `dx.len() != g.len()`.
pub fn convolve_adjoint_spend(w: &[f64], g: &[f64], dx: &mut [f64]) {
    let n = g.len();
    assert_eq!(dx.len(), n, "adstock adjoint length");
    dx.fill(0.0);
    for (l, wl) in w.iter().enumerate().take(n) {
        for (dxs, gt) in dx[..n - l].iter_mut().zip(&g[l..]) {
            *dxs += wl * gt;
        }
    }
}

/// Chains ∂L/∂w (`dw`, length L) through the weight Jacobian of
/// [`AdstockKind::weights_with_jacobian`] (`jac`, n_params·L, row-major by parameter) into
/// `dparams[p] = Σ_l dw[l] · ∂w_l/∂params[p]` (overwriting `dparams`, length n_params).
///
/// # Panics
/// If `jac.len() != dparams.len() * dw.len()`.
pub fn pull_back_weights(jac: &[f64], dw: &[f64], dparams: &mut [f64]) {
    assert_eq!(
        jac.len(),
        dparams.len() * dw.len(),
        "adstock Jacobian length"
    );
    for (dp, row) in dparams.iter_mut().zip(jac.chunks_exact(dw.len().max(1))) {
        *dp = row.iter().zip(dw).map(|(j, d)| j * d).sum();
    }
}

/// The steady-state factor Σ_l w_l: a spend held flat at x for at least L periods gives
/// a_t = x · Σ_l w_l (exactly x when the weights are normalised).
pub fn steady_state_factor(w: &[f64]) -> f64 {
    w.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::finite_diff::{assert_matches_fd, central_diff, central_diff_rel};
    use approx::assert_relative_eq;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use statrs::distribution::{Continuous, Weibull};

    /// Agreement expected between two evaluations of the same closed form.
    const CLOSED_FORM_REL: f64 = 1e-12;

    fn weights_of(kind: AdstockKind, p: &[f64], normalize: bool, lags: usize) -> Vec<f64> {
        let mut w = vec![0.0; lags];
        kind.weights(p, normalize, &mut w);
        w
    }

    #[test]
    fn geometric_and_delayed_weights_have_their_closed_forms() {
        let w = weights_of(AdstockKind::Geometric, &[0.5], false, 4);
        for (got, want) in w.iter().zip([1.0, 0.5, 0.25, 0.125]) {
            assert_relative_eq!(*got, want, max_relative = CLOSED_FORM_REL);
        }
        let w = weights_of(AdstockKind::Geometric, &[0.5], true, 4);
        assert_relative_eq!(w[1], 0.5 / 1.875, max_relative = CLOSED_FORM_REL);
        let w = weights_of(AdstockKind::Delayed, &[0.5, 1.0], false, 4);
        for (got, want) in w.iter().zip([0.5, 1.0, 0.5, 0.0625]) {
            assert_relative_eq!(*got, want, max_relative = CLOSED_FORM_REL);
        }
    }

    #[test]
    fn weibull_weights_are_the_pdf_at_lag_plus_one() {
        for (k, lambda) in [(0.5, 2.0), (1.0, 1.0), (2.5, 4.0)] {
            let reference = Weibull::new(k, lambda).unwrap();
            let w = weights_of(AdstockKind::Weibull, &[k, lambda], false, 6);
            for (l, wl) in w.iter().enumerate() {
                let want = reference.pdf(l as f64 + 1.0);
                assert_relative_eq!(*wl, want, max_relative = CLOSED_FORM_REL);
            }
        }
    }

    /// (kind, params, lags) covering random draws and the edges of every support.
    fn jacobian_cases() -> Vec<(AdstockKind, Vec<f64>, usize)> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut cases = Vec::new();
        for _ in 0..20 {
            let lags = rng.random_range(2..14);
            let alpha = rng.random_range(0.01..0.99);
            let theta = rng.random_range(0.0..(lags - 1) as f64);
            let shape = rng.random_range(0.2..6.0);
            let scale = rng.random_range(0.3..15.0);
            cases.push((AdstockKind::Geometric, vec![alpha], lags));
            cases.push((AdstockKind::Delayed, vec![alpha, theta], lags));
            cases.push((AdstockKind::Weibull, vec![shape, scale], lags));
        }
        for alpha in [1e-3, 0.999] {
            cases.push((AdstockKind::Geometric, vec![alpha], 8));
            for theta in [0.0, 3.5, 7.0] {
                cases.push((AdstockKind::Delayed, vec![alpha, theta], 8));
            }
        }
        for (shape, scale) in [(0.1, 0.2), (0.3, 30.0), (8.0, 0.5), (8.0, 6.0), (1.0, 1.0)] {
            cases.push((AdstockKind::Weibull, vec![shape, scale], 10));
        }
        cases
    }

    #[test]
    fn weight_jacobian_matches_finite_differences() {
        for (kind, params, lags) in jacobian_cases() {
            for normalize in [false, true] {
                let n = kind.n_params();
                let mut w = vec![0.0; lags];
                let mut jac = vec![0.0; n * lags];
                kind.weights_with_jacobian(&params, normalize, &mut w, &mut jac);
                assert_eq!(w, weights_of(kind, &params, normalize, lags));
                for p in 0..n {
                    for l in 0..lags {
                        let f = |v: f64| {
                            let mut q = params.clone();
                            q[p] = v;
                            weights_of(kind, &q, normalize, lags)[l]
                        };
                        let fd = if kind == AdstockKind::Delayed && p == 1 {
                            central_diff(f, params[p])
                        } else {
                            central_diff_rel(f, params[p])
                        };
                        let what = format!("{kind:?} {params:?} norm={normalize} dw{l}/dp{p}");
                        assert_matches_fd(jac[p * lags + l], fd, &what);
                    }
                }
            }
        }
    }

    #[test]
    fn normalised_weights_sum_to_one() {
        for (kind, params, lags) in jacobian_cases() {
            let w = weights_of(kind, &params, true, lags);
            assert_relative_eq!(steady_state_factor(&w), 1.0, max_relative = CLOSED_FORM_REL);
            assert!(w.iter().all(|v| *v >= 0.0));
        }
    }

    fn spend(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let on: bool = rng.random_bool(0.7);
                if on { rng.random_range(0.0..2.0) } else { 0.0 }
            })
            .collect()
    }

    #[test]
    fn convolution_matches_a_naive_loop() {
        let w = weights_of(AdstockKind::Delayed, &[0.6, 2.0], true, 5);
        let x = spend(30, 1);
        let mut a = vec![f64::NAN; x.len()];
        convolve(&w, &x, &mut a);
        for t in 0..x.len() {
            let naive: f64 = (0..w.len())
                .filter(|l| *l <= t)
                .map(|l| w[l] * x[t - l])
                .sum();
            assert_relative_eq!(a[t], naive, max_relative = CLOSED_FORM_REL);
        }
    }

    /// L(a) = Σ_t c_t a_t², whose gradient in a is g_t = 2 c_t a_t.
    fn loss(w: &[f64], x: &[f64], c: &[f64]) -> f64 {
        let mut a = vec![0.0; x.len()];
        convolve(w, x, &mut a);
        a.iter().zip(c).map(|(at, ct)| ct * at * at).sum()
    }

    #[test]
    fn adjoints_match_finite_differences_of_a_scalar_loss() {
        let w = weights_of(AdstockKind::Weibull, &[1.7, 3.0], false, 6);
        let x = spend(25, 2);
        let c = spend(25, 3);
        let mut a = vec![0.0; x.len()];
        convolve(&w, &x, &mut a);
        let g: Vec<f64> = a.iter().zip(&c).map(|(at, ct)| 2.0 * ct * at).collect();
        let mut dw = vec![0.0; w.len()];
        convolve_adjoint_weights(&x, &g, &mut dw);
        for l in 0..w.len() {
            let fd = central_diff(
                |v| {
                    let mut w2 = w.clone();
                    w2[l] = v;
                    loss(&w2, &x, &c)
                },
                w[l],
            );
            assert_matches_fd(dw[l], fd, &format!("dL/dw{l}"));
        }
        let mut dx = vec![0.0; x.len()];
        convolve_adjoint_spend(&w, &g, &mut dx);
        for s in 0..x.len() {
            let fd = central_diff(
                |v| {
                    let mut x2 = x.clone();
                    x2[s] = v;
                    loss(&w, &x2, &c)
                },
                x[s],
            );
            assert_matches_fd(dx[s], fd, &format!("dL/dx{s}"));
        }
    }

    #[test]
    fn pull_back_chains_to_the_parameters() {
        let (kind, params, lags) = (AdstockKind::Delayed, [0.4, 1.5], 5);
        let x = spend(20, 4);
        let c = spend(20, 5);
        let mut w = vec![0.0; lags];
        let mut jac = vec![0.0; 2 * lags];
        kind.weights_with_jacobian(&params, true, &mut w, &mut jac);
        let mut a = vec![0.0; x.len()];
        convolve(&w, &x, &mut a);
        let g: Vec<f64> = a.iter().zip(&c).map(|(at, ct)| 2.0 * ct * at).collect();
        let mut dw = vec![0.0; lags];
        convolve_adjoint_weights(&x, &g, &mut dw);
        let mut dparams = [0.0; 2];
        pull_back_weights(&jac, &dw, &mut dparams);
        for p in 0..2 {
            let fd = central_diff(
                |v| {
                    let mut q = params;
                    q[p] = v;
                    loss(&weights_of(kind, &q, true, lags), &x, &c)
                },
                params[p],
            );
            assert_matches_fd(dparams[p], fd, &format!("dL/dparam{p}"));
        }
    }

    #[test]
    fn infinite_gradient_where_adstock_is_zero_does_not_poison_the_adjoint() {
        let x = [0.0, 0.0, 0.0, 0.0, 1.0, 2.0];
        let g = [
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            1.0,
            1.0,
        ];
        let mut dw = [0.0; 3];
        convolve_adjoint_weights(&x, &g, &mut dw);
        assert_relative_eq!(dw[0], 3.0, max_relative = CLOSED_FORM_REL);
        assert_relative_eq!(dw[1], 1.0, max_relative = CLOSED_FORM_REL);
        assert_relative_eq!(dw[2], 0.0);
    }

    #[test]
    fn flat_spend_reaches_the_steady_state_factor() {
        let w = weights_of(AdstockKind::Geometric, &[0.7], false, 6);
        let x = [2.0; 10];
        let mut a = [0.0; 10];
        convolve(&w, &x, &mut a);
        for at in &a[5..] {
            assert_relative_eq!(
                *at,
                2.0 * steady_state_factor(&w),
                max_relative = CLOSED_FORM_REL
            );
        }
    }

    #[test]
    fn parameter_supports_follow_the_kernel() {
        assert_eq!(
            AdstockKind::Delayed.param_support(1, 8),
            Some(Support::Interval { lo: 0.0, hi: 7.0 })
        );
        assert_eq!(
            AdstockKind::Weibull.param_support(1, 8),
            Some(Support::Positive)
        );
        assert_eq!(AdstockKind::Geometric.param_support(1, 8), None);
        assert_eq!(AdstockKind::Weibull.n_params(), 2);
    }
}

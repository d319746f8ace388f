//! Saturation (diminishing returns) of adstocked spend: Hill and logistic curves, each evaluated
//! together with its derivatives in the spend and in every parameter.

use serde::{Deserialize, Serialize};

use super::bijector::Support;
use super::vexp::{exp_nonpositive, expm1_nonpositive, ln_nonnegative};

/// The largest number of parameters any saturation curve has.
pub const SATURATION_MAX_PARAMS: usize = 2;

/// The curve that turns adstocked spend a ≥ 0 into a response in [0, 1).
///
/// Parameters are passed as a slice in the order of [`SaturationKind::param_names`]:
///
/// - `Hill` — `[k, s]`: a^S / (K^S + a^S), half-saturation K > 0, slope S > 0 (S ≤ 1 concave,
///   S > 1 S-shaped).
/// - `Logistic` — `[lam]`: (1 − e^(−λa)) / (1 + e^(−λa)) = tanh(λa/2), λ > 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaturationKind {
    /// a^S / (K^S + a^S).
    Hill,
    /// (1 − e^(−λa)) / (1 + e^(−λa)).
    Logistic,
}

/// A saturation curve evaluated at one point, with its derivatives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SaturationEval {
    /// The response f(a).
    pub value: f64,
    /// ∂f/∂a. For Hill at a = 0 this is the one-sided limit: +∞ when S < 1, 1/K when S = 1,
    /// 0 when S > 1 (see [`convolve_adjoint_weights`](super::adstock::convolve_adjoint_weights)
    /// for why the infinite case is harmless in the chain rule).
    pub d_a: f64,
    /// `∂f/∂params[p]` in the order of [`SaturationKind::param_names`]; entries past
    /// `n_params` are 0.
    pub d_params: [f64; SATURATION_MAX_PARAMS],
}

impl SaturationKind {
    /// Number of parameters of the curve (the length of its `params` slice).
    pub fn n_params(self) -> usize {
        self.param_names().len()
    }

    /// Parameter names in slice order, as they appear in summaries (`k[tv]`, `s[tv]`,
    /// `lam[tv]`).
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            SaturationKind::Hill => &["k", "s"],
            SaturationKind::Logistic => &["lam"],
        }
    }

    /// Support of parameter `index`, or `None` past the last parameter. All are positive.
    pub fn param_support(self, index: usize) -> Option<Support> {
        (index < self.n_params()).then_some(Support::Positive)
    }

    /// The response f(a) alone.
    ///
    /// # Panics
    /// If `params.len() != self.n_params()`.
    pub fn value(self, params: &[f64], a: f64) -> f64 {
        self.eval(params, a).value
    }

    /// The response with ∂f/∂a and ∂f/∂params, computed together.
    ///
    /// `a` must be ≥ 0 (adstocked spend); a negative `a` or parameters outside their support
    /// give NaN, never a panic.
    ///
    /// # Panics
    /// If `params.len() != self.n_params()`.
    pub fn eval(self, params: &[f64], a: f64) -> SaturationEval {
        assert_eq!(params.len(), self.n_params(), "saturation parameter count");
        match self {
            SaturationKind::Hill => hill(a, params[0], params[1]),
            SaturationKind::Logistic => logistic(a, params[0]),
        }
    }
}

/// Hill curve a^S/(K^S + a^S) with derivatives in a, K and S (in that order in `d_params`:
/// K then S).
///
/// Written as σ(r) with r = S·(ln a − ln K), so that large or tiny a/K never overflows:
/// with q = σ(r)(1 − σ(r)), ∂f/∂a = q·S/a, ∂f/∂K = −q·S/K, ∂f/∂S = q·ln(a/K).
/// At a = 0 the value and both parameter derivatives are 0 (their limits as a → 0⁺), and
/// ∂f/∂a is its one-sided limit.
pub fn hill(a: f64, k: f64, s: f64) -> SaturationEval {
    if a == 0.0 {
        let d_a = if s < 1.0 {
            f64::INFINITY
        } else if s > 1.0 {
            0.0
        } else {
            1.0 / k
        };
        return SaturationEval {
            value: 0.0,
            d_a,
            d_params: [0.0, 0.0],
        };
    }
    let log_ratio = a.ln() - k.ln();
    let r = s * log_ratio;
    let e = (-r.abs()).exp();
    let q = e / ((1.0 + e) * (1.0 + e));
    let value = if r >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    SaturationEval {
        value,
        d_a: q * s / a,
        d_params: [-q * s / k, q * log_ratio],
    }
}

/// Logistic curve (1 − e^(−λa))/(1 + e^(−λa)) = tanh(λa/2) with derivatives in a and λ.
///
/// With q = 1 − f² = 4e/(1 + e)², e = e^(−λ|a|): ∂f/∂a = λq/2, ∂f/∂λ = aq/2.
pub fn logistic(a: f64, lam: f64) -> SaturationEval {
    // One expm1 gives everything: with m = e^(−|λa|) − 1 and e = 1 + m,
    // tanh(|λa|/2) = −m / (2 + m) (exact near 0, where 1 − e would cancel) and
    // 1 − tanh² = 4e / (1 + e)².
    let z = lam * a;
    let m = (-z.abs()).exp_m1();
    let r = 1.0 / (2.0 + m); // 1 / (1 + e)
    let q = 4.0 * (1.0 + m) * r * r;
    SaturationEval {
        value: (-m * r).copysign(z),
        d_a: 0.5 * lam * q,
        d_params: [0.5 * a * q, 0.0],
    }
}

/// [`logistic`] over a series of adstocked spend `a`: values, ∂f/∂a and ∂f/∂λ into the three
/// output slices. The same formulas, with a branch-free `expm1` the compiler vectorises
/// (agreeing with libm's to a few ulps), so the whole series costs a few vector instructions
/// per period.
///
/// # Panics
/// If an output slice is shorter than `a`.
#[inline(always)]
pub fn logistic_series(lam: f64, a: &[f64], value: &mut [f64], d_a: &mut [f64], d_lam: &mut [f64]) {
    let n = a.len();
    let (value, d_a, d_lam) = (&mut value[..n], &mut d_a[..n], &mut d_lam[..n]);
    for t in 0..n {
        let at = a[t];
        let (f, q) = logistic_value_and_slope(lam * at);
        value[t] = f;
        d_a[t] = 0.5 * lam * q;
        d_lam[t] = 0.5 * at * q;
    }
}

/// The logistic curve at z = λ·a from the vectorisable `expm1`: f = tanh(z/2) and
/// q = 1 − f² (∂f/∂a = λq/2, ∂f/∂λ = aq/2), as [`logistic_series`] and the pair kernel
/// (`pair_lanes.rs`) take them, term for term.
#[inline(always)]
pub(crate) fn logistic_value_and_slope(z: f64) -> (f64, f64) {
    let m = expm1_nonpositive(-z.abs());
    let r = 1.0 / (2.0 + m);
    ((-m * r).copysign(z), 4.0 * (1.0 + m) * r * r)
}

/// [`hill`] over a series of adstocked spend `a` (≥ 0): values, ∂f/∂a, ∂f/∂K and ∂f/∂S into
/// the four output slices, with the same formulas and limits at a = 0, from a branch-free `ln`
/// and `expm1` the compiler vectorises (a few ulps from libm's). Where |S·ln(a/K)| > 708
/// (a subnormal e^−|r|) the exponential is taken as 0: the value is then exact to 10⁻³⁰⁷.
///
/// # Panics
/// If an output slice is shorter than `a`.
#[inline(always)]
pub fn hill_series(k: f64, s: f64, a: &[f64], out: [&mut [f64]; 4]) {
    let n = a.len();
    let [value, d_a, d_k, d_s] = out;
    let (value, d_a, d_k, d_s) = (&mut value[..n], &mut d_a[..n], &mut d_k[..n], &mut d_s[..n]);
    let ln_k = k.ln();
    let d_a_at_zero = hill(0.0, k, s).d_a;
    for t in 0..n {
        let at = a[t];
        let log_ratio = ln_nonnegative(at) - ln_k;
        let r = s * log_ratio;
        let e = exp_nonpositive(-r.abs());
        let inv = 1.0 / (1.0 + e);
        let q = e * inv * inv;
        let zero = at == 0.0;
        value[t] = if zero {
            0.0
        } else if r >= 0.0 {
            inv
        } else {
            e * inv
        };
        d_a[t] = if zero { d_a_at_zero } else { q * s / at };
        d_k[t] = if zero { 0.0 } else { -q * s / k };
        d_s[t] = if zero { 0.0 } else { q * log_ratio };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::finite_diff::{assert_matches_fd, central_diff_rel};
    use approx::assert_relative_eq;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Agreement expected between two evaluations of the same closed form.
    const CLOSED_FORM_REL: f64 = 1e-12;
    /// The vectorised series and the pointwise curve: a few ulps of `expm1` apart.
    const SERIES_REL: f64 = 1e-14;
    /// Hill's series: ulps of `ln` grow with |S·ln(a/K)| through the exponential.
    const HILL_SERIES_REL: f64 = 1e-12;
    /// |S·ln(a/K)| beyond which the series' exponential is flushed to 0.
    const DEEP_TAIL: f64 = 700.0;

    fn check_against_fd(kind: SaturationKind, params: &[f64], a: f64) {
        let e = kind.eval(params, a);
        let what = format!("{kind:?} {params:?} a={a}");
        assert_matches_fd(e.d_a, central_diff_rel(|v| kind.value(params, v), a), &what);
        for p in 0..kind.n_params() {
            let f = |v: f64| {
                let mut q = params.to_vec();
                q[p] = v;
                kind.value(&q, a)
            };
            assert_matches_fd(e.d_params[p], central_diff_rel(f, params[p]), &what);
        }
    }

    #[test]
    fn hill_derivatives_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let (k, s) = (rng.random_range(0.05..3.0), rng.random_range(0.2..5.0));
            check_against_fd(SaturationKind::Hill, &[k, s], rng.random_range(1e-3..5.0));
        }
        for s in [0.3, 0.99, 1.0, 1.01, 4.0, 12.0] {
            for a in [1e-8, 1e-3, 0.5, 1.0, 50.0, 1e6] {
                check_against_fd(SaturationKind::Hill, &[0.7, s], a);
            }
        }
    }

    #[test]
    fn logistic_derivatives_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..200 {
            let lam = rng.random_range(0.05..10.0);
            check_against_fd(
                SaturationKind::Logistic,
                &[lam],
                rng.random_range(1e-3..5.0),
            );
        }
        for a in [1e-8, 1e-3, 1.0, 30.0, 800.0] {
            check_against_fd(SaturationKind::Logistic, &[2.0], a);
        }
    }

    #[test]
    fn logistic_series_agrees_with_the_pointwise_curve() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let mut a: Vec<f64> = (0..300).map(|_| rng.random_range(0.0..4.0)).collect();
        a.extend([0.0, 1e-300, 1e-12, 1e-6, 50.0, 800.0, 1e300]);
        let n = a.len();
        for lam in [1e-3, 0.3, 1.0, 4.5, 60.0] {
            let (mut v, mut da, mut dl) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            logistic_series(lam, &a, &mut v, &mut da, &mut dl);
            for t in 0..n {
                let e = logistic(a[t], lam);
                let what = format!("lam={lam} a={}", a[t]);
                for (got, want) in [(v[t], e.value), (da[t], e.d_a), (dl[t], e.d_params[0])] {
                    let rel = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
                    assert!(
                        rel <= SERIES_REL || got.total_cmp(&want).is_eq(),
                        "{what}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn hill_series_agrees_with_the_pointwise_curve() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let mut a: Vec<f64> = (0..300).map(|_| rng.random_range(0.0..4.0)).collect();
        a.extend([0.0, 1e-310, 1e-200, 1e-12, 1e-6, 1.0, 50.0, 1e6, 1e300]);
        let n = a.len();
        for (k, s) in [
            (0.05, 0.3),
            (0.7, 1.0),
            (1.3, 2.2),
            (3.0, 0.99),
            (0.4, 12.0),
        ] {
            let mut out = [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            let [v, da, dk, ds] = &mut out;
            hill_series(k, s, &a, [v, da, dk, ds]);
            for t in 0..n {
                let e = hill(a[t], k, s);
                if a[t] > 0.0 && s * (a[t] / k).ln().abs() > DEEP_TAIL {
                    // e^−|r| below e^−708: the series takes it as 0, an absolute 10⁻³⁰⁷.
                    assert!(
                        (out[0][t] - e.value).abs() <= 1e-300,
                        "k={k} s={s} a={}",
                        a[t]
                    );
                    continue;
                }
                let want = [e.value, e.d_a, e.d_params[0], e.d_params[1]];
                for (i, w) in want.iter().enumerate() {
                    let got = out[i][t];
                    let ok = got.total_cmp(w).is_eq()
                        || (got - w).abs() <= HILL_SERIES_REL * w.abs().max(f64::MIN_POSITIVE);
                    assert!(ok, "k={k} s={s} a={} output {i}: {got} vs {w}", a[t]);
                }
            }
        }
    }

    #[test]
    fn curves_match_their_textbook_forms() {
        let (a, k, s) = (0.8_f64, 1.3_f64, 2.2_f64);
        let direct = a.powf(s) / (k.powf(s) + a.powf(s));
        assert_relative_eq!(hill(a, k, s).value, direct, max_relative = CLOSED_FORM_REL);
        assert_relative_eq!(hill(k, k, s).value, 0.5, max_relative = CLOSED_FORM_REL);
        let lam = 1.7_f64;
        let e = (-lam * a).exp();
        let direct = (1.0 - e) / (1.0 + e);
        assert_relative_eq!(
            logistic(a, lam).value,
            direct,
            max_relative = CLOSED_FORM_REL
        );
    }

    #[test]
    fn hill_at_zero_spend_takes_its_limits() {
        let k = 0.5;
        for s in [0.4, 1.0, 3.0] {
            let at_zero = hill(0.0, k, s);
            assert_relative_eq!(at_zero.value, 0.0);
            assert_relative_eq!(at_zero.d_params[0], 0.0);
            assert_relative_eq!(at_zero.d_params[1], 0.0);
            // The limits agree with tiny positive spend.
            let near = hill(1e-200, k, s);
            assert!(near.d_params[0].abs() < 1e-50 && near.d_params[1].abs() < 1e-50);
        }
        assert!(hill(0.0, k, 0.4).d_a.is_infinite());
        assert_relative_eq!(
            hill(0.0, k, 1.0).d_a,
            1.0 / k,
            max_relative = CLOSED_FORM_REL
        );
        assert_relative_eq!(hill(0.0, k, 3.0).d_a, 0.0);
        let eval = logistic(0.0, 3.0);
        assert_relative_eq!(eval.value, 0.0);
        assert_relative_eq!(eval.d_a, 1.5, max_relative = CLOSED_FORM_REL);
    }

    #[test]
    fn huge_spend_saturates_without_nan() {
        for eval in [hill(1e300, 0.5, 3.0), logistic(1e300, 2.0)] {
            assert_relative_eq!(eval.value, 1.0);
            assert!(eval.d_a.is_finite() && eval.d_params.iter().all(|d| d.is_finite()));
        }
    }

    #[test]
    fn parameter_names_and_supports() {
        assert_eq!(SaturationKind::Hill.param_names(), ["k", "s"]);
        assert_eq!(SaturationKind::Logistic.param_names(), ["lam"]);
        assert_eq!(
            SaturationKind::Hill.param_support(1),
            Some(Support::Positive)
        );
        assert_eq!(SaturationKind::Logistic.param_support(1), None);
    }
}

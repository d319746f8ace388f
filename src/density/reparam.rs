//! The media block's sampled coordinates: each channel's coefficient is sampled as the
//! contribution its curve gives between two spend levels of its own data,
//! c = β·(f(x_hi) − f(x_lo)), an exact change of variables whose log-Jacobian (which depends
//! on the saturation parameters) enters the density with its gradient.
//!
//! β and the saturation parameters (K and S of Hill, λ of logistic) are strongly correlated in
//! the posterior: the data pin down what the channel's spend changes in the outcome over the
//! range of spend it actually has, not β and f apart. Which part of the curve that is depends
//! on the channel:
//!
//! - Hill: x_lo is the lower quartile of the channel's scaled spend over the fitted rows and
//!   x_hi the upper quartile of its positive spend (x_lo = 0 when that is not below x_hi).
//!   For flighted or sporadic spend x_lo = 0 and c is the contribution at high spend. For
//!   always-on spend that moves little, the data see only the slope of the curve over that
//!   range: the contribution at one spend level trades off with the intercept, and with the
//!   slope S (measured on docs/performance.md's weekly Hill model: the correlation of ln c
//!   and ln S was −0.93 with c at mean spend). The difference over the interquartile range
//!   is what the data fix in both cases.
//! - Logistic: x_lo = 0 and x_hi = x̄, the mean positive scaled spend (c is the contribution
//!   at mean spend).
//!
//! The anchors are constants of the data (normalised adstock keeps the spend's level).
//!
//! The map acts on θ before the bijectors: θ holds u_c for the coefficient, θ′ (the model's
//! coordinates, what the rest of the density reads) holds u_β, all else the same.
//!
//! With β on (0, ∞) (`Positive`, u_β = ln β), u_c = ln c and u_β = u_c − ln Δf with
//! Δf = f(x_hi) − f(x_lo) > 0 (f increases): a shift by a function of the other coordinates,
//! so the map θ → θ′ is triangular with unit diagonal and its own log-Jacobian is 0. The
//! density then adds the bijector's ln β = ln c − ln Δf, which is exactly
//! ln|dc/du_c| + ln|dβ/dc| of u_c ↦ c ↦ β = c / Δf; its gradient in the saturation
//! coordinates, −∂ln Δf/∂u, comes through the chain rule of the shift.
//! A coefficient on another support (a truncated prior), or a channel whose coordinate is an
//! ROI, marginal-ROI or share (effect priors), keeps its coordinate.
//!
//! A Hill channel that takes the coefficient's coordinate, with K and S both on (0, ∞), also
//! samples its half-saturation as a shape coordinate m = h(S)·ln(K/x_ref) in place of ln K,
//! with h(S) = √(S₀² + S²), S₀ = [`SHAPE_FLOOR`] = 1, and x_ref = √(x_lo·x_hi) (x_hi when
//! x_lo = 0; [`shape_reference`]). The log-odds of the curve is
//! z(x) = S·ln(K/x) and ∂f/∂ln K = −S·f(1 − f): the curvature in ln K grows like S², which the
//! metric does not cover when a weakly identified channel moves to a steep curve. m is close
//! to the log-odds at x_ref for steep curves (h ≈ S) and to ln(K/x_ref) for flat ones
//! (h ≈ 1), where m = S·ln(K/x_ref) would make a funnel (m's width ∝ S). The map
//! ln K = ln x_ref + m/h(S), S unchanged, is triangular with log-Jacobian −ln h(S), returned by
//! [`MediaReparam::map_to_model`] and added to the density; the coefficient's shift reads K
//! from it. Measured in docs/performance.md ("Weekly Hill divergences: the shape coordinate").
//!
//! The priors stay on β, K and S with their meaning; [`super::MmmDensity::constrain`] maps
//! through this first, so every reported quantity is as before.

use crate::spec::ModelSpec;
use crate::transform::{SaturationKind, Support};

use super::layout::Layout;
use super::model::ModelData;

/// One reparameterised channel and what the forward map keeps for the chain rule.
#[derive(Debug, Clone)]
struct Channel {
    beta_idx: usize,
    sat_idx: [usize; 2],
    saturation: SaturationKind,
    /// The spend levels (x_lo, x_hi), 0 ≤ x_lo < x_hi.
    anchors: [f64; 2],
    /// ∂ ln Δf/∂u for the saturation coordinates, from the last forward map.
    dlogf_du: [f64; 2],
    /// A Hill channel whose K and S are both on (0, ∞): ln x_ref, the reference spend of its
    /// shape coordinate m = h(S)·ln(K/x_ref) (sampled in place of ln K); `None` otherwise.
    log_ref: Option<f64>,
    /// 1/h(S), m and d ln h/d ln S at the last forward map, for the chain rule of the shape
    /// coordinate.
    inv_h: f64,
    m: f64,
    elasticity: f64,
}

/// The media block's change of variables, with its own scratch (the hot path allocates
/// nothing).
#[derive(Debug, Clone)]
pub(crate) struct MediaReparam {
    channels: Vec<Channel>,
    bijectors: Vec<Support>,
}

/// ln f(x̄) for saturation `kind` at parameters `p`, with ∂ ln f/∂p.
///
/// Hill: f = x̄^S/(K^S + x̄^S), so ln f = −softplus(z) with z = S·ln(K/x̄), ∂/∂z = −σ(z).
/// Logistic: f = tanh(λx̄/2), ln f = ln(1 − e^(−λx̄)) − ln(1 + e^(−λx̄)) and
/// ∂ ln f/∂λ = 2x̄·e^(−λx̄) / ((1 − e^(−λx̄))(1 + e^(−λx̄))). Both stable for any finite
/// positive parameters.
pub(crate) fn log_saturation_at(kind: SaturationKind, p: [f64; 2], mean: f64) -> (f64, [f64; 2]) {
    match kind {
        SaturationKind::Hill => {
            let (k, s) = (p[0], p[1]);
            let log_ratio = k.ln() - mean.ln();
            let z = s * log_ratio;
            let sig = sigmoid(z);
            (-softplus(z), [-sig * s / k, -sig * log_ratio])
        }
        SaturationKind::Logistic => {
            let x = p[0] * mean;
            let e = (-x).exp();
            let one_minus = -(-x).exp_m1();
            let value = one_minus.ln() - e.ln_1p();
            (value, [2.0 * mean * e / (one_minus * (1.0 + e)), 0.0])
        }
    }
}

/// The reference spend x_ref of a Hill channel's shape coordinate m = h(S)·ln(K/x_ref): the
/// geometric mean √(x_lo·x_hi) of its anchors, or x_hi when x_lo = 0 (flighted or sporadic
/// spend). For always-on spend it sits in the middle of the range the data see on a log scale.
pub(crate) fn shape_reference([lo, hi]: [f64; 2]) -> f64 {
    if lo > 0.0 { (lo * hi).sqrt() } else { hi }
}

/// The slope below which the shape coordinate's scale h(S) = √(S₀² + S²) stops following S.
pub(crate) const SHAPE_FLOOR: f64 = 1.0;

/// ln h(S) and d ln h/d ln S for u_S = ln S, h(S) = √(S₀² + S²) with S₀ = [`SHAPE_FLOOR`].
pub(crate) fn shape_scale(u_s: f64) -> (f64, f64) {
    // ln h = ln S + ½·ln(1 + (S₀/S)²) = ln S + ½·softplus(2·(ln S₀ − u_S)).
    let w = 2.0 * (SHAPE_FLOOR.ln() - u_s);
    (u_s + 0.5 * softplus(w), sigmoid(-w))
}

/// The share of f(x_lo) that the coordinate keeps: c = β·(f(x_hi) − (1 − w)·f(x_lo)).
pub(crate) const LOWER_WEIGHT: f64 = 0.1;

/// ln(f(hi) − (1 − w)·f(lo)) with w = [`LOWER_WEIGHT`], for saturation `kind` at parameters
/// `p`, with its gradient in p, for 0 ≤ lo < hi; with lo = 0 it is [`log_saturation_at`] at
/// hi. It is ln(e^(ln Δf) + e^(ln w + ln f(lo))) with Δf = f(hi) − f(lo) from
/// [`log_hill_difference`], and its gradient the two gradients weighted by their shares.
pub(crate) fn log_saturation_gap(
    kind: SaturationKind,
    p: [f64; 2],
    lo: f64,
    hi: f64,
) -> (f64, [f64; 2]) {
    if lo <= 0.0 || kind != SaturationKind::Hill {
        debug_assert!(lo <= 0.0, "a logistic channel's lower anchor is 0");
        return log_saturation_at(kind, p, hi);
    }
    let (a, ga) = log_hill_difference(p, lo, hi);
    let (b, gb) = log_saturation_at(kind, p, lo);
    let b = b + LOWER_WEIGHT.ln();
    let value = a.max(b) + (-(a - b).abs()).exp().ln_1p();
    let share = sigmoid(a - b);
    (
        value,
        [
            share * ga[0] + (1.0 - share) * gb[0],
            share * ga[1] + (1.0 - share) * gb[1],
        ],
    )
}

/// ln(f(hi) − f(lo)) for Hill at parameters `p`, with its gradient in p, for 0 < lo < hi.
///
/// Hill, lo > 0: f(x) = σ(−z(x)) with z(x) = S·ln(K/x), and σ(a) − σ(b) =
/// σ(a)·σ(−b)·(1 − e^(b−a)), so ln Δf = −softplus(z_hi) − softplus(−z_lo) + ln(1 − e^(−S·L))
/// with L = ln(hi/lo) (z_lo − z_hi = S·L). ∂/∂z_hi = −σ(z_hi), ∂/∂z_lo = σ(−z_lo), and the
/// last term's ∂/∂S = L / (e^(S·L) − 1). Stable for any finite positive parameters.
pub(crate) fn log_hill_difference(p: [f64; 2], lo: f64, hi: f64) -> (f64, [f64; 2]) {
    let (k, s) = (p[0], p[1]);
    let (r_hi, r_lo) = (k.ln() - hi.ln(), k.ln() - lo.ln());
    let (z_hi, z_lo) = (s * r_hi, s * r_lo);
    let span = hi.ln() - lo.ln();
    let sl = s * span;
    let value = -softplus(z_hi) - softplus(-z_lo) + (-(-sl).exp_m1()).ln();
    let (g_hi, g_lo) = (-sigmoid(z_hi), sigmoid(-z_lo));
    let d_k = (g_hi + g_lo) * s / k;
    let d_s = g_hi * r_hi + g_lo * r_lo + span / sl.exp_m1();
    (value, [d_k, d_s])
}

/// ln(1 + e^z), stable for any finite z.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// 1 / (1 + e^(−z)), stable for any finite z.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The anchors (x_lo, x_hi) of a channel's coordinate from its scaled spend over the fitted
/// rows (see the module's documentation); `None` when the channel never spends.
pub(crate) fn anchors(kind: SaturationKind, spend: &[f64]) -> Option<[f64; 2]> {
    let mut positive: Vec<f64> = spend.iter().copied().filter(|x| *x > 0.0).collect();
    if positive.is_empty() {
        return None;
    }
    if kind == SaturationKind::Logistic {
        let mean = positive.iter().sum::<f64>() / positive.len() as f64;
        return Some([0.0, mean]);
    }
    let mut all = spend.to_vec();
    all.sort_by(f64::total_cmp);
    positive.sort_by(f64::total_cmp);
    let hi = quantile(&positive, 0.75);
    let lo = quantile(&all, 0.25);
    Some([if lo < hi { lo } else { 0.0 }, hi])
}

/// The `q` quantile of sorted `x` (linear between order statistics, as numpy's default).
fn quantile(x: &[f64], q: f64) -> f64 {
    let pos = q * (x.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(x.len() - 1);
    x[i] + (pos - i as f64) * (x[j] - x[i])
}

impl MediaReparam {
    /// The change of variables for `spec`'s channels, or `None` when no channel takes it.
    pub fn new(spec: &ModelSpec, layout: &Layout, data: &ModelData) -> Option<MediaReparam> {
        let channels: Vec<Channel> = layout
            .channels
            .iter()
            .zip(&spec.channels)
            .enumerate()
            .filter_map(|(c, (ch, spec_ch))| {
                if spec_ch.effect.is_some() {
                    return None;
                }
                if layout.bijectors[ch.beta_idx] != Support::Positive {
                    return None;
                }
                let anchors = anchors(ch.saturation, &data.spend[c][..data.n_fit])?;
                let log_ref = (ch.saturation == SaturationKind::Hill
                    && ch
                        .saturation_idx
                        .iter()
                        .all(|&i| layout.bijectors[i] == Support::Positive))
                .then(|| shape_reference(anchors).ln());
                Some(Channel {
                    beta_idx: ch.beta_idx,
                    sat_idx: ch.saturation_idx,
                    saturation: ch.saturation,
                    anchors,
                    dlogf_du: [0.0; 2],
                    log_ref,
                    inv_h: 1.0,
                    m: 0.0,
                    elasticity: 0.0,
                })
            })
            .collect();
        (!channels.is_empty()).then(|| MediaReparam {
            channels,
            bijectors: layout.bijectors.clone(),
        })
    }

    /// θ (sampled) → θ′ (the model's coordinates) into `out`, keeping what
    /// [`MediaReparam::chain`] needs; the map's log-Jacobian (Σ −ln S over the channels with
    /// the shape coordinate), or `None` when ln Δf or ln K is not finite at these parameters.
    pub fn map_to_model(&mut self, theta: &[f64], out: &mut [f64]) -> Option<f64> {
        out.copy_from_slice(theta);
        let mut log_jac = 0.0;
        for ch in &mut self.channels {
            if let Some(log_ref) = ch.log_ref {
                let [k_idx, s_idx] = ch.sat_idx;
                let (m, u_s) = (theta[k_idx], theta[s_idx]);
                let (log_h, elasticity) = shape_scale(u_s);
                let inv_h = (-log_h).exp();
                let u_k = log_ref + m * inv_h;
                if !u_k.is_finite() {
                    return None;
                }
                out[k_idx] = u_k;
                ch.inv_h = inv_h;
                ch.m = m;
                ch.elasticity = elasticity;
                log_jac -= log_h;
            }
            let np = ch.saturation.n_params();
            let mut p = [1.0; 2];
            let mut dp_du = [0.0; 2];
            for j in 0..np {
                let c = self.bijectors[ch.sat_idx[j]].constrain_with_jacobian(out[ch.sat_idx[j]]);
                p[j] = c.x;
                dp_du[j] = c.dx_du;
            }
            let [lo, hi] = ch.anchors;
            let (log_f, dlogf_dp) = log_saturation_gap(ch.saturation, p, lo, hi);
            if !log_f.is_finite() {
                return None;
            }
            for j in 0..2 {
                ch.dlogf_du[j] = dlogf_dp[j] * dp_du[j];
            }
            out[ch.beta_idx] = theta[ch.beta_idx] - log_f;
        }
        Some(log_jac)
    }

    /// θ alone mapped to θ′, for reporting (no gradient).
    pub fn to_model_plain(&self, theta: &[f64], out: &mut [f64]) {
        out.copy_from_slice(theta);
        for ch in &self.channels {
            if let Some(log_ref) = ch.log_ref {
                let [k_idx, s_idx] = ch.sat_idx;
                out[k_idx] = log_ref + theta[k_idx] * (-shape_scale(theta[s_idx]).0).exp();
            }
            let mut p = [1.0; 2];
            for (j, pj) in p.iter_mut().enumerate().take(ch.saturation.n_params()) {
                *pj = self.bijectors[ch.sat_idx[j]].constrain(out[ch.sat_idx[j]]);
            }
            let [lo, hi] = ch.anchors;
            let (log_f, _) = log_saturation_gap(ch.saturation, p, lo, hi);
            out[ch.beta_idx] = theta[ch.beta_idx] - log_f;
        }
    }

    /// The gradient in θ′ (`grad`, at the θ of the last [`MediaReparam::map_to_model`]) turned
    /// into the gradient in θ, the map's log-Jacobian included: ∂u_β/∂u_c = 1 and
    /// ∂u_β/∂u_sat = −∂ln Δf/∂u_sat; with the shape coordinate, u_K = ln x_ref + m/h(S) gives
    /// ∂u_K/∂m = 1/h and ∂u_K/∂u_S = −(m/h)·e with e = d ln h/d ln S, and the log-Jacobian
    /// −ln h adds −e to u_S's.
    pub fn chain(&self, grad: &mut [f64]) {
        for ch in &self.channels {
            let g_beta = grad[ch.beta_idx];
            for j in 0..ch.saturation.n_params() {
                grad[ch.sat_idx[j]] -= g_beta * ch.dlogf_du[j];
            }
            if ch.log_ref.is_some() {
                let [k_idx, s_idx] = ch.sat_idx;
                let g_k = grad[k_idx];
                grad[k_idx] = g_k * ch.inv_h;
                grad[s_idx] -= (g_k * ch.m * ch.inv_h + 1.0) * ch.elasticity;
            }
        }
    }
}

#[cfg(test)]
impl MediaReparam {
    /// Each reparameterised channel's coefficient index in θ and its anchors (x_lo, x_hi).
    pub(crate) fn coefficients(&self) -> Vec<(usize, [f64; 2])> {
        self.channels
            .iter()
            .map(|ch| (ch.beta_idx, ch.anchors))
            .collect()
    }

    /// Each channel with the shape coordinate: the indices of K and S in θ and ln x_ref.
    pub(crate) fn shapes(&self) -> Vec<([usize; 2], f64)> {
        self.channels
            .iter()
            .filter_map(|ch| ch.log_ref.map(|r| (ch.sat_idx, r)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of smooth functions at step 1e-6.
    const FD_TOL: f64 = 1e-6;

    fn check(kind: SaturationKind, p: [f64; 2], mean: f64) {
        let (v, g) = log_saturation_at(kind, p, mean);
        let direct = kind.value(&p[..kind.n_params()], mean).ln();
        assert!(
            (v - direct).abs() <= 1e-12 * (1.0 + direct.abs()),
            "{v} vs {direct}"
        );
        for j in 0..kind.n_params() {
            let h = 1e-6 * p[j];
            let mut up = p;
            let mut down = p;
            up[j] += h;
            down[j] -= h;
            let fd = (log_saturation_at(kind, up, mean).0 - log_saturation_at(kind, down, mean).0)
                / (2.0 * h);
            assert!(
                (g[j] - fd).abs() <= FD_TOL * (1.0 + fd.abs()),
                "{kind:?} {j}: {} vs {fd}",
                g[j]
            );
        }
    }

    #[test]
    fn log_saturation_at_mean_spend_matches_the_curve_and_its_finite_differences() {
        for (k, s, mean) in [
            (0.5, 1.2, 0.3),
            (2.0, 3.0, 0.7),
            (0.05, 0.6, 1.5),
            (1.0, 8.0, 0.2),
        ] {
            check(SaturationKind::Hill, [k, s], mean);
        }
        for (lam, mean) in [(0.5, 0.3), (4.0, 0.7), (0.01, 1.5), (20.0, 1.0)] {
            check(SaturationKind::Logistic, [lam, 0.0], mean);
        }
    }

    #[test]
    fn log_hill_gap_matches_the_curve_and_its_finite_differences() {
        for (k, s, lo, hi) in [
            (0.5, 1.2, 0.3, 0.7),
            (2.0, 3.0, 0.4, 0.9),
            (0.05, 0.6, 0.2, 1.5),
            (1.0, 8.0, 0.1, 0.2),
            (0.3, 0.2, 0.69, 0.7),
        ] {
            let kind = SaturationKind::Hill;
            let (v, g) = log_saturation_gap(kind, [k, s], lo, hi);
            let direct =
                (kind.value(&[k, s], hi) - (1.0 - LOWER_WEIGHT) * kind.value(&[k, s], lo)).ln();
            assert!(
                (v - direct).abs() <= 1e-10 * (1.0 + direct.abs()),
                "{v} vs {direct}"
            );
            let p = [k, s];
            for j in 0..2 {
                let h = 1e-6 * p[j];
                let (mut up, mut down) = (p, p);
                up[j] += h;
                down[j] -= h;
                let fd = (log_saturation_gap(kind, up, lo, hi).0
                    - log_saturation_gap(kind, down, lo, hi).0)
                    / (2.0 * h);
                assert!(
                    (g[j] - fd).abs() <= FD_TOL * (1.0 + fd.abs()),
                    "{j} at {p:?}, {lo}..{hi}: {} vs {fd}",
                    g[j]
                );
            }
        }
        // With x_lo = 0 it is ln f(x_hi).
        let at = log_saturation_at(SaturationKind::Hill, [0.4, 2.5], 0.7);
        assert_eq!(
            log_saturation_gap(SaturationKind::Hill, [0.4, 2.5], 0.0, 0.7),
            at
        );
    }

    #[test]
    fn shape_scale_is_the_root_of_the_squares_with_its_elasticity() {
        for u_s in [-30.0, -4.0, -1.0, -0.2, 0.0, 0.3, 1.0, 2.5, 30.0] {
            let (log_h, e) = shape_scale(u_s);
            let s: f64 = f64::exp(u_s);
            let direct = 0.5 * (SHAPE_FLOOR * SHAPE_FLOOR + s * s).ln();
            assert!(
                (log_h - direct).abs() <= 1e-12 * (1.0 + direct.abs()),
                "{u_s}: {log_h} vs {direct}"
            );
            assert!((0.0..=1.0).contains(&e), "{u_s}: {e}");
            let h = 1e-6;
            let fd = (shape_scale(u_s + h).0 - shape_scale(u_s - h).0) / (2.0 * h);
            assert!((e - fd).abs() <= FD_TOL, "{u_s}: {e} vs {fd}");
        }
        // h follows S above the floor and stays at the floor below it.
        assert!((shape_scale(-30.0).0 - SHAPE_FLOOR.ln()).abs() < 1e-12);
        assert!((shape_scale(30.0).0 - 30.0).abs() < 1e-12);
        let (v, e) = shape_scale(800.0);
        assert!(v.is_finite() && e.is_finite(), "{v} {e}");
    }

    #[test]
    fn anchors_are_the_spend_quartiles() {
        // Always on: x_lo is the lower quartile of all rows, x_hi the upper of the positive.
        let spend = [0.2, 0.4, 0.6, 0.8, 1.0];
        let [lo, hi] = anchors(SaturationKind::Hill, &spend).unwrap();
        assert!((lo - 0.4).abs() < 1e-15 && (hi - 0.8).abs() < 1e-15);
        // Flighted (half the weeks off): x_lo = 0.
        let spend = [0.0, 0.0, 0.0, 0.5, 1.0, 0.5];
        assert_eq!(anchors(SaturationKind::Hill, &spend), Some([0.0, 0.75]));
        assert!((shape_reference([0.0, 0.75]) - 0.75).abs() < 1e-15);
        assert!((shape_reference([0.25, 1.0]) - 0.5).abs() < 1e-15);
        // Constant spend: no lower anchor below the upper one.
        assert_eq!(anchors(SaturationKind::Hill, &[0.5; 4]), Some([0.0, 0.5]));
        // Logistic: x_lo = 0, x_hi = mean positive spend.
        assert_eq!(
            anchors(SaturationKind::Logistic, &[0.0, 0.2, 0.4]),
            Some([0.0, 0.30000000000000004])
        );
        assert_eq!(anchors(SaturationKind::Hill, &[0.0, 0.0]), None);
    }

    #[test]
    fn log_saturation_at_mean_spend_stays_finite_far_out() {
        let (v, g) = log_saturation_gap(SaturationKind::Hill, [1e6, 50.0], 0.05, 0.1);
        assert!(
            v.is_finite() && g.iter().all(|x| x.is_finite()),
            "{v} {g:?}"
        );
        let (v, g) = log_saturation_gap(SaturationKind::Hill, [1e-6, 50.0], 0.05, 0.1);
        assert!(
            v.is_finite() && g.iter().all(|x| x.is_finite()),
            "{v} {g:?}"
        );
        let (v, g) = log_saturation_at(SaturationKind::Hill, [1e6, 50.0], 0.1);
        assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
        let (v, g) = log_saturation_at(SaturationKind::Logistic, [1e4, 0.0], 1.0);
        assert!(v.is_finite() && g[0].is_finite());
    }
}

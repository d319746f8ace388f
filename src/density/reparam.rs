//! The media block's sampled coordinates: each channel's coefficient is sampled as its
//! contribution at mean spend, c = β·f(x̄), an exact change of variables whose log-Jacobian
//! (which depends on the saturation parameters) enters the density with its gradient.
//!
//! β and the saturation parameters (K and S of Hill, λ of logistic) are strongly correlated in
//! the posterior: the data pin down the contribution β·f(a) at the spend the channel actually
//! has, not β and f apart. Sampling c = β·f(x̄), with x̄ the channel's mean positive scaled
//! spend over the fitted rows (a constant of the data; normalised adstock keeps the spend's
//! level), takes most of that ridge out of the sampler's way.
//!
//! The map acts on θ before the bijectors: θ holds u_c for the coefficient, θ′ (the model's
//! coordinates, what the rest of the density reads) holds u_β, all else the same.
//!
//! With β on (0, ∞) (`Positive`, u_β = ln β), u_c = ln c and u_β = u_c − ln f(x̄): a shift by
//! a function of the other coordinates, so the map θ → θ′ is triangular with unit diagonal and
//! its own log-Jacobian is 0. The density then adds the bijector's ln β = ln c − ln f(x̄),
//! which is exactly ln|dc/du_c| + ln|dβ/dc| of u_c ↦ c ↦ β = c / f(x̄); its gradient in the
//! saturation coordinates, −∂ln f(x̄)/∂u, comes through the chain rule of the shift.
//! A coefficient on another support (a truncated prior), or a channel whose coordinate is an
//! ROI, marginal-ROI or share (effect priors), keeps its coordinate.
//!
//! The priors stay on β with their meaning; [`super::MmmDensity::constrain`] maps through
//! this first, so every reported quantity is as before.

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
    /// x̄: mean positive scaled spend over the fitted rows.
    mean_spend: f64,
    /// ∂ ln f(x̄)/∂u for the saturation coordinates, from the last forward map.
    dlogf_du: [f64; 2],
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
            let softplus = z.max(0.0) + (-z.abs()).exp().ln_1p();
            let sig = if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                let e = z.exp();
                e / (1.0 + e)
            };
            (-softplus, [-sig * s / k, -sig * log_ratio])
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
                let positive: Vec<f64> = data.spend[c][..data.n_fit]
                    .iter()
                    .copied()
                    .filter(|x| *x > 0.0)
                    .collect();
                if positive.is_empty() {
                    return None;
                }
                let mean_spend = positive.iter().sum::<f64>() / positive.len() as f64;
                Some(Channel {
                    beta_idx: ch.beta_idx,
                    sat_idx: ch.saturation_idx,
                    saturation: ch.saturation,
                    mean_spend,
                    dlogf_du: [0.0; 2],
                })
            })
            .collect();
        (!channels.is_empty()).then(|| MediaReparam {
            channels,
            bijectors: layout.bijectors.clone(),
        })
    }

    /// θ (sampled) → θ′ (the model's coordinates) into `out`, keeping ∂ln f(x̄)/∂u for
    /// [`MediaReparam::chain`]; `false` when ln f(x̄) is not finite at these parameters.
    pub fn map_to_model(&mut self, theta: &[f64], out: &mut [f64]) -> bool {
        out.copy_from_slice(theta);
        for ch in &mut self.channels {
            let np = ch.saturation.n_params();
            let mut p = [1.0; 2];
            let mut dp_du = [0.0; 2];
            for j in 0..np {
                let c = self.bijectors[ch.sat_idx[j]].constrain_with_jacobian(theta[ch.sat_idx[j]]);
                p[j] = c.x;
                dp_du[j] = c.dx_du;
            }
            let (log_f, dlogf_dp) = log_saturation_at(ch.saturation, p, ch.mean_spend);
            if !log_f.is_finite() {
                return false;
            }
            for j in 0..2 {
                ch.dlogf_du[j] = dlogf_dp[j] * dp_du[j];
            }
            out[ch.beta_idx] = theta[ch.beta_idx] - log_f;
        }
        true
    }

    /// θ alone mapped to θ′, for reporting (no gradient).
    pub fn to_model_plain(&self, theta: &[f64], out: &mut [f64]) {
        out.copy_from_slice(theta);
        for ch in &self.channels {
            let mut p = [1.0; 2];
            for (j, pj) in p.iter_mut().enumerate().take(ch.saturation.n_params()) {
                *pj = self.bijectors[ch.sat_idx[j]].constrain(theta[ch.sat_idx[j]]);
            }
            let (log_f, _) = log_saturation_at(ch.saturation, p, ch.mean_spend);
            out[ch.beta_idx] = theta[ch.beta_idx] - log_f;
        }
    }

    /// The gradient in θ′ (`grad`, at the θ of the last [`MediaReparam::map_to_model`]) turned
    /// into the gradient in θ: ∂u_β/∂u_c = 1 and ∂u_β/∂u_sat = −∂ln f(x̄)/∂u_sat.
    pub fn chain(&self, grad: &mut [f64]) {
        for ch in &self.channels {
            let g_beta = grad[ch.beta_idx];
            for j in 0..ch.saturation.n_params() {
                grad[ch.sat_idx[j]] -= g_beta * ch.dlogf_du[j];
            }
        }
    }
}

#[cfg(test)]
impl MediaReparam {
    /// Each reparameterised channel's coefficient index in θ and its x̄.
    pub(crate) fn coefficients(&self) -> Vec<(usize, f64)> {
        self.channels
            .iter()
            .map(|ch| (ch.beta_idx, ch.mean_spend))
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
    fn log_saturation_at_mean_spend_stays_finite_far_out() {
        let (v, g) = log_saturation_at(SaturationKind::Hill, [1e6, 50.0], 0.1);
        assert!(v.is_finite() && g.iter().all(|x| x.is_finite()));
        let (v, g) = log_saturation_at(SaturationKind::Logistic, [1e4, 0.0], 1.0);
        assert!(v.is_finite() && g[0].is_finite());
    }
}

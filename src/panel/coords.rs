//! The panel's sampled coordinates: each channel's pooled coefficient `beta_mu[c]` is sampled
//! as the log contribution at mean spend of a group at the centre of the hierarchy,
//! m′ = beta_mu + ln f(x̄), with x̄ the channel's mean positive scaled spend over every row of
//! the panel (a constant of the data). An exact change of variables; the priors and every
//! output keep their meaning.
//!
//! The national density's media-block coordinates (`density/reparam.rs`) carried over: the
//! data pin down β·f(a) at the spend a channel actually has, not the level of β and the
//! saturation's shape apart, so `beta_mu` and the saturation parameters (λ of logistic, K and
//! S of Hill) lie along a curved ridge; m′ straightens it.
//!
//! The map acts on θ before the bijectors: θ holds m′ where the model's coordinates θ′ hold
//! `beta_mu` (on the real line, so u = beta_mu), all else the same. beta_mu = m′ − ln f(x̄) is
//! a shift by a function of the other coordinates: triangular with unit diagonal, so the map's
//! log-Jacobian is 0 and the density on θ is the density on θ′ at the mapped point. Its
//! gradient: ∂/∂m′ = ∂/∂beta_mu, and each saturation coordinate gains
//! −∂/∂beta_mu · ∂ln f(x̄)/∂u. A `beta_mu` whose prior is not on the whole real line (a truncated
//! hyper-prior) keeps its coordinate.

use crate::density::log_saturation_at;
use crate::transform::{SaturationKind, Support};

use super::layout::PanelLayout;
use super::panel_data::StackedData;

/// One channel's shift and what the forward map keeps for the chain rule.
#[derive(Debug, Clone)]
struct Channel {
    mu_idx: usize,
    sat_idx: [usize; 2],
    saturation: SaturationKind,
    /// x̄: mean positive scaled spend over the panel's rows.
    mean_spend: f64,
    /// ∂ ln f(x̄)/∂u for the saturation coordinates, from the last forward map.
    dlogf_du: [f64; 2],
}

/// The change of variables from the sampler's θ to the model's θ′.
#[derive(Debug, Clone)]
pub(crate) struct PanelCoords {
    channels: Vec<Channel>,
    bijectors: Vec<Support>,
}

impl PanelCoords {
    /// The map for `layout` on `data`, or `None` when no channel takes it.
    pub fn new(layout: &PanelLayout, data: &StackedData) -> Option<PanelCoords> {
        let n = data.n_rows;
        let channels: Vec<Channel> = layout
            .channels
            .iter()
            .enumerate()
            .filter_map(|(c, ch)| {
                if layout.params[ch.mu_idx].support != Support::Real {
                    return None;
                }
                let (total, count) = data.spend[c * n..(c + 1) * n]
                    .iter()
                    .filter(|x| **x > 0.0)
                    .fold((0.0, 0_usize), |(s, k), x| (s + x, k + 1));
                (count > 0).then(|| Channel {
                    mu_idx: ch.mu_idx,
                    sat_idx: ch.saturation_idx,
                    saturation: ch.saturation,
                    mean_spend: total / count as f64,
                    dlogf_du: [0.0; 2],
                })
            })
            .collect();
        (!channels.is_empty()).then(|| PanelCoords {
            channels,
            bijectors: layout.params.iter().map(|p| p.support).collect(),
        })
    }

    /// θ (sampled) → θ′ (the model's coordinates) into `out`, keeping ∂ln f(x̄)/∂u for
    /// [`PanelCoords::chain`]; `false` when ln f(x̄) is not finite at these parameters.
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
            out[ch.mu_idx] = theta[ch.mu_idx] - log_f;
        }
        true
    }

    /// θ mapped to θ′ without the chain rule's state, for reporting.
    pub fn to_model_plain(&self, theta: &[f64], out: &mut [f64]) {
        out.copy_from_slice(theta);
        for ch in &self.channels {
            let mut p = [1.0; 2];
            for (j, pj) in p.iter_mut().enumerate().take(ch.saturation.n_params()) {
                *pj = self.bijectors[ch.sat_idx[j]].constrain(theta[ch.sat_idx[j]]);
            }
            let (log_f, _) = log_saturation_at(ch.saturation, p, ch.mean_spend);
            out[ch.mu_idx] = theta[ch.mu_idx] - log_f;
        }
    }

    /// The gradient in θ′ (`grad`, at the θ of the last [`PanelCoords::map_to_model`]) turned
    /// into the gradient in θ: ∂beta_mu/∂m′ = 1, ∂beta_mu/∂u_sat = −∂ln f(x̄)/∂u_sat.
    pub fn chain(&self, grad: &mut [f64]) {
        for ch in &self.channels {
            let g_mu = grad[ch.mu_idx];
            for j in 0..ch.saturation.n_params() {
                grad[ch.sat_idx[j]] -= g_mu * ch.dlogf_du[j];
            }
        }
    }
}

//! ROI, marginal-ROI and share priors (`roi = {...}`, `mroi = {...}`, `share = {...}` on a
//! channel): the sampler's coordinate is the stated quantity q, the coefficient is derived
//! from it exactly, β = q·K / R(adstock, saturation), and the gradient is chained back through
//! that derivation.
//!
//! Over the fitted rows t < m, with a_t the adstocked scaled spend and f the saturation:
//! ROI = s_y·β·Σ f(a_t) / Σ spend_t, marginal ROI = s_y·β·Σ a_t f′(a_t) / Σ spend_t (the
//! outcome per extra unit of spend when every period's spend grows in proportion), share =
//! β·Σ f(a_t) / Σ y_t (scaled target). Each is β·R/K with R = Σ f(a_t) (ROI, share) or
//! R = Σ a_t f′(a_t) (marginal ROI) and K a constant of the data. No Jacobian enters: the
//! prior is stated on q and the sampler's coordinate is q (docs/math.md, "Effect priors").

use thiserror::Error;

use crate::sampler::LogpError;
use crate::spec::{EffectKind, ModelSpec};
use crate::transform::{
    ADSTOCK_MAX_PARAMS, SaturationKind, convolve, convolve_adjoint_weights, hill_series,
    logistic_series, pull_back_weights,
};

use super::layout::{ChannelLayout, Layout};
use super::model::ModelData;

/// Why an effect prior cannot be stated on this data.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum EffectPriorError {
    /// ROI and marginal ROI divide by the channel's spend.
    #[error(
        "channel {channel:?} has a {key} prior but no spend over the fitted rows; its {key} is \
         undefined (state the prior on beta, or give data where the channel spends)"
    )]
    NoSpend {
        /// The channel.
        channel: String,
        /// `roi` or `mroi`.
        key: &'static str,
    },
    /// A share divides by the outcome's total.
    #[error(
        "channel {channel:?} has a share prior but the target sums to {total} over the fitted \
         rows; a share of the outcome needs a positive total (state the prior on roi or beta)"
    )]
    NoOutcome {
        /// The channel.
        channel: String,
        /// Σ y over the fitted rows, original units.
        total: f64,
    },
}

/// One channel with an effect prior.
#[derive(Debug, Clone)]
struct EffectChannel {
    /// Channel index.
    c: usize,
    kind: EffectKind,
    /// β = q·K / R.
    k: f64,
}

/// What the forward derivation keeps for the chain rule, per effect channel.
#[derive(Debug, Clone, Copy, Default)]
struct Saved {
    /// The prior's gradient in q, held aside while the likelihood's gradient in β accumulates.
    prior_grad: f64,
    /// ∂β/∂q = K / R.
    beta_per_q: f64,
    /// ∂ln R / ∂(adstock params, saturation params).
    dlog_r: [f64; 2 * ADSTOCK_MAX_PARAMS],
}

/// The effect priors of a model, with their own scratch (the hot path allocates nothing).
#[derive(Debug, Clone)]
pub(crate) struct EffectTerm {
    channels: Vec<EffectChannel>,
    saved: Vec<Saved>,
    m: usize,
    w: Vec<f64>,
    jac: Vec<f64>,
    a: Vec<f64>,
    sat: [Vec<f64>; 4],
    g: Vec<f64>,
    dw: Vec<f64>,
}

impl EffectTerm {
    /// The effect priors of `spec`, or `None` when no channel has one.
    pub fn new(
        spec: &ModelSpec,
        layout: &Layout,
        md: &ModelData,
    ) -> Result<Option<EffectTerm>, EffectPriorError> {
        let m = md.n_fit;
        let mut channels = Vec::new();
        for (c, ch) in spec.channels.iter().enumerate() {
            let Some(effect) = ch.effect else { continue };
            let k = match effect.kind {
                EffectKind::Roi | EffectKind::Mroi => {
                    let spend: f64 = md.spend[c][..m].iter().sum();
                    if spend <= 0.0 {
                        return Err(EffectPriorError::NoSpend {
                            channel: ch.name.clone(),
                            key: effect.kind.key(),
                        });
                    }
                    spend * md.scales.channels[c] / md.scales.target
                }
                EffectKind::Share => {
                    let total: f64 = md.obs[..m].iter().sum();
                    if total <= 0.0 || !total.is_finite() {
                        return Err(EffectPriorError::NoOutcome {
                            channel: ch.name.clone(),
                            total: total * md.scales.target,
                        });
                    }
                    total
                }
            };
            channels.push(EffectChannel {
                c,
                kind: effect.kind,
                k,
            });
        }
        if channels.is_empty() {
            return Ok(None);
        }
        let max_lag = layout
            .channels
            .iter()
            .map(|ch| ch.max_lag)
            .max()
            .unwrap_or(1);
        Ok(Some(EffectTerm {
            saved: vec![Saved::default(); channels.len()],
            channels,
            m,
            w: vec![0.0; max_lag],
            jac: vec![0.0; ADSTOCK_MAX_PARAMS * max_lag],
            a: vec![0.0; m],
            sat: [vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]],
            g: vec![0.0; m],
            dw: vec![0.0; max_lag],
        }))
    }

    /// Replaces each effect channel's q in `x` by its β. Without `gx` a β that cannot be
    /// derived (no effect at these parameters) becomes NaN; with `gx` it is an error, and
    /// `derive_into` also sets aside the
    /// prior's gradient in q (zeroing `gx` there for the likelihood's gradient in β) and what
    /// [`EffectTerm::chain`] needs.
    pub fn derive_into(
        &mut self,
        x: &mut [f64],
        mut gx: Option<&mut [f64]>,
        layout: &Layout,
        md: &ModelData,
    ) -> Result<(), LogpError> {
        for i in 0..self.channels.len() {
            let (c, kind, k) = {
                let e = &self.channels[i];
                (e.c, e.kind, e.k)
            };
            let ch = &layout.channels[c];
            let mut dr = [0.0; 2 * ADSTOCK_MAX_PARAMS];
            let r = self.ratio(ch, kind, x, &md.spend[c][..self.m], &mut dr);
            if !(r > 0.0 && r.is_finite()) {
                if gx.is_none() {
                    x[ch.beta_idx] = f64::NAN;
                    continue;
                }
                return Err(LogpError::OutOfSupport(
                    "a channel with an effect prior has no effect at these parameters",
                ));
            }
            let beta_per_q = k / r;
            let q = x[ch.beta_idx];
            x[ch.beta_idx] = q * beta_per_q;
            if let Some(gx) = gx.as_deref_mut() {
                let s = &mut self.saved[i];
                s.prior_grad = gx[ch.beta_idx];
                gx[ch.beta_idx] = 0.0;
                s.beta_per_q = beta_per_q;
                for (d, v) in s.dlog_r.iter_mut().zip(&dr) {
                    *d = v / r;
                }
            }
        }
        Ok(())
    }

    /// The chain rule back through [`EffectTerm::derive_into`]: `gx` holds ∂log p/∂β at each effect
    /// channel's β (and ∂/∂ of every other coordinate); afterwards it holds ∂/∂q there and the
    /// adstock and saturation coordinates carry β's dependence on them,
    /// ∂β/∂p = −β·∂ln R/∂p.
    pub fn chain(&self, x: &[f64], gx: &mut [f64], layout: &Layout) {
        for (e, s) in self.channels.iter().zip(&self.saved) {
            let ch = &layout.channels[e.c];
            let g_beta = gx[ch.beta_idx];
            let beta = x[ch.beta_idx];
            gx[ch.beta_idx] = s.prior_grad + g_beta * s.beta_per_q;
            let na = ch.adstock.n_params();
            for (p, idx) in ch.adstock_idx[..na].iter().enumerate() {
                gx[*idx] -= g_beta * beta * s.dlog_r[p];
            }
            let ns = ch.saturation.n_params();
            for (p, idx) in ch.saturation_idx[..ns].iter().enumerate() {
                gx[*idx] -= g_beta * beta * s.dlog_r[ADSTOCK_MAX_PARAMS + p];
            }
        }
    }

    /// R and ∂R/∂(adstock params, saturation params) into `dr` (adstock first, then
    /// saturation from index [`ADSTOCK_MAX_PARAMS`]) for channel `ch` over the fitted rows.
    fn ratio(
        &mut self,
        ch: &ChannelLayout,
        kind: EffectKind,
        x: &[f64],
        spend: &[f64],
        dr: &mut [f64; 2 * ADSTOCK_MAX_PARAMS],
    ) -> f64 {
        let (m, l) = (self.m, ch.max_lag);
        let na = ch.adstock.n_params();
        let ad = [x[ch.adstock_idx[0]], x[ch.adstock_idx[na - 1]]];
        let (w, jac) = (&mut self.w[..l], &mut self.jac[..na * l]);
        ch.adstock
            .weights_with_jacobian(&ad[..na], ch.normalize, w, jac);
        convolve(w, spend, &mut self.a);
        let [f, f_a, f_p0, f_p1] = &mut self.sat;
        let a = &self.a;
        let g = &mut self.g;
        let mut r = 0.0;
        let (mut d0, mut d1) = (0.0, 0.0);
        match (ch.saturation, kind) {
            (SaturationKind::Hill, _) => {
                let (k, s) = (x[ch.saturation_idx[0]], x[ch.saturation_idx[1]]);
                hill_series(k, s, a, [f, f_a, f_p0, f_p1]);
                for t in 0..m {
                    let (h, zero) = (f[t], a[t] == 0.0);
                    if kind == EffectKind::Mroi {
                        // a·f′(a) = s·h·(1 − h), 0 at a = 0.
                        let c = s * (1.0 - 2.0 * h);
                        r += s * h * (1.0 - h);
                        d0 += c * f_p0[t];
                        d1 += h * (1.0 - h) + c * f_p1[t];
                        g[t] = if zero { 0.0 } else { c * f_a[t] };
                    } else {
                        r += h;
                        d0 += f_p0[t];
                        d1 += f_p1[t];
                        g[t] = if zero { 0.0 } else { f_a[t] };
                    }
                }
            }
            (SaturationKind::Logistic, _) => {
                let lam = x[ch.saturation_idx[0]];
                logistic_series(lam, a, f, f_a, f_p0);
                for t in 0..m {
                    if kind == EffectKind::Mroi {
                        // a·f′(a) = λ·a·(1 − f²)/2.
                        let (v, at) = (f[t], a[t]);
                        let q = 1.0 - v * v;
                        r += 0.5 * lam * at * q;
                        d0 += 0.5 * at * q - lam * at * v * f_p0[t];
                        g[t] = 0.5 * lam * q - lam * at * v * f_a[t];
                    } else {
                        r += f[t];
                        d0 += f_p0[t];
                        g[t] = f_a[t];
                    }
                }
            }
        }
        dr.fill(0.0);
        dr[ADSTOCK_MAX_PARAMS] = d0;
        dr[ADSTOCK_MAX_PARAMS + 1] = d1;
        convolve_adjoint_weights(spend, g, &mut self.dw[..l]);
        pull_back_weights(&self.jac[..na * l], &self.dw[..l], &mut dr[..na]);
        r
    }
}

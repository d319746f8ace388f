//! Where each panel parameter sits in θ, with its name, prior and bijector.
//!
//! Order: the shared channel transforms (`alpha[tv]`, `k[tv]`, …) and the shared `gamma[..]`
//! and `fourier[..]` exactly as a national model lists them; then `beta_mu[c]` and
//! `beta_sigma[c]` per channel; `interaction[a:b]`; `intercept[g]` and `trend[g]` per group;
//! `sigma` (and `nu`); last the standard-normal offsets `beta_z[c,g]`, channel-major. The
//! group coefficients `beta[c,g] = exp(beta_mu[c] + beta_sigma[c] · beta_z[c,g])` are derived
//! quantities, written after the parameters.

use crate::density::Family;
use crate::spec::{Likelihood, ModelSpec, Nu, ParamKind, Prior, TrendSpec};
use crate::transform::{AdstockKind, SaturationKind, Support};

/// The prior of every `beta_z[c,g]`.
pub(crate) const STD_NORMAL: Prior = Prior::Normal {
    mu: 0.0,
    sigma: 1.0,
};

/// One coordinate of θ.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelParam {
    /// Output name (`beta_mu[tv]`, `intercept[north]`).
    pub name: String,
    /// Its prior.
    pub prior: Prior,
    /// The bijector from the real line onto its support.
    pub support: Support,
}

/// A channel's shared transforms and θ indices.
#[derive(Debug, Clone)]
pub(crate) struct ChannelSlots {
    pub adstock: AdstockKind,
    pub max_lag: usize,
    pub normalize: bool,
    pub adstock_idx: [usize; 2],
    pub saturation: SaturationKind,
    pub saturation_idx: [usize; 2],
    pub mu_idx: usize,
    pub sigma_idx: usize,
    /// θ index of `beta_z[c, 0]`; group g at `z0 + g`.
    pub z0: usize,
}

/// The whole panel layout.
#[derive(Debug, Clone)]
pub(crate) struct PanelLayout {
    pub params: Vec<PanelParam>,
    pub channels: Vec<ChannelSlots>,
    pub gamma_idx: Vec<usize>,
    pub fourier_idx: Vec<usize>,
    pub interaction_idx: Vec<usize>,
    /// θ index of `intercept[0]`; group g at `intercept0 + g`.
    pub intercept0: usize,
    /// θ index of `trend[0]` (linear trend only).
    pub trend0: Option<usize>,
    pub sigma_idx: usize,
    pub nu: Option<usize>,
    pub fixed_nu: f64,
    pub family: Family,
    pub n_groups: usize,
}

/// The transform bijector of a spec support.
pub(crate) fn bijector(support: crate::spec::Support) -> Support {
    use crate::spec::Support as S;
    match support {
        S::Real => Support::Real,
        S::Positive => Support::Positive,
        S::UnitInterval => Support::UnitInterval,
        S::Interval { lower, upper } => match (lower.is_finite(), upper.is_finite()) {
            (false, false) => Support::Real,
            (true, false) => Support::LowerBounded { lo: lower },
            (false, true) => Support::UpperBounded { hi: upper },
            (true, true) => Support::Interval {
                lo: lower,
                hi: upper,
            },
        },
    }
}

fn param(name: String, prior: Prior) -> PanelParam {
    PanelParam {
        name,
        prior,
        support: bijector(prior.support()),
    }
}

impl PanelLayout {
    /// The layout of `spec` (a panel model) over `groups`.
    pub fn new(spec: &ModelSpec, groups: &[String]) -> PanelLayout {
        let panel = spec.panel.as_ref();
        let (mu_prior, sigma_prior) = panel.map_or(
            (crate::spec::PANEL_BETA_MU, crate::spec::PANEL_BETA_SIGMA),
            |p| (p.beta_mu, p.beta_sigma),
        );
        let national = spec.parameters();
        let shared: Vec<_> = national
            .iter()
            .filter(|p| {
                !matches!(
                    p.kind,
                    ParamKind::Beta
                        | ParamKind::Intercept
                        | ParamKind::Trend
                        | ParamKind::Sigma
                        | ParamKind::Nu
                )
            })
            .collect();
        let mut params: Vec<PanelParam> = shared
            .iter()
            .map(|p| PanelParam {
                name: p.name.clone(),
                prior: p.prior,
                support: bijector(p.support),
            })
            .collect();
        let find = |kind: ParamKind, index: usize| {
            shared
                .iter()
                .position(|p| p.kind == kind && p.index == index)
                .unwrap_or(usize::MAX)
        };
        let n_ch = spec.channels.len();
        let n_groups = groups.len();
        let mu0 = params.len();
        for ch in &spec.channels {
            params.push(param(format!("beta_mu[{}]", ch.name), mu_prior));
        }
        for ch in &spec.channels {
            params.push(param(format!("beta_sigma[{}]", ch.name), sigma_prior));
        }
        let interaction0 = params.len();
        for it in &spec.interactions {
            params.push(param(format!("interaction[{}]", it.label()), it.coef));
        }
        let intercept0 = params.len();
        for g in groups {
            params.push(param(format!("intercept[{g}]"), spec.intercept));
        }
        let trend0 = match spec.trend {
            TrendSpec::Linear { prior } => {
                let i = params.len();
                for g in groups {
                    params.push(param(format!("trend[{g}]"), prior));
                }
                Some(i)
            }
            TrendSpec::None => None,
        };
        let sigma_idx = params.len();
        params.push(param("sigma".into(), spec.likelihood.sigma));
        let (family, nu, fixed_nu) = match spec.likelihood.family {
            Likelihood::Normal => (Family::Normal, None, 0.0),
            Likelihood::LogNormal => (Family::LogNormal, None, 0.0),
            Likelihood::StudentT { nu: Nu::Fixed(v) } => (Family::StudentT, None, v),
            Likelihood::StudentT { nu: Nu::Prior(p) } => {
                params.push(param("nu".into(), p));
                (Family::StudentT, Some(sigma_idx + 1), 0.0)
            }
        };
        let z_start = params.len();
        for ch in &spec.channels {
            for g in groups {
                params.push(param(format!("beta_z[{},{g}]", ch.name), STD_NORMAL));
            }
        }
        let channels = spec
            .channels
            .iter()
            .enumerate()
            .map(|(c, ch)| {
                let (adstock, ad) = match ch.adstock.kind {
                    crate::spec::AdstockKind::Geometric { .. } => {
                        (AdstockKind::Geometric, [ParamKind::Alpha, ParamKind::Alpha])
                    }
                    crate::spec::AdstockKind::Delayed { .. } => {
                        (AdstockKind::Delayed, [ParamKind::Alpha, ParamKind::Theta])
                    }
                    crate::spec::AdstockKind::Weibull { .. } => {
                        (AdstockKind::Weibull, [ParamKind::Shape, ParamKind::Scale])
                    }
                };
                let (saturation, sat) = match ch.saturation {
                    crate::spec::SaturationSpec::Hill { .. } => {
                        (SaturationKind::Hill, [ParamKind::K, ParamKind::S])
                    }
                    crate::spec::SaturationSpec::Logistic { .. } => {
                        (SaturationKind::Logistic, [ParamKind::Lam, ParamKind::Lam])
                    }
                };
                ChannelSlots {
                    adstock,
                    max_lag: ch.adstock.max_lag,
                    normalize: ch.adstock.normalize,
                    adstock_idx: [find(ad[0], c), find(ad[1], c)],
                    saturation,
                    saturation_idx: [find(sat[0], c), find(sat[1], c)],
                    mu_idx: mu0 + c,
                    sigma_idx: mu0 + n_ch + c,
                    z0: z_start + c * n_groups,
                }
            })
            .collect();
        PanelLayout {
            channels,
            gamma_idx: (0..spec.controls.len())
                .map(|k| find(ParamKind::Gamma, k))
                .collect(),
            fourier_idx: (0..spec.seasonality.as_ref().map_or(0, |s| 2 * s.order))
                .map(|j| find(ParamKind::Fourier, j))
                .collect(),
            interaction_idx: (0..spec.interactions.len())
                .map(|i| interaction0 + i)
                .collect(),
            intercept0,
            trend0,
            sigma_idx,
            nu,
            fixed_nu,
            family,
            n_groups,
            params,
        }
    }

    /// Number of unconstrained coordinates.
    pub fn dim(&self) -> usize {
        self.params.len()
    }
}

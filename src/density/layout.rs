//! Where each model parameter sits in θ: the spec's parameter list resolved into indices per
//! channel, control and term, with the bijector and prior of every coordinate.

use crate::spec::{
    AdstockKind as SpecAdstock, Likelihood, ModelSpec, Nu, ParamInfo, ParamKind, Prior,
    SaturationSpec,
};
use crate::transform::{AdstockKind, SaturationKind, Support};

use super::likelihood::Family;

/// One channel's transforms and the θ indices of its parameters.
#[derive(Debug, Clone)]
pub(crate) struct ChannelLayout {
    pub adstock: AdstockKind,
    pub max_lag: usize,
    pub normalize: bool,
    /// θ indices of the adstock parameters (first `adstock.n_params()` used).
    pub adstock_idx: [usize; 2],
    pub saturation: SaturationKind,
    /// θ indices of the saturation parameters (first `saturation.n_params()` used).
    pub saturation_idx: [usize; 2],
    pub beta_idx: usize,
}

/// Degrees of freedom of a Student-t likelihood.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NuLayout {
    /// Not a Student-t model.
    None,
    /// A known value.
    Fixed(f64),
    /// A parameter at this θ index.
    Param(usize),
}

/// The whole parameter layout.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub params: Vec<ParamInfo>,
    pub bijectors: Vec<Support>,
    pub priors: Vec<Prior>,
    pub channels: Vec<ChannelLayout>,
    pub gamma_idx: Vec<usize>,
    pub fourier_idx: Vec<usize>,
    pub intercept_idx: usize,
    pub trend_idx: Option<usize>,
    pub sigma_idx: usize,
    pub nu: NuLayout,
    pub family: Family,
}

/// The bijector for a parameter living on `support`.
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

impl Layout {
    /// Resolve `spec`'s parameter list.
    pub fn new(spec: &ModelSpec) -> Layout {
        let params = spec.parameters();
        let find = |kind: ParamKind, index: usize| {
            params
                .iter()
                .position(|p| p.kind == kind && p.index == index)
                .unwrap_or(usize::MAX)
        };
        let channels = spec
            .channels
            .iter()
            .enumerate()
            .map(|(c, ch)| {
                let (adstock, ad_kinds) = match ch.adstock.kind {
                    SpecAdstock::Geometric { .. } => {
                        (AdstockKind::Geometric, [ParamKind::Alpha, ParamKind::Alpha])
                    }
                    SpecAdstock::Delayed { .. } => {
                        (AdstockKind::Delayed, [ParamKind::Alpha, ParamKind::Theta])
                    }
                    SpecAdstock::Weibull { .. } => {
                        (AdstockKind::Weibull, [ParamKind::Shape, ParamKind::Scale])
                    }
                };
                let (saturation, sat_kinds) = match ch.saturation {
                    SaturationSpec::Hill { .. } => {
                        (SaturationKind::Hill, [ParamKind::K, ParamKind::S])
                    }
                    SaturationSpec::Logistic { .. } => {
                        (SaturationKind::Logistic, [ParamKind::Lam, ParamKind::Lam])
                    }
                };
                ChannelLayout {
                    adstock,
                    max_lag: ch.adstock.max_lag,
                    normalize: ch.adstock.normalize,
                    adstock_idx: [find(ad_kinds[0], c), find(ad_kinds[1], c)],
                    saturation,
                    saturation_idx: [find(sat_kinds[0], c), find(sat_kinds[1], c)],
                    beta_idx: find(ParamKind::Beta, c),
                }
            })
            .collect();
        let n_fourier = spec.seasonality.as_ref().map_or(0, |s| 2 * s.order);
        let (family, nu) = match spec.likelihood.family {
            Likelihood::Normal => (Family::Normal, NuLayout::None),
            Likelihood::LogNormal => (Family::LogNormal, NuLayout::None),
            Likelihood::StudentT { nu: Nu::Fixed(v) } => (Family::StudentT, NuLayout::Fixed(v)),
            Likelihood::StudentT { nu: Nu::Prior(_) } => {
                (Family::StudentT, NuLayout::Param(find(ParamKind::Nu, 0)))
            }
        };
        let trend = find(ParamKind::Trend, 0);
        Layout {
            bijectors: params.iter().map(|p| bijector(p.support)).collect(),
            priors: params.iter().map(|p| p.prior).collect(),
            channels,
            gamma_idx: (0..spec.controls.len())
                .map(|k| find(ParamKind::Gamma, k))
                .collect(),
            fourier_idx: (0..n_fourier)
                .map(|j| find(ParamKind::Fourier, j))
                .collect(),
            intercept_idx: find(ParamKind::Intercept, 0),
            trend_idx: (trend != usize::MAX).then_some(trend),
            sigma_idx: find(ParamKind::Sigma, 0),
            nu,
            family,
            params,
        }
    }

    /// Number of unconstrained coordinates.
    pub fn dim(&self) -> usize {
        self.params.len()
    }

    /// Parameter names in θ order.
    pub fn names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }
}

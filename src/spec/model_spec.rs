//! The checked model: what a model file means, valid by construction.

use std::path::PathBuf;

use serde::{Serialize, Serializer};

use super::prior::Prior;
use crate::SamplerSettings;

/// A model file after [`ModelSpec::from_file`] or [`ModelSpec::from_toml`] checked it.
///
/// Every field holds a valid value and every parameter a prior whose support fits it, so code
/// downstream never re-validates. It serialises to the model-file schema with every default
/// written out (`toml::to_string(&spec)` is a complete model file; `fit.json` stores it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ModelSpec {
    /// The file it was read from, if any.
    #[serde(skip)]
    pub source: Option<PathBuf>,
    /// `[data]`.
    pub data: DataSpec,
    /// `[likelihood]`.
    pub likelihood: LikelihoodSpec,
    /// `[[channel]]`, in file order (at least one).
    #[serde(rename = "channel")]
    pub channels: Vec<ChannelSpec>,
    /// `[[control]]`, in file order.
    #[serde(rename = "control", skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlSpec>,
    /// `[intercept] prior`.
    #[serde(serialize_with = "as_prior_table")]
    pub intercept: Prior,
    /// `[seasonality]`; `None` when absent or `order = 0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seasonality: Option<SeasonalitySpec>,
    /// `[trend]`.
    pub trend: TrendSpec,
    /// `[sampler]`, with the crate's defaults for keys not given.
    pub sampler: SamplerSettings,
    /// `[report]`.
    pub report: ReportSpec,
    /// `[calibration]` with its lift tests read; not serialised (a saved fit keeps its draws,
    /// not the experiments' file).
    #[serde(skip)]
    pub calibration: Option<super::calibration::CalibrationSpec>,
    /// `[panel]`: present exactly when `[data] group` is set (a panel model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<super::panel_spec::PanelSpec>,
    /// `[[interaction]]`, in file order (panel models only).
    #[serde(rename = "interaction", skip_serializing_if = "Vec::is_empty")]
    pub interactions: Vec<super::panel_spec::InteractionSpec>,
}

/// `[data]`: where the data is and which columns are the date and the target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DataSpec {
    /// The CSV file, already resolved against the model file's folder; `None` when the model
    /// file gives no path (then `--data` must).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Column holding ISO dates.
    pub date: String,
    /// Column holding the outcome.
    pub target: String,
    /// How the target and every channel are scaled.
    pub scale: Scaling,
    /// Column naming each row's group: a panel model (long-format data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Column holding each group's population: target and spend are modelled per capita.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
}

/// How a column is divided before fitting (priors are stated on the result).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// By its largest absolute value (PyMC-Marketing's choice).
    Max,
    /// By its mean absolute value.
    Mean,
}

/// `[likelihood]`: the observation model on the scaled target.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LikelihoodSpec {
    /// The family (and its extra parameter).
    #[serde(flatten)]
    pub family: Likelihood,
    /// Prior of the observation scale `sigma`.
    pub sigma: Prior,
}

/// The likelihood family.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Likelihood {
    /// y ~ Normal(mu, sigma).
    Normal,
    /// y ~ Student-t(nu, mu, sigma).
    StudentT {
        /// Degrees of freedom, fixed or with a prior.
        nu: Nu,
    },
    /// log y ~ Normal(mu, sigma): a multiplicative model.
    LogNormal,
}

/// Student-t degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Nu {
    /// A known value (> 0).
    Fixed(f64),
    /// A parameter with this prior.
    Prior(Prior),
}

/// One `[[channel]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "ChannelOut")]
#[non_exhaustive]
pub struct ChannelSpec {
    /// Label in outputs (`beta[tv]`).
    pub name: String,
    /// Data column with the spend.
    pub column: String,
    /// Carryover.
    pub adstock: AdstockSpec,
    /// Diminishing returns.
    pub saturation: SaturationSpec,
    /// Prior of the coefficient `beta` (> 0); unused when `effect` is set.
    pub beta: Prior,
    /// A prior on the channel's ROI, marginal ROI or share of the outcome instead of one on
    /// `beta` (`roi = {...}`, `mroi = {...}`, `share = {...}`): the sampler works on that
    /// quantity and derives `beta` from it.
    pub effect: Option<EffectPrior>,
}

/// Which quantity an effect prior is stated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EffectKind {
    /// Return on investment: the channel's contribution over the fitted rows per unit of its
    /// spend over them.
    Roi,
    /// Marginal ROI: the outcome gained per extra unit of spend when every fitted period's
    /// spend grows in proportion.
    Mroi,
    /// The channel's contribution over the fitted rows as a share of the observed outcome.
    Share,
}

impl EffectKind {
    /// The model-file key: `roi`, `mroi`, `share`.
    pub fn key(self) -> &'static str {
        match self {
            EffectKind::Roi => "roi",
            EffectKind::Mroi => "mroi",
            EffectKind::Share => "share",
        }
    }
}

/// A prior on a channel's ROI, marginal ROI or share (see [`ChannelSpec::effect`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EffectPrior {
    /// The quantity.
    pub kind: EffectKind,
    /// Its prior (support within the positive reals).
    pub prior: Prior,
}

impl EffectPrior {
    /// An effect prior on `kind`.
    pub fn new(kind: EffectKind, prior: Prior) -> EffectPrior {
        EffectPrior { kind, prior }
    }
}

/// A channel as the model file writes it: `beta` or one of `roi`, `mroi`, `share`.
#[derive(Serialize)]
struct ChannelOut {
    name: String,
    column: String,
    adstock: AdstockSpec,
    saturation: SaturationSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    beta: Option<Prior>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roi: Option<Prior>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mroi: Option<Prior>,
    #[serde(skip_serializing_if = "Option::is_none")]
    share: Option<Prior>,
}

impl From<ChannelSpec> for ChannelOut {
    fn from(ch: ChannelSpec) -> ChannelOut {
        let effect = |kind| ch.effect.filter(|e| e.kind == kind).map(|e| e.prior);
        ChannelOut {
            roi: effect(EffectKind::Roi),
            mroi: effect(EffectKind::Mroi),
            share: effect(EffectKind::Share),
            beta: ch.effect.is_none().then_some(ch.beta),
            name: ch.name,
            column: ch.column,
            adstock: ch.adstock,
            saturation: ch.saturation,
        }
    }
}

/// A channel's adstock: the window and the weight family with its priors.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AdstockSpec {
    /// Family and priors.
    #[serde(flatten)]
    pub kind: AdstockKind,
    /// Number of lags L (≥ 1; ≥ 2 for delayed): weights on lags 0..L−1.
    pub max_lag: usize,
    /// Whether the weights are scaled to sum to 1.
    pub normalize: bool,
}

/// Adstock weight families with the priors of their parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AdstockKind {
    /// w_l = alpha^l.
    Geometric {
        /// Decay in (0, 1).
        alpha: Prior,
    },
    /// w_l = alpha^((l − theta)²) (Jin et al. 2017).
    Delayed {
        /// Decay in (0, 1).
        alpha: Prior,
        /// Peak lag in [0, L − 1].
        theta: Prior,
    },
    /// Weights from the Weibull pdf on the lags (Robyn).
    Weibull {
        /// Weibull shape (> 0).
        shape: Prior,
        /// Weibull scale in periods (> 0).
        scale: Prior,
    },
}

/// Saturation families with the priors of their parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SaturationSpec {
    /// a^s / (k^s + a^s).
    Hill {
        /// Half-saturation point (> 0), in scaled spend.
        k: Prior,
        /// Slope (> 0).
        s: Prior,
    },
    /// (1 − e^(−lam·a)) / (1 + e^(−lam·a)).
    Logistic {
        /// Rate (> 0).
        lam: Prior,
    },
}

/// One `[[control]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ControlSpec {
    /// Label in outputs (`gamma[event_1]`); the column unless the file names it.
    pub name: String,
    /// Data column.
    pub column: String,
    /// Prior of the coefficient.
    pub coef: Prior,
    /// Whether the column is scaled like the channels before fitting.
    pub scale: bool,
}

/// `[seasonality]`: Fourier terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SeasonalitySpec {
    /// Number of sine/cosine pairs (≥ 1).
    pub order: usize,
    /// Period in days (> 0).
    pub period: f64,
    /// Prior of every Fourier coefficient.
    pub prior: Prior,
}

/// `[trend]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TrendSpec {
    /// No trend.
    None,
    /// delta · t / T.
    Linear {
        /// Prior of delta.
        prior: Prior,
    },
}

/// `[report]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReportSpec {
    /// Mass of the reported credible intervals, in (0, 1).
    pub interval: f64,
}

impl Default for ReportSpec {
    fn default() -> Self {
        ReportSpec {
            interval: super::defaults::INTERVAL,
        }
    }
}

fn as_prior_table<S: Serializer>(prior: &Prior, serializer: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Table<'a> {
        prior: &'a Prior,
    }
    Table { prior }.serialize(serializer)
}

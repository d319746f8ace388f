//! The model's parameter list in its fixed order, with names, priors and supports.
//!
//! The order is kind by kind, and within a kind in file order: `alpha`, `theta`, `shape`,
//! `scale` (adstock), `k`, `s`, `lam` (saturation), `beta` (channel coefficients) over the
//! channels that have them; `gamma` over the controls; `fourier[sin_1]` … `fourier[sin_n]`,
//! `fourier[cos_1]` … `fourier[cos_n]`; then `intercept`, `trend` (linear trend only),
//! `sigma`, `nu` (Student-t with a prior on nu only). `fit.json` and the CmdStan CSVs list
//! parameters in this order.

use serde::Serialize;

use super::error::{Issue, SpecError};
use super::model_spec::{AdstockKind, Likelihood, ModelSpec, Nu, SaturationSpec, TrendSpec};
use super::prior::Prior;
use super::support::Support;

/// What a parameter is; with [`ParamInfo::index`] it says where it enters the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ParamKind {
    /// Adstock decay (geometric, delayed); index = channel.
    Alpha,
    /// Delayed adstock peak lag; index = channel.
    Theta,
    /// Weibull adstock shape; index = channel.
    Shape,
    /// Weibull adstock scale; index = channel.
    Scale,
    /// Hill half-saturation; index = channel.
    K,
    /// Hill slope; index = channel.
    S,
    /// Logistic saturation rate; index = channel.
    Lam,
    /// Channel coefficient; index = channel.
    Beta,
    /// Control coefficient; index = control.
    Gamma,
    /// Fourier coefficient; index j < order is sin_(j+1), j ≥ order is cos_(j−order+1).
    Fourier,
    /// Intercept; index 0.
    Intercept,
    /// Linear trend coefficient; index 0.
    Trend,
    /// Likelihood scale; index 0.
    Sigma,
    /// Student-t degrees of freedom; index 0.
    Nu,
}

impl ParamKind {
    /// The name before the brackets: `beta` in `beta[tv]`.
    pub fn prefix(&self) -> &'static str {
        match self {
            ParamKind::Alpha => "alpha",
            ParamKind::Theta => "theta",
            ParamKind::Shape => "shape",
            ParamKind::Scale => "scale",
            ParamKind::K => "k",
            ParamKind::S => "s",
            ParamKind::Lam => "lam",
            ParamKind::Beta => "beta",
            ParamKind::Gamma => "gamma",
            ParamKind::Fourier => "fourier",
            ParamKind::Intercept => "intercept",
            ParamKind::Trend => "trend",
            ParamKind::Sigma => "sigma",
            ParamKind::Nu => "nu",
        }
    }
}

/// One model parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ParamInfo {
    /// Stable output name: `beta[tv]`, `fourier[cos_2]`, `sigma`.
    pub name: String,
    /// What it is.
    pub kind: ParamKind,
    /// Channel, control or Fourier index (see [`ParamKind`]); 0 for scalars.
    pub index: usize,
    /// Its prior.
    pub prior: Prior,
    /// Where it lives: the prior's support, already checked to fit the parameter; the
    /// sampler's bijector follows it.
    pub support: Support,
}

impl ParamInfo {
    fn new(kind: ParamKind, index: usize, label: Option<&str>, prior: Prior) -> ParamInfo {
        let name = match label {
            Some(label) => format!("{}[{label}]", kind.prefix()),
            None => kind.prefix().to_string(),
        };
        ParamInfo {
            name,
            kind,
            index,
            prior,
            support: prior.support(),
        }
    }
}

impl ModelSpec {
    /// Every parameter, in the documented order (see the module docs).
    pub fn parameters(&self) -> Vec<ParamInfo> {
        let mut out = Vec::new();
        let channel_kinds = [
            ParamKind::Alpha,
            ParamKind::Theta,
            ParamKind::Shape,
            ParamKind::Scale,
            ParamKind::K,
            ParamKind::S,
            ParamKind::Lam,
            ParamKind::Beta,
        ];
        for kind in channel_kinds {
            for (i, ch) in self.channels.iter().enumerate() {
                if let Some(prior) = channel_prior(ch, kind) {
                    out.push(ParamInfo::new(kind, i, Some(&ch.name), prior));
                }
            }
        }
        for (i, ctl) in self.controls.iter().enumerate() {
            out.push(ParamInfo::new(
                ParamKind::Gamma,
                i,
                Some(&ctl.name),
                ctl.coef,
            ));
        }
        if let Some(season) = &self.seasonality {
            for (wave, offset) in [("sin", 0), ("cos", season.order)] {
                for j in 0..season.order {
                    let label = format!("{wave}_{}", j + 1);
                    out.push(ParamInfo::new(
                        ParamKind::Fourier,
                        offset + j,
                        Some(&label),
                        season.prior,
                    ));
                }
            }
        }
        out.push(ParamInfo::new(
            ParamKind::Intercept,
            0,
            None,
            self.intercept,
        ));
        if let TrendSpec::Linear { prior } = self.trend {
            out.push(ParamInfo::new(ParamKind::Trend, 0, None, prior));
        }
        out.push(ParamInfo::new(
            ParamKind::Sigma,
            0,
            None,
            self.likelihood.sigma,
        ));
        if let Likelihood::StudentT {
            nu: Nu::Prior(prior),
        } = self.likelihood.family
        {
            out.push(ParamInfo::new(ParamKind::Nu, 0, None, prior));
        }
        out
    }

    /// Checks what needs the data's length: every adstock window fits in the data, and there
    /// are more rows than parameters.
    pub fn check_against_rows(&self, n_rows: usize) -> Result<(), SpecError> {
        let mut issues = Vec::new();
        for ch in &self.channels {
            if ch.adstock.max_lag > n_rows {
                let message = format!(
                    "the adstock window is longer than the data ({n_rows} rows); use at most \
                     {n_rows}"
                );
                let key = format!("channel.{}.adstock.max_lag", ch.name);
                issues.push(Issue::new(key, message).value(ch.adstock.max_lag));
            }
        }
        let n_params = self.parameters().len();
        if n_rows <= n_params {
            let message = format!(
                "{n_rows} rows cannot identify {n_params} parameters; use more data, or fewer \
                 controls, channels or Fourier terms"
            );
            issues.push(Issue::new("data", message));
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(SpecError::Invalid {
                origin: self.origin(),
                issues,
            })
        }
    }
}

fn channel_prior(ch: &super::model_spec::ChannelSpec, kind: ParamKind) -> Option<Prior> {
    match (kind, &ch.adstock.kind, &ch.saturation) {
        (
            ParamKind::Alpha,
            AdstockKind::Geometric { alpha } | AdstockKind::Delayed { alpha, .. },
            _,
        ) => Some(*alpha),
        (ParamKind::Theta, AdstockKind::Delayed { theta, .. }, _) => Some(*theta),
        (ParamKind::Shape, AdstockKind::Weibull { shape, .. }, _) => Some(*shape),
        (ParamKind::Scale, AdstockKind::Weibull { scale, .. }, _) => Some(*scale),
        (ParamKind::K, _, SaturationSpec::Hill { k, .. }) => Some(*k),
        (ParamKind::S, _, SaturationSpec::Hill { s, .. }) => Some(*s),
        (ParamKind::Lam, _, SaturationSpec::Logistic { lam }) => Some(*lam),
        (ParamKind::Beta, _, _) => Some(ch.effect.map_or(ch.beta, |e| e.prior)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn load(name: &str) -> ModelSpec {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("models")
            .join(name);
        ModelSpec::from_file(path).unwrap()
    }

    #[test]
    fn pymc_example_has_its_fifteen_parameters_in_order() {
        let names: Vec<String> = load("pymc_marketing_example.toml")
            .parameters()
            .into_iter()
            .map(|p| p.name)
            .collect();
        let expected = [
            "alpha[x1]",
            "alpha[x2]",
            "lam[x1]",
            "lam[x2]",
            "beta[x1]",
            "beta[x2]",
            "gamma[event_1]",
            "gamma[event_2]",
            "gamma[t]",
            "fourier[sin_1]",
            "fourier[sin_2]",
            "fourier[cos_1]",
            "fourier[cos_2]",
            "intercept",
            "sigma",
        ];
        assert_eq!(names, expected);
    }

    #[test]
    fn full_model_lists_every_kind_with_its_index_and_support() {
        let params = load("full.toml").parameters();
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        let expected = [
            "alpha[tv]",
            "alpha[radio]",
            "theta[tv]",
            "shape[search]",
            "scale[search]",
            "k[tv]",
            "s[tv]",
            "lam[search]",
            "lam[radio]",
            "beta[tv]",
            "beta[search]",
            "beta[radio]",
            "gamma[price_index]",
            "gamma[promo]",
            "fourier[sin_1]",
            "fourier[sin_2]",
            "fourier[sin_3]",
            "fourier[cos_1]",
            "fourier[cos_2]",
            "fourier[cos_3]",
            "intercept",
            "trend",
            "sigma",
            "nu",
        ];
        assert_eq!(names, expected);
        let radio_alpha = &params[1];
        assert_eq!((radio_alpha.kind, radio_alpha.index), (ParamKind::Alpha, 2));
        assert_eq!(radio_alpha.support, Support::UnitInterval);
        let theta = &params[2];
        assert_eq!(
            theta.support,
            Support::Interval {
                lower: 0.0,
                upper: 5.0
            }
        );
        let cos_1 = params.iter().find(|p| p.name == "fourier[cos_1]").unwrap();
        assert_eq!((cos_1.kind, cos_1.index), (ParamKind::Fourier, 3));
        let beta_tv = params.iter().find(|p| p.name == "beta[tv]").unwrap();
        assert_eq!(beta_tv.support, Support::Positive);
    }

    #[test]
    fn a_fixed_nu_is_not_a_parameter() {
        let text = "[data]\ndate = \"w\"\ntarget = \"y\"\n[likelihood]\nfamily = \"student_t\"\nnu = 5\n\
                    [[channel]]\nname = \"a\"\n";
        let spec = ModelSpec::from_toml(text, None).unwrap();
        assert_eq!(
            spec.likelihood.family,
            Likelihood::StudentT { nu: Nu::Fixed(5.0) }
        );
        assert!(spec.parameters().iter().all(|p| p.kind != ParamKind::Nu));
    }

    #[test]
    fn rows_must_cover_the_adstock_window_and_outnumber_the_parameters() {
        let spec = load("pymc_marketing_example.toml");
        assert!(spec.check_against_rows(179).is_ok());
        let err = spec.check_against_rows(7).unwrap_err();
        let keys: Vec<&str> = err.issues().iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "channel.x1.adstock.max_lag",
                "channel.x2.adstock.max_lag",
                "data"
            ]
        );
        assert!(
            err.issues()[0]
                .message
                .contains("longer than the data (7 rows)")
        );
        assert!(
            err.issues()[2]
                .message
                .contains("7 rows cannot identify 15 parameters")
        );
        assert!(spec.check_against_rows(15).is_err() && spec.check_against_rows(16).is_ok());
    }
}

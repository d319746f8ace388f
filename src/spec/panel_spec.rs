//! Panel models in the model file: `[data] group` / `population`, the `[panel]` hyper-priors and
//! `[[interaction]]` terms, raw and checked.
//!
//! | parameter | default | why |
//! |---|---|---|
//! | `beta_mu[c]` (log of the typical group coefficient) | normal(mu = −1.5, sigma = 1) | 90 % of exp(beta_mu) in (0.04, 1.2) on the scaled target |
//! | `beta_sigma[c]` (spread of log coefficients across groups) | half_normal(sigma = 0.5) | groups differ by up to ~±100 % at 90 % prior mass |
//! | `interaction[a:b]` | normal(mu = 0, sigma = 1) | the scale of a control coefficient, halved |

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::check::Checker;
use super::error::Issue;
use super::model_spec::{ChannelSpec, ControlSpec, DataSpec};
use super::prior::Prior;
use super::raw::{RawModel, RawPrior};
use super::support::Support;

/// Default prior of `beta_mu[c]`.
pub const BETA_MU: Prior = Prior::Normal {
    mu: -1.5,
    sigma: 1.0,
};
/// Default prior of `beta_sigma[c]`.
pub const BETA_SIGMA: Prior = Prior::HalfNormal { sigma: 0.5 };
/// Default prior of an interaction coefficient.
pub const INTERACTION: Prior = Prior::Normal {
    mu: 0.0,
    sigma: 1.0,
};

/// `[panel]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPanel {
    pub beta_mu: Option<RawPrior>,
    pub beta_sigma: Option<RawPrior>,
}

/// One `[[interaction]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInteraction {
    pub terms: Option<Spanned<Vec<String>>>,
    pub coef: Option<RawPrior>,
}

/// A panel model: the group column and the hierarchy's hyper-priors.
///
/// Channel coefficients are partially pooled by a non-centred log-normal hierarchy,
/// `beta[c,g] = exp(beta_mu[c] + beta_sigma[c] · z[c,g])`, `z ~ normal(0, 1)`; adstock,
/// saturation, controls, seasonality and sigma are shared; intercept and trend are per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PanelSpec {
    /// Column naming each row's group (copied from `[data] group`).
    #[serde(skip)]
    pub group: String,
    /// Column with each group's population (from `[data] population`).
    #[serde(skip)]
    pub population: Option<String>,
    /// Prior of every `beta_mu[c]`.
    pub beta_mu: Prior,
    /// Prior of every `beta_sigma[c]` (> 0).
    pub beta_sigma: Prior,
}

/// One side of an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermRef {
    /// A channel's saturated effect (by channel index).
    Channel(usize),
    /// A control's value as the model sees it (by control index).
    Control(usize),
}

/// One `[[interaction]]`: `coef · f_a · f_b`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct InteractionSpec {
    /// The two channel or control names, as written.
    pub terms: [String; 2],
    /// What they refer to.
    #[serde(skip)]
    pub refs: [TermRef; 2],
    /// Prior of the coefficient.
    pub coef: Prior,
}

impl InteractionSpec {
    /// Output label: `search:social`.
    pub fn label(&self) -> String {
        format!("{}:{}", self.terms[0], self.terms[1])
    }
}

impl Checker<'_> {
    /// An optional column name: absent is `None`, empty is an issue.
    pub(super) fn optional_column(
        &mut self,
        key: &str,
        raw: Option<&Spanned<String>>,
    ) -> Option<String> {
        let raw = raw?;
        if raw.get_ref().trim().is_empty() {
            let message = "must name a column of the data file".to_string();
            self.push(key, Some("\"\"".into()), &raw.span(), message);
            return None;
        }
        Some(raw.get_ref().clone())
    }

    /// `[panel]` and `[[interaction]]`: both need `[data] group`.
    pub(super) fn panel(
        &mut self,
        raw: &RawModel,
        data: &DataSpec,
        channels: &[ChannelSpec],
        controls: &[ControlSpec],
    ) -> (Option<PanelSpec>, Vec<InteractionSpec>) {
        let interactions: Vec<InteractionSpec> = raw
            .interaction
            .iter()
            .enumerate()
            .filter_map(|(i, r)| self.interaction(i, r, channels, controls))
            .collect();
        let Some(group) = data.group.clone() else {
            if let Some(p) = &raw.panel {
                let message = "needs [data] group = \"<group column>\" (a panel model)".into();
                self.push("panel", None, &p.span(), message);
            }
            if data.population.is_some() {
                self.issues.push(Issue::new(
                    "data.population",
                    "needs [data] group = \"<group column>\": population scales each group",
                ));
            }
            if let Some(first) = raw.interaction.first() {
                let message = "interaction terms are fitted by panel models; add [data] group = \
                               \"<group column>\" (one group is allowed)"
                    .into();
                self.push("interaction", None, &first.span(), message);
            }
            return (None, Vec::new());
        };
        let used = [&data.date, &data.target];
        let taken = used
            .into_iter()
            .chain(channels.iter().map(|c| &c.column))
            .chain(controls.iter().map(|c| &c.column));
        for col in taken {
            for (key, name) in [
                ("data.group", Some(&group)),
                ("data.population", data.population.as_ref()),
            ] {
                if name == Some(col) {
                    self.issues.push(
                        Issue::new(key, "is a column the model already uses for something else")
                            .value(format!("\"{col}\"")),
                    );
                }
            }
        }
        let rp = raw.panel.as_ref().map(|p| p.get_ref());
        let beta_mu = self.prior(
            "panel.beta_mu",
            rp.and_then(|p| p.beta_mu.as_ref()),
            Support::Real,
            BETA_MU,
        );
        let beta_sigma = self.prior(
            "panel.beta_sigma",
            rp.and_then(|p| p.beta_sigma.as_ref()),
            Support::Positive,
            BETA_SIGMA,
        );
        let panel = PanelSpec {
            group,
            population: data.population.clone(),
            beta_mu,
            beta_sigma,
        };
        (Some(panel), interactions)
    }

    fn interaction(
        &mut self,
        i: usize,
        raw: &Spanned<RawInteraction>,
        channels: &[ChannelSpec],
        controls: &[ControlSpec],
    ) -> Option<InteractionSpec> {
        let key = format!("interaction.{}", i + 1);
        let r = raw.get_ref();
        let Some(terms) = &r.terms else {
            let message = "missing; write terms = [\"<channel or control>\", \"<another>\"]".into();
            self.push(&format!("{key}.terms"), None, &raw.span(), message);
            return None;
        };
        let names = terms.get_ref();
        if names.len() != 2 || names[0] == names[1] {
            let message = "must name two different channels or controls".into();
            let value = Some(format!("{names:?}"));
            self.push(&format!("{key}.terms"), value, &terms.span(), message);
            return None;
        }
        let mut refs = [TermRef::Channel(0); 2];
        for (slot, name) in refs.iter_mut().zip(names) {
            let channel = channels.iter().position(|c| &c.name == name);
            let control = controls.iter().position(|c| &c.name == name);
            *slot = match (channel, control) {
                (Some(c), _) => TermRef::Channel(c),
                (None, Some(k)) => TermRef::Control(k),
                (None, None) => {
                    let known: Vec<&str> = channels
                        .iter()
                        .map(|c| c.name.as_str())
                        .chain(controls.iter().map(|c| c.name.as_str()))
                        .collect();
                    let message = format!(
                        "{name:?} is neither a channel nor a control; use one of {}",
                        known.join(", ")
                    );
                    self.push(&format!("{key}.terms"), None, &terms.span(), message);
                    return None;
                }
            };
        }
        let coef = self.prior(
            &format!("{key}.coef"),
            r.coef.as_ref(),
            Support::Real,
            INTERACTION,
        );
        Some(InteractionSpec {
            terms: [names[0].clone(), names[1].clone()],
            refs,
            coef,
        })
    }
}

//! Checks of the `[[channel]]` and `[[control]]` entries: labels, transforms, their priors,
//! and names and columns that must be unique.

use std::collections::HashMap;

use toml::Spanned;

use super::check::Checker;
use super::defaults;
use super::model_spec::{
    AdstockKind, AdstockSpec, ChannelSpec, ControlSpec, DataSpec, EffectKind, EffectPrior,
    Likelihood, LikelihoodSpec, SaturationSpec,
};
use super::prior::Prior;
use super::prior_parse::parse_prior;
use super::raw::{RawAdstock, RawChannel, RawControl, RawModel, RawPrior, RawSaturation};
use super::support::Support;

/// The longest adstock window a model file may ask for, in periods.
pub const MAX_ADSTOCK_LAG: usize = 1000;

impl Checker<'_> {
    fn label(&mut self, key: &str, raw: &Spanned<String>) -> String {
        let name = raw.get_ref();
        let problem = if name.trim().is_empty() {
            Some("must not be empty")
        } else if name.trim() != name {
            Some("must not start or end with spaces")
        } else if name
            .chars()
            .any(|c| matches!(c, '[' | ']' | ',' | '"') || c.is_control())
        {
            Some(
                "must not contain [ ] , \" or control characters (it becomes beta[name] and a CSV field)",
            )
        } else {
            None
        };
        if let Some(problem) = problem {
            self.push(key, Some(format!("{name:?}")), &raw.span(), problem.into());
        }
        name.clone()
    }

    pub(super) fn channel(
        &mut self,
        index: usize,
        raw: &Spanned<RawChannel>,
        likelihood: &LikelihoodSpec,
    ) -> ChannelSpec {
        let ch: &RawChannel = raw.get_ref();
        let label = channel_label(index, ch);
        let prefix = format!("channel.{label}");
        let name = match &ch.name {
            Some(name) => self.label(&format!("{prefix}.name"), name),
            None => {
                let message = "a channel needs a name (its label in outputs, e.g. name = \"tv\")";
                self.push(&prefix, None, &raw.span(), message.into());
                label.clone()
            }
        };
        let column = match &ch.column {
            Some(c) => self.column(
                &format!("{prefix}.column"),
                Some(c),
                &raw.span(),
                "the spend column",
            ),
            None => name.clone(),
        };
        let adstock = self.adstock(&prefix, ch.adstock.as_ref());
        let saturation = self.saturation(&prefix, ch.saturation.as_ref());
        let beta = self.prior(
            &format!("{prefix}.beta"),
            ch.beta.as_ref(),
            Support::Positive,
            defaults::BETA,
        );
        let effect = self.effect_prior(&prefix, ch, likelihood);
        ChannelSpec {
            name,
            column,
            adstock,
            saturation,
            beta,
            effect,
        }
    }

    /// A channel's `roi`, `mroi` or `share` prior: at most one of them, never beside `beta`,
    /// on the positive reals, and only with an additive likelihood (where the quantity is
    /// linear in `beta`).
    fn effect_prior(
        &mut self,
        prefix: &str,
        ch: &RawChannel,
        likelihood: &LikelihoodSpec,
    ) -> Option<EffectPrior> {
        let given: Vec<(EffectKind, &RawPrior)> = [
            (EffectKind::Roi, ch.roi.as_ref()),
            (EffectKind::Mroi, ch.mroi.as_ref()),
            (EffectKind::Share, ch.share.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, raw)| raw.map(|r| (k, r)))
        .collect();
        let (kind, raw) = *given.first()?;
        let key = format!("{prefix}.{}", kind.key());
        if let Some(beta) = &ch.beta {
            let message = format!(
                "a channel takes a prior on beta or on {0}, not both; remove `beta = ...` to \
                 state the prior on {0} (beta is then derived from it), or remove `{0} = ...`",
                kind.key()
            );
            self.push(&format!("{prefix}.beta"), None, &beta.span(), message);
            return None;
        }
        if let Some((other, raw_other)) = given.get(1) {
            let message = format!(
                "a channel takes one of roi, mroi and share, not {} and {}; keep the one you \
                 have evidence for",
                kind.key(),
                other.key()
            );
            self.push(
                &format!("{prefix}.{}", other.key()),
                None,
                &raw_other.span(),
                message,
            );
            return None;
        }
        if likelihood.family == Likelihood::LogNormal {
            let message = format!(
                "a {} prior needs an additive likelihood (normal or student_t): under log_normal \
                 the channel's {} is not linear in beta; use family = \"normal\" or a prior on \
                 beta",
                kind.key(),
                kind.key()
            );
            self.push(&key, None, &raw.span(), message);
            return None;
        }
        // A share lies in (0, 1) as well, so a beta prior fits it.
        let is_beta = matches!(parse_prior(raw.get_ref()), Ok(Prior::Beta { .. }));
        let domain = if kind == EffectKind::Share && is_beta {
            Support::UnitInterval
        } else {
            Support::Positive
        };
        let prior = self.prior(&key, Some(raw), domain, defaults::BETA);
        Some(EffectPrior::new(kind, prior))
    }

    fn adstock(&mut self, prefix: &str, raw: Option<&Spanned<RawAdstock>>) -> AdstockSpec {
        let Some(raw) = raw else {
            let kind = AdstockKind::Geometric {
                alpha: defaults::ALPHA,
            };
            return AdstockSpec {
                kind,
                max_lag: defaults::MAX_LAG,
                normalize: true,
            };
        };
        let a: &RawAdstock = raw.get_ref();
        let key = |k: &str| format!("{prefix}.adstock.{k}");
        let kinds = [("geometric", 0), ("delayed", 1), ("weibull", 2)];
        let kind = self.choice(&key("type"), a.kind.as_ref(), &kinds, 0);
        let name = kinds[kind].0;
        let why = " (lags 0..max_lag-1; 1 means no carryover)";
        let mut max_lag = self.count(
            &key("max_lag"),
            a.max_lag.as_ref(),
            1,
            why,
            defaults::MAX_LAG,
        );
        if max_lag > MAX_ADSTOCK_LAG
            && let Some(raw_lag) = &a.max_lag
        {
            let message = format!(
                "must be at most {MAX_ADSTOCK_LAG} periods (carryover is weeks, not years)"
            );
            self.push(
                &key("max_lag"),
                Some(max_lag.to_string()),
                &raw_lag.span(),
                message,
            );
            max_lag = defaults::MAX_LAG;
        }
        if kind == 1 && max_lag < 2 {
            if let Some(raw_lag) = &a.max_lag {
                let message =
                    "delayed adstock needs max_lag >= 2 so the peak lag theta has room".into();
                self.push(
                    &key("max_lag"),
                    Some(max_lag.to_string()),
                    &raw_lag.span(),
                    message,
                );
            }
            max_lag = defaults::MAX_LAG;
        }
        let normalize = a.normalize.as_ref().is_none_or(|n| *n.get_ref());
        let allowed: [(&str, &Option<RawPrior>, &[usize]); 4] = [
            ("alpha", &a.alpha, &[0, 1]),
            ("theta", &a.theta, &[1]),
            ("shape", &a.shape, &[2]),
            ("scale", &a.scale, &[2]),
        ];
        for (param, value, kinds_with) in allowed {
            if let (Some(v), false) = (value, kinds_with.contains(&kind)) {
                let owners: Vec<&str> = kinds_with.iter().map(|k| kinds[*k].0).collect();
                let message = format!(
                    "{param} applies only to {} adstock, not {name}",
                    owners.join(" or ")
                );
                self.push(&key(param), None, &v.span(), message);
            }
        }
        let lags = Support::Interval {
            lower: 0.0,
            upper: max_lag.saturating_sub(1) as f64,
        };
        let kind = match kind {
            0 => AdstockKind::Geometric {
                alpha: self.prior(
                    &key("alpha"),
                    a.alpha.as_ref(),
                    Support::UnitInterval,
                    defaults::ALPHA,
                ),
            },
            1 => AdstockKind::Delayed {
                alpha: self.prior(
                    &key("alpha"),
                    a.alpha.as_ref(),
                    Support::UnitInterval,
                    defaults::ALPHA,
                ),
                theta: self.prior(
                    &key("theta"),
                    a.theta.as_ref(),
                    lags,
                    defaults::theta(max_lag),
                ),
            },
            _ => AdstockKind::Weibull {
                shape: self.prior(
                    &key("shape"),
                    a.shape.as_ref(),
                    Support::Positive,
                    defaults::WEIBULL_SHAPE,
                ),
                scale: self.prior(
                    &key("scale"),
                    a.scale.as_ref(),
                    Support::Positive,
                    defaults::WEIBULL_SCALE,
                ),
            },
        };
        AdstockSpec {
            kind,
            max_lag,
            normalize,
        }
    }

    fn saturation(&mut self, prefix: &str, raw: Option<&Spanned<RawSaturation>>) -> SaturationSpec {
        let Some(raw) = raw else {
            return SaturationSpec::Logistic { lam: defaults::LAM };
        };
        let s: &RawSaturation = raw.get_ref();
        let key = |k: &str| format!("{prefix}.saturation.{k}");
        let kinds = [("hill", true), ("logistic", false)];
        let hill = self.choice(&key("type"), s.kind.as_ref(), &kinds, false);
        let (name, misplaced) = if hill {
            ("hill", [("lam", &s.lam, "logistic")].to_vec())
        } else {
            (
                "logistic",
                [("k", &s.k, "hill"), ("s", &s.s, "hill")].to_vec(),
            )
        };
        for (param, value, owner) in misplaced {
            if let Some(v) = value {
                let message = format!("{param} applies only to {owner} saturation, not {name}");
                self.push(&key(param), None, &v.span(), message);
            }
        }
        if hill {
            SaturationSpec::Hill {
                k: self.prior(&key("k"), s.k.as_ref(), Support::Positive, defaults::HILL_K),
                s: self.prior(&key("s"), s.s.as_ref(), Support::Positive, defaults::HILL_S),
            }
        } else {
            SaturationSpec::Logistic {
                lam: self.prior(
                    &key("lam"),
                    s.lam.as_ref(),
                    Support::Positive,
                    defaults::LAM,
                ),
            }
        }
    }

    pub(super) fn control(
        &mut self,
        index: usize,
        raw: &Spanned<RawControl>,
        scale_default: bool,
    ) -> ControlSpec {
        let ctl: &RawControl = raw.get_ref();
        let label = control_label(index, ctl);
        let prefix = format!("control.{label}");
        let column = self.column(
            &format!("{prefix}.column"),
            ctl.column.as_ref(),
            &raw.span(),
            "the data column",
        );
        let name = match &ctl.name {
            Some(name) => self.label(&format!("{prefix}.name"), name),
            None => column.clone(),
        };
        let coef = self.prior(
            &format!("{prefix}.coef"),
            ctl.coef.as_ref(),
            Support::Real,
            defaults::CONTROL,
        );
        let scale = ctl.scale.as_ref().map_or(scale_default, |s| *s.get_ref());
        ControlSpec {
            name,
            column,
            coef,
            scale,
        }
    }

    /// Names are unique across channels and controls (they label outputs); so are columns,
    /// which also may not be the date or the target.
    pub(super) fn unique_names_and_columns(&mut self, raw: &RawModel, data: &DataSpec) {
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut columns: HashMap<String, usize> = HashMap::new();
        let reserved = [
            (&data.date, "the date column"),
            (&data.target, "the target column"),
        ];
        let entries = raw
            .channel
            .iter()
            .enumerate()
            .map(|(i, ch)| {
                let ch = ch.get_ref();
                let prefix = format!("channel.{}", channel_label(i, ch));
                (
                    prefix,
                    ch.name.as_ref(),
                    ch.column.as_ref().or(ch.name.as_ref()),
                )
            })
            .chain(raw.control.iter().enumerate().map(|(i, ctl)| {
                let ctl = ctl.get_ref();
                let prefix = format!("control.{}", control_label(i, ctl));
                (
                    prefix,
                    ctl.name.as_ref().or(ctl.column.as_ref()),
                    ctl.column.as_ref(),
                )
            }))
            .collect::<Vec<_>>();
        for (prefix, name, column) in entries {
            if let Some(name) = name {
                let line = self.line(&name.span()).unwrap_or_default();
                if let Some(first) = names.insert(name.get_ref().clone(), line) {
                    let message = format!(
                        "the name {:?} is already used on line {first}; channel and control names \
                         must be unique (they label the outputs)",
                        name.get_ref()
                    );
                    self.push(&format!("{prefix}.name"), None, &name.span(), message);
                }
            }
            if let Some(column) = column {
                let key = format!("{prefix}.column");
                let line = self.line(&column.span()).unwrap_or_default();
                if let Some((_, what)) = reserved.iter().find(|(c, _)| *c == column.get_ref()) {
                    let message = format!("is {what}; a channel or control needs its own column");
                    self.push(
                        &key,
                        Some(format!("{:?}", column.get_ref())),
                        &column.span(),
                        message,
                    );
                } else if let Some(first) = columns.insert(column.get_ref().clone(), line) {
                    let message = format!(
                        "column {:?} is already used on line {first}; each column may feed one \
                         channel or control",
                        column.get_ref()
                    );
                    self.push(&key, None, &column.span(), message);
                }
            }
        }
    }
}

fn channel_label(index: usize, ch: &RawChannel) -> String {
    ch.name
        .as_ref()
        .map(|n| n.get_ref().clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("#{}", index + 1))
}

/// A control's name, else its column, else `#index`.
fn control_label(index: usize, ctl: &RawControl) -> String {
    ctl.name
        .as_ref()
        .or(ctl.column.as_ref())
        .map(|n| n.get_ref().clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("#{}", index + 1))
}

#[cfg(test)]
mod tests {
    use super::super::check::testing::{BASE, assert_issue, one_issue};
    use super::super::model_spec::{EffectKind, ModelSpec};
    use super::super::prior::Prior;

    const ROI: &str = "roi = { dist = \"log_normal\", mu = 0.2, sigma = 0.9 }\n";

    #[test]
    fn effect_prior_rules() {
        let both = one_issue(&format!(
            "{BASE}beta = {{ dist = \"half_normal\", sigma = 1 }}\n{ROI}"
        ));
        assert_issue(&both, "channel.tv.beta", 7, "remove `beta = ...`");
        let two = one_issue(&format!(
            "{BASE}{ROI}share = {{ dist = \"beta\", alpha = 2, beta = 8 }}\n"
        ));
        assert_issue(&two, "channel.tv.share", 8, "not roi and share");
        let normal = one_issue(&format!(
            "{BASE}mroi = {{ dist = \"normal\", mu = 1, sigma = 1 }}\n"
        ));
        assert_issue(&normal, "channel.tv.mroi", 7, "use half_normal");
        let beta_roi = one_issue(&format!(
            "{BASE}roi = {{ dist = \"beta\", alpha = 2, beta = 2 }}\n"
        ));
        assert_issue(&beta_roi, "channel.tv.roi", 7, "beta prior lives on (0, 1)");
        let log_normal = one_issue(&format!(
            "[likelihood]\nfamily = \"log_normal\"\n\n{BASE}{ROI}"
        ));
        assert_issue(&log_normal, "channel.tv.roi", 10, "additive likelihood");
    }

    #[test]
    fn effect_prior_reads_and_writes_back_as_the_model_file_says() {
        for (key, kind) in [("roi", EffectKind::Roi), ("mroi", EffectKind::Mroi)] {
            let text =
                format!("{BASE}{key} = {{ dist = \"log_normal\", mu = 0.2, sigma = 0.9 }}\n");
            let spec = ModelSpec::from_toml(&text, None).unwrap();
            let effect = spec.channels[0].effect.unwrap();
            assert_eq!(effect.kind, kind);
            assert_eq!(
                effect.prior,
                Prior::LogNormal {
                    mu: 0.2,
                    sigma: 0.9
                }
            );
            let written = toml::to_string(&spec).unwrap();
            assert!(!written.contains("[channel.beta]"), "{written}");
            let again =
                ModelSpec::from_toml(&written, None).unwrap_or_else(|e| panic!("{e}\n{written}"));
            assert_eq!(again.channels, spec.channels);
        }
        let share = ModelSpec::from_toml(
            &format!("{BASE}share = {{ dist = \"beta\", alpha = 2, beta = 8 }}\n"),
            None,
        )
        .unwrap();
        assert_eq!(share.channels[0].effect.unwrap().kind, EffectKind::Share);
        assert_eq!(
            share
                .parameters()
                .iter()
                .find(|p| p.name == "beta[tv]")
                .unwrap()
                .prior,
            Prior::Beta {
                alpha: 2.0,
                beta: 8.0
            }
        );
    }

    #[test]
    fn adstock_rules() {
        let issue = one_issue(&format!("{BASE}adstock = {{ max_lag = 0 }}\n"));
        assert_issue(&issue, "channel.tv.adstock.max_lag", 7, "at least 1");
        assert_eq!(issue.value.as_deref(), Some("0"));
        let issue = one_issue(&format!(
            "{BASE}adstock = {{ type = \"delayed\", max_lag = 1 }}\n"
        ));
        assert_issue(&issue, "channel.tv.adstock.max_lag", 7, "max_lag >= 2");
        let issue = one_issue(&format!("{BASE}adstock = {{ type = \"hyperbolic\" }}\n"));
        assert_issue(
            &issue,
            "channel.tv.adstock.type",
            7,
            "\"geometric\", \"delayed\", \"weibull\"",
        );
        let text = format!(
            "{BASE}adstock = {{ theta = {{ dist = \"uniform\", lower = 0, upper = 1 }} }}\n"
        );
        assert_issue(
            &one_issue(&text),
            "channel.tv.adstock.theta",
            7,
            "only to delayed adstock, not geometric",
        );
        let text = format!(
            "{BASE}adstock = {{ type = \"delayed\", max_lag = 4, \
             theta = {{ dist = \"uniform\", lower = 0, upper = 5 }} }}\n"
        );
        assert_issue(
            &one_issue(&text),
            "channel.tv.adstock.theta",
            7,
            "bounds within [0, 3]",
        );
        let text =
            format!("{BASE}adstock = {{ alpha = {{ dist = \"gamma\", shape = 1, rate = 1 }} }}\n");
        assert_issue(&one_issue(&text), "channel.tv.adstock.alpha", 7, "use beta");
    }

    #[test]
    fn saturation_rules() {
        let text = format!(
            "{BASE}saturation = {{ type = \"hill\", lam = {{ dist = \"gamma\", shape = 3, rate = 1 }} }}\n"
        );
        assert_issue(
            &one_issue(&text),
            "channel.tv.saturation.lam",
            7,
            "only to logistic saturation, not hill",
        );
        let text = format!(
            "{BASE}saturation = {{ type = \"hill\", k = {{ dist = \"normal\", sigma = 1 }} }}\n"
        );
        assert_issue(
            &one_issue(&text),
            "channel.tv.saturation.k",
            7,
            "lower >= 0",
        );
        let text = format!("{BASE}saturation = {{ type = \"tanh\" }}\n");
        assert_issue(
            &one_issue(&text),
            "channel.tv.saturation.type",
            7,
            "\"hill\", \"logistic\"",
        );
    }

    #[test]
    fn names_must_be_usable_labels_and_unique() {
        let issue = one_issue(&format!(
            "{BASE}\n[[channel]]\nname = \"tv\"\ncolumn = \"tv2\"\n"
        ));
        assert_issue(&issue, "channel.tv.name", 9, "already used on line 6");
        let issue = one_issue(&format!(
            "{BASE}\n[[control]]\ncolumn = \"tv\"\nname = \"tv_ctl\"\n"
        ));
        assert_issue(&issue, "control.tv_ctl.column", 9, "already used on line 6");
        let issue = one_issue(&format!("{BASE}\n[[control]]\ncolumn = \"y\"\n"));
        assert_issue(&issue, "control.y.column", 9, "the target column");
        let issue = one_issue(&BASE.replace("name = \"tv\"", "name = \"tv[1]\""));
        assert_issue(&issue, "channel.tv[1].name", 6, "must not contain [");
        let issue =
            one_issue("[data]\ndate = \"week\"\ntarget = \"y\"\n\n[[channel]]\ncolumn = \"x\"\n");
        assert_issue(&issue, "channel.#1", 5, "needs a name");
    }

    #[test]
    fn controls_need_a_column_and_a_real_prior() {
        let issue = one_issue(&format!("{BASE}\n[[control]]\nname = \"price\"\n"));
        assert_issue(&issue, "control.price.column", 8, "missing");
        let issue = one_issue(&format!(
            "{BASE}\n[[control]]\ncolumn = \"price\"\ncoef = {{ dist = \"beta\", alpha = 1, beta = 1 }}\n"
        ));
        assert_issue(
            &issue,
            "control.price.coef",
            10,
            "only for parameters in (0, 1)",
        );
    }
}

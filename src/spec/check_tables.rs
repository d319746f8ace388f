//! Checks of the single tables: `[data]`, `[likelihood]`, `[seasonality]`, `[trend]`,
//! `[sampler]`.

use std::path::{Path, PathBuf};

use toml::{Spanned, Value};

use super::check::Checker;
use super::defaults;
use super::error::Issue;
use super::model_spec::{
    DataSpec, Likelihood, LikelihoodSpec, Nu, Scaling, SeasonalitySpec, TrendSpec,
};
use super::raw::{RawData, RawLikelihood, RawSampler, RawSeasonality, RawTrend};
use super::support::Support;
use crate::{Metric, SamplerSettings};

/// The most sine/cosine pairs a seasonality may have (each pair is two parameters).
pub const MAX_FOURIER_ORDER: usize = 100;

/// Largest accepted `max_depth`: 2^30 leapfrog steps per draw is already beyond any budget.
const MAX_TREE_DEPTH: i64 = 30;

impl Checker<'_> {
    pub(super) fn data(
        &mut self,
        raw: Option<&Spanned<RawData>>,
        base: Option<&Path>,
    ) -> (DataSpec, bool) {
        let placeholder = DataSpec {
            path: None,
            date: String::new(),
            target: String::new(),
            scale: Scaling::Max,
            group: None,
            population: None,
        };
        let Some(raw) = raw else {
            self.issues.push(Issue::new(
                "data",
                "missing [data] table; add [data] with date = \"<date column>\" and target = \
                 \"<outcome column>\"",
            ));
            return (placeholder, false);
        };
        let (d, span): (&RawData, _) = (raw.get_ref(), raw.span());
        let path = match &d.path {
            Some(p) if p.get_ref().trim().is_empty() => {
                let message = "is empty; give the CSV file, relative to this model file".into();
                self.push("data.path", Some("\"\"".into()), &p.span(), message);
                None
            }
            Some(p) => {
                let path = PathBuf::from(p.get_ref());
                Some(match base {
                    Some(base) if path.is_relative() => base.join(path),
                    _ => path,
                })
            }
            None => None,
        };
        let date = self.column(
            "data.date",
            d.date.as_ref(),
            &span,
            "the column holding ISO dates",
        );
        let target = self.column(
            "data.target",
            d.target.as_ref(),
            &span,
            "the outcome column",
        );
        let scales = [("max", Scaling::Max), ("mean", Scaling::Mean)];
        let scale = self.choice("data.scale", d.scale.as_ref(), &scales, Scaling::Max);
        let scale_controls = d.scale_controls.as_ref().is_some_and(|s| *s.get_ref());
        (
            DataSpec {
                path,
                date,
                target,
                scale,
                group: self.optional_column("data.group", d.group.as_ref()),
                population: self.optional_column("data.population", d.population.as_ref()),
            },
            scale_controls,
        )
    }

    pub(super) fn likelihood(&mut self, raw: Option<&Spanned<RawLikelihood>>) -> LikelihoodSpec {
        let Some(raw) = raw else {
            return LikelihoodSpec {
                family: Likelihood::Normal,
                sigma: defaults::SIGMA,
            };
        };
        let l: &RawLikelihood = raw.get_ref();
        #[derive(Clone, Copy, PartialEq)]
        enum Family {
            Normal,
            StudentT,
            LogNormal,
        }
        let families = [
            ("normal", Family::Normal),
            ("student_t", Family::StudentT),
            ("log_normal", Family::LogNormal),
        ];
        let family = self.choice(
            "likelihood.family",
            l.family.as_ref(),
            &families,
            Family::Normal,
        );
        let sigma = self.prior(
            "likelihood.sigma",
            l.sigma.as_ref(),
            Support::Positive,
            defaults::SIGMA,
        );
        let family = match (family, &l.nu) {
            (Family::StudentT, nu) => Likelihood::StudentT {
                nu: self.nu(nu.as_ref()),
            },
            (other, Some(nu)) => {
                let message =
                    "nu applies only to family = \"student_t\"; remove it or change the family";
                self.push(
                    "likelihood.nu",
                    Some(nu.get_ref().to_string()),
                    &nu.span(),
                    message.into(),
                );
                if other == Family::LogNormal {
                    Likelihood::LogNormal
                } else {
                    Likelihood::Normal
                }
            }
            (Family::LogNormal, None) => Likelihood::LogNormal,
            (Family::Normal, None) => Likelihood::Normal,
        };
        LikelihoodSpec { family, sigma }
    }

    fn nu(&mut self, raw: Option<&Spanned<Value>>) -> Nu {
        let Some(raw) = raw else {
            return Nu::Prior(defaults::NU);
        };
        let fixed = match raw.get_ref() {
            Value::Float(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            Value::Table(t) => {
                return Nu::Prior(self.prior_table(
                    "likelihood.nu",
                    t,
                    raw.span(),
                    Support::Positive,
                    defaults::NU,
                ));
            }
            _ => None,
        };
        match fixed {
            Some(v) if v > 0.0 && v.is_finite() => Nu::Fixed(v),
            _ => {
                let message = "must be a positive number (nu fixed) or a prior table such as \
                               { dist = \"gamma\", shape = 2.0, rate = 0.1 }";
                self.push(
                    "likelihood.nu",
                    Some(raw.get_ref().to_string()),
                    &raw.span(),
                    message.into(),
                );
                Nu::Prior(defaults::NU)
            }
        }
    }

    /// A label usable in `beta[label]` and CSV columns.
    pub(super) fn seasonality(&mut self, raw: &Spanned<RawSeasonality>) -> Option<SeasonalitySpec> {
        let s: &RawSeasonality = raw.get_ref();
        let order = match &s.order {
            Some(order) if *order.get_ref() > MAX_FOURIER_ORDER as i64 => {
                let message = format!(
                    "must be at most {MAX_FOURIER_ORDER} (2 to 4 pairs describe a yearly pattern)"
                );
                let value = Some(order.get_ref().to_string());
                self.push("seasonality.order", value, &order.span(), message);
                0
            }
            Some(order) => self.count(
                "seasonality.order",
                Some(order),
                0,
                " (0 turns seasonality off)",
                0,
            ),
            None => {
                let message = "missing; give the number of sine/cosine pairs, e.g. order = 2";
                self.push("seasonality.order", None, &raw.span(), message.into());
                0
            }
        };
        let period = self.float(
            "seasonality.period",
            s.period.as_ref(),
            |p| p > 0.0 && p.is_finite(),
            "must be a positive number of days (365.25 for yearly)",
            defaults::PERIOD,
        );
        let prior = self.prior(
            "seasonality.prior",
            s.prior.as_ref(),
            Support::Real,
            defaults::FOURIER,
        );
        (order > 0).then_some(SeasonalitySpec {
            order,
            period,
            prior,
        })
    }

    pub(super) fn trend(&mut self, t: &RawTrend) -> TrendSpec {
        let linear = self.choice(
            "trend.type",
            t.kind.as_ref(),
            &[("none", false), ("linear", true)],
            false,
        );
        if linear {
            let prior = self.prior(
                "trend.prior",
                t.prior.as_ref(),
                Support::Real,
                defaults::TREND,
            );
            return TrendSpec::Linear { prior };
        }
        if let Some(prior) = &t.prior {
            let message = "a trend prior is given but trend.type is \"none\"; set type = \"linear\" \
                           or remove the prior";
            self.push("trend.prior", None, &prior.span(), message.into());
        }
        TrendSpec::None
    }

    pub(super) fn sampler(&mut self, s: &RawSampler) -> SamplerSettings {
        let d = SamplerSettings::default();
        let seed = self.count("sampler.seed", s.seed.as_ref(), 0, "", 0) as u64;
        let max_depth = match &s.max_depth {
            Some(raw) if !(1..=MAX_TREE_DEPTH).contains(raw.get_ref()) => {
                let message =
                    format!("must be between 1 and {MAX_TREE_DEPTH} (10 is Stan's default)");
                self.push(
                    "sampler.max_depth",
                    Some(raw.get_ref().to_string()),
                    &raw.span(),
                    message,
                );
                d.max_depth
            }
            Some(raw) => u32::try_from(*raw.get_ref()).unwrap_or(d.max_depth),
            None => d.max_depth,
        };
        SamplerSettings {
            chains: self.count("sampler.chains", s.chains.as_ref(), 1, "", d.chains),
            warmup: self.count("sampler.warmup", s.warmup.as_ref(), 0, "", d.warmup),
            draws: self.count("sampler.draws", s.draws.as_ref(), 1, "", d.draws),
            seed: if s.seed.is_some() { seed } else { d.seed },
            max_depth,
            target_accept: self.float(
                "sampler.target_accept",
                s.target_accept.as_ref(),
                |x| x > 0.0 && x < 1.0,
                "must lie strictly between 0 and 1 (default 0.8, or 0.95 for a model with a Hill channel; raise to 0.9-0.99 against divergences)",
                d.target_accept,
            ),
            max_energy_error: self.float(
                "sampler.max_energy_error",
                s.max_energy_error.as_ref(),
                |x| x > 0.0,
                "must be positive (1000 is Stan's default)",
                d.max_energy_error,
            ),
            init_radius: self.float(
                "sampler.init_radius",
                s.init_radius.as_ref(),
                |x| x > 0.0 && x.is_finite(),
                "must be a positive number (2 is Stan's default)",
                d.init_radius,
            ),
            init_attempts: self.count("sampler.init_attempts", s.init_attempts.as_ref(), 1, "", d.init_attempts),
            metric: self.choice(
                "sampler.metric",
                s.metric.as_ref(),
                &[
                    ("diag", Metric::Diag),
                    ("dense", Metric::Dense),
                    ("low_rank", Metric::LowRank),
                    ("auto", Metric::Auto),
                ],
                d.metric,
            ),
            ..d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::check::testing::{BASE, assert_issue, one_issue};

    #[test]
    fn data_needs_its_columns_and_a_known_scaling() {
        let issue = one_issue("[data]\ndate = \"week\"\n\n[[channel]]\nname = \"tv\"\n");
        assert_issue(&issue, "data.target", 1, "the outcome column");
        let issue = one_issue(&BASE.replace("target = \"y\"", "target = \"y\"\nscale = \"maxx\""));
        assert_issue(&issue, "data.scale", 4, "\"max\", \"mean\"");
        assert_eq!(issue.value.as_deref(), Some("\"maxx\""));
        let issue = one_issue(&BASE.replace("date = \"week\"", "date = \"week\"\npath = \" \""));
        assert_issue(&issue, "data.path", 3, "relative to this model file");
        let issue = one_issue("[[channel]]\nname = \"tv\"\n");
        assert_eq!(issue.key, "data");
    }

    #[test]
    fn likelihood_rules() {
        let issue = one_issue(&format!("{BASE}\n[likelihood]\nfamily = \"poisson\"\n"));
        assert_issue(&issue, "likelihood.family", 9, "\"student_t\"");
        let issue = one_issue(&format!("{BASE}\n[likelihood]\nnu = 4.0\n"));
        assert_issue(&issue, "likelihood.nu", 9, "only to family = \"student_t\"");
        let issue = one_issue(&format!(
            "{BASE}\n[likelihood]\nfamily = \"student_t\"\nnu = -3\n"
        ));
        assert_issue(&issue, "likelihood.nu", 10, "positive number");
        let issue = one_issue(&format!(
            "{BASE}\n[likelihood]\nsigma = {{ dist = \"laplace\", b = 1 }}\n"
        ));
        assert_issue(&issue, "likelihood.sigma", 9, "half_normal");
        let text = format!(
            "{BASE}\n[likelihood]\nfamily = \"student_t\"\nnu = {{ dist = \"normal\", sigma = 5 }}\n"
        );
        assert_issue(
            &one_issue(&text),
            "likelihood.nu",
            10,
            "must lie in (0, inf)",
        );
    }

    #[test]
    fn seasonality_and_trend_rules() {
        let issue = one_issue(&format!("{BASE}\n[seasonality]\norder = -1\n"));
        assert_issue(&issue, "seasonality.order", 9, "at least 0");
        assert_eq!(issue.value.as_deref(), Some("-1"));
        let issue = one_issue(&format!("{BASE}\n[seasonality]\nperiod = 52\n"));
        assert_issue(&issue, "seasonality.order", 8, "order = 2");
        let issue = one_issue(&format!("{BASE}\n[seasonality]\norder = 2\nperiod = 0\n"));
        assert_issue(&issue, "seasonality.period", 10, "positive number of days");
        let issue = one_issue(&format!(
            "{BASE}\n[trend]\nprior = {{ dist = \"normal\", sigma = 1 }}\n"
        ));
        assert_issue(&issue, "trend.prior", 9, "set type = \"linear\"");
        let issue = one_issue(&format!("{BASE}\n[trend]\ntype = \"piecewise\"\n"));
        assert_issue(&issue, "trend.type", 9, "\"none\", \"linear\"");
    }

    #[test]
    fn sampler_and_report_rules() {
        let cases = [
            ("chains = 0", "sampler.chains", "at least 1"),
            ("draws = 0", "sampler.draws", "at least 1"),
            ("warmup = -5", "sampler.warmup", "at least 0"),
            ("seed = -1", "sampler.seed", "at least 0"),
            (
                "target_accept = 1.5",
                "sampler.target_accept",
                "between 0 and 1",
            ),
            ("max_depth = 0", "sampler.max_depth", "between 1 and 30"),
            (
                "max_energy_error = 0.0",
                "sampler.max_energy_error",
                "positive",
            ),
            ("init_radius = -1.0", "sampler.init_radius", "positive"),
            ("init_attempts = 0", "sampler.init_attempts", "at least 1"),
            (
                "metric = \"full\"",
                "sampler.metric",
                "\"diag\", \"dense\", \"low_rank\", \"auto\"",
            ),
        ];
        for (line, key, needle) in cases {
            let issue = one_issue(&format!("{BASE}\n[sampler]\n{line}\n"));
            assert_issue(&issue, key, 9, needle);
        }
        let issue = one_issue(&format!("{BASE}\n[report]\ninterval = 1.0\n"));
        assert_issue(&issue, "report.interval", 9, "between 0 and 1");
    }
}

//! `check`: the raw model file becomes a [`ModelSpec`], or every problem found, each located.

use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::calibration::{CalibrationSpec, read_lift_tests};
use super::defaults;
use super::error::{Issue, SpecError};
use super::location::Source;
use super::model_spec::{
    ChannelSpec, ControlSpec, ModelSpec, ReportSpec, SaturationSpec, TrendSpec,
};
use super::prior::Prior;
use super::prior_parse::{fit_domain, parse_prior};
use super::raw::{RawModel, RawPrior};
use super::support::Support;
use crate::SamplerSettings;

/// Checks a parsed model file; `base` is the folder a relative `[data] path` is taken from.
pub(super) fn check(
    raw: RawModel,
    source: &Source<'_>,
    base: Option<&Path>,
) -> Result<ModelSpec, SpecError> {
    let mut c = Checker {
        source,
        issues: Vec::new(),
    };
    let (data, scale_controls) = c.data(raw.data.as_ref(), base);
    let likelihood = c.likelihood(raw.likelihood.as_ref());
    let channels: Vec<ChannelSpec> = raw
        .channel
        .iter()
        .enumerate()
        .map(|(i, ch)| c.channel(i, ch, &likelihood))
        .collect();
    let controls: Vec<ControlSpec> = raw
        .control
        .iter()
        .enumerate()
        .map(|(i, ctl)| c.control(i, ctl, scale_controls))
        .collect();
    if raw.channel.is_empty() {
        c.issues.push(Issue::new(
            "channel",
            "the model has no [[channel]]; add one per marketing channel with at least a name",
        ));
    }
    c.unique_names_and_columns(&raw, &data);
    let intercept_prior = raw
        .intercept
        .as_ref()
        .and_then(|i| i.get_ref().prior.as_ref());
    let intercept = c.prior(
        "intercept.prior",
        intercept_prior,
        Support::Real,
        defaults::INTERCEPT,
    );
    let seasonality = raw.seasonality.as_ref().and_then(|s| c.seasonality(s));
    let trend = raw
        .trend
        .as_ref()
        .map_or(TrendSpec::None, |t| c.trend(t.get_ref()));
    let sampler = raw
        .sampler
        .as_ref()
        .map_or_else(SamplerSettings::default, |s| c.sampler(s.get_ref()));
    let interval = raw
        .report
        .as_ref()
        .and_then(|r| r.get_ref().interval.as_ref());
    let interval = c.float(
        "report.interval",
        interval,
        |x| x > 0.0 && x < 1.0,
        "must lie strictly between 0 and 1 (0.9 gives 90% intervals)",
        defaults::INTERVAL,
    );
    let calibration = raw.calibration.as_ref().map(|r| c.calibration(r, base));
    let (panel, interactions) = c.panel(&raw, &data, &channels, &controls);
    let mut sampler = sampler;
    let target_accept_given = raw
        .sampler
        .as_ref()
        .is_some_and(|s| s.get_ref().target_accept.is_some());
    if !target_accept_given
        && channels
            .iter()
            .any(|ch| matches!(ch.saturation, SaturationSpec::Hill { .. }))
    {
        sampler.target_accept = defaults::HILL_TARGET_ACCEPT;
    }
    if !c.issues.is_empty() {
        let mut issues = c.issues;
        issues.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
        return Err(SpecError::Invalid {
            origin: source.origin.clone(),
            issues,
        });
    }
    let calibration = match calibration {
        Some((Some(path), likelihood, reference_periods)) => Some(CalibrationSpec {
            tests: read_lift_tests(&path, &channels)?,
            path,
            likelihood,
            reference_periods,
        }),
        _ => None,
    };
    Ok(ModelSpec {
        source: None,
        calibration,
        data,
        likelihood,
        channels,
        controls,
        intercept,
        seasonality,
        trend,
        sampler,
        report: ReportSpec { interval },
        panel,
        interactions,
    })
}

/// Collects issues while building the checked values (placeholders stand in for bad ones;
/// they never escape, because any issue makes `check` fail).
pub(super) struct Checker<'a> {
    pub source: &'a Source<'a>,
    pub issues: Vec<Issue>,
}

impl Checker<'_> {
    pub(super) fn line(&self, span: &Range<usize>) -> Option<usize> {
        Some(self.source.line_of(span.start))
    }

    pub(super) fn push(
        &mut self,
        key: &str,
        value: Option<String>,
        span: &Range<usize>,
        message: String,
    ) {
        let mut issue = Issue::new(key, message).line(self.line(span));
        issue.value = value;
        self.issues.push(issue);
    }

    /// A prior from its table, or `default`; it must fit `domain`.
    pub(super) fn prior(
        &mut self,
        key: &str,
        raw: Option<&RawPrior>,
        domain: Support,
        default: Prior,
    ) -> Prior {
        let Some(raw) = raw else { return default };
        self.prior_table(key, raw.get_ref(), raw.span(), domain, default)
    }

    pub(super) fn prior_table(
        &mut self,
        key: &str,
        table: &toml::Table,
        span: Range<usize>,
        domain: Support,
        default: Prior,
    ) -> Prior {
        match parse_prior(table) {
            Ok(prior) => match fit_domain(&prior, domain) {
                Ok(()) => prior,
                Err(message) => {
                    self.push(key, Some(prior.to_string()), &span, message);
                    default
                }
            },
            Err(problem) => {
                let key = problem
                    .key
                    .map_or_else(|| key.to_string(), |k| format!("{key}.{k}"));
                self.push(&key, problem.value, &span, problem.message);
                default
            }
        }
    }

    /// One of a fixed set of words, or `default` when absent.
    pub(super) fn choice<T: Copy>(
        &mut self,
        key: &str,
        raw: Option<&Spanned<String>>,
        choices: &[(&str, T)],
        default: T,
    ) -> T {
        let Some(raw) = raw else { return default };
        if let Some((_, value)) = choices.iter().find(|(word, _)| *word == raw.get_ref()) {
            return *value;
        }
        let words: Vec<String> = choices.iter().map(|(w, _)| format!("\"{w}\"")).collect();
        self.push(
            key,
            Some(format!("\"{}\"", raw.get_ref())),
            &raw.span(),
            format!("unknown value; use one of {}", words.join(", ")),
        );
        default
    }

    /// An integer at least `min`, or `default` when absent.
    pub(super) fn count(
        &mut self,
        key: &str,
        raw: Option<&Spanned<i64>>,
        min: i64,
        why: &str,
        default: usize,
    ) -> usize {
        let Some(raw) = raw else { return default };
        let value = *raw.get_ref();
        match usize::try_from(value) {
            Ok(n) if value >= min => n,
            _ => {
                let message = format!("must be at least {min}{why}");
                self.push(key, Some(value.to_string()), &raw.span(), message);
                default
            }
        }
    }

    /// A number passing `ok`, or `default` when absent.
    pub(super) fn float(
        &mut self,
        key: &str,
        raw: Option<&Spanned<f64>>,
        ok: fn(f64) -> bool,
        requirement: &str,
        default: f64,
    ) -> f64 {
        let Some(raw) = raw else { return default };
        let value = *raw.get_ref();
        if ok(value) {
            return value;
        }
        self.push(
            key,
            Some(super::prior::short_number(value)),
            &raw.span(),
            requirement.to_string(),
        );
        default
    }

    /// A required column name (non-empty).
    pub(super) fn column(
        &mut self,
        key: &str,
        raw: Option<&Spanned<String>>,
        table: &Range<usize>,
        what: &str,
    ) -> String {
        match raw {
            Some(raw) if !raw.get_ref().trim().is_empty() => raw.get_ref().clone(),
            Some(raw) => {
                self.push(
                    key,
                    Some("\"\"".into()),
                    &raw.span(),
                    format!("must name {what}"),
                );
                String::new()
            }
            None => {
                self.push(key, None, table, format!("missing; name {what}"));
                String::new()
            }
        }
    }
}

/// Test helpers shared by the check files: run a model text and return its problems.
#[cfg(test)]
pub(super) mod testing {
    use std::path::Path;

    use super::super::error::{Issue, SpecError};
    use super::super::model_spec::ModelSpec;

    /// The smallest valid model, to which tests append or in which they replace lines.
    pub const BASE: &str =
        "[data]\ndate = \"week\"\ntarget = \"y\"\n\n[[channel]]\nname = \"tv\"\n";

    /// The single issue `text` produces; fails the test if it checks or has several.
    pub fn one_issue(text: &str) -> Issue {
        match ModelSpec::from_toml(text, Some(Path::new("m.toml"))) {
            Err(SpecError::Invalid { issues, .. }) if issues.len() == 1 => issues[0].clone(),
            other => panic!("expected one issue, got {other:?}"),
        }
    }

    /// Asserts the issue's key, line and that its message and display say `needle`.
    pub fn assert_issue(issue: &Issue, key: &str, line: usize, needle: &str) {
        assert_eq!(issue.key, key, "{issue}");
        assert_eq!(issue.line, Some(line), "{issue}");
        assert!(issue.message.contains(needle), "{issue}");
        let shown = issue.to_string();
        assert!(
            shown.contains(key) && shown.contains(&format!("line {line}")),
            "{shown}"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::testing::{BASE, assert_issue, one_issue};
    use super::*;

    fn toml_error(text: &str) -> (Option<usize>, Option<String>, String) {
        match ModelSpec::from_toml(text, Some(Path::new("m.toml"))) {
            Err(SpecError::Toml {
                line, key, message, ..
            }) => (line, key, message),
            other => panic!("expected a TOML error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_are_errors_with_line_and_key_path() {
        let (line, key, message) = toml_error(&format!("{BASE}adstock = {{ maxlag = 4 }}\n"));
        assert_eq!(
            (line, key.as_deref()),
            (Some(7), Some("channel.tv.adstock"))
        );
        assert!(message.contains("unknown field `maxlag`"), "{message}");

        let (line, key, message) = toml_error(&format!("{BASE}\n[sampler]\nchainz = 2\n"));
        assert_eq!((line, key.as_deref()), (Some(9), Some("sampler")));
        assert!(message.contains("`chainz`"), "{message}");

        let (line, _, message) = toml_error(&format!("{BASE}\n[priors]\n"));
        assert_eq!(line, Some(8));
        assert!(message.contains("unknown field `priors`"), "{message}");
    }

    #[test]
    fn wrong_types_and_bad_syntax_are_errors_with_the_line() {
        let text = format!("{BASE}adstock = {{ max_lag = \"8\" }}\n");
        let (line, key, message) = toml_error(&text);
        assert_eq!(
            (line, key.as_deref()),
            (Some(7), Some("channel.tv.adstock"))
        );
        assert!(message.contains("expected i64"), "{message}");
        let (line, _, _) = toml_error("[data]\ndate = \"week\ntarget = \"y\"\n");
        assert_eq!(line, Some(2));
        let shown = ModelSpec::from_toml(&text, Some(Path::new("m.toml")))
            .unwrap_err()
            .to_string();
        assert!(
            shown.starts_with("m.toml, line 7, in channel.tv.adstock:"),
            "{shown}"
        );
        // Issue 12: said "expected i64".
        assert!(shown.contains("expected an integer"), "{shown}");
    }

    #[test]
    fn an_unknown_key_and_other_errors_are_all_reported_in_file_order() {
        let text = format!(
            "{BASE}adstock = {{ max_lag = \"8\" }}\nbeta = {{ dist = \"normal\", sigma = 1.0 }}\n\
             \n[sampler]\nchainz = 2\ndraws = 0\n"
        );
        let err = ModelSpec::from_toml(&text, Some(Path::new("m.toml"))).unwrap_err();
        let keys: Vec<(Option<usize>, &str)> = err
            .issues()
            .iter()
            .map(|i| (i.line, i.key.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                (Some(7), "channel.tv.adstock.max_lag"),
                (Some(8), "channel.tv.beta"),
                (Some(11), "sampler.chainz"),
                (Some(12), "sampler.draws"),
            ],
            "{err}"
        );
        let shown = err.to_string();
        assert!(shown.starts_with("m.toml: 4 problems"), "{shown}");
        assert!(
            shown.contains("expected an integer") && shown.contains("`chainz`"),
            "{shown}"
        );
    }

    #[test]
    fn a_model_without_channels_is_an_error() {
        let issue = one_issue("[data]\ndate = \"week\"\ntarget = \"y\"\n");
        assert_eq!(issue.key, "channel");
        assert!(issue.message.contains("[[channel]]"), "{issue}");
    }

    #[test]
    fn a_prior_with_the_wrong_support_says_what_to_use() {
        let issue = one_issue(&format!(
            "{BASE}beta = {{ dist = \"normal\", mu = 0, sigma = 2 }}\n"
        ));
        assert_issue(&issue, "channel.tv.beta", 7, "use half_normal");
        assert!(issue.message.contains("truncated_normal"), "{issue}");
        assert_eq!(issue.value.as_deref(), Some("normal(mu = 0, sigma = 2)"));

        let issue = one_issue(&format!(
            "{BASE}\n[intercept]\nprior = {{ dist = \"beta\", alpha = 2, beta = 2 }}\n"
        ));
        assert_issue(
            &issue,
            "intercept.prior",
            9,
            "only for parameters in (0, 1)",
        );
    }

    #[test]
    fn bad_prior_parameters_name_the_parameter() {
        let issue = one_issue(&format!(
            "{BASE}beta = {{ dist = \"half_normal\", sigma = -1 }}\n"
        ));
        assert_issue(&issue, "channel.tv.beta.sigma", 7, "sigma > 0");
        assert_eq!(issue.value.as_deref(), Some("-1"));

        let issue = one_issue(&format!(
            "{BASE}beta = {{ dist = \"halfnormal\", sigma = 1 }}\n"
        ));
        assert_issue(
            &issue,
            "channel.tv.beta.dist",
            7,
            "did you mean \"half_normal\"",
        );
    }

    #[test]
    fn every_problem_is_reported_in_line_order() {
        let text = "[data]\ndate = \"week\"\ntarget = \"y\"\nscale = \"median\"\n\n[[channel]]\n\
                    name = \"tv\"\nadstock = { max_lag = 0 }\n\n[sampler]\nchains = 0\n";
        let err = ModelSpec::from_toml(text, Some(Path::new("m.toml"))).unwrap_err();
        let keys: Vec<&str> = err.issues().iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            ["data.scale", "channel.tv.adstock.max_lag", "sampler.chains"]
        );
        assert!(
            err.to_string()
                .starts_with("m.toml: 3 problems\n  line 4, data.scale"),
            "{err}"
        );
    }
}

//! The truth file (TOML): true parameter values on the model's scaled space, the data's shape
//! (periods, start, target scale), and each channel's spend pattern and each control's series,
//! checked against the model with every problem located by line and key.

use std::path::Path;

use crate::spec::ModelSpec;
use crate::transform::Date;

use super::controls::ControlDesign;
use super::error::SimulateError;
use super::spend::ChannelDesign;
use super::truth_check::{Checker, RawTruth, line_of};

/// Periods simulated when neither the truth file nor the command line says (3 years, weekly).
pub const DEFAULT_PERIODS: usize = 156;
/// First date when the truth file gives none (a Monday).
pub const DEFAULT_START: &str = "2021-01-04";
/// Days per period when the truth file gives none (weekly data).
pub const DEFAULT_PERIOD_DAYS: u32 = 7;
/// Target scale when the truth file gives none.
pub const DEFAULT_TARGET_SCALE: f64 = 10_000.0;
/// Seed when neither the truth file nor the command line gives one.
pub const DEFAULT_SEED: u64 = 42;

/// A checked truth file.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// What to call the truth in messages (its file, or "prior draw").
    pub origin: String,
    /// Seed, unless the command line gives one.
    pub seed: Option<u64>,
    /// Number of periods, unless the command line gives one.
    pub periods: Option<usize>,
    /// Date of the first period.
    pub start: Date,
    /// Days between periods (7 weekly, 1 daily).
    pub period_days: u32,
    /// s_y: the simulated target is the model's scaled outcome times this, in currency.
    pub target_scale: f64,
    /// A true value per model parameter, in the model's parameter order; `None`: drawn from
    /// its prior.
    pub parameters: Vec<Option<f64>>,
    /// Spend design per channel, in model order.
    pub channels: Vec<ChannelDesign>,
    /// Series design per control, in model order.
    pub controls: Vec<ControlDesign>,
}

impl Truth {
    /// No truth file: every parameter from its prior, default designs.
    pub fn prior_draw(spec: &ModelSpec) -> Truth {
        Truth {
            origin: "prior draw".to_string(),
            seed: None,
            periods: None,
            start: Date::parse_iso(DEFAULT_START).unwrap_or(Date::from_days_since_epoch(0)),
            period_days: DEFAULT_PERIOD_DAYS,
            target_scale: DEFAULT_TARGET_SCALE,
            parameters: vec![None; spec.parameters().len()],
            channels: vec![ChannelDesign::default(); spec.channels.len()],
            controls: vec![ControlDesign::default(); spec.controls.len()],
        }
    }

    /// Read and check the truth file at `path` against `spec`.
    pub fn from_file(path: &Path, spec: &ModelSpec) -> Result<Truth, SimulateError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimulateError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Truth::from_toml(&text, &path.display().to_string(), spec)
    }

    /// Parse and check truth-file text against `spec`; `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str, spec: &ModelSpec) -> Result<Truth, SimulateError> {
        let raw: RawTruth = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            SimulateError::Toml {
                origin: origin.to_string(),
                line,
                message: e.message().trim().to_string(),
                text: line
                    .and_then(|l| text.lines().nth(l - 1))
                    .map(str::to_string),
            }
        })?;
        let mut c = Checker::new(text);
        let truth = c.truth(&raw, origin, spec);
        let issues = c.into_issues();
        if issues.is_empty() {
            Ok(truth)
        } else {
            Err(SimulateError::Invalid {
                origin: origin.to_string(),
                issues,
            })
        }
    }

    /// Whether any parameter has a fixed true value.
    pub fn fixes_parameters(&self) -> bool {
        self.parameters.iter().any(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::SpendPattern;
    use crate::simulate::truth_check::NOISE;
    use crate::spec::Issue;

    fn spec() -> ModelSpec {
        let text = "[data]\ndate = \"week\"\ntarget = \"sales\"\n\
                    [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n\
                    [[channel]]\nname = \"search\"\n\
                    [[control]]\ncolumn = \"promo\"\n";
        ModelSpec::from_toml(text, None).unwrap()
    }

    fn issues(text: &str) -> Vec<Issue> {
        match Truth::from_toml(text, "truth.toml", &spec()) {
            Err(SimulateError::Invalid { issues, .. }) => issues,
            other => panic!("expected issues, got {other:?}"),
        }
    }

    #[test]
    fn a_full_truth_file_reads_into_designs_and_values() {
        let text = "seed = 3\nperiods = 104\nstart = \"2020-01-06\"\ntarget_scale = 5e4\n\
                    [parameters]\n\"beta[tv]\" = 0.4\n\"k[tv]\" = 1\nintercept = -0.2\n\
                    [channel.tv]\npattern = \"flighted\"\nspend_scale = 20000\non = 5\noff = 7\n\
                    [channel.search]\npattern = \"trending\"\ngrowth = 2.0\nseasonal = 0.2\n\
                    [control.promo]\npattern = \"price\"\ndiscount = 0.3\n";
        let truth = Truth::from_toml(text, "truth.toml", &spec()).unwrap();
        assert_eq!((truth.seed, truth.periods), (Some(3), Some(104)));
        assert_eq!(truth.start.to_string(), "2020-01-06");
        let names: Vec<String> = spec().parameters().into_iter().map(|p| p.name).collect();
        let at = |n: &str| truth.parameters[names.iter().position(|x| x == n).unwrap()];
        assert_eq!(at("beta[tv]"), Some(0.4));
        assert_eq!(at("k[tv]"), Some(1.0));
        assert_eq!(at("intercept"), Some(-0.2));
        assert_eq!(at("sigma"), None);
        assert_eq!(
            truth.channels[0].pattern,
            SpendPattern::Flighted {
                on: 5,
                off: 7,
                noise: NOISE
            }
        );
        assert_eq!(
            truth.channels[1].pattern,
            SpendPattern::Trending {
                growth: 2.0,
                noise: NOISE
            }
        );
        assert!(matches!(
            truth.controls[0],
            ControlDesign::Price { discount: 0.3, .. }
        ));
        assert!(truth.fixes_parameters());
    }

    #[test]
    fn unknown_keys_are_reported_with_their_line() {
        let err = Truth::from_toml("seed = 1\n[channel.tv]\nspend = 3\n", "truth.toml", &spec())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("truth.toml, line 3: unknown field `spend`"),
            "{err}"
        );
        assert!(err.contains("3 | spend = 3"), "{err}");
    }

    #[test]
    fn unknown_parameters_channels_and_controls_suggest_the_nearest_name() {
        let found = issues(
            "[parameters]\n\"beta[TV]\" = 1.0\n[channel.serach]\n[control.promos]\npattern = \"events\"\n",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].line, Some(2));
        assert!(
            found[0].message.contains("did you mean \"beta[tv]\"?"),
            "{}",
            found[0]
        );
        assert!(
            found[1].message.contains("did you mean \"search\"?"),
            "{}",
            found[1]
        );
        assert!(
            found[2].message.contains("did you mean \"promo\"?"),
            "{}",
            found[2]
        );
    }

    #[test]
    fn values_outside_a_parameters_support_are_refused() {
        let found = issues("[parameters]\n\"alpha[tv]\" = 1.0\n\"beta[tv]\" = -0.1\nsigma = 0\n");
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].to_string().starts_with("line 2, parameters.\"alpha[tv]\" = 1: lies outside the support of alpha[tv], (0, 1)"), "{}", found[0]);
        assert!(found[1].message.contains("(0, inf)"));
        assert_eq!(found[2].line, Some(4));
    }

    #[test]
    fn pattern_values_are_checked_and_foreign_keys_refused() {
        let found = issues(
            "target_scale = -1\n[channel.tv]\npattern = \"sporadic\"\nprobability = 1.5\non = 3\n\
             [channel.search]\npattern = \"bursty\"\n[control.promo]\nsd = 2\n",
        );
        let keys: Vec<&str> = found.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "target_scale",
                "channel.tv.probability",
                "channel.tv.on",
                "channel.search.pattern",
                "control.promo.sd"
            ]
        );
    }

    #[test]
    fn a_prior_draw_leaves_every_parameter_free() {
        let truth = Truth::prior_draw(&spec());
        assert!(!truth.fixes_parameters());
        assert_eq!(truth.channels.len(), 2);
        assert_eq!(truth.start.to_string(), DEFAULT_START);
    }
}

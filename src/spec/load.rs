//! Loading a model file: read, parse (locating TOML errors), check, and command-line overrides.

use std::path::Path;

use super::check::check;
use super::error::{Issue, SpecError};
use super::lenient::{SetAside, parse_leniently, toml_error};
use super::location::Source;
use super::model_spec::ModelSpec;

impl ModelSpec {
    /// Reads and checks a model file; `[data] path` is taken relative to the file's folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ModelSpec, SpecError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        ModelSpec::from_toml(&text, Some(path))
    }

    /// Parses and checks model-file text. `path`, when given, names the file in messages and
    /// anchors a relative `[data] path`; without it the data path stays as written.
    pub fn from_toml(text: &str, path: Option<&Path>) -> Result<ModelSpec, SpecError> {
        let origin = path.map_or_else(|| "model file".to_string(), |p| p.display().to_string());
        let source = Source { origin, text };
        let (raw, set_aside) = parse_leniently(&source)?;
        let base = path.and_then(Path::parent);
        let checked = check(raw, &source, base);
        let mut spec = match (checked, set_aside.len()) {
            (Ok(spec), 0) => spec,
            (Err(e), 0) => return Err(e),
            (checked, _) => return Err(merge(&source, set_aside, checked.err())),
        };
        spec.source = path.map(Path::to_path_buf);
        Ok(spec)
    }

    /// Applies command-line overrides of the sampler settings, with the file's rules.
    pub fn override_sampler(
        &mut self,
        chains: Option<usize>,
        warmup: Option<usize>,
        draws: Option<usize>,
        seed: Option<u64>,
    ) -> Result<(), SpecError> {
        let mut issues = Vec::new();
        if chains == Some(0) {
            issues.push(Issue::new("--chains", "must be at least 1").value(0));
        }
        if draws == Some(0) {
            issues.push(Issue::new("--draws", "must be at least 1").value(0));
        }
        if !issues.is_empty() {
            return Err(SpecError::Invalid {
                origin: "command line".into(),
                issues,
            });
        }
        let s = &mut self.sampler;
        s.chains = chains.unwrap_or(s.chains);
        s.warmup = warmup.unwrap_or(s.warmup);
        s.draws = draws.unwrap_or(s.draws);
        s.seed = seed.unwrap_or(s.seed);
        Ok(())
    }

    /// What to call the model in messages: its file, or "model file".
    pub fn origin(&self) -> String {
        self.source
            .as_ref()
            .map_or_else(|| "model file".to_string(), |p| p.display().to_string())
    }
}

/// Every problem of a file: those serde found (their entries set aside) and those the check
/// found in the rest, in file order. A check issue about an entry set aside (reported missing
/// because it was removed) is left out.
fn merge(source: &Source<'_>, set_aside: Vec<SetAside>, checked: Option<SpecError>) -> SpecError {
    let removed: Vec<String> = set_aside.iter().map(|s| s.removed.clone()).collect();
    let from_check: Vec<Issue> = checked
        .map(|e| e.issues().to_vec())
        .unwrap_or_default()
        .into_iter()
        .filter(|i| {
            let last = i.key.rsplit('.').next().unwrap_or("");
            !removed.iter().any(|r| {
                r.rsplit('.').next() == Some(last) && r.split('.').next() == i.key.split('.').next()
            })
        })
        .collect();
    if from_check.is_empty() && set_aside.len() == 1 {
        // One problem, found by serde alone: report it as before, with the line quoted.
        if let Some(only) = set_aside.into_iter().next() {
            return toml_error(source, &only.error);
        }
        return SpecError::Invalid {
            origin: source.origin.clone(),
            issues: Vec::new(),
        };
    }
    let mut issues: Vec<Issue> = set_aside.into_iter().map(|s| s.issue).collect();
    issues.extend(from_check);
    issues.sort_by_key(|i| i.line.unwrap_or(usize::MAX));
    SpecError::Invalid {
        origin: source.origin.clone(),
        issues,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::defaults;
    use super::super::model_spec::*;
    use super::super::prior::Prior;
    use super::*;
    use crate::{Metric, SamplerSettings};

    fn models_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
    }

    fn load(name: &str) -> ModelSpec {
        let path = models_dir().join(name);
        ModelSpec::from_file(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_model_in_the_models_folder_parses_and_checks() {
        let mut n = 0;
        for path in crate::test_support::model_files() {
            ModelSpec::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
        assert!(n >= 4, "only {n} models found");
    }

    #[test]
    fn the_data_path_is_taken_relative_to_the_model_file() {
        let spec = load("pymc_marketing_example.toml");
        let path = spec.data.path.as_ref().unwrap();
        assert_eq!(
            path,
            &models_dir().join("data/pymc_marketing_mmm_example.csv")
        );
        let without_file = ModelSpec::from_toml(
            "[data]\npath = \"d.csv\"\ndate = \"w\"\ntarget = \"y\"\n[[channel]]\nname = \"a\"\n",
            None,
        )
        .unwrap();
        assert_eq!(without_file.data.path, Some(PathBuf::from("d.csv")));
    }

    #[test]
    fn full_toml_sets_every_key() {
        let spec = load("full.toml");
        let d = &spec.data;
        assert_eq!(d.path, Some(models_dir().join("data/weekly.csv")));
        assert_eq!(
            (d.date.as_str(), d.target.as_str(), d.scale),
            ("week", "sales", Scaling::Mean)
        );
        let nu = Nu::Prior(Prior::Gamma {
            shape: 2.0,
            rate: 0.1,
        });
        assert_eq!(spec.likelihood.family, Likelihood::StudentT { nu });
        assert_eq!(
            spec.likelihood.sigma,
            Prior::HalfStudentT {
                nu: 3.0,
                sigma: 1.5
            }
        );

        let [tv, search, radio] = &spec.channels[..] else {
            panic!("three channels")
        };
        assert_eq!((tv.name.as_str(), tv.column.as_str()), ("tv", "tv_spend"));
        assert_eq!((tv.adstock.max_lag, tv.adstock.normalize), (6, false));
        assert_eq!(
            tv.adstock.kind,
            AdstockKind::Delayed {
                alpha: Prior::Beta {
                    alpha: 2.0,
                    beta: 2.0
                },
                theta: Prior::Uniform {
                    lower: 0.0,
                    upper: 5.0
                },
            }
        );
        assert_eq!(
            tv.saturation,
            SaturationSpec::Hill {
                k: Prior::LogNormal {
                    mu: -0.7,
                    sigma: 0.5
                },
                s: Prior::Gamma {
                    shape: 4.0,
                    rate: 2.0
                },
            }
        );
        let tn = Prior::TruncatedNormal {
            mu: 1.0,
            sigma: 1.0,
            lower: 0.0,
            upper: f64::INFINITY,
        };
        assert_eq!(tv.beta, tn);
        assert_eq!(search.column, "search_spend");
        assert_eq!(
            (search.adstock.max_lag, search.adstock.normalize),
            (4, true)
        );
        assert_eq!(
            search.adstock.kind,
            AdstockKind::Weibull {
                shape: Prior::Exponential { rate: 1.0 },
                scale: Prior::HalfCauchy { scale: 2.0 },
            }
        );
        let lam = Prior::Gamma {
            shape: 2.0,
            rate: 0.5,
        };
        assert_eq!(search.saturation, SaturationSpec::Logistic { lam });
        assert_eq!(search.beta, Prior::HalfNormal { sigma: 1.0 });
        let alpha = Prior::Uniform {
            lower: 0.0,
            upper: 1.0,
        };
        assert_eq!(radio.adstock.kind, AdstockKind::Geometric { alpha });
        assert_eq!(
            radio.saturation,
            SaturationSpec::Logistic { lam: defaults::LAM }
        );
        assert_eq!(radio.beta, Prior::Exponential { rate: 2.0 });

        let [price, promo] = &spec.controls[..] else {
            panic!("two controls")
        };
        assert_eq!(
            (price.name.as_str(), price.column.as_str(), price.scale),
            ("price_index", "price", false)
        );
        assert_eq!(
            price.coef,
            Prior::StudentT {
                nu: 4.0,
                mu: 0.0,
                sigma: 1.0
            }
        );
        assert_eq!((promo.name.as_str(), promo.scale), ("promo", true));
        assert_eq!(promo.coef, Prior::Laplace { mu: 0.0, b: 0.5 });

        assert_eq!(
            spec.intercept,
            Prior::Normal {
                mu: 0.5,
                sigma: 1.0
            }
        );
        let prior = Prior::Normal {
            mu: 0.0,
            sigma: 0.5,
        };
        assert_eq!(
            spec.seasonality,
            Some(SeasonalitySpec {
                order: 3,
                period: 52.0,
                prior
            })
        );
        assert_eq!(
            spec.trend,
            TrendSpec::Linear {
                prior: Prior::Laplace { mu: 0.0, b: 0.2 }
            }
        );
        let sampler = SamplerSettings {
            chains: 2,
            warmup: 500,
            draws: 300,
            seed: 7,
            max_depth: 8,
            target_accept: 0.9,
            max_energy_error: 500.0,
            init_radius: 1.0,
            init_attempts: 50,
            metric: Metric::Dense,
            ..SamplerSettings::default()
        };
        assert_eq!(spec.sampler, sampler);
        assert_eq!(spec.report, ReportSpec { interval: 0.8 });
    }

    /// Models with a Hill channel, national or panel, default to the higher target acceptance;
    /// a value in the file and a logistic-only model keep theirs.
    #[test]
    fn hill_models_default_to_a_higher_target_acceptance() {
        let hill = std::fs::read_to_string(models_dir().join("weekly_hill.toml")).unwrap();
        let spec = ModelSpec::from_toml(&hill, None).unwrap();
        approx::assert_relative_eq!(spec.sampler.target_accept, defaults::HILL_TARGET_ACCEPT);
        let given = format!("{hill}\n[sampler]\ntarget_accept = 0.8\n");
        let spec = ModelSpec::from_toml(&given, None).unwrap();
        approx::assert_relative_eq!(spec.sampler.target_accept, 0.8);
        let panel = "[data]\ndate = \"week\"\ntarget = \"sales\"\ngroup = \"geo\"\n\
                     [[channel]]\nname = \"tv\"\nsaturation = { type = \"hill\" }\n";
        let spec = ModelSpec::from_toml(panel, None).unwrap();
        approx::assert_relative_eq!(spec.sampler.target_accept, defaults::HILL_TARGET_ACCEPT);
        approx::assert_relative_eq!(load("minimal.toml").sampler.target_accept, 0.8);
        approx::assert_relative_eq!(
            load("panels/geo.toml").sampler.target_accept,
            SamplerSettings::default().target_accept
        );
    }

    #[test]
    fn minimal_model_gets_every_default() {
        let spec = load("minimal.toml");
        assert_eq!(
            spec.data.path,
            Some(models_dir().join("data/pymc_marketing_mmm_example.csv"))
        );
        assert_eq!(spec.data.scale, Scaling::Max);
        assert_eq!(
            spec.likelihood,
            LikelihoodSpec {
                family: Likelihood::Normal,
                sigma: defaults::SIGMA
            }
        );
        let ch = &spec.channels[0];
        assert_eq!(ch.column, "x1");
        assert_eq!(
            ch.adstock,
            AdstockSpec {
                kind: AdstockKind::Geometric {
                    alpha: defaults::ALPHA
                },
                max_lag: 8,
                normalize: true
            }
        );
        assert_eq!(
            ch.saturation,
            SaturationSpec::Logistic { lam: defaults::LAM }
        );
        assert_eq!(
            (spec.seasonality.as_ref(), &spec.trend),
            (None, &TrendSpec::None)
        );
        assert_eq!(spec.sampler, SamplerSettings::default());
        assert_eq!(spec.report, ReportSpec::default());
    }

    #[test]
    fn the_pymc_example_spelled_out_equals_its_defaults() {
        let explicit = load("pymc_marketing_example.toml");
        let text = "[data]\npath = \"data/pymc_marketing_mmm_example.csv\"\n\
                    date = \"date_week\"\ntarget = \"y\"\n[[channel]]\nname = \"x1\"\n\
                    [[channel]]\nname = \"x2\"\n[[control]]\ncolumn = \"event_1\"\n\
                    [[control]]\ncolumn = \"event_2\"\n[[control]]\ncolumn = \"t\"\n\
                    [seasonality]\norder = 2\n";
        let path = models_dir().join("pymc_marketing_example.toml");
        let implicit = ModelSpec::from_toml(text, Some(&path)).unwrap();
        assert_eq!(explicit, implicit);
    }

    #[test]
    fn a_spec_serialises_to_a_model_file_that_checks_back_to_itself() {
        for name in [
            "full.toml",
            "pymc_marketing_example_hill.toml",
            "minimal.toml",
        ] {
            let spec = load(name);
            let text = toml::to_string(&spec).unwrap();
            let mut again =
                ModelSpec::from_toml(&text, None).unwrap_or_else(|e| panic!("{e}\n{text}"));
            again.source = spec.source.clone();
            assert_eq!(again, spec, "{text}");
        }
    }

    #[test]
    fn sampler_overrides_follow_the_file_rules() {
        let mut spec = load("minimal.toml");
        spec.override_sampler(Some(2), None, Some(50), Some(9))
            .unwrap();
        assert_eq!(
            (
                spec.sampler.chains,
                spec.sampler.warmup,
                spec.sampler.draws,
                spec.sampler.seed
            ),
            (2, 1000, 50, 9)
        );
        let err = spec
            .override_sampler(Some(0), None, None, None)
            .unwrap_err();
        assert_eq!(err.issues()[0].key, "--chains");
        assert_eq!(spec.sampler.chains, 2);
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_it() {
        let err = ModelSpec::from_file("no/such/model.toml").unwrap_err();
        assert!(matches!(err, SpecError::Read { .. }));
        assert!(err.to_string().contains("no/such/model.toml"), "{err}");
    }
}

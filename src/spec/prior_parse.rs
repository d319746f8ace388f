//! Turns a prior's TOML table into a [`Prior`] and checks that it fits a parameter's domain.

use toml::{Table, Value};

use super::prior::{PRIOR_FAMILIES, Prior, short_number};
use super::support::Support;

/// What is wrong with one prior table: the offending key inside it (if any), its value and
/// the explanation.
#[derive(Debug, PartialEq)]
pub(super) struct PriorProblem {
    pub key: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl PriorProblem {
    fn at(key: &str, value: Option<String>, message: String) -> PriorProblem {
        PriorProblem {
            key: Some(key.to_string()),
            value,
            message,
        }
    }
}

/// Required and optional parameters of each family (`mu` defaults to 0 wherever it appears,
/// truncation bounds to ±∞).
fn parameters(family: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match family {
        "normal" | "log_normal" => (&["sigma"], &["mu"]),
        "half_normal" => (&["sigma"], &[]),
        "gamma" => (&["shape", "rate"], &[]),
        "beta" => (&["alpha", "beta"], &[]),
        "exponential" => (&["rate"], &[]),
        "uniform" => (&["lower", "upper"], &[]),
        "laplace" => (&["b"], &["mu"]),
        "student_t" => (&["nu", "sigma"], &["mu"]),
        "half_student_t" => (&["nu", "sigma"], &[]),
        "half_cauchy" => (&["scale"], &[]),
        "truncated_normal" => (&["sigma"], &["mu", "lower", "upper"]),
        _ => return None,
    })
}

/// Parses `{ dist = "...", ... }` and validates the parameters.
pub(super) fn parse_prior(table: &Table) -> Result<Prior, PriorProblem> {
    let family = match table.get("dist") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err(PriorProblem::at(
                "dist",
                Some(other.to_string()),
                format!("must be a family name in quotes, one of {}", family_list()),
            ));
        }
        None => {
            return Err(PriorProblem {
                key: None,
                value: None,
                message: format!(
                    "a prior needs `dist`, one of {}: {{ dist = \"half_normal\", sigma = 2.0 }}",
                    family_list()
                ),
            });
        }
    };
    let Some((required, optional)) = parameters(family) else {
        let hint =
            nearest_family(family).map_or_else(String::new, |f| format!("did you mean \"{f}\"? "));
        return Err(PriorProblem::at(
            "dist",
            Some(format!("\"{family}\"")),
            format!("unknown prior family; {hint}use one of {}", family_list()),
        ));
    };
    let mut values = Vec::new();
    for (key, value) in table.iter().filter(|(k, _)| *k != "dist") {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            let takes: Vec<&str> = required.iter().chain(optional).copied().collect();
            return Err(PriorProblem::at(
                key,
                Some(value.to_string()),
                unknown_parameter(family, key, &takes),
            ));
        }
        let number = match value {
            Value::Float(f) => *f,
            Value::Integer(i) => *i as f64,
            other => {
                return Err(PriorProblem::at(
                    key,
                    Some(other.to_string()),
                    format!("{family}'s {key} must be a number"),
                ));
            }
        };
        values.push((key.as_str(), number));
    }
    if let Some(missing) = required
        .iter()
        .find(|r| !values.iter().any(|(k, _)| k == *r))
    {
        return Err(PriorProblem {
            key: None,
            value: None,
            message: format!(
                "{family} needs `{missing}` (it takes {})",
                required.join(", ")
            ),
        });
    }
    let get = |name: &str, default: f64| {
        values
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(default, |(_, v)| *v)
    };
    let prior = build(family, &get);
    prior
        .validate()
        .map_err(|e| PriorProblem::at(e.param, Some(short_number(e.value)), e.to_string()))?;
    Ok(prior)
}

fn build(family: &str, get: &dyn Fn(&str, f64) -> f64) -> Prior {
    let nan = f64::NAN;
    match family {
        "normal" => Prior::Normal {
            mu: get("mu", 0.0),
            sigma: get("sigma", nan),
        },
        "half_normal" => Prior::HalfNormal {
            sigma: get("sigma", nan),
        },
        "log_normal" => Prior::LogNormal {
            mu: get("mu", 0.0),
            sigma: get("sigma", nan),
        },
        "gamma" => Prior::Gamma {
            shape: get("shape", nan),
            rate: get("rate", nan),
        },
        "beta" => Prior::Beta {
            alpha: get("alpha", nan),
            beta: get("beta", nan),
        },
        "exponential" => Prior::Exponential {
            rate: get("rate", nan),
        },
        "uniform" => Prior::Uniform {
            lower: get("lower", nan),
            upper: get("upper", nan),
        },
        "laplace" => Prior::Laplace {
            mu: get("mu", 0.0),
            b: get("b", nan),
        },
        "student_t" => Prior::StudentT {
            nu: get("nu", nan),
            mu: get("mu", 0.0),
            sigma: get("sigma", nan),
        },
        "half_student_t" => Prior::HalfStudentT {
            nu: get("nu", nan),
            sigma: get("sigma", nan),
        },
        "half_cauchy" => Prior::HalfCauchy {
            scale: get("scale", nan),
        },
        _ => Prior::TruncatedNormal {
            mu: get("mu", 0.0),
            sigma: get("sigma", nan),
            lower: get("lower", f64::NEG_INFINITY),
            upper: get("upper", f64::INFINITY),
        },
    }
}

fn family_list() -> String {
    PRIOR_FAMILIES.join(", ")
}

/// A family whose name differs only in case, `_` or `-` (`HalfNormal` → `half_normal`).
fn nearest_family(name: &str) -> Option<&'static str> {
    let squash = |s: &str| s.to_lowercase().replace(['_', '-'], "");
    let wanted = squash(name);
    let wanted = match wanted.as_str() {
        "exp" => "exponential".to_string(),
        "studentst" | "t" => "studentt".to_string(),
        "halft" => "halfstudentt".to_string(),
        _ => wanted,
    };
    PRIOR_FAMILIES.into_iter().find(|f| squash(f) == wanted)
}

fn unknown_parameter(family: &str, key: &str, takes: &[&str]) -> String {
    let hint = match (family, key) {
        ("gamma", "alpha") => "; PyMC's alpha is shape",
        ("gamma", "beta") => "; PyMC's beta is rate",
        ("gamma", "scale") => "; rate = 1 / scale",
        ("gamma", "mu" | "sigma") => {
            "; for mean m and standard deviation s use shape = (m/s)^2, rate = m/s^2"
        }
        ("half_cauchy", "beta") => "; PyMC's beta is scale",
        ("exponential", "lam") => "; PyMC's lam is rate",
        ("exponential", "scale") => "; rate = 1 / scale",
        ("laplace", "sigma" | "scale") => "; laplace's scale is called b",
        _ => "",
    };
    format!(
        "{family} takes {}; `{key}` is not one of them{hint}",
        takes.join(", ")
    )
}

/// Checks that `prior` puts all its mass where the parameter may live. A beta prior is only
/// for (0, 1) parameters, even where its support would fit, because on any other parameter it
/// is a silent hard bound.
pub(super) fn fit_domain(prior: &Prior, domain: Support) -> Result<(), String> {
    let is_beta = matches!(prior, Prior::Beta { .. });
    if is_beta && domain != Support::UnitInterval {
        return Err(format!(
            "a beta prior lives on (0, 1) and is only for parameters in (0, 1) such as alpha; \
             {}",
            suggestion(domain)
        ));
    }
    if prior.support().is_within(&domain) {
        return Ok(());
    }
    Err(format!(
        "{} puts mass on {}, but this parameter must lie in {}; {}",
        prior.family(),
        prior.support(),
        domain,
        suggestion(domain)
    ))
}

fn suggestion(domain: Support) -> String {
    match domain {
        Support::Real => "use normal, laplace or student_t".to_string(),
        Support::Positive => "use half_normal, half_student_t, half_cauchy, exponential, gamma, \
                              log_normal, or truncated_normal with lower >= 0"
            .to_string(),
        Support::UnitInterval => {
            "use beta, or uniform or truncated_normal with bounds within [0, 1]".to_string()
        }
        Support::Interval { lower, upper } => {
            format!("use uniform or truncated_normal with bounds within [{lower}, {upper}]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Prior, PriorProblem> {
        let table: Table = toml::from_str(text).unwrap();
        parse_prior(&table)
    }

    #[test]
    fn every_family_parses_with_its_parameters() {
        let cases = [
            (
                "dist = 'normal'\nmu = 1\nsigma = 2",
                Prior::Normal {
                    mu: 1.0,
                    sigma: 2.0,
                },
            ),
            (
                "dist = 'normal'\nsigma = 2",
                Prior::Normal {
                    mu: 0.0,
                    sigma: 2.0,
                },
            ),
            (
                "dist = 'half_normal'\nsigma = 2.0",
                Prior::HalfNormal { sigma: 2.0 },
            ),
            (
                "dist = 'log_normal'\nmu = -1\nsigma = 0.5",
                Prior::LogNormal {
                    mu: -1.0,
                    sigma: 0.5,
                },
            ),
            (
                "dist = 'gamma'\nshape = 3\nrate = 1",
                Prior::Gamma {
                    shape: 3.0,
                    rate: 1.0,
                },
            ),
            (
                "dist = 'beta'\nalpha = 1\nbeta = 3",
                Prior::Beta {
                    alpha: 1.0,
                    beta: 3.0,
                },
            ),
            (
                "dist = 'exponential'\nrate = 2",
                Prior::Exponential { rate: 2.0 },
            ),
            (
                "dist = 'uniform'\nlower = 0\nupper = 7",
                Prior::Uniform {
                    lower: 0.0,
                    upper: 7.0,
                },
            ),
            (
                "dist = 'laplace'\nb = 1",
                Prior::Laplace { mu: 0.0, b: 1.0 },
            ),
            (
                "dist = 'student_t'\nnu = 3\nmu = 1\nsigma = 2",
                Prior::StudentT {
                    nu: 3.0,
                    mu: 1.0,
                    sigma: 2.0,
                },
            ),
            (
                "dist = 'half_student_t'\nnu = 3\nsigma = 2",
                Prior::HalfStudentT {
                    nu: 3.0,
                    sigma: 2.0,
                },
            ),
            (
                "dist = 'half_cauchy'\nscale = 2",
                Prior::HalfCauchy { scale: 2.0 },
            ),
            (
                "dist = 'truncated_normal'\nsigma = 1\nlower = 0",
                Prior::TruncatedNormal {
                    mu: 0.0,
                    sigma: 1.0,
                    lower: 0.0,
                    upper: f64::INFINITY,
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn problems_name_the_parameter_and_say_what_to_do() {
        let e = parse("dist = 'half_normal'\nsigma = -1").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("sigma"));
        assert!(e.message.contains("> 0"), "{}", e.message);

        let e = parse("dist = 'gamma'\nalpha = 3\nbeta = 1").unwrap_err();
        assert!(
            e.message.contains("takes shape, rate") && e.message.contains("PyMC"),
            "{}",
            e.message
        );

        let e = parse("dist = 'HalfNormal'\nsigma = 1").unwrap_err();
        assert!(
            e.message.contains("did you mean \"half_normal\""),
            "{}",
            e.message
        );

        let e = parse("dist = 'gamma'\nshape = 3").unwrap_err();
        assert!(e.message.contains("needs `rate`"), "{}", e.message);

        let e = parse("dist = 'normal'\nsigma = 'wide'").unwrap_err();
        assert!(e.message.contains("must be a number"), "{}", e.message);

        let e = parse("sigma = 1").unwrap_err();
        assert!(e.message.contains("needs `dist`"), "{}", e.message);
    }

    #[test]
    fn domain_fit_rejects_mass_outside_and_misplaced_betas() {
        let normal = Prior::Normal {
            mu: 0.0,
            sigma: 2.0,
        };
        let msg = fit_domain(&normal, Support::Positive).unwrap_err();
        assert!(
            msg.contains("half_normal") && msg.contains("truncated_normal"),
            "{msg}"
        );
        let beta = Prior::Beta {
            alpha: 1.0,
            beta: 3.0,
        };
        assert!(fit_domain(&beta, Support::Real).is_err());
        assert!(fit_domain(&beta, Support::Positive).is_err());
        assert_eq!(fit_domain(&beta, Support::UnitInterval), Ok(()));
        let trunc = Prior::TruncatedNormal {
            mu: 0.0,
            sigma: 1.0,
            lower: 0.0,
            upper: f64::INFINITY,
        };
        assert_eq!(fit_domain(&trunc, Support::Positive), Ok(()));
        let wide = Prior::Uniform {
            lower: 0.0,
            upper: 9.0,
        };
        assert!(
            fit_domain(
                &wide,
                Support::Interval {
                    lower: 0.0,
                    upper: 7.0
                }
            )
            .is_err()
        );
        assert_eq!(fit_domain(&normal, Support::Real), Ok(()));
    }
}

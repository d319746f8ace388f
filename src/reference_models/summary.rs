//! The reference posterior summaries (`<posterior>.reference.json`): per-parameter mean, sd and
//! quantiles from posteriordb's 10 000 reference draws, in the file's order.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

use super::data::{ReferenceError, read_json};

/// Reference summary of one parameter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ParamSummary {
    /// Parameter name as in the file, e.g. `beta[1]`, `sigma`.
    #[serde(skip)]
    pub name: String,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation (ddof = 1 over all pooled draws).
    pub sd: f64,
    /// 5 % quantile.
    pub q05: f64,
    /// Median.
    pub q50: f64,
    /// 95 % quantile.
    pub q95: f64,
    /// Approximate Monte Carlo standard error of the reference mean (sd / sqrt(draws)).
    pub mcse_mean_approx: f64,
}

/// The reference summary of one posterior.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReferenceSummary {
    /// posteriordb name, e.g. `kidiq-kidscore_momhsiq`.
    pub posterior: String,
    /// Number of reference draws behind the summaries.
    pub n_draws: usize,
    /// Parameters, in the order of the file.
    #[serde(deserialize_with = "ordered_params")]
    pub params: Vec<ParamSummary>,
}

impl ReferenceSummary {
    /// Read `dir/<posterior>.reference.json`.
    pub fn load(dir: &Path, posterior: &str) -> Result<Self, ReferenceError> {
        let (summary, _) = read_json(dir, &format!("{posterior}.reference.json"))?;
        Ok(summary)
    }

    /// The summary of parameter `name`, if the file has it.
    pub fn get(&self, name: &str) -> Option<&ParamSummary> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Parameter names in the file's order.
    pub fn names(&self) -> Vec<&str> {
        self.params.iter().map(|p| p.name.as_str()).collect()
    }
}

/// Deserialise a JSON object of parameter summaries keeping the keys' order (serde_json's own
/// map would sort them).
fn ordered_params<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<ParamSummary>, D::Error> {
    struct Ordered;
    impl<'de> Visitor<'de> for Ordered {
        type Value = Vec<ParamSummary>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object mapping parameter names to {mean, sd, q05, q50, q95, ...}")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut params = Vec::new();
            while let Some((name, mut summary)) = map.next_entry::<String, ParamSummary>()? {
                summary.name = name;
                params.push(summary);
            }
            Ok(params)
        }
    }
    d.deserialize_map(Ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference_models::test_support::posteriordb_dir;
    use approx::assert_relative_eq;

    /// The README prints the reference means to 5 significant digits.
    const README_DIGITS: f64 = 1e-4;

    #[test]
    fn reads_kidiq_in_file_order() {
        let s = ReferenceSummary::load(&posteriordb_dir(), "kidiq-kidscore_momhsiq").unwrap();
        assert_eq!(s.posterior, "kidiq-kidscore_momhsiq");
        assert_eq!(s.n_draws, 10_000);
        assert_eq!(s.names(), ["beta[1]", "beta[2]", "beta[3]", "sigma"]);
        let b3 = s.get("beta[3]").unwrap();
        assert_relative_eq!(b3.mean, 0.56299, max_relative = README_DIGITS);
        assert_relative_eq!(b3.sd, 0.060466, max_relative = README_DIGITS);
        assert!(b3.q05 < b3.q50 && b3.q50 < b3.q95);
    }

    #[test]
    fn missing_reference_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let err = ReferenceSummary::load(dir.path(), "garch-garch11").unwrap_err();
        assert!(
            err.to_string().contains("garch-garch11.reference.json"),
            "{err}"
        );
    }
}

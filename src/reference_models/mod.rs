//! Hand-coded posteriordb densities with exact gradients, used to validate the sampler; not part
//! of the MMM.
//!
//! Each posterior lives in its own file and is specified in `tests/data/README.md`
//! ("The posteriors"). Densities are on the unconstrained space, up to an additive constant,
//! with the log-Jacobian of every transform included; gradients are written by hand and checked
//! against finite differences. [`ReferenceModel::constrain`] maps a draw to the parameters of the
//! posterior's `reference.json`, in the order of [`ReferenceModel::param_names`]; names are
//! written exactly as in those files (`theta[1]`, `beta[2]`, `sigma`).
//!
//! ```no_run
//! use mmm::reference_models::{Kidiq, PosteriordbModel, ReferenceModel, ReferenceSummary};
//! use std::path::Path;
//!
//! let dir = Path::new("tests/data/posteriordb");
//! let model = Kidiq::load(dir)?;
//! let reference = ReferenceSummary::load(dir, model.name())?;
//! assert_eq!(model.param_names(), reference.names());
//! # Ok::<(), mmm::reference_models::ReferenceError>(())
//! ```

mod ar1_normal;
mod ark;
mod arma;
mod data;
mod earnings;
mod eight_schools_centered;
mod eight_schools_noncentered;
mod garch;
mod gauss_mix;
mod kidiq;
mod kilpisjarvi;
mod normals;
mod pass_rule;
mod regression;
mod sblrc;
mod summary;
mod support;
#[cfg(test)]
mod test_support;

use std::path::Path;

use crate::sampler::LogDensity;

pub use ar1_normal::Ar1Normal;
pub use ark::ArK;
pub use arma::Arma11;
pub use data::ReferenceError;
pub use earnings::Earnings;
pub use eight_schools_centered::EightSchoolsCentered;
pub use eight_schools_noncentered::EightSchoolsNoncentered;
pub use garch::Garch11;
pub use gauss_mix::LowDimGaussMix;
pub use kidiq::Kidiq;
pub use kilpisjarvi::Kilpisjarvi;
pub use normals::{CorrelatedNormal2, ExactMoments, ScaledNormal, StdNormal};
pub use pass_rule::{Moments, PassRule, ReferenceMoments, constrained_traces};
pub use sblrc::Sblrc;
pub use summary::{ParamSummary, ReferenceSummary};

/// A density with named parameters and a map from the unconstrained space to them.
pub trait ReferenceModel: LogDensity + Clone + Send + Sync {
    /// Name of the posterior, e.g. `kidiq-kidscore_momhsiq` (the posteriordb name where there
    /// is one).
    fn name(&self) -> &'static str;

    /// Names of the constrained parameters, exactly as the keys of the reference's `params`.
    fn param_names(&self) -> Vec<String>;

    /// Map an unconstrained point to the parameters, in the order of
    /// [`ReferenceModel::param_names`]; `out` is cleared first.
    fn constrain(&self, theta: &[f64], out: &mut Vec<f64>);
}

/// A [`ReferenceModel`] built from a posteriordb data file.
pub trait PosteriordbModel: ReferenceModel {
    /// The posteriordb name; the data file is `<NAME>.data.json`.
    const NAME: &'static str;

    /// Read `dir/<NAME>.data.json` and build the density.
    fn load(dir: &Path) -> Result<Self, ReferenceError>;
}

/// `name[1]`, ..., `name[n]`: posteriordb's names for the elements of a vector parameter.
fn indexed(name: &str, n: usize) -> impl Iterator<Item = String> + '_ {
    (1..=n).map(move |i| format!("{name}[{i}]"))
}

#[cfg(test)]
mod tests {
    use super::test_support::assert_missing_file_reported;
    use super::*;

    #[test]
    fn every_loader_reports_a_missing_file() {
        assert_missing_file_reported::<EightSchoolsNoncentered>();
        assert_missing_file_reported::<EightSchoolsCentered>();
        assert_missing_file_reported::<Kidiq>();
        assert_missing_file_reported::<Earnings>();
        assert_missing_file_reported::<ArK>();
        assert_missing_file_reported::<Sblrc>();
        assert_missing_file_reported::<LowDimGaussMix>();
        assert_missing_file_reported::<Garch11>();
        assert_missing_file_reported::<Kilpisjarvi>();
    }

    #[test]
    fn indexed_names_use_brackets_from_one() {
        let names: Vec<String> = indexed("beta", 3).collect();
        assert_eq!(names, ["beta[1]", "beta[2]", "beta[3]"]);
    }
}

//! mmm: Bayesian marketing-mix models.
//!
//! The pipeline: a data set and a model file become a log density on an unconstrained space
//! with an exact gradient; NUTS samples it in parallel chains; the draws give contributions,
//! ROAS and response curves; an optimizer splits a budget over the posterior.
//!
//! ```
//! use mmm::{LogDensity, LogpError};
//!
//! /// A standard normal in two dimensions.
//! #[derive(Clone)]
//! struct StdNormal;
//! impl LogDensity for StdNormal {
//!     fn dim(&self) -> usize { 2 }
//!     fn logp_grad(&mut self, x: &[f64], g: &mut [f64]) -> Result<f64, LogpError> {
//!         for (gi, xi) in g.iter_mut().zip(x) { *gi = -xi; }
//!         Ok(-0.5 * x.iter().map(|v| v * v).sum::<f64>())
//!     }
//! }
//! let mut g = [0.0; 2];
//! assert_eq!(StdNormal.logp_grad(&[0.0, 0.0], &mut g), Ok(0.0));
//! ```

// Stages are public modules, read qualified (`mmm::diagnostics::rhat`, `mmm::spec::Prior`);
// the crate root re-exports the few names every user needs.
pub mod attribution;
pub mod data;
pub mod density;
pub mod diagnostics;
pub mod fit;
pub mod fitdir;
mod gradcheck;
pub mod optimize;
pub mod panel;
pub mod posterior;
#[cfg(feature = "python")]
mod python;
pub mod reference_models;
pub mod report;
mod sampler;
pub mod simulate;
pub mod spec;
#[cfg(test)]
mod test_support;
pub mod transform;
pub mod validate;

pub use data::{DataError, DataRequest, Dataset, load_dataset};
pub use density::MmmDensity;
pub use gradcheck::{GradCheckOptions, GradientMismatch, check_gradient};
pub use sampler::{
    AUTO_MAX_FISHER_CORRECTED, AUTO_MAX_RESIDUAL_SHARE, AUTO_MIN_WINDOW_DRAWS, ChainOutput,
    DrawStats, LOW_RANK_CUTOFF, LogDensity, LogpError, Metric, NoProgress, PhaseStats, Progress,
    SampleError, SamplerSettings, Samples, Stuck, WarmupStats, sample,
};
pub use spec::{ModelSpec, SpecError};

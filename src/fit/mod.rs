//! The fit pipeline: load a model and its data, sample, derive, review.

mod error;
mod load;
mod run;

pub use error::FitError;
pub use load::{data_request, load_model};
pub use run::{Fit, fit};

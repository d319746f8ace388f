//! The fit pipeline: load a model and its data, sample, derive, review.

mod error;
mod load;
mod run;
mod saved;

pub use error::FitError;
pub use load::{data_request, load_model};
pub use run::{Fit, fit};
pub use saved::{DATA_FILE, SavedFit, data_csv, load_fit_dir};

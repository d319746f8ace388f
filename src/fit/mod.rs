//! The fit pipeline: load a model and its data, sample, derive, review.

mod error;
#[cfg(test)]
mod fuzz_tests;
mod load;
mod resources;
mod run;
mod saved;

pub use error::FitError;
pub use load::{data_request, load_model};
pub use resources::{Resources, available_disk, available_memory, human_bytes};
pub use run::{Fit, fit};
pub(crate) use saved::parse_chain;
pub use saved::{DATA_FILE, SavedFit, data_csv, load_fit_dir};

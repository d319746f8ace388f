//! The fit directory: atomic output folders and the files `mmm fit` writes into them.

mod atomic;
mod cmdstan_csv;
mod write;

pub use atomic::{OutputError, StagedDir, write_file_atomic};
pub use cmdstan_csv::{ChainHeader, cmdstan_names, write_chain_csv};
pub use write::{ENGINE_VERSION, fit_json, write_fit_dir};

//! The fit directory: atomic output folders and the files `mmm fit` writes into them.

mod atomic;
mod cmdstan_csv;

pub use atomic::{OutputError, StagedDir, write_file_atomic};
pub use cmdstan_csv::{ChainHeader, cmdstan_names, write_chain_csv};

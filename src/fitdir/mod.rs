//! The fit directory: atomic output folders and the files `mmm fit` writes into them.

mod atomic;
mod cmdstan_csv;
mod destination;
mod write;

pub use atomic::{OutputError, StagedDir, write_file_atomic};
pub use cmdstan_csv::{ChainHeader, cmdstan_names, write_chain_csv};
pub use destination::{DEMO_MARKER, OutputKind, check_destination};
pub use write::{
    ENGINE_VERSION, fit_json, summary_csv, write_chains, write_fit_dir, write_fit_into,
};

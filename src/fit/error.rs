//! Everything that can stop a fit, each carrying its stage's own message.

use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;
use crate::density::DensityError;
use crate::fitdir::OutputError;
use crate::sampler::SampleError;
use crate::spec::SpecError;

/// Why `mmm check`, `mmm fit` or `mmm report` stopped.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FitError {
    /// The model file is invalid.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The data file is invalid.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The model and data do not make a density.
    #[error(transparent)]
    Density(#[from] DensityError),
    /// Sampling failed.
    #[error(transparent)]
    Sample(#[from] SampleError),
    /// Writing outputs failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The model file names no data and none was given.
    #[error(
        "{model}: no data file; give one with --data DATA.csv or set [data] path in the model file"
    )]
    NoData {
        /// The model file.
        model: String,
    },
    /// The run would need more memory than the machine has.
    #[error(
        "this run would hold about {needed} in memory ({draws} draws of {parameters} \
         parameters), but the machine has {available}; ask for fewer draws (--draws) or chains \
         (--chains)"
    )]
    TooBig {
        /// Estimated memory, in words.
        needed: String,
        /// What the machine has, in words.
        available: String,
        /// Kept draws over all chains.
        draws: String,
        /// Parameters per draw.
        parameters: usize,
    },
    /// A fit directory is unreadable or incomplete.
    #[error("{path}: {problem}")]
    FitDir {
        /// The path.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: String,
    },
}

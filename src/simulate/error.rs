//! Why a simulation could not run: a bad truth file, too few periods, an outcome that is not
//! finite, or a folder that cannot be written or read.

use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;
use crate::density::DensityError;
use crate::fitdir::OutputError;
use crate::spec::Issue;
use crate::spec::error_text::{issues_message, toml_message};

/// Everything that stops `mmm simulate` (and the truth behind `mmm validate`).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimulateError {
    /// The truth file could not be read.
    #[error("cannot read truth file {}: {source}; check the path given by --truth", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, or a value of the wrong type.
    #[error("{}", toml_message(origin, *line, None, message, text.as_deref()))]
    Toml {
        /// The truth file.
        origin: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// The parser's message.
        message: String,
        /// The text of the line.
        text: Option<String>,
    },
    /// The file parses but breaks rules; every problem found is listed.
    #[error("{}", issues_message(origin, issues))]
    Invalid {
        /// The truth file.
        origin: String,
        /// The problems, in file order.
        issues: Vec<Issue>,
    },
    /// A share prior is stated on the outcome, which a simulation has yet to draw.
    #[error(
        "channel {channel:?} has a share prior, which is relative to the observed outcome that \
         the simulation is about to draw; give its beta in the truth file, or state the prior \
         on roi or mroi for simulation"
    )]
    SharePrior {
        /// The channel.
        channel: String,
    },
    /// Fewer periods than the model can be identified from.
    #[error(
        "{origin}: {periods} periods cannot identify the model: it needs at least {needed} (one \
         more than its parameters, and its longest adstock window); set periods or --periods"
    )]
    TooFewPeriods {
        /// Where the period count came from.
        origin: String,
        /// The periods asked for.
        periods: usize,
        /// The fewest the model needs.
        needed: usize,
    },
    /// The simulated outcome overflowed or is undefined.
    #[error(
        "the simulated outcome in period {period} is {value}; the true parameters make the model \
         explode (with a log_normal likelihood, lower the intercept, beta or sigma)"
    )]
    NotFinite {
        /// 1-based period.
        period: usize,
        /// The value.
        value: f64,
    },
    /// The simulated data failed the data checks.
    #[error("simulated data: {0}")]
    Data(#[from] DataError),
    /// The model and simulated data do not make a density.
    #[error(transparent)]
    Density(#[from] DensityError),
    /// Writing the simulation folder failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A simulation folder is unreadable or incomplete.
    #[error("{}: {problem}", path.display())]
    SimDir {
        /// The folder.
        path: PathBuf,
        /// What is wrong and what to do.
        problem: String,
    },
}

//! Why a panel model and data do not make a density or a fit.

use thiserror::Error;

/// A panel problem a user can fix.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PanelError {
    /// A log-normal likelihood needs a positive target.
    #[error(
        "{file}, date {date}: target {value} is not positive; a log_normal likelihood needs \
         y > 0 (use family = \"normal\", or remove the row)"
    )]
    NonPositiveTarget {
        /// The data file and group.
        file: String,
        /// The row's date.
        date: String,
        /// The value.
        value: f64,
    },
    /// Fewer rows than parameters.
    #[error(
        "the panel has {rows} rows but the model {params} parameters; use more data, or fewer \
         groups, channels, controls or Fourier terms"
    )]
    TooFewRows {
        /// Rows over all groups.
        rows: usize,
        /// Parameters.
        params: usize,
    },
    /// The model file is not a panel model.
    #[error("the model has no [data] group = \"<group column>\", so it is not a panel model")]
    NotAPanel,
    /// The data file could not be read or failed a check.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// Sampling failed.
    #[error(transparent)]
    Sample(#[from] crate::SampleError),
    /// Writing the output failed.
    #[error(transparent)]
    Output(#[from] crate::fitdir::OutputError),
    /// The model file or a truth file is invalid.
    #[error("{0}")]
    Invalid(String),
}

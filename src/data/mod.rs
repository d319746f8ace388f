//! The data stage: read the CSV the model names, validate it (every failure says file, line,
//! column and what to do), and scale it for the model.

mod csv_reader;
mod dataset;
mod error;
mod fingerprint;
mod load;
mod outliers;
mod panel;
mod scaling;
pub(crate) mod suggest;
mod timeline;
mod validate;

pub use dataset::Dataset;
pub use error::{ColumnRole, DataError, DateStep, MAX_LISTED_PROBLEMS};
pub use load::{DataRequest, load_dataset, load_dataset_from_reader};
pub use outliers::{MAX_OUTLIERS_PER_COLUMN, OUTLIER_Z, Outlier, outliers, robust_z};
pub use panel::{PanelData, PanelGroup, load_panel};
pub use scaling::{ScaleMethod, ScaledData, Scales};
pub(crate) use suggest::nearest;

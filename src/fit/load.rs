//! Model file plus data file into a checked spec and a validated data set.

use std::path::Path;

use crate::data::{DataRequest, Dataset, load_dataset};
use crate::spec::ModelSpec;

use super::error::FitError;

/// The columns `spec` reads, with the fewest rows it can identify.
pub fn data_request(spec: &ModelSpec) -> DataRequest {
    DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels: spec.channels.iter().map(|c| c.column.clone()).collect(),
        controls: spec.controls.iter().map(|c| c.column.clone()).collect(),
        min_rows: spec.parameters().len() + 1,
    }
}

/// Read `model`, then its data (`data` overrides `[data] path`), and check them together.
pub fn load_model(model: &Path, data: Option<&Path>) -> Result<(ModelSpec, Dataset), FitError> {
    let mut spec = ModelSpec::from_file(model)?;
    if let Some(d) = data {
        spec.data.path = Some(d.to_path_buf());
    }
    let path = spec.data.path.clone().ok_or_else(|| FitError::NoData {
        model: model.display().to_string(),
    })?;
    let dataset = load_dataset(&path, &data_request(&spec))?;
    spec.check_against_rows(dataset.n_periods())?;
    Ok((spec, dataset))
}

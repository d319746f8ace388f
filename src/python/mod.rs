//! The `mmm` Python package's native module (`mmm._native`, built by maturin with the
//! `python` feature): check, fit, simulate. The pure-Python layer in `python/mmm/` turns
//! DataFrames and dicts into what these functions take and their results into DataFrames.

mod errors;
mod fit_result;
mod inputs;
mod interrupt;

use pyo3::prelude::*;

use crate::fit::{data_csv, fit as run_fit};
use crate::simulate::{SimulateOptions, Truth, simulate as run_simulate};

use errors::{MmmError, engine, raise};
use fit_result::NativeFit;
use inputs::{DataInput, ModelInput, load_model, load_spec};

/// `mmm check`: the model as the engine reads it, its parameters and the number of periods.
#[pyfunction]
#[pyo3(signature = (model_kind, model, data_kind, data = None))]
fn check(
    model_kind: &str,
    model: String,
    data_kind: &str,
    data: Option<String>,
) -> PyResult<(String, Vec<String>, usize)> {
    let model = ModelInput::new(model_kind, model).map_err(raise)?;
    let data = DataInput::new(data_kind, data).map_err(raise)?;
    // The model's own problems first, as `mmm check` shows them.
    load_spec(&model).map_err(raise)?;
    let (spec, dataset) = load_model(&model, &data).map_err(raise)?;
    crate::MmmDensity::new(&spec, &dataset).map_err(|e| engine(&e))?;
    let names = spec.parameters().into_iter().map(|p| p.name).collect();
    Ok((spec.to_string(), names, dataset.n_periods()))
}

/// `mmm fit` without writing: the fit, with the GIL released and Ctrl-C honoured.
#[pyfunction]
#[pyo3(signature = (model_kind, model, data_kind, data = None, chains = None, warmup = None,
    draws = None, seed = None, threads = None))]
#[expect(
    clippy::too_many_arguments,
    reason = "mirrors the keyword arguments of mmm.fit"
)]
fn fit(
    py: Python<'_>,
    model_kind: &str,
    model: String,
    data_kind: &str,
    data: Option<String>,
    chains: Option<usize>,
    warmup: Option<usize>,
    draws: Option<usize>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> PyResult<NativeFit> {
    let model = ModelInput::new(model_kind, model).map_err(raise)?;
    let data = DataInput::new(data_kind, data).map_err(raise)?;
    let (mut spec, dataset) = py.detach(|| load_model(&model, &data)).map_err(raise)?;
    spec.override_sampler(chains, warmup, draws, seed)
        .map_err(|e| engine(&e))?;
    let fitted = interrupt::run(py, threads, |cancel| run_fit(&spec, &dataset, cancel))?
        .map_err(|e| engine(&e))?;
    Ok(NativeFit::new(fitted))
}

/// `mmm simulate` without writing: `(data.csv, model.toml, truth.json)` as text.
#[pyfunction]
#[pyo3(signature = (model_kind, model, truth_kind = "none", truth = None, periods = None,
    seed = None))]
fn simulate(
    model_kind: &str,
    model: String,
    truth_kind: &str,
    truth: Option<String>,
    periods: Option<usize>,
    seed: Option<u64>,
) -> PyResult<(String, String, String)> {
    let model = ModelInput::new(model_kind, model).map_err(raise)?;
    let spec = load_spec(&model).map_err(raise)?;
    let truth = match (truth_kind, truth) {
        ("none", _) => Truth::prior_draw(&spec),
        (kind, Some(value)) => match ModelInput::new(kind, value).map_err(raise)? {
            ModelInput::Path(p) => Truth::from_file(&p, &spec),
            other => {
                let (text, _) = other.text("truth").map_err(raise)?;
                Truth::from_toml(&text, "truth", &spec)
            }
        }
        .map_err(|e| engine(&e))?,
        (kind, None) => return Err(raise(format!("truth kind {kind:?} without a value"))),
    };
    let sim =
        run_simulate(&spec, &truth, &SimulateOptions { periods, seed }).map_err(|e| engine(&e))?;
    let model_toml = toml::to_string(&sim.spec).map_err(|e| engine(&e))?;
    let truth_json = serde_json::to_string(&sim.truth).map_err(|e| engine(&e))?;
    Ok((data_csv(&sim.spec, &sim.data), model_toml, truth_json))
}

/// The engine version.
#[pyfunction]
fn version() -> &'static str {
    crate::fitdir::ENGINE_VERSION
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_class::<NativeFit>()?;
    m.add("MmmError", m.py().get_type::<MmmError>())?;
    Ok(())
}

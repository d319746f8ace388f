//! A finished fit held for Python: its tables as the CSV text the fit directory holds, its draws
//! as packed float64 bytes (for numpy without a copy per value), saving and optimizing.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::Serialize;

use crate::fit::Fit;
use crate::fitdir::{fit_json, summary_csv, write_fit_dir};
use crate::optimize::{NoSearchProgress, Posterior, Scenario, optimize};

use super::errors::{engine, raise};
use super::inputs::ModelInput;
use super::interrupt;

/// A fit, as `mmm fit` would write it.
#[pyclass(module = "mmm._native", name = "NativeFit", frozen)]
pub struct NativeFit {
    fit: Fit,
}

impl NativeFit {
    /// Hold `fit`.
    pub fn new(fit: Fit) -> NativeFit {
        NativeFit { fit }
    }
}

fn csv_text<T: Serialize>(rows: &[T]) -> PyResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| engine(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| raise(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| engine(&e))
}

fn packed<'py>(py: Python<'py>, values: impl Iterator<Item = f64>) -> Bound<'py, PyBytes> {
    let bytes: Vec<u8> = values.flat_map(f64::to_le_bytes).collect();
    PyBytes::new(py, &bytes)
}

#[pymethods]
impl NativeFit {
    /// `summary.csv` as text.
    fn summary_csv(&self) -> String {
        summary_csv(&self.fit)
    }

    /// `roas.csv` as text.
    fn roas_csv(&self) -> PyResult<String> {
        csv_text(&self.fit.derived.roas)
    }

    /// `contributions.csv` as text.
    fn contributions_csv(&self) -> PyResult<String> {
        csv_text(&self.fit.derived.contributions)
    }

    /// `response_curves.csv` as text.
    fn response_curves_csv(&self) -> PyResult<String> {
        csv_text(&self.fit.derived.curves)
    }

    /// `fit.json` as text.
    fn fit_json(&self) -> PyResult<String> {
        serde_json::to_string(&fit_json(&self.fit)).map_err(|e| engine(&e))
    }

    /// Parameter names in model order (`beta[tv]`, ...).
    fn parameter_names(&self) -> Vec<String> {
        self.fit.draws.names.clone()
    }

    /// `(chains, draws per chain)`.
    fn shape(&self) -> (usize, usize) {
        (self.fit.draws.n_chains, self.fit.draws.n_draws)
    }

    /// Constrained draws, float64 little-endian, `[chain][draw][parameter]`.
    fn draws<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        packed(py, self.fit.draws.iter().flatten().copied())
    }

    /// One sampler statistic per draw, float64 little-endian, `[chain][draw]`: `lp`,
    /// `accept_stat`, `step_size`, `tree_depth`, `n_leapfrog`, `diverging` or `energy`.
    fn sample_stat<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        let pick: fn(&crate::DrawStats) -> f64 = match name {
            "lp" => |s| s.lp,
            "accept_stat" => |s| s.accept_stat,
            "step_size" => |s| s.step_size,
            "tree_depth" => |s| f64::from(s.tree_depth),
            "n_leapfrog" => |s| f64::from(s.n_leapfrog),
            "diverging" => |s| f64::from(u8::from(s.divergent)),
            "energy" => |s| s.energy,
            other => return Err(raise(format!("no sampler statistic {other:?}"))),
        };
        let stats = self.fit.samples.chains.iter().flat_map(|c| &c.stats);
        Ok(packed(py, stats.map(pick)))
    }

    /// Sampling wall time, seconds.
    fn sampling_seconds(&self) -> f64 {
        self.fit.sampling_seconds
    }

    /// Write the fit directory to `dest` (replacing it only if `force`); returns its path.
    #[pyo3(signature = (dest, force = false))]
    fn save(&self, py: Python<'_>, dest: PathBuf, force: bool) -> PyResult<String> {
        if dest.exists() && !force {
            return Err(raise(format!(
                "{} already exists; choose another folder, or pass force=True to replace it",
                dest.display()
            )));
        }
        let path = py
            .detach(|| write_fit_dir(&self.fit, &dest, force))
            .map_err(|e| {
                raise(format!(
                    "writing the fit directory {}: {}",
                    dest.display(),
                    super::errors::message(&e)
                ))
            })?;
        Ok(path.display().to_string())
    }

    /// Answer a scenario (`kind` path, toml or json); returns `(allocation.csv, allocation.json)`.
    #[pyo3(signature = (kind, value, threads = None))]
    fn optimize(
        &self,
        py: Python<'_>,
        kind: &str,
        value: String,
        threads: Option<usize>,
    ) -> PyResult<(String, String)> {
        let input = ModelInput::new(kind, value).map_err(raise)?;
        let scenario = match &input {
            ModelInput::Path(p) => Scenario::from_file(p),
            other => {
                let (text, _) = other.text("scenario").map_err(raise)?;
                Scenario::from_toml(&text, "scenario")
            }
        }
        .map_err(|e| engine(&e))?;
        let fit = &self.fit;
        let allocation = interrupt::run(py, threads, |_| {
            let posterior = Posterior {
                spec: &fit.spec,
                data: &fit.data,
                density: &fit.density,
                draws: &fit.draws,
            };
            optimize(posterior, &scenario, &NoSearchProgress)
        })?
        .map_err(|e| engine(&e))?;
        let csv = allocation.to_csv().map_err(|e| engine(&e))?;
        let json = allocation.to_json().map_err(|e| engine(&e))?;
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|e| engine(&e));
        Ok((text(csv)?, text(json)?))
    }
}

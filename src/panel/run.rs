//! A panel fit: load the model and its long-format data, sample, summarise, derive, and write
//! the fit directory (`fit.json`, `draws/chain-N.csv`, `summary.csv`, `roas.csv`,
//! `roas_by_group.csv`, `contributions_by_group.csv`, `response_curves.csv`, and `lift.csv` for a log-outcome model).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::data::{DataRequest, PanelData, load_panel};
use crate::diagnostics::bfmi;
use crate::fitdir::{ENGINE_VERSION, OutputError, StagedDir, cmdstan_names, write_chains};
use crate::posterior::{Interval, PosteriorDraws, SummaryRow, summarize_params};
use crate::sampler::{Progress, Samples, sample};
use crate::spec::ModelSpec;

use super::curves::{PanelCurveRow, panel_curves};
use super::density::PanelDensity;
use super::derive::{PanelDerived, derive};
use super::error::PanelError;
use super::saved::{PANEL_DATA_FILE, panel_fingerprint};

/// A finished panel fit.
#[derive(Debug, Clone)]
pub struct PanelFit {
    /// The model.
    pub spec: ModelSpec,
    /// The data.
    pub data: PanelData,
    /// The density sampled.
    pub density: PanelDensity,
    /// Raw sampler output.
    pub samples: Samples,
    /// Constrained draws: the parameters, then the derived `beta[c,g]`.
    pub draws: PosteriorDraws,
    /// Summaries of every column of `draws`.
    pub summary: Vec<SummaryRow>,
    /// Contributions, ROAS, lifts.
    pub derived: PanelDerived,
    /// Response curves per group and in total.
    pub curves: Vec<PanelCurveRow>,
    /// Sampling wall time, seconds.
    pub sampling_seconds: f64,
    /// Wall time of constraining the draws, deriving and summarising, seconds.
    pub derive_seconds: f64,
}

/// Read a panel model file and its data (`data` overrides `[data] path`).
pub fn load_panel_model(
    model: &Path,
    data: Option<&Path>,
) -> Result<(ModelSpec, PanelData), PanelError> {
    let mut spec = ModelSpec::from_file(model).map_err(|e| PanelError::Invalid(e.to_string()))?;
    if let Some(d) = data {
        spec.data.path = Some(d.to_path_buf());
    }
    let path = spec.data.path.clone().ok_or_else(|| {
        PanelError::Invalid(format!(
            "{}: no data file; give one with --data DATA.csv or set [data] path",
            model.display()
        ))
    })?;
    let panel = load_panel_data(&spec, &path)?;
    Ok((spec, panel))
}

/// Read `path` as the long-format data of the panel model `spec`.
pub fn load_panel_data(spec: &ModelSpec, path: &Path) -> Result<PanelData, PanelError> {
    let p = spec.panel.as_ref().ok_or(PanelError::NotAPanel)?;
    let req = DataRequest {
        date: spec.data.date.clone(),
        target: spec.data.target.clone(),
        channels: spec.channels.iter().map(|c| c.column.clone()).collect(),
        controls: spec.controls.iter().map(|c| c.column.clone()).collect(),
        min_rows: 2,
    };
    Ok(load_panel(path, &req, &p.group, p.population.as_deref())?)
}

/// Sample `spec` on `data` and derive everything reported.
pub fn fit_panel(
    spec: &ModelSpec,
    data: &PanelData,
    progress: &dyn Progress,
) -> Result<PanelFit, PanelError> {
    let sampled = sample_panel(spec, data, progress)?;
    derive_panel_fit(spec, data, sampled)
}

/// A panel model's raw sampler output, before anything is derived from it.
#[derive(Debug, Clone)]
pub struct SampledPanel {
    density: PanelDensity,
    samples: Samples,
    sampling_seconds: f64,
}

impl SampledPanel {
    /// Kept draws over all chains.
    pub fn n_draws(&self) -> usize {
        self.samples.chains.iter().map(|c| c.n_draws()).sum()
    }
}

/// Sample `spec` on `data` (the first half of [`fit_panel`]).
pub fn sample_panel(
    spec: &ModelSpec,
    data: &PanelData,
    progress: &dyn Progress,
) -> Result<SampledPanel, PanelError> {
    let density = PanelDensity::new(spec, data)?;
    let started = Instant::now();
    let samples = sample(&density, &spec.sampler, progress)?;
    Ok(SampledPanel {
        density,
        samples,
        sampling_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Constrain the draws, derive contributions, ROAS and lifts, and summarise every column (the
/// second half of [`fit_panel`]; draws run in parallel over the rayon pool).
pub fn derive_panel_fit(
    spec: &ModelSpec,
    data: &PanelData,
    sampled: SampledPanel,
) -> Result<PanelFit, PanelError> {
    let started = Instant::now();
    let SampledPanel {
        density,
        samples,
        sampling_seconds,
    } = sampled;
    let uneven = || PanelError::Invalid("chains returned draws of unequal length".into());
    let params = PosteriorDraws::from_constrained(
        density.param_names(),
        &constrained_draws(&density, &samples),
    )
    .ok_or_else(uneven)?;
    let derived = derive(spec, &density, &params);
    let curves = panel_curves(&density, data, &params, Interval::new(spec.report.interval));
    let draws = with_derived(&density, &params, &derived).ok_or_else(uneven)?;
    let summary = summarize_params(&draws);
    Ok(PanelFit {
        spec: spec.clone(),
        data: data.clone(),
        density,
        samples,
        draws,
        summary,
        derived,
        curves,
        sampling_seconds,
        derive_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The parameter draws followed by the derived `beta[c,g]` columns.
pub(crate) fn with_derived(
    density: &PanelDensity,
    params: &PosteriorDraws,
    derived: &PanelDerived,
) -> Option<PosteriorDraws> {
    let mut names = density.param_names();
    names.extend(derived.names.iter().cloned());
    let n_draws = params.n_draws;
    let chains: Vec<Vec<Vec<f64>>> = (0..params.n_chains)
        .map(|c| {
            (0..n_draws)
                .map(|i| {
                    let mut row = params.draw(c, i).to_vec();
                    row.extend_from_slice(&derived.values[c * n_draws + i]);
                    row
                })
                .collect()
        })
        .collect();
    PosteriorDraws::from_constrained(names, &chains)
}

/// Every kept draw on the model's parameters, one chain after another (one copy of the
/// density per chain for the centred intercepts' forward pass).
pub(crate) fn constrained_draws(density: &PanelDensity, samples: &Samples) -> Vec<Vec<Vec<f64>>> {
    samples
        .chains
        .par_iter()
        .map(|chain| {
            let mut scratch = density.clone();
            (0..chain.n_draws())
                .map(|i| {
                    let mut out = Vec::new();
                    scratch.constrain_reusing(chain.draw(i), &mut out);
                    out
                })
                .collect()
        })
        .collect()
}

impl PanelFit {
    /// Largest R-hat over the parameters and the group coefficients.
    pub fn max_rhat(&self) -> f64 {
        self.summary
            .iter()
            .map(|r| r.stats.r_hat)
            .fold(0.0, f64::max)
    }

    /// Smallest bulk ESS.
    pub fn min_ess_bulk(&self) -> f64 {
        self.summary
            .iter()
            .map(|r| r.stats.ess_bulk)
            .fold(f64::INFINITY, f64::min)
    }

    /// Divergent transitions after warm-up, all chains.
    pub fn divergences(&self) -> usize {
        self.samples.chains.iter().map(|c| c.divergences()).sum()
    }

    /// The summary row of `name`.
    pub fn row(&self, name: &str) -> Option<&SummaryRow> {
        self.summary.iter().find(|r| r.parameter == name)
    }
}

fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, OutputError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| OutputError::io("csv", std::io::Error::other(e)))?;
    }
    w.into_inner()
        .map_err(|e| OutputError::io("csv", std::io::Error::other(e.to_string())))
}

/// `summary.csv` text (names such as `beta[tv,north]` quoted, as CSV needs).
pub fn panel_summary_csv(fit: &PanelFit) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "parameter",
        "mean",
        "sd",
        "q5",
        "q50",
        "q95",
        "mcse_mean",
        "ess_bulk",
        "ess_tail",
        "r_hat",
    ];
    let _ = w.write_record(header);
    for r in &fit.summary {
        let s = &r.stats;
        let mut record = vec![r.parameter.clone()];
        record.extend(
            [
                s.mean,
                s.sd,
                s.q5,
                s.q50,
                s.q95,
                s.mcse_mean,
                s.ess_bulk,
                s.ess_tail,
                s.r_hat,
            ]
            .iter()
            .map(f64::to_string),
        );
        let _ = w.write_record(&record);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Write the fit into a staged folder and move it into place.
pub fn write_panel_fit(fit: &PanelFit, staged: StagedDir) -> Result<PathBuf, OutputError> {
    let chains: Vec<serde_json::Value> = fit
        .samples
        .chains
        .iter()
        .map(|c| {
            json!({
                "chain": c.chain + 1,
                "step_size": c.step_size,
                "divergences": c.divergences(),
                "max_depth_hits": c.max_depth_hits(fit.samples.settings.max_depth),
                "e_bfmi": bfmi(&c.energies()),
                "n_leapfrog": c.n_leapfrog_total(),
                "sampling_seconds": c.sampling_seconds,
                "warmup_seconds": c.warmup_seconds,
            })
        })
        .collect();
    let groups: Vec<serde_json::Value> = fit
        .data
        .groups
        .iter()
        .map(|g| {
            json!({
                "group": g.name,
                "population": g.population,
                "rows": g.data.n_periods(),
                "first_date": g.data.dates().first(),
                "last_date": g.data.dates().last(),
            })
        })
        .collect();
    let meta = json!({
        "engine": { "name": "mmm", "version": ENGINE_VERSION },
        "kind": "panel",
        "model_file": fit.spec.source.as_ref().map(|p| p.display().to_string()),
        "model": fit.spec,
        "model_toml": toml::to_string(&fit.spec).unwrap_or_default(),
        "data": { "path": fit.spec.data.path, "rows": fit.data.n_rows(), "groups": groups,
                  "period_days": fit.data.period_days,
                  "fingerprint": panel_fingerprint(&fit.data) },
        "scales": fit.density.scales(),
        "parameters": fit.draws.names,
        "cmdstan_names": cmdstan_names(&fit.draws.names),
        "seed": fit.samples.settings.seed,
        "sampler": fit.samples.settings,
        "chains": chains,
        "timings": { "sampling_seconds": fit.sampling_seconds,
                     "derive_seconds": fit.derive_seconds },
        "lift": fit.derived.lifts,
    });
    let text = serde_json::to_string_pretty(&meta)
        .map_err(|e| OutputError::io("fit.json", std::io::Error::other(e)))?;
    staged.write("fit.json", text.as_bytes())?;
    // A copy of the data file as read, so later commands never depend on the working folder.
    if let Some(source) = &fit.spec.data.path {
        let bytes = std::fs::read(source).map_err(|e| OutputError::io(PANEL_DATA_FILE, e))?;
        staged.write(PANEL_DATA_FILE, &bytes)?;
    }
    write_chains(&staged, &fit.spec, &fit.samples, &fit.draws)?;
    staged.write("summary.csv", panel_summary_csv(fit).as_bytes())?;
    staged.write("roas.csv", &csv_bytes(&fit.derived.roas)?)?;
    staged.write("roas_by_group.csv", &csv_bytes(&fit.derived.roas_by_group)?)?;
    staged.write(
        "contributions_by_group.csv",
        &csv_bytes(&fit.derived.contributions)?,
    )?;
    staged.write("response_curves.csv", &csv_bytes(&fit.curves)?)?;
    if !fit.derived.lifts.is_empty() {
        staged.write("lift.csv", &csv_bytes(&fit.derived.lifts)?)?;
    }
    staged.commit()
}

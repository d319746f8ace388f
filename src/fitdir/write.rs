//! Write a fit directory (`fit.json`, `draws/chain-N.csv`, `summary.csv`, `contributions.csv`,
//! `roas.csv`, `response_curves.csv`, `report.html`) atomically.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use crate::diagnostics::bfmi;
use crate::fit::{DATA_FILE, Fit, data_csv};
use crate::posterior::{Interval, PosteriorDraws, summarize_lifts};
use crate::report::{REPORT_FILE, ReportData, render_html};
use crate::sampler::Samples;
use crate::spec::ModelSpec;

use super::atomic::{OutputError, StagedDir};
use super::cmdstan_csv::{ChainHeader, cmdstan_names, write_chain_csv};
use super::destination::OutputKind;

/// The engine version written into every fit.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Write `rows` as the CSV file `rel` of `staged`, streamed through a buffer (a large table
/// is never held twice in memory).
fn write_csv<T: Serialize>(staged: &StagedDir, rel: &str, rows: &[T]) -> Result<(), OutputError> {
    let path = staged.path(rel)?;
    let file = std::fs::File::create(&path).map_err(|e| OutputError::io(&path, e))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    for r in rows {
        w.serialize(r)
            .map_err(|e| OutputError::io(&path, std::io::Error::other(e)))?;
    }
    let buffered = w
        .into_inner()
        .map_err(|e| OutputError::io(&path, std::io::Error::other(e.to_string())))?;
    buffered
        .into_inner()
        .map_err(|e| OutputError::io(&path, e.into_error()))?;
    Ok(())
}

/// `summary.csv` of a fit, as text (the fit directory's file and the Python package's table).
pub fn summary_csv(fit: &Fit) -> String {
    let mut out = String::from("parameter,mean,sd,q5,q50,q95,mcse_mean,ess_bulk,ess_tail,r_hat\n");
    for r in &fit.summary {
        let s = &r.stats;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            r.parameter,
            s.mean,
            s.sd,
            s.q5,
            s.q50,
            s.q95,
            s.mcse_mean,
            s.ess_bulk,
            s.ess_tail,
            s.r_hat
        ));
    }
    out
}

/// `fit.json`: what was fitted, how, and how it went.
pub fn fit_json(fit: &Fit) -> serde_json::Value {
    let names = fit.draws.names.clone();
    let chains: Vec<serde_json::Value> = fit
        .samples
        .chains
        .iter()
        .map(|c| {
            json!({
                "chain": c.chain + 1,
                "step_size": c.step_size,
                "divergences": c.divergences(),
                "warmup_divergences": c.warmup_divergences,
                "max_depth_hits": c.max_depth_hits(fit.samples.settings.max_depth),
                "e_bfmi": bfmi(&c.energies()),
                "n_leapfrog": c.n_leapfrog_total(),
                "warmup_seconds": c.warmup_seconds,
                "sampling_seconds": c.sampling_seconds,
                "inv_mass": c.inv_mass,
                "warmup": c.warmup,
                "stuck": c.stuck.map(|s| s.to_string()),
            })
        })
        .collect();
    json!({
        "engine": { "name": "mmm", "version": ENGINE_VERSION },
        "model_file": fit.spec.source.as_ref().map(|p| p.display().to_string()),
        "model": fit.spec,
        "model_toml": toml::to_string(&fit.spec).unwrap_or_default(),
        "data": {
            "path": fit.spec.data.path,
            "fingerprint": fit.data.fingerprint(),
            "rows": fit.data.n_periods(),
            "first_date": fit.data.dates().first(),
            "last_date": fit.data.dates().last(),
            "period_days": fit.data.period_days(),
        },
        "scales": fit.density.scales(),
        "parameters": names,
        "cmdstan_names": cmdstan_names(&fit.draws.names),
        "seed": fit.samples.settings.seed,
        "sampler": fit.samples.settings,
        "chains": chains,
        "timings": {
            "sampling_seconds": fit.sampling_seconds,
            "derive_seconds": fit.derive_seconds,
        },
        "fit_quality": fit.derived.quality,
        "review": fit.checks,
        "lift_tests": summarize_lifts(
            &fit.density,
            &fit.draws,
            Interval::new(fit.spec.report.interval),
        ),
    })
}

/// Write each chain's draws as `draws/chain-N.csv` (CmdStan's layout) into `staged`: the
/// national and the panel fit directories share it.
pub fn write_chains(
    staged: &StagedDir,
    spec: &ModelSpec,
    samples: &Samples,
    draws: &PosteriorDraws,
) -> Result<(), OutputError> {
    let model = spec
        .source
        .as_ref()
        .and_then(|p| p.file_stem())
        .map_or_else(|| "model".to_string(), |s| s.to_string_lossy().into_owned());
    let header = ChainHeader {
        model: &model,
        settings: &samples.settings,
        version: ENGINE_VERSION,
    };
    for chain in &samples.chains {
        let rows = draws.chain_rows(chain.chain);
        let text = write_chain_csv(&header, chain, &draws.names, &rows);
        staged.write(
            &format!("draws/chain-{}.csv", chain.chain + 1),
            text.as_bytes(),
        )?;
    }
    Ok(())
}

/// Write `fit` to `dest` (replacing an existing fit directory only if `replace`). Returns the
/// path.
pub fn write_fit_dir(fit: &Fit, dest: &Path, replace: bool) -> Result<PathBuf, OutputError> {
    write_fit_into(fit, StagedDir::new(dest, OutputKind::Fit, replace)?)
}

/// Write `fit` into a staged folder made before sampling, and move it into place. The files
/// are independent: the report is rendered while the tables and draws are written.
pub fn write_fit_into(fit: &Fit, staged: StagedDir) -> Result<PathBuf, OutputError> {
    let (report, tables) = rayon::join(
        || {
            let report = render_html(&ReportData::from_fit(fit), None);
            staged.write(REPORT_FILE, report.as_bytes())
        },
        || -> Result<(), OutputError> {
            let json = serde_json::to_string_pretty(&fit_json(fit))
                .map_err(|e| OutputError::io("fit.json", std::io::Error::other(e)))?;
            staged.write("fit.json", json.as_bytes())?;
            write_chains(&staged, &fit.spec, &fit.samples, &fit.draws)?;
            staged.write("summary.csv", summary_csv(fit).as_bytes())?;
            staged.write(DATA_FILE, data_csv(&fit.spec, &fit.data).as_bytes())?;
            write_csv(&staged, "contributions.csv", &fit.derived.contributions)?;
            write_csv(&staged, "roas.csv", &fit.derived.roas)?;
            write_csv(&staged, "response_curves.csv", &fit.derived.curves)
        },
    );
    tables?;
    report?;
    staged.commit()
}

//! `mmm check`, `mmm fit` and `mmm simulate` on a panel model (`[data] group`): the commands
//! dispatch here when the model file names a group column.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use mmm::fitdir::{OutputKind, StagedDir, write_file_atomic};
use mmm::panel::{
    PANEL_TRUTH_FILE, PanelDensity, PanelFit, PanelTruth, derive_panel_fit, load_panel_model,
    sample_panel, simulate_panel, write_panel_fit,
};
use mmm::report::{PanelReport, write_panel_report};
use mmm::spec::ModelSpec;

use super::ExitStatus;
use super::args::SamplerOverrides;
use super::progress::ChainBars;
use super::table::Table;

/// Whether `model` is a panel model (a model file that does not parse is left to the
/// ordinary path, which reports its problems).
pub fn is_panel(model: &Path) -> bool {
    ModelSpec::from_file(model).is_ok_and(|s| s.panel.is_some())
}

/// Whether `fit_dir` holds a panel fit (its `fit.json` says `"kind": "panel"`).
pub fn is_panel_fit(fit_dir: &Path) -> bool {
    std::fs::read_to_string(fit_dir.join("fit.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v["kind"] == "panel")
}

/// The error for a command that does not yet take a panel model or a panel fit: it names what
/// was given, what the command cannot do with it, and what to do instead.
pub fn unsupported(verb: &str, what: &Path) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: `mmm {verb}` does not handle panel models ([data] group) yet; a panel fit \
         already holds ROAS and contributions per group and in total (roas.csv, \
         roas_by_group.csv, contributions_by_group.csv; docs/panels.md). To use `mmm {verb}`, \
         fit a national model: drop [data] group and sum the data over groups",
        what.display()
    )
}

/// `mmm check` on a panel model.
pub fn check(model: &Path, data: Option<&Path>) -> anyhow::Result<()> {
    let (spec, panel) = load_panel_model(model, data)?;
    println!("{spec}");
    let density = PanelDensity::new(&spec, &panel)?;
    println!(
        "Panel data: {} ({} groups, {} rows, periods of {} days)",
        panel.source,
        panel.groups.len(),
        panel.n_rows(),
        panel.period_days
    );
    for g in &panel.groups {
        println!(
            "  group {:<16} {:>4} periods  {} to {}  population {}",
            g.name,
            g.data.n_periods(),
            g.data.dates().first().map_or("", String::as_str),
            g.data.dates().last().map_or("", String::as_str),
            g.population
        );
    }
    println!(
        "No problems found: {} parameters ({} channels pooled over {} groups), {} rows. Fit it \
         with `mmm fit {} --out FIT_DIR`.",
        density.param_names().len(),
        spec.channels.len(),
        panel.groups.len(),
        panel.n_rows(),
        model.display()
    );
    Ok(())
}

/// `mmm fit` on a panel model.
pub fn run(
    model: &Path,
    data: Option<&Path>,
    out: &Path,
    overrides: &SamplerOverrides,
    force: bool,
) -> anyhow::Result<ExitStatus> {
    let (mut spec, panel) = load_panel_model(model, data)?;
    spec.override_sampler(
        overrides.chains,
        overrides.warmup,
        overrides.draws,
        overrides.seed,
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let data_path = spec.data.path.clone();
    let mut inputs: Vec<&Path> = vec![model];
    inputs.extend(data_path.as_deref());
    let staged = StagedDir::protecting(out, OutputKind::Fit, force, &inputs)?;
    let s = &spec.sampler;
    eprintln!(
        "Sampling {} chains x ({} warm-up + {} draws), panel of {} groups, {} rows...",
        s.chains,
        s.warmup,
        s.draws,
        panel.groups.len(),
        panel.n_rows()
    );
    let fit = fit_with_progress(&spec, &panel)?;
    let path = write_panel_fit(&fit, staged)
        .with_context(|| format!("writing the fit directory {}", out.display()))?;
    write_panel_report(&path, &PanelReport::from_fit(&fit))
        .with_context(|| format!("writing the report into {}", path.display()))?;
    print!("{}", fit_summary(&fit));
    println!("Fit written to {}", path.display());
    let ok = fit.max_rhat() <= mmm::diagnostics::RHAT_MAX && fit.divergences() == 0;
    Ok(if ok {
        ExitStatus::Success
    } else {
        eprintln!(
            "Review: FAIL (max R-hat {:.3}, {} divergences); run longer (--warmup, --draws) or \
             simplify the model",
            fit.max_rhat(),
            fit.divergences()
        );
        ExitStatus::ReviewFailed
    })
}

/// Sample with one progress bar per chain, then derive with a line that says what runs.
pub(crate) fn fit_with_progress(
    spec: &ModelSpec,
    panel: &mmm::data::PanelData,
) -> anyhow::Result<PanelFit> {
    let s = &spec.sampler;
    let bars = ChainBars::new(s.chains, s.warmup, s.draws);
    let result = sample_panel(spec, panel, &bars);
    bars.finish();
    let sampled = result?;
    eprintln!(
        "Deriving contributions, ROAS and marginal ROAS per group from {} draws...",
        sampled.n_draws()
    );
    Ok(derive_panel_fit(spec, panel, sampled)?)
}

fn fit_summary(fit: &PanelFit) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Sampled in {:.1} s: max R-hat {:.3}, min bulk ESS {:.0}, {} divergences",
        fit.sampling_seconds,
        fit.max_rhat(),
        fit.min_ess_bulk(),
        fit.divergences()
    );
    let mut t = Table::new(["channel", "group", "spend", "contribution", "ROAS [90%]"]);
    for r in fit.derived.roas.iter().chain(&fit.derived.roas_by_group) {
        t.row(vec![
            r.channel.clone(),
            r.group.clone(),
            format!("{:.0}", r.spend),
            format!("{:.0}", r.contribution_mean),
            format!("{:.2} [{:.2}, {:.2}]", r.roas_mean, r.roas_q5, r.roas_q95),
        ]);
    }
    s.push_str(&t.render());
    if !fit.derived.lifts.is_empty() {
        let mut t = Table::new(["term", "lift [90%]"]);
        for l in &fit.derived.lifts {
            t.row(vec![l.term.clone(), l.display()]);
        }
        let _ = write!(s, "Effects as % lift (exp(coef) - 1):\n{}", t.render());
    }
    s
}

/// `mmm simulate` on a panel model: the truth file is required (see `mmm::panel`).
pub fn simulate(
    model: &Path,
    truth: Option<&Path>,
    seed: Option<u64>,
    out: &Path,
    force: bool,
) -> anyhow::Result<()> {
    let spec = ModelSpec::from_file(model)?;
    let truth_path =
        truth.context("a panel model needs --truth TRUTH.toml (see docs/panels.md)")?;
    let text = std::fs::read_to_string(truth_path)
        .with_context(|| format!("reading {}", truth_path.display()))?;
    let truth = PanelTruth::from_toml(&text)?;
    let sim = simulate_panel(&spec, &truth, seed.unwrap_or(1))?;
    let staged = StagedDir::new(out, OutputKind::Simulation, force)?;
    staged.write("data.csv", sim.csv.as_bytes())?;
    staged.write(
        PANEL_TRUTH_FILE,
        serde_json::to_string_pretty(&sim.record())?.as_bytes(),
    )?;
    let path = staged.commit()?;
    let model_text = std::fs::read_to_string(model)?;
    let with_data = set_data_path(&model_text);
    write_file_atomic(&path.join("model.toml"), with_data.as_bytes())?;
    println!(
        "Panel simulation written to {} (data.csv, truth.json, model.toml). Fit it with \
         `mmm fit {}/model.toml --out FIT_DIR`.",
        path.display(),
        path.display()
    );
    Ok(())
}

/// The model file with `[data] path` pointing at the simulated `data.csv`.
fn set_data_path(text: &str) -> String {
    let mut out = String::new();
    let mut in_data = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_data = trimmed.starts_with("[data]");
        }
        if in_data && trimmed.starts_with("path") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if trimmed.starts_with("[data]") {
            out.push_str("path = \"data.csv\"\n");
        }
    }
    out
}

//! `mmm simulate` and `mmm validate`: simulate from known truth, fit, and print the recovery
//! table (`mmm sbc` and `mmm backtest` live in `sbc_cmd.rs` and `backtest_cmd.rs`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use mmm::fit::{fit, load_model};
use mmm::fitdir::{OutputKind, StagedDir, write_file_atomic, write_fit_into};
use mmm::simulate::{
    MODEL_FILE, SimulateOptions, Simulation, Truth, TruthRecord, read_truth, simulate,
    write_simulation,
};
use mmm::spec::ModelSpec;
use mmm::validate::{Quantity, Recovery, RecoveryRow, recovery, recovery_csv};

use super::args::SamplerOverrides;
use super::progress::ChainBars;

/// Folder inside SIM_DIR that `mmm validate` writes its fit to.
pub const FIT_SUBDIR: &str = "fit";

/// Apply command-line sampler overrides to a model.
pub fn apply(spec: &mut ModelSpec, o: &SamplerOverrides) -> anyhow::Result<()> {
    spec.override_sampler(o.chains, o.warmup, o.draws, o.seed)
        .map_err(|e| anyhow::anyhow!(e))
}

/// `mmm simulate MODEL [--truth TRUTH] [--periods N] [--seed S] --out DIR`.
pub fn simulate_cmd(
    model: &Path,
    truth: Option<&Path>,
    options: SimulateOptions,
    out: &Path,
    force: bool,
) -> anyhow::Result<()> {
    let spec = ModelSpec::from_file(model)?;
    let truth = match truth {
        Some(path) => Truth::from_file(path, &spec)?,
        None => Truth::prior_draw(&spec),
    };
    let sim = simulate(&spec, &truth, &options)?;
    let path = write_simulation(&sim, out, force)?;
    print!("{}", simulation_summary(&sim));
    println!(
        "Simulation written to {} (data.csv, truth.json, {MODEL_FILE}). Check recovery with \
         `mmm validate {}`.",
        path.display(),
        path.display()
    );
    Ok(())
}

fn simulation_summary(sim: &Simulation) -> String {
    let t = &sim.truth;
    let mut s = String::new();
    let dates = &t.dates;
    let _ = writeln!(
        s,
        "Simulated {} periods ({} to {}), seed {}, from {} with truth {}.",
        t.periods,
        dates.first().map_or("", String::as_str),
        dates.last().map_or("", String::as_str),
        t.seed,
        t.model,
        t.truth
    );
    let _ = writeln!(
        s,
        "\nChannel            pattern        total spend   contribution    true ROAS   share"
    );
    for c in &t.channels {
        let _ = writeln!(
            s,
            "{:<18} {:<12} {:>13.0} {:>14.0} {:>12.3} {:>6.1}%",
            c.name,
            c.design.pattern.name(),
            c.spend,
            c.contribution,
            c.roas,
            100.0 * c.share
        );
    }
    let drawn: Vec<&str> = t
        .parameters
        .iter()
        .filter(|p| p.from_prior)
        .map(|p| p.name.as_str())
        .collect();
    if !drawn.is_empty() {
        let _ = writeln!(s, "\nDrawn from their priors: {}.", drawn.join(", "));
    }
    s
}

/// Where validate writes its fit inside `sim_dir`; an existing fit is an error unless `force`.
pub(super) fn fit_dir_of(sim_dir: &Path, force: bool) -> anyhow::Result<std::path::PathBuf> {
    let fit_dir = sim_dir.join(FIT_SUBDIR);
    if fit_dir.exists() && !force {
        anyhow::bail!(
            "{} already holds a fit; add --force to refit and replace it",
            fit_dir.display()
        );
    }
    Ok(fit_dir)
}

/// `mmm validate SIM_DIR [MODEL]`.
pub fn validate_cmd(
    sim_dir: &Path,
    model: Option<&Path>,
    overrides: &SamplerOverrides,
    force: bool,
) -> anyhow::Result<()> {
    let truth = read_truth(sim_dir)?;
    let default_model = sim_dir.join(MODEL_FILE);
    let model = model.unwrap_or(&default_model);
    let fit_dir = fit_dir_of(sim_dir, force)?;
    let data = sim_dir.join(mmm::simulate::DATA_FILE);
    let (mut spec, dataset) = load_model(model, Some(&data))?;
    apply(&mut spec, overrides)?;
    let staged = StagedDir::new(&fit_dir, OutputKind::Fit, force)?;
    let s = &spec.sampler;
    eprintln!(
        "Fitting {} to the simulated data: {} chains x ({} warm-up + {} draws)...",
        model.display(),
        s.chains,
        s.warmup,
        s.draws
    );
    let bars = ChainBars::new(s.chains, s.warmup, s.draws);
    let result = fit(&spec, &dataset, &bars);
    bars.finish();
    let fit = result?;
    write_fit_into(&fit, staged)
        .with_context(|| format!("writing the fit directory {}", fit_dir.display()))?;
    let rec = recovery(&truth, &fit);
    write_file_atomic(&sim_dir.join("recovery.csv"), recovery_csv(&rec).as_bytes())?;
    let json = serde_json::to_string_pretty(&rec)?;
    write_file_atomic(&sim_dir.join("recovery.json"), json.as_bytes())?;
    print!("{}", recovery_table(&rec, &truth));
    println!(
        "Recovery written to {} (recovery.csv, recovery.json); the fit to {}.",
        sim_dir.display(),
        fit_dir.display()
    );
    Ok(())
}

/// The recovery table as printed.
pub fn recovery_table(rec: &Recovery, truth: &TruthRecord) -> String {
    let mut s = format!(
        "\nRecovery of the truth in {} ({}):\n\n",
        truth.truth, truth.model
    );
    s.push_str(&recovery_rows(&rec.rows));
    let _ = writeln!(
        s,
        "\nCovered: {} of {} parameters, ROAS of {} of {} channels.",
        rec.parameters_covered[0],
        rec.parameters_covered[1],
        rec.roas_covered[0],
        rec.roas_covered[1]
    );
    s.push_str(&convergence_line(rec));
    s
}

/// The table's header and rows, a blank line between kinds of quantity.
pub fn recovery_rows(rows: &[RecoveryRow]) -> String {
    let mut s = String::new();
    let w = rows.iter().map(|r| r.name.len()).fold(22, usize::max);
    let _ = writeln!(
        s,
        "{:<w$} {:>13} {:>13} {:>29}  {:<8} {:>9}",
        "quantity", "truth", "mean", "90% interval", "covered", "rel.err"
    );
    let mut last = Quantity::Parameter;
    for r in rows {
        if r.quantity != last {
            s.push('\n');
            last = r.quantity;
        }
        let _ = writeln!(
            s,
            "{:<w$} {:>13} {:>13} [{:>13}, {:>13}]  {:<8} {:>8.1}%",
            r.name,
            num(r.truth),
            num(r.mean),
            num(r.q5),
            num(r.q95),
            if r.covered { "yes" } else { "NO" },
            100.0 * r.rel_error
        );
    }
    s
}

/// `Convergence: max R-hat …, min bulk ESS …, … divergences.`
pub fn convergence_line(rec: &Recovery) -> String {
    let c = &rec.convergence;
    format!(
        "Convergence: max R-hat {:.4}, min bulk ESS {:.0}, {} divergences.\n",
        c.max_rhat, c.min_ess_bulk, c.divergences
    )
}

/// A number in 4 significant digits, switching to exponent form for very large or small ones.
fn num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-3..1e7).contains(&a) {
        format!("{x:.3e}")
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}

//! `mmm validate` on a panel simulation: fit the simulated panel and print the recovery table
//! (parameters, group coefficients, ROAS and contributions in total and per group, % lifts).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use mmm::fitdir::{OutputKind, StagedDir, write_file_atomic};
use mmm::panel::{load_panel_model, read_panel_truth, write_panel_fit};
use mmm::simulate::{DATA_FILE, MODEL_FILE};
use mmm::validate::{PanelRecovery, panel_recovery, recovery_csv};

use super::args::SamplerOverrides;
use super::validate_cmd::{apply, convergence_line, fit_dir_of, recovery_rows};

/// `mmm validate SIM_DIR [MODEL]` when the model is a panel model.
pub fn run(
    sim_dir: &Path,
    model: Option<&Path>,
    overrides: &SamplerOverrides,
    force: bool,
) -> anyhow::Result<()> {
    let truth = read_panel_truth(sim_dir)?;
    let default_model = sim_dir.join(MODEL_FILE);
    let model = model.unwrap_or(&default_model);
    let fit_dir = fit_dir_of(sim_dir, force)?;
    let (mut spec, panel) = load_panel_model(model, Some(&sim_dir.join(DATA_FILE)))?;
    apply(&mut spec, overrides)?;
    let staged = StagedDir::new(&fit_dir, OutputKind::Fit, force)?;
    let s = &spec.sampler;
    eprintln!(
        "Fitting {} to the simulated panel ({} groups, {} rows): {} chains x ({} warm-up + {} \
         draws)...",
        model.display(),
        panel.groups.len(),
        panel.n_rows(),
        s.chains,
        s.warmup,
        s.draws
    );
    let fit = super::panel_cmd::fit_with_progress(&spec, &panel)?;
    write_panel_fit(&fit, staged)
        .with_context(|| format!("writing the fit directory {}", fit_dir.display()))?;
    let rec = panel_recovery(&truth, &fit);
    write_file_atomic(
        &sim_dir.join("recovery.csv"),
        recovery_csv(&rec.table).as_bytes(),
    )?;
    let json = serde_json::to_string_pretty(&rec)?;
    write_file_atomic(&sim_dir.join("recovery.json"), json.as_bytes())?;
    print!("{}", panel_recovery_table(&rec, sim_dir));
    println!(
        "Recovery written to {} (recovery.csv, recovery.json); the fit to {}.",
        sim_dir.display(),
        fit_dir.display()
    );
    Ok(())
}

fn share(c: [usize; 2]) -> String {
    if c[1] == 0 {
        return "0 of 0".into();
    }
    format!(
        "{} of {} ({:.0} %)",
        c[0],
        c[1],
        100.0 * c[0] as f64 / c[1] as f64
    )
}

/// The panel recovery table as printed: the rows, then the coverage tallies.
fn panel_recovery_table(rec: &PanelRecovery, sim_dir: &Path) -> String {
    let t = &rec.table;
    let mut s = format!(
        "\nRecovery of the simulated panel in {}:\n\n",
        sim_dir.display()
    );
    s.push_str(&recovery_rows(&t.rows));
    let _ = writeln!(
        s,
        "\nCovered: {} parameters; group coefficients {}; national ROAS of {} channels; ROAS \
         per group {}.",
        share(t.parameters_covered),
        share(rec.group_coefficients_covered),
        share(t.roas_covered),
        share(rec.group_roas_covered)
    );
    if rec.lifts_covered[1] > 0 {
        let _ = writeln!(s, "Lifts covered: {}.", share(rec.lifts_covered));
    }
    s.push_str(&convergence_line(t));
    s
}

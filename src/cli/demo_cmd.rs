//! `mmm demo [--out DIR]`: the whole path on a built-in realistic data set — simulate three
//! years of weekly data with known truth, fit, print the recovery table, answer a budget
//! scenario, write the report, and say what to open and try next.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use mmm::fit::fit;
use mmm::fitdir::{DEMO_MARKER, OutputKind, StagedDir, write_fit_dir};
use mmm::optimize::{Allocation, Posterior, Scenario, optimize};
use mmm::report::{
    AllocationSummary, ChannelAllocation, OutcomeInterval, ReportData, write_report,
};
use mmm::simulate::{SimulateOptions, Truth, simulate, write_simulation};
use mmm::spec::ModelSpec;
use mmm::validate::{recovery, recovery_csv};

use super::ExitStatus;
use super::optimize_cmd;
use super::progress::ChainBars;
use super::validate_cmd::recovery_table;

/// The built-in model and truth (also in `models/`, where tests check them).
const DEMO_MODEL: &str = include_str!("../../models/demo.toml");
const DEMO_TRUTH: &str = include_str!("../../models/demo_truth.toml");
/// A file that marks a folder as written by `mmm demo`, so a rerun may replace it.
const MARKER: &str = DEMO_MARKER;
/// Weeks the demo scenario plans for.
const HORIZON: usize = 13;

/// The demo's model file, reading the simulated data next to it.
fn model_text() -> String {
    let mut lines: Vec<String> = DEMO_MODEL.lines().map(String::from).collect();
    let mut replaced = false;
    for l in lines.iter_mut() {
        if l.trim_start().starts_with("path") && !replaced {
            *l = "path = \"simulation/data.csv\"".to_string();
            replaced = true;
        }
    }
    let mut text = lines.join("\n") + "\n";
    if !replaced {
        text = text.replacen("[data]\n", "[data]\npath = \"simulation/data.csv\"\n", 1);
    }
    text
}

/// The demo scenario: next quarter at the recent weekly budget, bounds at 0 .. 3x recent spend.
fn scenario_text(spec: &ModelSpec, data: &mmm::Dataset) -> String {
    let n = data.n_periods();
    let recent = 13.min(n);
    let mut s = String::from(
        "# The demo's budget question: the next 13 weeks at the recent weekly budget.\n\
         # Edit and rerun: mmm optimize fit scenario.toml\n",
    );
    let weekly: f64 = data
        .channels()
        .iter()
        .map(|x| x[n - recent..].iter().sum::<f64>() / recent as f64)
        .sum();
    let budget = (weekly * HORIZON as f64).round();
    let _ = writeln!(s, "budget = {budget:.1}");
    let _ = writeln!(s, "horizon = {HORIZON}");
    let _ = writeln!(s, "objective = \"outcome\"");
    let _ = writeln!(s, "risk = \"mean\"");
    let _ = writeln!(s, "reference_periods = {recent}");
    for (c, ch) in spec.channels.iter().enumerate() {
        let x = data.channel(c);
        let mean = x[n - recent..].iter().sum::<f64>() / recent as f64;
        let max = (3.0 * mean * HORIZON as f64).max(budget * 0.05).round();
        let _ = writeln!(s, "\n[channel.{}]\nmin = 0.0\nmax = {max:.1}", ch.name);
    }
    s
}

fn summary_for_report(a: &Allocation, horizon: usize) -> AllocationSummary {
    let interval = |s: &mmm::optimize::Summary| OutcomeInterval {
        mean: s.mean,
        lower: s.q5,
        upper: s.q95,
    };
    AllocationSummary {
        horizon,
        channels: a
            .channels
            .iter()
            .map(|r| ChannelAllocation {
                channel: r.channel.clone(),
                current: r.current,
                optimal: r.optimal,
            })
            .collect(),
        current_outcome: interval(&a.outcome.current),
        optimal_outcome: interval(&a.outcome.optimal),
    }
}

/// `mmm demo [--out DIR]`; exit status 3 if the fit's review says FAIL.
pub fn run(out: &Path) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    if out.exists() && !out.join(MARKER).exists() {
        anyhow::bail!(
            "{} exists and was not written by `mmm demo`; choose another folder with --out",
            out.display()
        );
    }
    let staged = StagedDir::new(out, OutputKind::Demo, true)?;
    staged.write(
        MARKER,
        b"written by mmm demo; rerunning the demo replaces this folder\n",
    )?;
    let model_text = model_text();
    staged.write("model.toml", model_text.as_bytes())?;
    staged.write("truth.toml", DEMO_TRUTH.as_bytes())?;
    // Named by where it will live once the folder is in place.
    let spec = ModelSpec::from_toml(&model_text, Some(&out.join("model.toml")))?;

    eprintln!("1/5 Simulating three years of weekly sales from the built-in model and truth...");
    let truth = Truth::from_toml(DEMO_TRUTH, "truth.toml", &spec)?;
    let sim = simulate(&spec, &truth, &SimulateOptions::default())?;
    write_simulation(&sim, &staged.path("simulation")?, true)?;

    let s = &spec.sampler;
    eprintln!(
        "2/5 Fitting {} parameters on {} weeks: {} chains x ({} warm-up + {} draws)...",
        spec.parameters().len(),
        sim.data.n_periods(),
        s.chains,
        s.warmup,
        s.draws
    );
    let bars = ChainBars::new(s.chains, s.warmup, s.draws);
    let result = fit(&sim.spec, &sim.data, &bars);
    bars.finish();
    let fitted = result?;
    let fit_dir = staged.path("fit")?;
    write_fit_dir(&fitted, &fit_dir, true).context("writing the fit directory")?;
    print!("{}", super::fit_cmd::fit_summary(&fitted));

    eprintln!("\n3/5 Checking the fit against the truth it was simulated from...");
    let rec = recovery(&sim.truth, &fitted);
    print!("{}", recovery_table(&rec, &sim.truth));
    std::fs::write(fit_dir.join("recovery.csv"), recovery_csv(&rec))
        .context("writing recovery.csv")?;

    eprintln!("\n4/5 Answering the budget question in scenario.toml...");
    let scenario_text = scenario_text(&spec, &sim.data);
    staged.write("scenario.toml", scenario_text.as_bytes())?;
    let scenario = Scenario::from_toml(&scenario_text, "scenario.toml")?;
    let posterior = Posterior {
        spec: &fitted.spec,
        data: &fitted.data,
        density: &fitted.density,
        draws: &fitted.draws,
    };
    let allocation = optimize(posterior, &scenario, &mmm::optimize::NoSearchProgress)?;
    print!("{}", optimize_cmd::render(&allocation));
    std::fs::write(fit_dir.join("allocation.csv"), allocation.to_csv()?)?;
    std::fs::write(fit_dir.join("allocation.json"), allocation.to_json()?)?;

    eprintln!("5/5 Writing the report...");
    let report = ReportData::from_fit(&fitted);
    write_report(
        &fit_dir,
        &report,
        Some(&summary_for_report(&allocation, HORIZON)),
    )?;
    let done = staged.commit()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "\nDone in {secs:.0} s. Everything is in {dir}/:\n\
         \x20 open      {dir}/fit/report.html       the report (fit, contributions, ROAS, curves, budget)\n\
         \x20 inputs    {dir}/model.toml  {dir}/truth.toml  {dir}/scenario.toml   (edit and rerun)\n\
         \x20 outputs   {dir}/fit/summary.csv roas.csv contributions.csv response_curves.csv allocation.csv recovery.csv\n\
         \nNext, on your own data:\n\
         \x20 mmm check my_model.toml --data my_data.csv\n\
         \x20 mmm fit my_model.toml --data my_data.csv --out my_fit\n\
         \x20 mmm optimize my_fit my_scenario.toml\n\
         (start from {dir}/model.toml; docs/getting-started.md walks through it)",
        dir = done.display()
    );
    Ok(super::fit_cmd::review_status(&fitted, &done.join("fit")))
}

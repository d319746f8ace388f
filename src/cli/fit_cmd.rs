//! `mmm check` and `mmm fit`: validate, sample, write the fit directory, and summarise.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use mmm::data::{Dataset, outliers};
use mmm::fit::{Fit, Resources, available_memory, fit, load_model};
use mmm::fitdir::{OutputKind, StagedDir, write_fit_into};
use mmm::posterior::{Interval, Verdict, review_failed};
use mmm::spec::ModelSpec;
use mmm::{MmmDensity, SpecError};

use super::ExitStatus;
use super::args::SamplerOverrides;
use super::progress::ChainBars;
use super::table::{Table, share_with_interval, with_interval};

/// `mmm check MODEL [--data DATA]`.
pub fn check(model: &Path, data: Option<&Path>) -> anyhow::Result<()> {
    // Show every problem in the model file first, then the data's.
    let spec = ModelSpec::from_file(model)?;
    println!("{spec}");
    let (spec, dataset) = load_model(model, data)?;
    MmmDensity::new(&spec, &dataset)?;
    println!("{}", data_summary(&spec, &dataset));
    warn_outliers(&dataset);
    let data_arg = data
        .map(|d| format!(" --data {}", d.display()))
        .unwrap_or_default();
    print!("{}", super::lift_table::planned(&spec, &dataset));
    println!(
        "No problems found: {} parameters, {} periods. Fit it with `mmm fit {}{data_arg} --out FIT_DIR`.",
        spec.parameters().len(),
        dataset.n_periods(),
        model.display()
    );
    Ok(())
}

fn data_summary(spec: &ModelSpec, data: &Dataset) -> String {
    let mut s = String::new();
    let dates = data.dates();
    let _ = writeln!(
        s,
        "Data: {} ({} periods of {} days, {} to {})",
        data.source(),
        data.n_periods(),
        data.period_days(),
        dates.first().map_or("", String::as_str),
        dates.last().map_or("", String::as_str)
    );
    let y = data.target();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let _ = writeln!(s, "  target {:<16} mean {mean:>12.2}", spec.data.target);
    for (c, ch) in spec.channels.iter().enumerate() {
        let x = data.channel(c);
        let total: f64 = x.iter().sum();
        let zero = x.iter().filter(|v| **v == 0.0).count();
        let max = x.iter().fold(0.0_f64, |m, v| m.max(*v));
        let _ = writeln!(
            s,
            "  channel {:<15} total {total:>12.2}  max {max:>10.2}  zero in {zero} periods",
            ch.name
        );
    }
    for ctl in &spec.controls {
        let _ = writeln!(s, "  control {:<15}", ctl.name);
    }
    s
}

/// `mmm fit MODEL [--data DATA] --out DIR`: everything that can be checked is checked before
/// sampling (the model and data, the memory the draws need, the output folder and the disk);
/// the review decides the exit status (3 when it says FAIL, the fit directory still written).
pub fn run(
    model: &Path,
    data: Option<&Path>,
    out: &Path,
    overrides: &SamplerOverrides,
    force: bool,
) -> anyhow::Result<ExitStatus> {
    let (mut spec, dataset) = load_model(model, data)?;
    spec.override_sampler(
        overrides.chains,
        overrides.warmup,
        overrides.draws,
        overrides.seed,
    )
    .map_err(|e: SpecError| anyhow::anyhow!(e))?;
    warn_outliers(&dataset);
    let needs = Resources::estimate(&spec, dataset.n_periods());
    needs.check_memory(available_memory())?;
    let data_path = spec.data.path.clone();
    let mut inputs: Vec<&Path> = vec![model];
    inputs.extend(data_path.as_deref());
    let staged = StagedDir::protecting(out, OutputKind::Fit, force, &inputs)?;
    needs.check_disk(staged.staging())?;
    let s = &spec.sampler;
    eprintln!(
        "Sampling {} chains x ({} warm-up + {} draws), {} parameters, {} periods...",
        s.chains,
        s.warmup,
        s.draws,
        spec.parameters().len(),
        dataset.n_periods()
    );
    let bars = ChainBars::new(s.chains, s.warmup, s.draws);
    let result = fit(&spec, &dataset, &bars);
    bars.finish();
    let fit = result?;
    let path = write_fit_into(&fit, staged)
        .with_context(|| format!("writing the fit directory {}", out.display()))?;
    print!("{}", fit_summary(&fit));
    print!("{}", super::lift_table::fitted(&fit));
    println!("Fit written to {}", path.display());
    Ok(review_status(&fit, &path))
}

/// Exit status 3, with a word on stderr, when the review says FAIL.
pub fn review_status(fit: &Fit, dir: &Path) -> ExitStatus {
    if !review_failed(&fit.checks) {
        return ExitStatus::Success;
    }
    eprintln!(
        "error: the review says FAIL (see \"Review\" above and {}/report.html): do not use this \
         fit's numbers; try what the review suggests and fit again (exit status 3)",
        dir.display()
    );
    ExitStatus::ReviewFailed
}

/// Warn (on stderr) about values far from the rest of their column.
pub fn warn_outliers(data: &Dataset) {
    for o in outliers(data) {
        eprintln!("warning: {o}");
    }
}

/// The end-of-fit summary a marketer reads.
pub fn fit_summary(fit: &Fit) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nSampled in {:.2} s ({} divergences).",
        fit.sampling_seconds,
        fit.samples.divergences()
    );
    let q = &fit.derived.quality;
    let _ = writeln!(
        s,
        "\nFit: R² {:.3}, MAPE {:.1}%, 90% predictive interval covers {:.0}% of periods.",
        q.r2,
        100.0 * q.mape,
        100.0 * q.ppc_coverage
    );
    s.push_str(&review_text(fit));
    if review_failed(&fit.checks) {
        let _ = writeln!(
            s,
            "\nThe review says FAIL: the numbers below are not an answer. Fix what it names and fit \
             again."
        );
    }
    let label = Interval::new(fit.spec.report.interval).label();
    let mut table = Table::new([
        "Channel".to_string(),
        format!("ROAS ({label} interval)"),
        format!("share of outcome ({label})"),
        format!("marginal ROAS ({label})"),
    ]);
    for r in &fit.derived.roas {
        table.row(vec![
            r.channel.clone(),
            with_interval(r.roas_mean, r.roas_lower, r.roas_upper),
            share_with_interval(r.share_mean, r.share_lower, r.share_upper),
            with_interval(r.mroas_mean, r.mroas_lower, r.mroas_upper),
        ]);
    }
    s.push('\n');
    s.push_str(&table.render());
    s
}

/// The review, one line per check with what to try, printed before any ROAS.
fn review_text(fit: &Fit) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nReview:");
    for c in &fit.checks {
        let _ = writeln!(
            s,
            "  {:<7} {:<22} {}",
            c.verdict.to_string(),
            c.name,
            c.detail
        );
        if c.verdict != Verdict::Pass {
            let _ = writeln!(s, "          what to try: {}", c.advice);
        }
    }
    s
}

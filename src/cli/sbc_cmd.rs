//! `mmm sbc`: simulation-based calibration with a progress bar, the uniformity table, and
//! ranks, results and rank histograms written to a folder.

use std::fmt::Write as _;
use std::path::Path;

use mmm::fitdir::{OutputKind, StagedDir};
use mmm::simulate::Truth;
use mmm::spec::ModelSpec;
use mmm::validate::{SbcResult, SbcSettings, rank_histograms_svg, run_sbc};

use super::args::SamplerOverrides;
use super::progress::CountBar;

/// What `mmm sbc` was asked for.
pub struct SbcArgs<'a> {
    /// The model simulated from.
    pub model: &'a Path,
    /// Replicates.
    pub replicates: usize,
    /// Data design (a truth file without parameters).
    pub truth: Option<&'a Path>,
    /// The model fitted, if not `model`.
    pub fit_model: Option<&'a Path>,
    /// Periods per data set.
    pub periods: Option<usize>,
    /// Output folder.
    pub out: &'a Path,
    /// Replace the output folder.
    pub force: bool,
    /// Sampler overrides (chains, warm-up, draws per replicate; seed of the run).
    pub sampler: &'a SamplerOverrides,
}

/// `mmm sbc MODEL [--replicates N] ...`.
pub fn sbc_cmd(args: &SbcArgs<'_>) -> anyhow::Result<()> {
    let spec = ModelSpec::from_file(args.model)?;
    let fitted = match args.fit_model {
        Some(p) => ModelSpec::from_file(p)?,
        None => spec.clone(),
    };
    let design = match args.truth {
        Some(p) => Truth::from_file(p, &spec)?,
        None => Truth::prior_draw(&spec),
    };
    let o = args.sampler;
    let defaults = SbcSettings::default();
    let settings = SbcSettings {
        replicates: args.replicates,
        seed: o.seed.unwrap_or(defaults.seed),
        chains: o.chains.unwrap_or(defaults.chains),
        warmup: o.warmup.unwrap_or(defaults.warmup),
        draws: o.draws.unwrap_or(defaults.draws),
        periods: args.periods,
        ..defaults
    };
    settings.check()?;
    // Fail before the long run if the output folder is taken.
    let staged = StagedDir::new(args.out, OutputKind::Sbc, args.force)?;
    eprintln!(
        "SBC: {} replicates of {} parameters, each fit {} chains x ({} warm-up + {} draws)...",
        settings.replicates,
        spec.parameters().len(),
        settings.chains,
        settings.warmup,
        settings.draws
    );
    let bar = CountBar::new(settings.replicates, "replicates");
    let result = run_sbc(&spec, &fitted, &design, &settings, &|done| bar.set(done));
    bar.finish();
    let result = result?;
    let title = match args.fit_model {
        Some(f) => format!(
            "SBC: simulate {}, fit {}",
            args.model.display(),
            f.display()
        ),
        None => format!("SBC of {}", args.model.display()),
    };
    staged.write("ranks.csv", ranks_csv(&result).as_bytes())?;
    staged.write(
        "sbc.json",
        serde_json::to_string_pretty(&result)?.as_bytes(),
    )?;
    staged.write(
        "rank_histograms.svg",
        rank_histograms_svg(&result, &title).as_bytes(),
    )?;
    let path = staged.commit()?;
    print!("{}", sbc_table(&result));
    println!(
        "Written to {} (ranks.csv, sbc.json, rank_histograms.svg).",
        path.display()
    );
    if !result.pass {
        anyhow::bail!(
            "SBC failed: the ranks are not uniform for every parameter (or a replicate failed); \
             the fit is not calibrated against this prior"
        );
    }
    Ok(())
}

/// `ranks.csv`: `replicate,parameter,truth,rank` for every successful replicate.
fn ranks_csv(result: &SbcResult) -> String {
    let mut s = String::from("replicate,parameter,truth,rank\n");
    for r in result.replicates.iter().filter(|r| r.error.is_none()) {
        for ((name, t), rank) in result.names.iter().zip(&r.truth).zip(&r.ranks) {
            let _ = writeln!(s, "{},{name},{t},{rank}", r.index);
        }
    }
    s
}

fn sbc_table(result: &SbcResult) -> String {
    let mut s = String::new();
    let ok = result.replicates.len() - result.failures();
    let _ = writeln!(
        s,
        "\n{} replicates ({} failed) in {:.1} s; {} divergences over all fits.",
        result.replicates.len(),
        result.failures(),
        result.seconds,
        result.divergences()
    );
    for r in result.replicates.iter().filter(|r| r.error.is_some()) {
        let _ = writeln!(
            s,
            "  replicate {}: {}",
            r.index,
            r.error.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(
        s,
        "\nRank uniformity over {ok} replicates ({} bins, chi-square; pass at p >= {:.4} = {} / {} parameters):\n",
        result.bins,
        result.threshold,
        result.alpha,
        result.names.len()
    );
    let _ = writeln!(s, "{:<22} {:>10} {:>9}  verdict", "parameter", "chi2", "p");
    for t in &result.tests {
        let _ = writeln!(
            s,
            "{:<22} {:>10.2} {:>9.4}  {}",
            t.name,
            t.chi_square,
            t.p_value,
            if t.pass { "pass" } else { "FAIL" }
        );
    }
    let _ = writeln!(
        s,
        "\nVerdict: {}",
        if result.pass { "PASS" } else { "FAIL" }
    );
    s
}

//! `mmm sbc`: simulation-based calibration with a progress bar, the uniformity table, and
//! ranks, results and rank histograms written to a folder.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use mmm::fitdir::{OutputKind, StagedDir};
use mmm::panel::{PanelTruth, panel_param_names};
use mmm::simulate::Truth;
use mmm::spec::ModelSpec;
use mmm::validate::{SbcResult, SbcSettings, rank_histograms_svg, run_panel_sbc, run_sbc};

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

/// The data design replicates are simulated with.
enum Design {
    /// A national model's truth file (or a prior draw of one).
    National(Truth),
    /// A panel model's truth file: groups, periods, target scale and spend levels.
    Panel(PanelTruth),
}

/// `mmm sbc MODEL [--replicates N] ...`.
pub fn sbc_cmd(args: &SbcArgs<'_>) -> anyhow::Result<()> {
    let spec = ModelSpec::from_file(args.model)?;
    let fitted = match args.fit_model {
        Some(p) => ModelSpec::from_file(p)?,
        None => spec.clone(),
    };
    let design = if spec.panel.is_some() {
        let path = args.truth.ok_or_else(|| {
            anyhow::anyhow!(
                "{}: a panel model needs --truth TRUTH.toml for its data design (groups, \
                 periods, target_scale, each channel's spend; docs/panels.md)",
                args.model.display()
            )
        })?;
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Design::Panel(PanelTruth::from_toml(&text).with_context(|| format!("{}", path.display()))?)
    } else {
        Design::National(match args.truth {
            Some(p) => Truth::from_file(p, &spec)?,
            None => Truth::prior_draw(&spec),
        })
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
        match &design {
            Design::National(_) => spec.parameters().len(),
            Design::Panel(d) => panel_param_names(&spec, d.groups).len(),
        },
        settings.chains,
        settings.warmup,
        settings.draws
    );
    let bar = CountBar::new(settings.replicates, "replicates");
    let progress = |done| bar.set(done);
    let result = match &design {
        Design::National(d) => run_sbc(&spec, &fitted, d, &settings, &progress),
        Design::Panel(d) => run_panel_sbc(&spec, &fitted, d, &settings, &progress),
    };
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

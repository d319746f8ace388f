//! The command-line grammar of DESIGN.md ("Command line"), parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Bayesian marketing-mix models: fit, validate, and split a budget.
#[derive(Debug, Parser)]
#[command(name = "mmm", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Sampler overrides accepted by commands that fit.
#[derive(Debug, Args, Clone, Default)]
pub struct SamplerOverrides {
    /// Number of chains (overrides [sampler] chains).
    #[arg(long)]
    pub chains: Option<usize>,
    /// Warm-up iterations per chain.
    #[arg(long)]
    pub warmup: Option<usize>,
    /// Kept draws per chain.
    #[arg(long)]
    pub draws: Option<usize>,
    /// Random seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole path on a built-in realistic data set.
    Demo {
        /// Output folder (default ./mmm-demo).
        #[arg(long, default_value = "mmm-demo")]
        out: PathBuf,
    },
    /// Validate a model file and its data; print the model.
    Check {
        /// The model file (TOML).
        model: PathBuf,
        /// Data CSV (overrides [data] path).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Sample the posterior and write the fit directory.
    Fit {
        /// The model file (TOML).
        model: PathBuf,
        /// Data CSV (overrides [data] path).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The fit directory to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        sampler: SamplerOverrides,
        /// Replace FIT_DIR if it exists.
        #[arg(long)]
        force: bool,
    },
    /// (Re)write FIT_DIR/report.html.
    Report {
        /// A fit directory.
        fit_dir: PathBuf,
    },
    /// Allocate a budget over the posterior response curves.
    Optimize {
        /// A fit directory.
        fit_dir: PathBuf,
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder (default: the fit directory).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Simulate a data set from a model and true parameter values.
    Simulate {
        /// The model file (TOML).
        model: PathBuf,
        /// True parameter values (TOML); parameters left out are drawn from their priors.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Number of periods.
        #[arg(long)]
        periods: Option<usize>,
        /// Random seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Fit a simulated data set and print the recovery table.
    Validate {
        /// A folder written by `mmm simulate`.
        sim_dir: PathBuf,
        /// The model file to fit (default: the simulation's).
        model: Option<PathBuf>,
    },
    /// Simulation-based calibration.
    Sbc {
        /// The model file (TOML).
        model: PathBuf,
        /// Number of replicates.
        #[arg(long, default_value_t = 100)]
        replicates: usize,
    },
    /// Rolling-origin out-of-sample backtest.
    Backtest {
        /// The model file (TOML).
        model: PathBuf,
        /// Data CSV (overrides [data] path).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Number of folds.
        #[arg(long, default_value_t = 4)]
        folds: usize,
        /// Periods per test window.
        #[arg(long, default_value_t = 8)]
        horizon: usize,
    },
}

impl Command {
    /// The command's name as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Demo { .. } => "demo",
            Command::Check { .. } => "check",
            Command::Fit { .. } => "fit",
            Command::Report { .. } => "report",
            Command::Optimize { .. } => "optimize",
            Command::Simulate { .. } => "simulate",
            Command::Validate { .. } => "validate",
            Command::Sbc { .. } => "sbc",
            Command::Backtest { .. } => "backtest",
        }
    }
}

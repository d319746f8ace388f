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
    #[arg(long, allow_negative_numbers = true, value_parser = at_least_one)]
    pub chains: Option<usize>,
    /// Warm-up iterations per chain.
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    pub warmup: Option<usize>,
    /// Kept draws per chain.
    #[arg(long, allow_negative_numbers = true, value_parser = at_least_one)]
    pub draws: Option<usize>,
    /// Random seed.
    #[arg(long, allow_negative_numbers = true, value_parser = seed)]
    pub seed: Option<u64>,
}

/// A count given on the command line: a whole number, said plainly when it is not one.
fn count(text: &str) -> Result<usize, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("must be a whole number, 0 or more (got {t})"));
    }
    t.parse::<usize>()
        .map_err(|_| format!("expected a whole number such as 1000, got \"{t}\""))
}

/// A count that must be at least 1 (chains, draws).
fn at_least_one(text: &str) -> Result<usize, String> {
    match count(text) {
        Ok(0) => Err("must be at least 1 (got 0)".to_string()),
        Ok(n) => Ok(n),
        Err(_) if text.trim().starts_with('-') => Err(format!(
            "must be a whole number of at least 1 (got {})",
            text.trim()
        )),
        Err(e) => Err(e),
    }
}

/// A seed: a whole number from 0 to 2^64 - 1.
fn seed(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("a seed is a whole number, 0 or more (got {t})"));
    }
    t.parse::<u64>().map_err(|_| {
        format!(
            "expected a whole number from 0 to {}, got \"{t}\"",
            u64::MAX
        )
    })
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
    /// Multi-touch attribution of user journeys, side by side with the MMM.
    Attribute(Box<AttributeArgs>),
    /// Simulate a data set from a model and true parameter values.
    Simulate {
        /// The model file (TOML).
        model: PathBuf,
        /// True parameter values and data design (TOML); parameters left out are drawn from
        /// their priors, and without it every parameter is.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Number of periods (overrides the truth file's `periods`).
        #[arg(long)]
        periods: Option<usize>,
        /// Random seed (overrides the truth file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Replace the output folder if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Fit a simulated data set and print the recovery table.
    Validate {
        /// A folder written by `mmm simulate`.
        sim_dir: PathBuf,
        /// The model file to fit (default: the simulation's).
        model: Option<PathBuf>,
        #[command(flatten)]
        sampler: SamplerOverrides,
        /// Replace an earlier fit in SIM_DIR/fit.
        #[arg(long)]
        force: bool,
    },
    /// Simulation-based calibration.
    Sbc {
        /// The model file (TOML).
        model: PathBuf,
        /// Number of replicates.
        #[arg(long, default_value_t = 100)]
        replicates: usize,
        /// Data design (TOML, a truth file without [parameters]): periods, spend patterns,
        /// controls.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Fit this model instead of MODEL (same parameters, other priors): shows what SBC
        /// reports when the fit's priors differ from the simulation's.
        #[arg(long)]
        fit_model: Option<PathBuf>,
        /// Periods per simulated data set.
        #[arg(long)]
        periods: Option<usize>,
        /// Output folder.
        #[arg(long, default_value = "mmm-sbc")]
        out: PathBuf,
        /// Replace the output folder if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        sampler: SamplerOverrides,
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
        /// Write backtest.csv, predictions.csv, backtest.json and backtest.svg here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the output folder if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        sampler: SamplerOverrides,
    },
}

/// `mmm attribute TOUCHES.csv [--fit FIT_DIR] --out DIR` (docs/attribution.md).
#[derive(Debug, Args, Clone)]
pub struct AttributeArgs {
    /// Touchpoint CSV: one row per session (user_id, session_start, channel, converted, ...).
    pub touches: PathBuf,
    /// A fit directory: adds the MMM's contribution shares of the same channels.
    #[arg(long)]
    pub fit: Option<PathBuf>,
    /// Output folder for attribution.csv and the other files.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the output folder if it exists.
    #[arg(long)]
    pub force: bool,
    /// TOML file with an [attribution] table (column names, lookback, half-life, ...).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Column holding the journey key.
    #[arg(long, value_name = "COLUMN")]
    pub user_id: Option<String>,
    /// Column holding the session start (ISO date-time).
    #[arg(long, value_name = "COLUMN")]
    pub session_start: Option<String>,
    /// Column holding the session end (optional).
    #[arg(long, value_name = "COLUMN")]
    pub session_end: Option<String>,
    /// Column holding the channel.
    #[arg(long, value_name = "COLUMN")]
    pub channel: Option<String>,
    /// Column holding the campaign (optional).
    #[arg(long, value_name = "COLUMN")]
    pub campaign: Option<String>,
    /// Column holding the conversion flag (true/false).
    #[arg(long, value_name = "COLUMN")]
    pub converted: Option<String>,
    /// Column holding the conversion value (optional).
    #[arg(long, value_name = "COLUMN")]
    pub value: Option<String>,
    /// Touches more than this many days before the conversion do not count [default: 30].
    #[arg(long, value_name = "DAYS")]
    pub lookback_days: Option<f64>,
    /// Time-decay half-life in days [default: 7].
    #[arg(long, value_name = "DAYS")]
    pub half_life_days: Option<f64>,
    /// Position-based weights of first, middle and last touches [default: 0.4,0.2,0.4].
    #[arg(long, value_delimiter = ',', num_args = 3, value_name = "W")]
    pub position_weights: Option<Vec<f64>>,
    /// Channels that count as direct for last non-direct touch [default: direct,(direct)].
    #[arg(long, value_delimiter = ',', value_name = "CHANNEL")]
    pub direct: Option<Vec<String>>,
}

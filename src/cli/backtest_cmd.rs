//! `mmm backtest`: rolling-origin refits with a progress bar, the per-fold table, and the folds
//! and predictions written to a folder.

use std::fmt::Write as _;
use std::path::Path;

use mmm::fit::load_model;
use mmm::fitdir::{OutputKind, StagedDir};
use mmm::validate::{Backtest, BacktestSettings, Metrics, backtest, backtest_svg};

use super::args::SamplerOverrides;
use super::progress::CountBar;
use super::validate_cmd::apply;

/// What `mmm backtest` was asked for.
pub struct BacktestArgs<'a> {
    /// The model file.
    pub model: &'a Path,
    /// Data override.
    pub data: Option<&'a Path>,
    /// Folds and horizon.
    pub settings: BacktestSettings,
    /// Output folder, if any.
    pub out: Option<&'a Path>,
    /// Replace the output folder.
    pub force: bool,
    /// Sampler overrides for every fold's fit.
    pub sampler: &'a SamplerOverrides,
}

/// `mmm backtest MODEL [--data DATA] [--folds K] [--horizon H] [--out DIR]`.
pub fn backtest_cmd(args: &BacktestArgs<'_>) -> anyhow::Result<()> {
    let (mut spec, dataset) = load_model(args.model, args.data)?;
    apply(&mut spec, args.sampler)?;
    let staged = match args.out {
        Some(out) => Some(StagedDir::new(out, OutputKind::Backtest, args.force)?),
        None => None,
    };
    let s = &spec.sampler;
    eprintln!(
        "Backtest: {} folds of {} periods, each fit {} chains x ({} warm-up + {} draws)...",
        args.settings.folds, args.settings.horizon, s.chains, s.warmup, s.draws
    );
    let bar = CountBar::new(args.settings.folds, "folds");
    let result = backtest(&spec, &dataset, &args.settings, &|done| bar.set(done));
    bar.finish();
    let result = result?;
    print!("{}", backtest_table(&result));
    if let Some(staged) = staged {
        staged.write("backtest.csv", backtest_csv(&result).as_bytes())?;
        staged.write("predictions.csv", predictions_csv(&result).as_bytes())?;
        staged.write(
            "backtest.json",
            serde_json::to_string_pretty(&result)?.as_bytes(),
        )?;
        let title = format!("Backtest of {}", args.model.display());
        staged.write("backtest.svg", backtest_svg(&result, &title).as_bytes())?;
        let path = staged.commit()?;
        println!(
            "Written to {} (backtest.csv, predictions.csv, backtest.json, backtest.svg).",
            path.display()
        );
    }
    Ok(())
}

fn backtest_table(b: &Backtest) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n{:<5} {:>6}  {:<23} {:>12} {:>12} {:>7} {:>7} {:>9} {:>5} {:>7}",
        "fold", "fitted", "predicted", "RMSE", "MAE", "MAPE", "R²", "coverage", "div.", "R-hat"
    );
    for f in &b.folds {
        let m = &f.metrics;
        let _ = writeln!(
            s,
            "{:<5} {:>6}  {} - {} {:>12.4} {:>12.4} {:>6.1}% {:>7.3} {:>8.0}% {:>5} {:>7.3}",
            f.fold,
            f.train_periods,
            f.test_start,
            f.test_end,
            m.rmse,
            m.mae,
            100.0 * m.mape,
            m.r2,
            100.0 * m.coverage,
            f.divergences,
            f.max_rhat
        );
    }
    let m = &b.overall;
    let _ = writeln!(
        s,
        "{:<5} {:>6}  {:<23} {:>12.4} {:>12.4} {:>6.1}% {:>7.3} {:>8.0}%",
        "all",
        "",
        format!("{} periods", m.n),
        m.rmse,
        m.mae,
        100.0 * m.mape,
        m.r2,
        100.0 * m.coverage
    );
    let _ = writeln!(
        s,
        "\nPoint forecast: posterior mean of the expected outcome; coverage: share of held-out \
         periods inside the 90% posterior predictive interval."
    );
    s
}

fn metrics_fields(m: &Metrics) -> String {
    format!(
        "{},{},{},{},{},{}",
        m.n, m.rmse, m.mae, m.mape, m.r2, m.coverage
    )
}

/// `backtest.csv`: one row per fold, then `all`.
fn backtest_csv(b: &Backtest) -> String {
    let mut s = String::from(
        "fold,train_periods,train_end,test_start,test_end,n,rmse,mae,mape,r2,coverage,divergences,max_rhat\n",
    );
    for f in &b.folds {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            f.fold,
            f.train_periods,
            f.train_end,
            f.test_start,
            f.test_end,
            metrics_fields(&f.metrics),
            f.divergences,
            f.max_rhat
        );
    }
    let _ = writeln!(s, "all,,,,,{},,", metrics_fields(&b.overall));
    s
}

/// `predictions.csv`: `fold,date,actual,mean,q5,q95`.
fn predictions_csv(b: &Backtest) -> String {
    let mut s = String::from("fold,date,actual,mean,q5,q95\n");
    for p in &b.predictions {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{}",
            p.fold, p.date, p.actual, p.mean, p.q5, p.q95
        );
    }
    s
}

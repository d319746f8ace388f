//! Argument parsing and dispatch: one function per command, errors mapped to exit codes here
//! (0 success, 1 user error, 2 usage error, 3 a fit written but failed by its review).

mod args;
mod attribute_cmd;
mod backtest_cmd;
mod demo_cmd;
mod fit_cmd;
mod lift_table;
mod optimize_cmd;
mod panel_cmd;
mod panel_validate_cmd;
mod progress;
mod report_cmd;
mod sbc_cmd;
mod table;
mod validate_cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// How a command ended (uv's `ExitStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// The command did what was asked.
    Success,
    /// A user error: bad input, a failed check. Exit code 1.
    Failure,
    /// A usage error: bad arguments. Exit code 2.
    Error,
    /// The fit ran and its directory was written, but the review says FAIL. Exit code 3.
    ReviewFailed,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        match s {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
            ExitStatus::ReviewFailed => ExitCode::from(3),
        }
    }
}

/// Parse the command line, run the command, and report errors on stderr without a backtrace.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let status = if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
            // --help and --version print to stdout; a closed pipe is not an error.
            let _ = e.print();
            return status.into();
        }
    };
    match run(cli.command) {
        Ok(status) => status.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitStatus::Success.into();
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", message(&err));
            ExitStatus::Failure.into()
        }
    }
}

/// The error and its causes, skipping a cause whose text the message already contains.
fn message(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
    }
    out
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(command: Command) -> anyhow::Result<ExitStatus> {
    let done = |r: anyhow::Result<()>| r.map(|()| ExitStatus::Success);
    match command {
        Command::Demo { out } => demo_cmd::run(&out),
        Command::Check { model, data } if panel_cmd::is_panel(&model) => {
            done(panel_cmd::check(&model, data.as_deref()))
        }
        Command::Check { model, data } => done(fit_cmd::check(&model, data.as_deref())),
        Command::Fit {
            model,
            data,
            out,
            sampler,
            force,
        } if panel_cmd::is_panel(&model) => {
            panel_cmd::run(&model, data.as_deref(), &out, &sampler, force)
        }
        Command::Fit {
            model,
            data,
            out,
            sampler,
            force,
        } => fit_cmd::run(&model, data.as_deref(), &out, &sampler, force),
        Command::Report { fit_dir } if panel_cmd::is_panel_fit(&fit_dir) => {
            done(report_cmd::run_panel(&fit_dir))
        }
        Command::Report { fit_dir } => done(report_cmd::run(&fit_dir)),
        Command::Simulate {
            model,
            truth,
            seed,
            out,
            force,
            ..
        } if panel_cmd::is_panel(&model) => done(panel_cmd::simulate(
            &model,
            truth.as_deref(),
            seed,
            &out,
            force,
        )),
        Command::Simulate {
            model,
            truth,
            periods,
            seed,
            out,
            force,
        } => {
            let options = mmm::simulate::SimulateOptions { periods, seed };
            done(validate_cmd::simulate_cmd(
                &model,
                truth.as_deref(),
                options,
                &out,
                force,
            ))
        }
        Command::Validate {
            sim_dir,
            model,
            sampler,
            force,
        } if panel_cmd::is_panel(
            &model
                .clone()
                .unwrap_or_else(|| sim_dir.join(mmm::simulate::MODEL_FILE)),
        ) =>
        {
            done(panel_validate_cmd::run(
                &sim_dir,
                model.as_deref(),
                &sampler,
                force,
            ))
        }
        Command::Validate {
            sim_dir,
            model,
            sampler,
            force,
        } => done(validate_cmd::validate_cmd(
            &sim_dir,
            model.as_deref(),
            &sampler,
            force,
        )),
        Command::Sbc {
            model,
            replicates,
            truth,
            fit_model,
            periods,
            out,
            force,
            sampler,
        } => done(sbc_cmd::sbc_cmd(&sbc_cmd::SbcArgs {
            model: &model,
            replicates,
            truth: truth.as_deref(),
            fit_model: fit_model.as_deref(),
            periods,
            out: &out,
            force,
            sampler: &sampler,
        })),
        Command::Attribute(args) => done(attribute_cmd::run(&args)),
        Command::Optimize {
            fit_dir,
            scenario,
            out,
        } if panel_cmd::is_panel_fit(&fit_dir) => {
            done(optimize_cmd::run_panel(&fit_dir, &scenario, out.as_deref()))
        }
        Command::Optimize {
            fit_dir,
            scenario,
            out,
        } => done(optimize_cmd::run(&fit_dir, &scenario, out.as_deref())),
        Command::Backtest { model, .. } if panel_cmd::is_panel(&model) => {
            Err(panel_cmd::unsupported("backtest", &model))
        }
        Command::Backtest {
            model,
            data,
            folds,
            horizon,
            out,
            force,
            sampler,
        } => done(backtest_cmd::backtest_cmd(&backtest_cmd::BacktestArgs {
            model: &model,
            data: data.as_deref(),
            settings: mmm::validate::BacktestSettings { folds, horizon },
            out: out.as_deref(),
            force,
            sampler: &sampler,
        })),
    }
}

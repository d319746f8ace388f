//! Argument parsing and dispatch: one function per command, errors mapped to exit codes here.

mod args;
mod fit_cmd;
mod progress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// How a command ended (uv's `ExitStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExitStatus {
    /// The command did what was asked.
    Success,
    /// A user error: bad input, a failed check. Exit code 1.
    Failure,
    /// A usage error: bad arguments. Exit code 2.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        match s {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
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
        Ok(()) => ExitStatus::Success.into(),
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

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Check { model, data } => fit_cmd::check(&model, data.as_deref()),
        Command::Fit {
            model,
            data,
            out,
            sampler,
            force,
        } => fit_cmd::run(&model, data.as_deref(), &out, &sampler, force),
        other => {
            let name = other.name();
            anyhow::bail!(
                "`mmm {name}` is not built yet. Today mmm checks model files and fits them \
                 (`mmm check`, `mmm fit`; see README.md, \"Status\")."
            )
        }
    }
}

//! The `mmm` command line: parse arguments, call one function per command, map the result to
//! an exit status in one place (0 success, 1 user error, 2 usage error, 3 a fit whose review
//! says FAIL; docs/outputs.md).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}

//! Write a synthetic touchpoint file and its known truth (docs/attribution.md).
//!
//! ```text
//! cargo run --release --example journeys -- OUT_DIR [--users N] [--seed S] [--messy SHARE]
//! ```
//!
//! Writes `OUT_DIR/journeys.csv` (the touches) and `OUT_DIR/truth.csv` (each channel's lift,
//! the positions it may take, and its true share of the conversions it causes). The data are
//! synthetic: no real user is in them.

use std::path::PathBuf;
use std::process::ExitCode;

use mmm::attribution::{JourneySimOptions, simulate_journeys};

fn parse<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{flag} needs a number"))
}

fn options() -> Result<(PathBuf, JourneySimOptions), String> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut o = JourneySimOptions::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--users" => o.users = parse("--users", args.next())?,
            "--seed" => o.seed = parse("--seed", args.next())?,
            "--messy" => o.messy = parse("--messy", args.next())?,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            dir => out = Some(PathBuf::from(dir)),
        }
    }
    let out = out.ok_or("usage: journeys OUT_DIR [--users N] [--seed S] [--messy SHARE]")?;
    Ok((out, o))
}

fn main() -> ExitCode {
    let (out, o) = match options() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let sim = simulate_journeys(&o);
    let written = std::fs::create_dir_all(&out)
        .and_then(|()| std::fs::write(out.join("journeys.csv"), &sim.csv))
        .and_then(|()| std::fs::write(out.join("truth.csv"), sim.truth_csv(&o)));
    if let Err(e) = written {
        eprintln!("error: cannot write into {}: {e}", out.display());
        return ExitCode::from(1);
    }
    println!(
        "Wrote {} touches of {} users to {} (journeys.csv, truth.csv).",
        sim.rows,
        o.users,
        out.display()
    );
    ExitCode::SUCCESS
}

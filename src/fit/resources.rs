//! What a fit will need in memory and on disk, estimated before sampling and held against what
//! the machine has, so a request that cannot fit is refused with the figure, not aborted late.

use std::path::Path;

use crate::fitdir::OutputError;
use crate::posterior::EXACT_QUANTILE_BYTES;
use crate::spec::ModelSpec;

use super::error::FitError;

/// Bytes per kept draw besides its parameters: sampler statistics (seven numbers and a flag).
const STATS_BYTES: f64 = 64.0;
/// Bytes of CSV text per number written (CmdStan chain files, `%g`-like with separators).
const CSV_BYTES_PER_NUMBER: f64 = 22.0;
/// Room for the fixed files (report, summaries, curves) besides the draws.
const FIXED_DISK_BYTES: f64 = 4.0e6;
/// Memory the run may use at most when the machine does not say what it has.
const MEMORY_CEILING_UNKNOWN: f64 = 1.0e12;
/// Safety factor on the disk estimate: the output must fit this many times over.
const DISK_MARGIN: f64 = 1.2;

/// The estimated needs of one fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resources {
    /// Peak memory held by draws and their derived quantities, bytes.
    pub memory_bytes: f64,
    /// Size of the fit directory, bytes.
    pub disk_bytes: f64,
    /// Kept draws over all chains.
    pub total_draws: f64,
    /// Parameters per draw.
    pub parameters: usize,
}

impl Resources {
    /// Estimate the needs of fitting `spec` on `periods` rows.
    pub fn estimate(spec: &ModelSpec, periods: usize) -> Resources {
        let dim = spec.parameters().len() as f64;
        let channels = spec.channels.len() as f64;
        let s = &spec.sampler;
        let per_chain = s.draws as f64;
        let total_draws = s.chains as f64 * per_chain;
        // Unconstrained and constrained draws, statistics, per-draw ROAS, mROAS and share.
        let per_draw = 8.0 * (2.0 * dim + 3.0 * channels) + STATS_BYTES;
        // One chain's CSV text is built in memory before it is written.
        let chain_text = per_chain * (dim + 7.0) * CSV_BYTES_PER_NUMBER;
        let dense = 8.0 * 6.0 * dim * dim * s.chains as f64;
        let series = 8.0 * periods as f64 * (channels + 16.0) * 8.0;
        // The tails kept for exact per-period quantiles, when they fit their budget.
        let tails = EXACT_QUANTILE_BYTES as f64;
        let memory_bytes = total_draws * per_draw + chain_text + dense + series + tails;
        let disk_bytes = total_draws * (dim + 7.0) * CSV_BYTES_PER_NUMBER
            + periods as f64 * (channels + 8.0) * 5.0 * CSV_BYTES_PER_NUMBER
            + FIXED_DISK_BYTES;
        Resources {
            memory_bytes,
            disk_bytes,
            total_draws,
            parameters: spec.parameters().len(),
        }
    }

    /// Refuse a run whose draws cannot be held in the memory available now.
    pub fn check_memory(&self, available: Option<u64>) -> Result<(), FitError> {
        let limit = available.map_or(MEMORY_CEILING_UNKNOWN, |a| a as f64);
        if self.memory_bytes.is_finite() && self.memory_bytes <= limit {
            return Ok(());
        }
        Err(FitError::TooBig {
            needed: human_bytes(self.memory_bytes),
            available: match available {
                Some(a) => format!("{} available", human_bytes(a as f64)),
                None => format!("a limit of {}", human_bytes(MEMORY_CEILING_UNKNOWN)),
            },
            draws: format!("{:.0}", self.total_draws),
            parameters: self.parameters,
        })
    }

    /// Refuse an output that would not fit on the disk holding `dir`.
    pub fn check_disk(&self, dir: &Path) -> Result<(), OutputError> {
        let Some(free) = available_disk(dir) else {
            return Ok(());
        };
        if self.disk_bytes * DISK_MARGIN <= free as f64 {
            return Ok(());
        }
        Err(OutputError::NoSpace {
            path: dir.to_path_buf(),
            needed: human_bytes(self.disk_bytes),
            available: human_bytes(free as f64),
        })
    }
}

/// Memory the system can give a new process now (`MemAvailable`), when it says.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Free space for unprivileged users on the file system holding `dir`, when it can be read.
#[cfg(unix)]
pub fn available_disk(dir: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(dir).ok()?;
    s.f_bavail.checked_mul(s.f_frsize)
}

/// Free space on the file system holding `dir` (unknown on this platform).
#[cfg(not(unix))]
pub fn available_disk(_dir: &Path) -> Option<u64> {
    None
}

/// `1.5 GB`, `820 kB`, `12 bytes`; "more than a yottabyte" beyond.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 8] = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"];
    if !bytes.is_finite() || bytes >= 1e24 {
        return "more than a yottabyte".to_string();
    }
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(draws: usize) -> ModelSpec {
        let mut spec = ModelSpec::from_file(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models/pymc_marketing_example.toml"),
        )
        .unwrap();
        spec.override_sampler(None, None, Some(draws), None)
            .unwrap();
        spec
    }

    #[test]
    fn a_usual_fit_needs_megabytes() {
        let r = Resources::estimate(&spec(1000), 179);
        assert!(r.memory_bytes > 1e5 && r.memory_bytes < 1e8, "{r:?}");
        assert!(r.disk_bytes > 1e5 && r.disk_bytes < 1e8, "{r:?}");
        r.check_memory(Some(1 << 30)).unwrap();
    }

    #[test]
    fn an_absurd_number_of_draws_is_refused_with_the_figures() {
        let r = Resources::estimate(&spec(100_000_000_000), 179);
        let err = r.check_memory(Some(8 << 30)).unwrap_err().to_string();
        assert!(err.contains("TB") && err.contains("GB available"), "{err}");
        assert!(err.contains("--draws"), "{err}");
        assert!(r.check_memory(None).is_err());
    }

    #[test]
    fn sizes_read_in_units() {
        assert_eq!(human_bytes(12.0), "12 bytes");
        assert_eq!(human_bytes(1.5e9), "1.5 GB");
        assert_eq!(human_bytes(f64::INFINITY), "more than a yottabyte");
    }

    #[test]
    fn the_free_space_of_the_temporary_folder_is_known_on_unix() {
        if cfg!(unix) {
            assert!(available_disk(&std::env::temp_dir()).is_some());
        }
    }

    #[test]
    fn an_output_larger_than_the_free_disk_space_is_refused_with_both_figures() {
        let dir = std::env::temp_dir();
        if available_disk(&dir).is_none() {
            return;
        }
        let mut r = Resources::estimate(&spec(1000), 179);
        r.check_disk(&dir).unwrap();
        r.disk_bytes = 1e30;
        let err = r.check_disk(&dir).unwrap_err().to_string();
        assert!(err.contains("not enough disk space"), "{err}");
        assert!(
            err.contains("more than a yottabyte") && err.contains("is free"),
            "{err}"
        );
    }
}

//! Where an output folder may go: it replaces only a folder mmm recognisably wrote, never a
//! file, the working folder, or a folder holding the inputs; stale staging folders of dead
//! runs are cleared away.

use std::fs;
use std::path::{Path, PathBuf};

use super::atomic::OutputError;

/// A file that marks a folder as written by `mmm demo`, so a rerun may replace it.
pub const DEMO_MARKER: &str = ".mmm-demo";

/// What an output folder holds; an existing folder is replaced only by one of its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputKind {
    /// A fit directory (`fit.json` written by mmm).
    Fit,
    /// A simulation folder (`truth.json`).
    Simulation,
    /// An SBC folder (`sbc.json`).
    Sbc,
    /// A backtest folder (`backtest.json`).
    Backtest,
    /// The demo folder (its marker file).
    Demo,
    /// An attribution folder (`journeys.json`).
    Attribution,
}

impl OutputKind {
    /// The file that identifies a folder of this kind.
    pub fn marker(self) -> &'static str {
        match self {
            OutputKind::Fit => "fit.json",
            OutputKind::Simulation => "truth.json",
            OutputKind::Sbc => "sbc.json",
            OutputKind::Backtest => "backtest.json",
            OutputKind::Demo => DEMO_MARKER,
            OutputKind::Attribution => "journeys.json",
        }
    }

    /// What to call a folder of this kind in messages.
    pub fn describe(self) -> &'static str {
        match self {
            OutputKind::Fit => "an mmm fit directory",
            OutputKind::Simulation => "an mmm simulation folder",
            OutputKind::Sbc => "an mmm SBC folder",
            OutputKind::Backtest => "an mmm backtest folder",
            OutputKind::Demo => "an mmm demo folder",
            OutputKind::Attribution => "an mmm attribution folder",
        }
    }

    /// Whether `dir` is recognisably a folder of this kind: its marker exists and, for the
    /// JSON markers, is a JSON object (a fit's `fit.json` must also name the mmm engine).
    pub fn recognises(self, dir: &Path) -> bool {
        let marker = dir.join(self.marker());
        if self == OutputKind::Demo {
            return marker.is_file();
        }
        let Ok(text) = fs::read_to_string(&marker) else {
            return false;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            return false;
        };
        match self {
            OutputKind::Fit => json["engine"]["name"] == "mmm",
            _ => json.is_object(),
        }
    }
}

/// Refuse a destination that must not be written or replaced. `inputs` are files the run
/// reads (model, data): the destination may not be one of them nor a folder holding them.
pub fn check_destination(
    dest: &Path,
    kind: OutputKind,
    replace: bool,
    inputs: &[&Path],
) -> Result<(), OutputError> {
    let refuse = |reason: String| {
        Err(OutputError::Refused {
            path: dest.to_path_buf(),
            reason,
        })
    };
    if dest.as_os_str().is_empty() {
        return refuse("an empty path; name a new folder, e.g. --out fits/first".into());
    }
    let Ok(meta) = fs::symlink_metadata(dest) else {
        return Ok(());
    };
    let canonical = fs::canonicalize(dest).unwrap_or_else(|_| dest.to_path_buf());
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize)
        && cwd.starts_with(&canonical)
    {
        return refuse(
            "is the current folder or holds it; write the output to a new folder of its own, \
             e.g. --out fits/first"
                .into(),
        );
    }
    for input in inputs {
        let Ok(input) = fs::canonicalize(input) else {
            continue;
        };
        if input == canonical {
            return refuse(
                "is an input of this run; name a new folder for the output, e.g. --out fits/first"
                    .into(),
            );
        }
        if input.starts_with(&canonical) {
            return refuse(format!(
                "holds {}, an input of this run; write the output to a new folder of its own",
                input.display()
            ));
        }
    }
    if meta.file_type().is_symlink() {
        return refuse(
            "is a symbolic link; mmm writes only to a real folder, so name a new one".into(),
        );
    }
    if !meta.is_dir() {
        return refuse(
            "is a file, not a folder; mmm never replaces a file, so name a new folder".into(),
        );
    }
    let empty = fs::read_dir(dest).is_ok_and(|mut d| d.next().is_none());
    if !replace {
        return Err(OutputError::Exists {
            path: dest.to_path_buf(),
        });
    }
    if !empty && !kind.recognises(dest) {
        return refuse(format!(
            "exists and is not {} (no {} written by mmm), so --force will not replace it; \
             choose another folder, or move its files away yourself",
            kind.describe(),
            kind.marker()
        ));
    }
    Ok(())
}

/// The folder a destination lives in (`.` for a bare name).
pub(super) fn parent_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The hidden sibling names a run uses for `name`: `.NAME.partial-PID` and `.NAME.old-PID`.
pub(super) fn sibling(parent: &Path, name: &str, role: &str, pid: u32) -> PathBuf {
    parent.join(format!(".{name}.{role}-{pid}"))
}

/// Whether process `pid` is running; unknown (no `/proc`) counts as running, so nothing is
/// removed on a guess.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Clear the leftovers of dead runs writing `dest`: a stale `.NAME.partial-PID` staging folder
/// is removed; a stale `.NAME.old-PID` (an older result moved aside by a run that died before
/// removing it) is put back if `dest` is missing, and removed otherwise.
pub(super) fn clean_stale(dest: &Path) {
    let parent = parent_of(dest);
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(&parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file
            .strip_prefix('.')
            .and_then(|f| f.strip_prefix(name.as_str()))
            .and_then(|f| f.strip_prefix('.'))
        else {
            continue;
        };
        let Some((role, pid)) = rest.split_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let path = entry.path();
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if !is_dir || alive(pid) {
            continue;
        }
        match role {
            "partial" => {
                let _ = fs::remove_dir_all(&path);
            }
            "old" if fs::symlink_metadata(dest).is_err() => {
                let _ = fs::rename(&path, dest);
            }
            "old" => {
                let _ = fs::remove_dir_all(&path);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit_json() -> &'static str {
        r#"{"engine": {"name": "mmm", "version": "0.1.0"}}"#
    }

    #[test]
    fn only_a_folder_with_an_mmm_fit_json_is_a_fit_directory() {
        let dir = tempfile::tempdir().unwrap();
        let fit = dir.path().join("fit");
        fs::create_dir(&fit).unwrap();
        assert!(!OutputKind::Fit.recognises(&fit));
        fs::write(fit.join("fit.json"), "{\"engine\": {\"name\": \"other\"}}").unwrap();
        assert!(!OutputKind::Fit.recognises(&fit));
        fs::write(fit.join("fit.json"), "not json").unwrap();
        assert!(!OutputKind::Fit.recognises(&fit));
        fs::write(fit.join("fit.json"), fit_json()).unwrap();
        assert!(OutputKind::Fit.recognises(&fit));
        assert!(!OutputKind::Sbc.recognises(&fit));
    }

    #[test]
    fn force_refuses_files_foreign_folders_and_folders_holding_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.txt");
        fs::write(&file, "mine").unwrap();
        let err = check_destination(&file, OutputKind::Fit, true, &[]).unwrap_err();
        assert!(err.to_string().contains("is a file"), "{err}");

        let notes = dir.path().join("notes");
        fs::create_dir(&notes).unwrap();
        fs::write(notes.join("a.txt"), "mine").unwrap();
        let err = check_destination(&notes, OutputKind::Fit, true, &[]).unwrap_err();
        assert!(
            err.to_string().contains("not an mmm fit directory"),
            "{err}"
        );

        let fit = dir.path().join("fit");
        fs::create_dir(&fit).unwrap();
        fs::write(fit.join("fit.json"), fit_json()).unwrap();
        check_destination(&fit, OutputKind::Fit, true, &[]).unwrap();
        let model = fit.join("model.toml");
        fs::write(&model, "").unwrap();
        let err = check_destination(&fit, OutputKind::Fit, true, &[&model]).unwrap_err();
        assert!(err.to_string().contains("an input of this run"), "{err}");
        let err = check_destination(dir.path(), OutputKind::Fit, true, &[&model]).unwrap_err();
        assert!(err.to_string().contains("an input of this run"), "{err}");

        let err = check_destination(&fit, OutputKind::Fit, false, &[]).unwrap_err();
        assert!(matches!(err, OutputError::Exists { .. }));
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        check_destination(&empty, OutputKind::Fit, true, &[]).unwrap();
        check_destination(&dir.path().join("new"), OutputKind::Fit, false, &[]).unwrap();
    }

    #[test]
    fn the_current_folder_is_never_a_destination() {
        let err = check_destination(Path::new("."), OutputKind::Fit, true, &[]).unwrap_err();
        assert!(err.to_string().contains("current folder"), "{err}");
        let err = check_destination(Path::new(".."), OutputKind::Fit, true, &[]).unwrap_err();
        assert!(err.to_string().contains("current folder"), "{err}");
    }

    #[test]
    fn stale_leftovers_of_dead_runs_are_cleared_and_an_orphaned_old_result_restored() {
        if !Path::new("/proc/self").exists() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("fit");
        // A pid far above any Linux pid_max is never running.
        let dead = 4_000_000_000;
        let partial = sibling(dir.path(), "fit", "partial", dead);
        fs::create_dir(&partial).unwrap();
        let old = sibling(dir.path(), "fit", "old", dead);
        fs::create_dir(&old).unwrap();
        fs::write(old.join("fit.json"), fit_json()).unwrap();
        let live = sibling(dir.path(), "fit", "partial", std::process::id());
        fs::create_dir(&live).unwrap();
        let user = dir.path().join(".fit.partial-notes");
        fs::create_dir(&user).unwrap();
        clean_stale(&dest);
        assert!(!partial.exists() && !old.exists());
        assert!(dest.join("fit.json").exists(), "the old result is put back");
        assert!(live.exists() && user.exists());
    }
}

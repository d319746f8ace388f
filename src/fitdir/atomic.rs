//! Atomic output folders: everything is written into a hidden sibling folder, which is renamed
//! into place only when complete, so a failed run never leaves half a fit and never replaces an
//! older one unasked (and never anything but an older result of the same kind).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::destination::{OutputKind, check_destination, clean_stale, parent_of, sibling};

/// Why an output folder could not be written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The destination exists and replacing it was not requested.
    #[error(
        "{path} already exists; choose another output folder, or add --force to replace it \
         (mmm never overwrites an earlier result unasked, and replaces only a folder it wrote)"
    )]
    Exists {
        /// The destination.
        path: PathBuf,
    },
    /// The destination may not be written or replaced at all.
    #[error("cannot write to {path}: it {reason}")]
    Refused {
        /// The destination.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// The disk holding the destination has too little free space for the estimated output.
    #[error(
        "not enough disk space for {path}: the output needs about {needed}, but only {available} \
         is free; free some space, write elsewhere, or ask for fewer draws (--draws)"
    )]
    NoSpace {
        /// The destination.
        path: PathBuf,
        /// Estimated size, in words.
        needed: String,
        /// Free space, in words.
        available: String,
    },
    /// A file-system operation failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl OutputError {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        OutputError::Io {
            path: path.into(),
            source,
        }
    }
}

/// A folder being written: files go into a staging folder next to the destination.
#[derive(Debug)]
pub struct StagedDir {
    staging: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl StagedDir {
    /// Start writing `dest`, a folder of `kind`. Fails at once if `dest` exists and `replace`
    /// is false, or if it may not be replaced at all (see [`check_destination`]).
    pub fn new(dest: &Path, kind: OutputKind, replace: bool) -> Result<Self, OutputError> {
        StagedDir::protecting(dest, kind, replace, &[])
    }

    /// As [`StagedDir::new`], also refusing a `dest` that is or holds one of `inputs`.
    /// Creating the staging folder proves the location writable before any long run.
    pub fn protecting(
        dest: &Path,
        kind: OutputKind,
        replace: bool,
        inputs: &[&Path],
    ) -> Result<Self, OutputError> {
        clean_stale(dest);
        check_destination(dest, kind, replace, inputs)?;
        let parent = parent_of(dest);
        fs::create_dir_all(&parent).map_err(|e| OutputError::io(&parent, e))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".to_string());
        let staging = sibling(&parent, &name, "partial", std::process::id());
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))?;
        }
        fs::create_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))?;
        Ok(StagedDir {
            staging,
            dest: dest.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write file `rel` (its parent folders are created).
    pub fn path(&self, rel: &str) -> Result<PathBuf, OutputError> {
        let p = self.staging.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| OutputError::io(parent, e))?;
        }
        Ok(p)
    }

    /// Write `bytes` to `rel` inside the folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.path(rel)?;
        fs::write(&p, bytes).map_err(|e| OutputError::io(&p, e))
    }

    /// The staging folder (for a free-space check before writing).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Move the finished folder into place. An older result (allowed at `new`) is moved aside
    /// first, put back if the new one cannot be moved in, and removed only once it is.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if fs::symlink_metadata(&self.dest).is_ok() {
            let name = self
                .dest
                .file_name()
                .map_or_else(|| "out".to_string(), |n| n.to_string_lossy().into_owned());
            let old = sibling(&parent_of(&self.dest), &name, "old", std::process::id());
            fs::rename(&self.dest, &old).map_err(|e| OutputError::io(&self.dest, e))?;
            if let Err(e) = fs::rename(&self.staging, &self.dest) {
                let _ = fs::rename(&old, &self.dest);
                return Err(OutputError::io(&self.dest, e));
            }
            // The new result is in place; an old one that cannot be removed now is cleared by
            // the next run (it is named after this process).
            let _ = fs::remove_dir_all(&old);
        } else {
            fs::rename(&self.staging, &self.dest).map_err(|e| OutputError::io(&self.dest, e))?;
        }
        self.committed = true;
        Ok(self.dest.clone())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Write one file atomically: into a sibling temporary file, then renamed over `path`.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| OutputError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| OutputError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_stage_leaves_nothing_and_an_existing_folder_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("fit");
        {
            let staged = StagedDir::new(&dest, OutputKind::Fit, false).unwrap();
            staged.write("a.txt", b"x").unwrap();
        }
        assert!(!dest.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        let staged = StagedDir::new(&dest, OutputKind::Fit, false).unwrap();
        staged.write("draws/chain-1.csv", b"y").unwrap();
        staged
            .write("fit.json", br#"{"engine": {"name": "mmm"}}"#)
            .unwrap();
        staged.commit().unwrap();
        assert_eq!(fs::read(dest.join("draws/chain-1.csv")).unwrap(), b"y");

        let err = StagedDir::new(&dest, OutputKind::Fit, false).unwrap_err();
        assert!(err.to_string().contains("already exists"));
        let staged = StagedDir::new(&dest, OutputKind::Fit, true).unwrap();
        staged.write("b.txt", b"z").unwrap();
        staged.commit().unwrap();
        assert!(dest.join("b.txt").exists() && !dest.join("draws").exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no .old left");
    }

    #[test]
    fn force_never_replaces_a_folder_mmm_did_not_write() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("notes");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("todo.txt"), b"mine").unwrap();
        let err = StagedDir::new(&dest, OutputKind::Fit, true).unwrap_err();
        assert!(matches!(err, OutputError::Refused { .. }), "{err}");
        assert_eq!(fs::read(dest.join("todo.txt")).unwrap(), b"mine");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no staging left"
        );
    }
}

//! Atomic output folders: everything is written into a hidden sibling folder, which is renamed
//! into place only when complete, so a failed run never leaves half a fit and never replaces an
//! older one unasked.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why an output folder could not be written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The destination exists and replacing it was not requested.
    #[error(
        "{path} already exists; choose another output folder, or remove it first \
         (mmm never overwrites an earlier result unasked)"
    )]
    Exists {
        /// The destination.
        path: PathBuf,
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
    /// Start writing `dest`. Fails at once if `dest` exists and `replace` is false.
    pub fn new(dest: &Path, replace: bool) -> Result<Self, OutputError> {
        if dest.exists() && !replace {
            return Err(OutputError::Exists {
                path: dest.to_path_buf(),
            });
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| OutputError::io(&parent, e))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".to_string());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
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

    /// Move the finished folder into place (replacing an older one only if allowed at `new`).
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.dest.exists() {
            let old = self.staging.with_extension("old");
            fs::rename(&self.dest, &old).map_err(|e| OutputError::io(&self.dest, e))?;
            fs::rename(&self.staging, &self.dest).map_err(|e| OutputError::io(&self.dest, e))?;
            fs::remove_dir_all(&old).map_err(|e| OutputError::io(&old, e))?;
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
            let staged = StagedDir::new(&dest, false).unwrap();
            staged.write("a.txt", b"x").unwrap();
        }
        assert!(!dest.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        let staged = StagedDir::new(&dest, false).unwrap();
        staged.write("draws/chain-1.csv", b"y").unwrap();
        staged.commit().unwrap();
        assert_eq!(fs::read(dest.join("draws/chain-1.csv")).unwrap(), b"y");

        let err = StagedDir::new(&dest, false).unwrap_err();
        assert!(err.to_string().contains("already exists"));
        let staged = StagedDir::new(&dest, true).unwrap();
        staged.write("b.txt", b"z").unwrap();
        staged.commit().unwrap();
        assert!(dest.join("b.txt").exists() && !dest.join("draws").exists());
    }
}

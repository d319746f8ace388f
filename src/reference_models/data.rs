//! Reading posteriordb JSON files, checking their contents, and the errors this can raise.

use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use thiserror::Error;

/// What can go wrong building a reference model or reading a reference posterior.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// The data or reference file is not in the folder given.
    #[error(
        "posteriordb file {} not found; pass the folder that holds `<posterior>.data.json` and \
         `<posterior>.reference.json` (tests/data/posteriordb)",
        path.display()
    )]
    MissingFile {
        /// The path that was tried.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not JSON of the expected shape (missing key, wrong type).
    #[error("{} does not have the expected content: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// A value in the file is out of range or inconsistent with another.
    #[error("{}, key `{key}`: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The offending key, with an index where it helps (`sigma[3]`).
        key: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// A setting of a hand-built test density is out of range.
    #[error("invalid {what} = {value}: {expected}")]
    InvalidSetting {
        /// The setting.
        what: &'static str,
        /// The value given.
        value: f64,
        /// The allowed range.
        expected: &'static str,
    },
}

/// Read and parse `dir/<file_name>`, returning the value and the path (for later messages).
pub(super) fn read_json<T: DeserializeOwned>(
    dir: &Path,
    file_name: &str,
) -> Result<(T, PathBuf), ReferenceError> {
    let path = dir.join(file_name);
    let text = std::fs::read_to_string(&path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            ReferenceError::MissingFile { path: path.clone() }
        } else {
            ReferenceError::Read {
                path: path.clone(),
                source,
            }
        }
    })?;
    match serde_json::from_str(&text) {
        Ok(value) => Ok((value, path)),
        Err(source) => Err(ReferenceError::Json { path, source }),
    }
}

/// Read the data file of posterior `name` from `dir`.
pub(super) fn read_data<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
) -> Result<(T, DataFile), ReferenceError> {
    let (value, path) = read_json(dir, &format!("{name}.data.json"))?;
    Ok((value, DataFile { path }))
}

/// A data file that has been read, used to check its values with messages that name it.
pub(super) struct DataFile {
    path: PathBuf,
}

impl DataFile {
    /// The error for `key` with the given problem.
    pub fn invalid(&self, key: impl Into<String>, problem: impl Into<String>) -> ReferenceError {
        ReferenceError::Invalid {
            path: self.path.clone(),
            key: key.into(),
            problem: problem.into(),
        }
    }

    /// Check that array `key` has `expected` values (the count named by `count_key`).
    pub fn check_len<T>(
        &self,
        key: &str,
        values: &[T],
        count_key: &str,
        expected: usize,
    ) -> Result<(), ReferenceError> {
        if values.len() == expected {
            Ok(())
        } else {
            Err(self.invalid(
                key,
                format!(
                    "has {} values but `{count_key}` is {expected}; they must agree",
                    values.len()
                ),
            ))
        }
    }

    /// Check that every value of array `key` is finite.
    pub fn check_finite(&self, key: &str, values: &[f64]) -> Result<(), ReferenceError> {
        match values.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => Err(self.invalid(
                format!("{key}[{}]", i + 1),
                format!("value {} is not finite", values[i]),
            )),
        }
    }

    /// Check that every value of array `key` is finite and > 0.
    pub fn check_positive(&self, key: &str, values: &[f64]) -> Result<(), ReferenceError> {
        match values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            None => Ok(()),
            Some(i) => Err(self.invalid(
                format!("{key}[{}]", i + 1),
                format!("value {} must be finite and > 0", values[i]),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Tiny {
        #[serde(rename = "N")]
        n: usize,
        y: Vec<f64>,
    }

    #[test]
    fn missing_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_data::<Tiny>(dir.path(), "nope").err().unwrap();
        assert!(
            matches!(&err, ReferenceError::MissingFile { path } if path.ends_with("nope.data.json"))
        );
        assert!(err.to_string().contains("nope.data.json"), "{err}");
    }

    #[test]
    fn wrong_shape_is_a_json_error_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.data.json"), r#"{"N": 2}"#).unwrap();
        let err = read_data::<Tiny>(dir.path(), "t").err().unwrap();
        assert!(matches!(err, ReferenceError::Json { .. }));
        assert!(err.to_string().contains("missing field `y`"), "{err}");
    }

    #[test]
    fn checks_name_the_offending_value() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.data.json"),
            r#"{"N": 3, "y": [1, 0, 2]}"#,
        )
        .unwrap();
        let (tiny, file) = read_data::<Tiny>(dir.path(), "t").unwrap();
        assert!(file.check_len("y", &tiny.y, "N", tiny.n).is_ok());
        assert!(file.check_finite("y", &tiny.y).is_ok());
        let err = file.check_positive("y", &tiny.y).unwrap_err();
        assert!(err.to_string().contains("`y[2]`"), "{err}");
        let err = file.check_len("y", &tiny.y, "N", 4).unwrap_err();
        assert!(err.to_string().contains("`N` is 4"), "{err}");
    }
}

//! Errors of reading and checking a model file, each naming the file, line and key path.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// One problem found in a model file: where it is, what it holds, and what to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Issue {
    /// Dotted key path, `channel.tv.adstock.max_lag`.
    pub key: String,
    /// The offending value as written, when there is one.
    pub value: Option<String>,
    /// 1-based line in the model file, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl Issue {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue {
            key: key.into(),
            value: None,
            line: None,
            message: message.into(),
        }
    }

    pub(crate) fn value(mut self, value: impl fmt::Display) -> Issue {
        self.value = Some(value.to_string());
        self
    }

    pub(crate) fn line(mut self, line: Option<usize>) -> Issue {
        self.line = line;
        self
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}, ")?;
        }
        write!(f, "{}", self.key)?;
        if let Some(value) = &self.value {
            write!(f, " = {value}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a model file could not become a [`ModelSpec`](super::ModelSpec).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read model file {}: {source}; check the path", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, an unknown key, a missing key or a value of the wrong type.
    #[error("{}", toml_message(origin, *line, key.as_deref(), message, text.as_deref()))]
    Toml {
        /// The model file.
        origin: String,
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// Key path of the enclosing table, when it can be worked out.
        key: Option<String>,
        /// The parser's message.
        message: String,
        /// The text of the line.
        text: Option<String>,
    },
    /// The file parses but breaks one or more rules; every problem found is listed.
    #[error("{}", issues_message(origin, issues))]
    Invalid {
        /// The model file.
        origin: String,
        /// The problems, in file order where lines are known.
        issues: Vec<Issue>,
    },
    /// The lift-test file named by `[calibration]` cannot be read or does not fit the model.
    #[error(transparent)]
    Calibration(#[from] super::calibration::CalibrationError),
}

impl SpecError {
    /// The problems found, for [`SpecError::Invalid`]; empty otherwise.
    pub fn issues(&self) -> &[Issue] {
        match self {
            SpecError::Invalid { issues, .. } => issues,
            _ => &[],
        }
    }
}

/// Most problems a message lists before counting the rest.
pub const MAX_LISTED_ISSUES: usize = 20;

/// serde's type words in a modeler's words: "expected i64" becomes "expected an integer".
pub(crate) fn friendly_toml(message: &str) -> String {
    message
        .replace(
            "expected i64",
            "expected an integer (a whole number without quotes)",
        )
        .replace("expected u64", "expected a whole number of at least 0")
        .replace("expected u32", "expected a whole number of at least 0")
        .replace("expected usize", "expected a whole number of at least 0")
        .replace("expected f64", "expected a number (without quotes)")
        .replace(
            "expected a map",
            "expected a table such as { dist = \"half_normal\", sigma = 2.0 }",
        )
        .replace("expected a boolean", "expected true or false")
}

/// `origin, line N, in key: message` with the offending line quoted (shared by every TOML
/// reader: model, truth and scenario files).
pub(crate) fn toml_message(
    origin: &str,
    line: Option<usize>,
    key: Option<&str>,
    message: &str,
    text: Option<&str>,
) -> String {
    let mut out = origin.to_string();
    if let Some(line) = line {
        out.push_str(&format!(", line {line}"));
    }
    if let Some(key) = key {
        out.push_str(&format!(", in {key}"));
    }
    out.push_str(&format!(": {}", friendly_toml(message)));
    if let (Some(line), Some(text)) = (line, text) {
        out.push_str(&format!("\n  {line} | {text}"));
    }
    out
}

/// One problem on one line, or a count followed by one problem per line.
pub(crate) fn issues_message<I: std::fmt::Display>(origin: &str, issues: &[I]) -> String {
    match issues {
        [one] => format!("{origin}: {one}"),
        many => {
            let mut out = format!("{origin}: {} problems", many.len());
            for issue in many.iter().take(MAX_LISTED_ISSUES) {
                out.push_str(&format!("\n  {issue}"));
            }
            if many.len() > MAX_LISTED_ISSUES {
                out.push_str(&format!("\n  and {} more", many.len() - MAX_LISTED_ISSUES));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_issue_reads_on_one_line() {
        let issue = Issue::new("channel.tv.adstock.max_lag", "max_lag must be at least 1")
            .value(0)
            .line(Some(7));
        let err = SpecError::Invalid {
            origin: "m.toml".into(),
            issues: vec![issue],
        };
        assert_eq!(
            err.to_string(),
            "m.toml: line 7, channel.tv.adstock.max_lag = 0: max_lag must be at least 1"
        );
    }

    #[test]
    fn toml_errors_show_the_line() {
        let err = SpecError::Toml {
            origin: "m.toml".into(),
            line: Some(3),
            key: Some("data".into()),
            message: "unknown field `bogus`".into(),
            text: Some("bogus = 1".into()),
        };
        assert_eq!(
            err.to_string(),
            "m.toml, line 3, in data: unknown field `bogus`\n  3 | bogus = 1"
        );
    }
}

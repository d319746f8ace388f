//! Engine errors as Python exceptions, with the message `mmm` prints after `error: `.

use std::error::Error;

use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;

create_exception!(
    _native,
    MmmError,
    PyValueError,
    "An error of the mmm engine: the message the command line prints after `error: `."
);

/// The error and its causes, skipping a cause whose text the message already holds (the
/// command line's own rule, `cli::message`).
pub fn message(err: &dyn Error) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// A message as an [`MmmError`].
pub fn raise(msg: impl Into<String>) -> PyErr {
    MmmError::new_err(msg.into())
}

/// An engine error as an [`MmmError`].
pub fn engine(err: &dyn Error) -> PyErr {
    raise(message(err))
}

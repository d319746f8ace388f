//! Reading a model file so that every problem is found in one pass: each unknown key or value of
//! the wrong type becomes an issue and is set aside, and the rest of the file is still read
//! (serde stops at the first; this asks it again until the file reads).

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, Deserializer};

use super::error::{Issue, SpecError, friendly_toml};
use super::location::Source;
use super::raw::RawModel;

/// Most problems set aside before giving up (each costs one more pass over the file).
const MAX_SET_ASIDE: usize = 50;

/// A problem serde reported, with what was set aside to get past it.
pub(super) struct SetAside {
    /// The issue, located.
    pub issue: Issue,
    /// The key path of the entry set aside (`channel.adstock.max_lag`, arrays unnamed).
    pub removed: String,
    /// The serde error, to report alone as before when it is the only problem.
    pub error: toml::de::Error,
}

/// Parse `source` into a [`RawModel`], setting aside every entry serde refuses. A syntax error
/// (not TOML at all) is returned as it is: nothing after it can be trusted.
pub(super) fn parse_leniently(source: &Source<'_>) -> Result<(RawModel, Vec<SetAside>), SpecError> {
    let mut root = DeTable::parse(source.text).map_err(|e| toml_error(source, &e))?;
    let mut set_aside = Vec::new();
    loop {
        let de = Deserializer::from(root.clone());
        let error = match RawModel::deserialize(de) {
            Ok(raw) => return Ok((raw, set_aside)),
            Err(e) => e,
        };
        let removed = error
            .span()
            .and_then(|span| remove_at(root.get_mut(), &span, ""));
        let Some(removed) = removed.filter(|_| set_aside.len() < MAX_SET_ASIDE) else {
            if set_aside.is_empty() {
                return Err(toml_error(source, &error));
            }
            set_aside.push(aside(source, error, String::new()));
            return Err(SpecError::Invalid {
                origin: source.origin.clone(),
                issues: set_aside.into_iter().map(|s| s.issue).collect(),
            });
        };
        set_aside.push(aside(source, error, removed));
    }
}

fn aside(source: &Source<'_>, error: toml::de::Error, removed: String) -> SetAside {
    let start = error.span().map(|s| s.start);
    let field = removed.rsplit('.').next().unwrap_or("");
    let key = match start.and_then(|s| source.key_path_at(s)) {
        Some(table) if !field.is_empty() && !table.ends_with(field) => format!("{table}.{field}"),
        Some(table) => table,
        None if !field.is_empty() => field.to_string(),
        None => "model file".to_string(),
    };
    let issue = Issue::new(key, friendly_toml(error.message().trim()))
        .line(start.map(|s| source.line_of(s)));
    SetAside {
        issue,
        removed,
        error,
    }
}

/// Remove the innermost table entry whose key or value holds `span`; returns its key path.
/// Nested tables are searched first (their spans need not lie inside their parents').
fn remove_at(table: &mut DeTable<'_>, span: &std::ops::Range<usize>, path: &str) -> Option<String> {
    for (key, value) in table.iter_mut() {
        if let Some(found) = remove_in_value(value, span, &join(path, key.get_ref())) {
            return Some(found);
        }
    }
    let holds = |s: std::ops::Range<usize>| s.start <= span.start && span.end <= s.end;
    let name = table
        .iter()
        .find(|(k, v)| holds(k.span()) || holds(v.span()))
        .map(|(k, _)| k.get_ref().to_string())?;
    table.remove(name.as_str());
    Some(join(path, &name))
}

fn remove_in_value(
    value: &mut Spanned<DeValue<'_>>,
    span: &std::ops::Range<usize>,
    path: &str,
) -> Option<String> {
    match value.get_mut() {
        DeValue::Table(t) => remove_at(t, span, path),
        DeValue::Array(items) => items.iter_mut().find_map(|item| match item.get_mut() {
            DeValue::Table(t) => remove_at(t, span, path),
            _ => None,
        }),
        _ => None,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A TOML parse or type error, located by line and key path.
pub(super) fn toml_error(source: &Source<'_>, error: &toml::de::Error) -> SpecError {
    let start = error.span().map(|s| s.start);
    let line = start.map(|s| source.line_of(s));
    SpecError::Toml {
        origin: source.origin.clone(),
        line,
        key: start.and_then(|s| source.key_path_at(s)),
        message: error.message().trim().to_string(),
        text: line
            .and_then(|l| source.line_text(l))
            .map(|t| t.trim_end().to_string()),
    }
}

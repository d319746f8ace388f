//! Maps byte offsets in a model file to line numbers and dotted key paths for error messages.

/// The text of a model file and the name to show for it.
pub(crate) struct Source<'a> {
    /// What to call the file in messages (its path, or "model file").
    pub origin: String,
    /// The whole text.
    pub text: &'a str,
}

impl Source<'_> {
    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        self.text.lines().nth(line.checked_sub(1)?)
    }

    /// The dotted key path of the table (or inline table) enclosing byte `offset`:
    /// `channel.tv.adstock` for an offset inside `adstock = { ... }` of the `[[channel]]`
    /// whose `name` is `tv`. A best-effort scan, for messages only.
    pub fn key_path_at(&self, offset: usize) -> Option<String> {
        let mut scan = Scan::default();
        for (i, c) in self.text.char_indices() {
            if i >= offset {
                break;
            }
            scan.step(c);
        }
        // An offset on a header line (serde's "missing field" points at the header): finish
        // reading that header so the path names it rather than the one before.
        let line_start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        if scan.frames.is_empty() && self.text[line_start..].trim_start().starts_with('[') {
            let rest = &self.text[offset.min(self.text.len())..];
            let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
            rest[..end]
                .chars()
                .chain(std::iter::once('\n'))
                .for_each(|c| scan.step(c));
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some((name, start, is_array)) = &scan.header {
            let label = if *is_array {
                element_label(&self.text[*start..])
                    .unwrap_or_else(|| format!("#{}", scan.count(name)))
            } else {
                String::new()
            };
            parts.push(name.clone());
            if !label.is_empty() {
                parts.push(label);
            }
        }
        parts.extend(scan.frames.iter().filter_map(|f| match f {
            Frame::Table(key) => Some(key.clone()),
            Frame::Array => None,
        }));
        (!parts.is_empty()).then(|| parts.join("."))
    }
}

/// An open inline table (under its key) or array.
enum Frame {
    Table(String),
    Array,
}

/// State of the left-to-right scan that [`Source::key_path_at`] runs.
#[derive(Default)]
struct Scan {
    /// Current header: name, byte offset after it, array of tables or not.
    header: Option<(String, usize, bool)>,
    /// Header names of arrays of tables seen so far (repeats count elements).
    seen_arrays: Vec<String>,
    frames: Vec<Frame>,
    /// Characters of the key being read, when in key position.
    key: String,
    in_value: bool,
    quote: Option<char>,
    escaped: bool,
    comment: bool,
    /// Characters of a header line being read.
    header_text: Option<String>,
    offset: usize,
}

impl Scan {
    fn count(&self, name: &str) -> usize {
        self.seen_arrays.iter().filter(|n| *n == name).count()
    }

    fn step(&mut self, c: char) {
        self.offset += c.len_utf8();
        if let Some(text) = &mut self.header_text {
            if c == '\n' {
                let raw = text.trim().to_string();
                self.header_text = None;
                self.finish_header(&raw);
            } else {
                text.push(c);
            }
            return;
        }
        if self.comment {
            self.comment = c != '\n';
            if c == '\n' {
                self.newline();
            }
            return;
        }
        if let Some(q) = self.quote {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' && q == '"' {
                self.escaped = true;
            } else if c == q {
                self.quote = None;
            }
            if !self.in_value {
                self.key.push(c);
            }
            return;
        }
        match c {
            '"' | '\'' => {
                self.quote = Some(c);
                if !self.in_value {
                    self.key.push(c);
                }
            }
            '#' => self.comment = true,
            '\n' => self.newline(),
            '[' if !self.in_value && self.frames.is_empty() && self.key.trim().is_empty() => {
                self.header_text = Some(String::from("["));
            }
            '=' if !self.in_value => {
                self.in_value = true;
            }
            '{' if self.in_value => {
                let key = self.key.trim().trim_matches(['"', '\'']).to_string();
                self.frames.push(Frame::Table(key));
                self.key.clear();
                self.in_value = false;
            }
            '[' if self.in_value => self.frames.push(Frame::Array),
            ']' if matches!(self.frames.last(), Some(Frame::Array)) => {
                self.frames.pop();
            }
            '}' => {
                self.frames.pop();
                self.in_value = true;
            }
            ',' if matches!(self.frames.last(), Some(Frame::Table(_))) => {
                self.key.clear();
                self.in_value = false;
            }
            _ if !self.in_value => self.key.push(c),
            _ => {}
        }
    }

    fn newline(&mut self) {
        if self.frames.is_empty() {
            self.key.clear();
            self.in_value = false;
        }
    }

    fn finish_header(&mut self, raw: &str) {
        let raw = raw.split('#').next().unwrap_or_default().trim();
        let is_array = raw.starts_with("[[");
        let name = raw.trim_matches(['[', ']']).trim().to_string();
        if is_array {
            self.seen_arrays.push(name.clone());
        }
        self.header = Some((name, self.offset, is_array));
        self.key.clear();
        self.in_value = false;
    }
}

/// The `name` (or else `column`) of the array-of-tables element whose body starts `body`.
fn element_label(body: &str) -> Option<String> {
    let lines: Vec<&str> = body
        .lines()
        .take_while(|l| !l.trim_start().starts_with('['))
        .collect();
    ["name", "column"].iter().find_map(|key| {
        lines.iter().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            if k.trim() != *key {
                return None;
            }
            let v = v.trim();
            let q = v.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let inner = &v[1..];
            Some(inner[..inner.find(q)?].to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# a model
[data]
target = "y"   # [not a header]

[[channel]]
name = "tv"
adstock = { type = "geometric", alpha = { dist = "beta", alpha = 1.0 } }

[[channel]]
column = "x2"
saturation = { type = "hill",
  k = { dist = "gamma" } }
"#;

    fn source() -> Source<'static> {
        Source {
            origin: "m.toml".into(),
            text: TEXT,
        }
    }

    fn offset_of(needle: &str) -> usize {
        TEXT.find(needle).unwrap()
    }

    #[test]
    fn lines_are_one_based() {
        let s = source();
        assert_eq!(s.line_of(0), 1);
        assert_eq!(s.line_of(offset_of("target")), 3);
        assert_eq!(s.line_text(3), Some(r#"target = "y"   # [not a header]"#));
    }

    #[test]
    fn key_path_names_the_table_and_inline_tables() {
        let s = source();
        assert_eq!(s.key_path_at(offset_of("target")).as_deref(), Some("data"));
        assert_eq!(
            s.key_path_at(offset_of("type = \"geometric\"")).as_deref(),
            Some("channel.tv.adstock")
        );
        assert_eq!(
            s.key_path_at(offset_of("alpha = 1.0")).as_deref(),
            Some("channel.tv.adstock.alpha")
        );
        assert_eq!(
            s.key_path_at(offset_of("dist = \"gamma\"")).as_deref(),
            Some("channel.x2.saturation.k")
        );
        assert_eq!(s.key_path_at(offset_of("[data]")).as_deref(), Some("data"));
        assert_eq!(
            s.key_path_at(offset_of("[[channel]]\ncolumn")).as_deref(),
            Some("channel.x2")
        );
    }
}

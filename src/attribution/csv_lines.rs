//! CSV records read line by line from a stream, each knowing the physical line it starts on
//! (blank lines and CRLF endings included), as an editor numbers them.
//!
//! RFC 4180 quoting: a field in double quotes may hold commas, doubled quotes and line breaks;
//! a record continues onto the next line while a quote is open. Cells are trimmed, and a
//! leading byte-order mark is dropped.

use std::io::BufRead;

/// Why a record could not be read.
#[derive(Debug)]
pub enum LineError {
    /// The stream failed.
    Io(std::io::Error),
    /// The text is not UTF-8, on this line.
    Utf8(u64),
    /// A quote opened on this line is never closed.
    OpenQuote(u64),
}

/// One record: its cells, unquoted and trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    text: String,
    ends: Vec<usize>,
    /// `text` is the line itself, commas included (no quotes in it).
    unquoted: bool,
}

impl Record {
    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Cell `i` (empty past the end).
    pub fn get(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = match i {
            0 => 0,
            _ if self.unquoted => self.ends[i - 1] + 1,
            _ => self.ends[i - 1],
        };
        self.text[start..end].trim()
    }

    /// Every cell.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Split `line` (terminators removed) into cells.
    fn parse(&mut self, line: &str) {
        self.text.clear();
        self.ends.clear();
        self.unquoted = !line.contains('"');
        if self.unquoted {
            // The common case: no quoting, cells end at the commas.
            self.text.push_str(line);
            self.ends.extend(
                line.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b',')
                    .map(|(i, _)| i),
            );
            self.ends.push(line.len());
            return;
        }
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        let mut field_start = 0;
        while let Some(ch) = chars.next() {
            match ch {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    self.text.push('"');
                }
                '"' if quoted => quoted = false,
                '"' if self.text[field_start..].trim().is_empty() => {
                    self.text.truncate(field_start);
                    quoted = true;
                }
                ',' if !quoted => {
                    self.ends.push(self.text.len());
                    field_start = self.text.len();
                }
                _ => self.text.push(ch),
            }
        }
        self.ends.push(self.text.len());
    }
}

/// Reads [`Record`]s from a buffered stream.
#[derive(Debug)]
pub struct CsvLines<R> {
    reader: R,
    line: u64,
    buffer: String,
}

impl<R: BufRead> CsvLines<R> {
    /// Start at line 1.
    pub fn new(reader: R) -> Self {
        CsvLines {
            reader,
            line: 0,
            buffer: String::new(),
        }
    }

    fn read_line(&mut self) -> Result<usize, LineError> {
        let n = self.reader.read_line(&mut self.buffer).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                LineError::Utf8(self.line + 1)
            } else {
                LineError::Io(e)
            }
        })?;
        if n > 0 {
            self.line += 1;
        }
        Ok(n)
    }

    /// The next non-blank record into `record`, with the line it starts on; `None` at the end.
    pub fn next_record(&mut self, record: &mut Record) -> Result<Option<u64>, LineError> {
        loop {
            self.buffer.clear();
            if self.read_line()? == 0 {
                return Ok(None);
            }
            let start = self.line;
            while self.buffer.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
                if self.read_line()? == 0 {
                    return Err(LineError::OpenQuote(start));
                }
            }
            let mut text = self.buffer.trim_end_matches(['\n', '\r']);
            if start == 1 {
                text = text.trim_start_matches('\u{feff}');
            }
            if text.trim().is_empty() {
                continue;
            }
            record.parse(text);
            return Ok(Some(start));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> Result<Vec<(u64, Vec<String>)>, LineError> {
        let mut lines = CsvLines::new(text);
        let mut r = Record::default();
        let mut out = Vec::new();
        while let Some(line) = lines.next_record(&mut r)? {
            out.push((line, r.iter().map(str::to_string).collect()));
        }
        Ok(out)
    }

    #[test]
    fn lines_count_blank_lines_crlf_and_quoted_line_breaks() {
        let text = "\u{feff}a,b\r\n\r\n 1 , \"x, \"\"y\"\"\" \r\n\"multi\nline\",2\n\n3,\n";
        let got = records(text.as_bytes()).unwrap();
        let want: Vec<(u64, Vec<String>)> = vec![
            (1, vec!["a".into(), "b".into()]),
            (3, vec!["1".into(), "x, \"y\"".into()]),
            (4, vec!["multi\nline".into(), "2".into()]),
            (7, vec!["3".into(), String::new()]),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn an_unclosed_quote_and_bad_utf8_name_their_line() {
        assert!(matches!(
            records(b"a\n\"open,1\n2\n"),
            Err(LineError::OpenQuote(2))
        ));
        assert!(matches!(
            records(b"a\nb\n\xff\xfe\n"),
            Err(LineError::Utf8(3))
        ));
    }
}

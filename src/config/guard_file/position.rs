//! Positions in the `GUARD_CONFIG` file: byte offsets (from `toml`'s spans)
//! as line numbers, and the key an error is about, so that each error is
//! one line naming the file, the line and the key.

use std::ops::Range;

use super::super::error::ConfigError;

/// The file being read, to turn spans into positions.
pub(super) struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl<'a> Locator<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Locator { file, text }
    }

    /// The file, as named in errors.
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        1 + self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    }

    /// `file:line` of byte `offset`.
    pub fn place(&self, offset: usize) -> String {
        format!("{}:{}", self.file, self.line(offset))
    }

    /// An error about `key`, at `span`.
    pub fn error(&self, span: Range<usize>, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::GuardFile {
            file: self.file.to_owned(),
            line: self.line(span.start),
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    /// A parse or type error from `toml`, with the key found at its span.
    pub fn serde_error(&self, error: &toml::de::Error) -> ConfigError {
        let span = error.span().unwrap_or(0..0);
        let reason = error.message().trim().replace('\n', " ");
        ConfigError::GuardFile {
            file: self.file.to_owned(),
            line: self.line(span.start),
            key: self.key_at(span.start),
            reason,
        }
    }

    /// The dotted key (`rule.methods`) of the line holding `offset`: its
    /// table header's name, or the key assigned on it (or on the line
    /// where a multi-line value began), under the nearest header above.
    fn key_at(&self, offset: usize) -> String {
        let start = offset.min(self.text.len());
        let before = &self.text[..self.text.floor_char_boundary_compat(start)];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[line_start..]
            .find('\n')
            .map_or(self.text.len(), |i| line_start + i);
        let line = self.text[line_start..line_end].trim();
        if line.starts_with('[') {
            return header_name(line);
        }
        let table = self.text[..line_start]
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with('['))
            .map(header_name);
        let above = self.text[..line_start].lines().rev().map(str::trim);
        let assigned = std::iter::once(line)
            .chain(above.take_while(|l| !l.starts_with('[')))
            .find_map(|l| {
                let (key, _) = l.split_once('=')?;
                let key = key.trim().trim_matches('"');
                (!key.is_empty() && !key.starts_with('#') && !key.contains(char::is_whitespace))
                    .then(|| key.to_owned())
            });
        match (table, assigned) {
            (Some(table), Some(key)) => format!("{table}.{key}"),
            (None, Some(key)) => key,
            (Some(table), None) => table,
            (None, None) => "(file)".to_owned(),
        }
    }
}

/// `[[rule]]` → `rule`; `[forward_auth]` → `forward_auth`.
fn header_name(line: &str) -> String {
    let inner = line.trim_start_matches('[');
    let inner = inner.split(']').next().unwrap_or(inner);
    inner.trim().trim_matches('"').to_owned()
}

/// `str::floor_char_boundary` is not stable yet on our MSRV.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, index: usize) -> usize {
        let mut i = index.min(self.len());
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

//! Why a policy set cannot be loaded: always at a file and line, naming
//! the policy when one is at fault, so the start (and `policy check`)
//! stops with a message the author can act on.

use thiserror::Error;

/// A policy file or schema that does not parse or validate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{file}:{line}: {what}: {reason}")]
pub struct PolicyLoadError {
    /// The file as `[policies]` named it.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// `policy "<id>"`, `policies` or `schema`.
    pub what: String,
    /// Cedar's message, or ours.
    pub reason: String,
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The first labelled offset of a Cedar diagnostic, if it has one.
pub(crate) fn first_offset(diagnostic: &dyn miette::Diagnostic) -> Option<usize> {
    if let Some(offset) = diagnostic
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset())
    {
        return Some(offset);
    }
    diagnostic
        .related()
        .and_then(|mut related| related.find_map(first_offset))
}

#[cfg(test)]
mod tests {
    use super::line_of;

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
        assert_eq!(line_of("a\nb", 99), 2);
    }
}

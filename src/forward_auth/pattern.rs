//! A rule's path pattern, compiled once at start: exact segments, `*` for
//! exactly one (non-empty) segment, `{name}` for one segment captured
//! under that name (for the policies), and a trailing `/**` for a prefix
//! and everything below it. Patterns are matched against the normalised,
//! decoded path (`normalise`), segment by segment, case-sensitively, with
//! no allocation.

use std::fmt;

use super::readings::fold;

/// One segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// This text exactly (empty only as the last segment of a pattern
    /// ending in `/`).
    Literal(Box<str>),
    /// Any one non-empty segment.
    Any,
    /// Any one non-empty segment, captured under this name.
    Capture(Box<str>),
}

/// A compiled path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    /// As the operator wrote it, for messages.
    text: Box<str>,
    segments: Vec<Segment>,
    /// Ends in `/**`: the segments, then anything (or nothing) below.
    prefix: bool,
}

/// The characters a pattern may hold besides `/` and `*`: a decoded path
/// can hold others, but a pattern holding them is almost surely a mistake
/// (a query, an escape, a control character) that would never match.
fn pattern_char(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '?' | '#' | '%' | '\\' | '*' | '/' | '{' | '}')
        && !c.is_whitespace()
}

impl PathPattern {
    /// Compiles `text`, or says why it can never match as meant.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err("a path pattern starts with `/`".to_owned());
        };
        let (body, prefix) = match rest.strip_suffix("**") {
            Some("") => ("", true),
            Some(head) if head.ends_with('/') => (&head[..head.len() - 1], true),
            _ => (rest, false),
        };
        let segments = match text {
            // The root alone has one empty segment; `/**` needs none.
            "/" => vec![Segment::Literal("".into())],
            "/**" => Vec::new(),
            _ => {
                let parts: Vec<&str> = body.split('/').collect();
                let last = parts.len() - 1;
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, part)| Self::segment(part, i == last && !prefix))
                    .collect::<Result<_, _>>()?
            }
        };
        let mut names: Vec<&str> = Vec::new();
        for segment in &segments {
            if let Segment::Capture(name) = segment {
                if names.contains(&&**name) {
                    return Err(format!("{{{name}}} is captured twice"));
                }
                names.push(name);
            }
        }
        Ok(PathPattern {
            text: text.into(),
            segments,
            prefix,
        })
    }

    fn segment(part: &str, last: bool) -> Result<Segment, String> {
        match part {
            "*" => Ok(Segment::Any),
            _ if part.starts_with('{') && part.ends_with('}') && part.len() > 2 => {
                let name = &part[1..part.len() - 1];
                let mut chars = name.chars();
                let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
                if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && name.len() <= 64 {
                    Ok(Segment::Capture(name.into()))
                } else {
                    Err(format!("{{{name}}}: a capture's name is a letter or `_`, then letters, digits or `_` (at most 64)"))
                }
            }
            _ if part.contains('{') || part.contains('}') => Err(
                "`{name}` captures one whole segment: `/a/{name}/b`, not `/a/x{name}`".to_owned(),
            ),
            "" if last => Ok(Segment::Literal("".into())),
            "" => Err("an empty segment (`//`) never matches: paths with one are refused".to_owned()),
            "." | ".." => Err(format!(
                "a `{part}` segment never matches: paths with one are refused"
            )),
            _ if part.contains("**") => {
                Err("`**` stands for the rest of the path: only as the last segment, `/**`".to_owned())
            }
            _ if part.contains('*') => {
                Err("`*` stands for one whole segment: `/a/*/b`, not `/a*`".to_owned())
            }
            _ => match part.chars().find(|&c| !pattern_char(c)) {
                Some(c) => Err(format!(
                    "{c:?} never matches as meant: patterns are matched against the decoded path, without its query (write characters, not %-escapes)"
                )),
                None => Ok(Segment::Literal(part.into())),
            },
        }
    }

    /// Whether the normalised `path` (starting with `/`) matches.
    pub fn matches(&self, path: &str) -> bool {
        let mut parts = path.get(1..).unwrap_or_default().split('/');
        for segment in &self.segments {
            let Some(part) = parts.next() else {
                return false;
            };
            let matched = match segment {
                Segment::Literal(text) => **text == *part,
                Segment::Any | Segment::Capture(_) => !part.is_empty(),
            };
            if !matched {
                return false;
            }
        }
        // `/api/**` takes `/api` and `/api/...`; an exact pattern nothing more.
        self.prefix || parts.next().is_none()
    }

    /// Whether it matches only paths ending in `/` (`/api/x/`): a
    /// non-strict router serves `/api/x` with such a route too.
    pub fn wants_trailing_slash(&self) -> bool {
        !self.prefix && self.text.len() > 1 && self.text.ends_with('/')
    }

    /// This pattern as a case-insensitive router reads it (`readings::fold`
    /// on every literal segment), matched against folded paths.
    pub fn folded(&self) -> PathPattern {
        PathPattern {
            text: fold(&self.text).into(),
            segments: self
                .segments
                .iter()
                .map(|segment| match segment {
                    Segment::Literal(text) => Segment::Literal(fold(text).into()),
                    other => other.clone(),
                })
                .collect(),
            prefix: self.prefix,
        }
    }

    /// Whether every path `other` matches, this one matches too (so a rule
    /// with `other` placed after one with `self` is never reached). Exact:
    /// never claims so wrongly; may miss exotic overlaps.
    pub fn covers(&self, other: &PathPattern) -> bool {
        let n = self.segments.len();
        if self.prefix {
            if other.segments.len() < n {
                return false;
            }
        } else if other.prefix || other.segments.len() != n {
            return false;
        }
        self.segments
            .iter()
            .zip(&other.segments)
            .all(|(mine, theirs)| match (mine, theirs) {
                (Segment::Any | Segment::Capture(_), Segment::Any | Segment::Capture(_)) => true,
                (Segment::Any | Segment::Capture(_), Segment::Literal(text)) => !text.is_empty(),
                (Segment::Literal(a), Segment::Literal(b)) => a == b,
                (Segment::Literal(_), Segment::Any | Segment::Capture(_)) => false,
            })
    }

    /// The names of its `{name}` captures, in order.
    pub fn capture_names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Capture(name) => Some(&**name),
            _ => None,
        })
    }

    /// The captures of a `path` this pattern matches: each `{name}` and
    /// the segment it stands for.
    pub fn captures<'p>(&'p self, path: &'p str) -> Vec<(&'p str, &'p str)> {
        let parts = path.get(1..).unwrap_or_default().split('/');
        self.segments
            .iter()
            .zip(parts)
            .filter_map(|(segment, part)| match segment {
                Segment::Capture(name) => Some((&**name, part)),
                _ => None,
            })
            .collect()
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
#[path = "pattern_tests.rs"]
mod tests;

//! The security boundary of forward-auth: the original request's target,
//! as the gateway reports it, becomes the one path the rules are matched
//! against. The query is dropped and the path percent-decoded; anything
//! that two servers could read differently is refused, never guessed: the
//! gateway routes on one reading and the upstream serves another, so a
//! guess here is how forward-auth setups get bypassed. Beyond the
//! contract's list, a raw `;` (a path parameter to servlet containers) and
//! an escape that survives decoding (`%2561`, for servers that decode
//! twice) are refused for the same reason. Pure, allocation-free when there
//! is nothing to decode.

use std::borrow::Cow;

use thiserror::Error;

/// The longest path accepted, in bytes as sent (before decoding).
pub const MAX_PATH_BYTES: usize = 8 * 1024;

/// Why a target is refused. The text is the client's `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PathRefusal {
    #[error("the original path is longer than 8 KiB")]
    TooLong,
    #[error("the original path does not start with /")]
    NotAbsolute,
    #[error("the original path holds a character that is not allowed raw (a space, a control character, a fragment or non-ASCII)")]
    RawCharacter,
    #[error("the original path holds an invalid percent-escape")]
    BadEscape,
    #[error("the original path holds an encoded / or \\")]
    EncodedSeparator,
    #[error("the original path holds a backslash")]
    Backslash,
    #[error("the original path holds a control character or NUL")]
    Control,
    #[error("the original path is not UTF-8 once decoded")]
    NotUtf8,
    #[error("the original path holds a ; (a path parameter to some servers)")]
    PathParameter,
    #[error("the original path still holds a percent-escape once decoded (double encoding)")]
    DoubleEncoded,
    #[error("the original path holds an empty segment (//)")]
    EmptySegment,
    #[error("the original path holds a . or .. segment")]
    DotSegment,
}

impl PathRefusal {
    /// A stable snake_case name, for logs.
    pub fn label(self) -> &'static str {
        match self {
            PathRefusal::TooLong => "path_too_long",
            PathRefusal::NotAbsolute => "path_not_absolute",
            PathRefusal::RawCharacter => "path_raw_character",
            PathRefusal::BadEscape => "path_bad_escape",
            PathRefusal::EncodedSeparator => "path_encoded_separator",
            PathRefusal::Backslash => "path_backslash",
            PathRefusal::Control => "path_control",
            PathRefusal::NotUtf8 => "path_not_utf8",
            PathRefusal::PathParameter => "path_parameter",
            PathRefusal::DoubleEncoded => "path_double_encoded",
            PathRefusal::EmptySegment => "path_empty_segment",
            PathRefusal::DotSegment => "path_dot_segment",
        }
    }
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// The path of `target` (a request-target in origin form, e.g.
/// `/api/x?y=1`), decoded, or why it is refused.
pub fn normalise(target: &str) -> Result<Cow<'_, str>, PathRefusal> {
    // Byte loops rather than `find`/`contains`: a gateway asks on every
    // request, and these paths are short.
    let raw = match target.bytes().position(|b| b == b'?') {
        Some(query) => &target[..query],
        None => target,
    };
    if raw.len() > MAX_PATH_BYTES {
        return Err(PathRefusal::TooLong);
    }
    if !raw.starts_with('/') {
        return Err(PathRefusal::NotAbsolute);
    }
    let mut escaped = false;
    for &byte in raw.as_bytes() {
        match byte {
            b'\\' => return Err(PathRefusal::Backslash),
            0x00..=0x1f | 0x7f => return Err(PathRefusal::Control),
            b' ' | b'#' | 0x80..=0xff => return Err(PathRefusal::RawCharacter),
            // Servlet containers cut `/admin;x/y` to `/admin/y`.
            b';' => return Err(PathRefusal::PathParameter),
            b'%' => escaped = true,
            _ => {}
        }
    }
    let path = if escaped {
        Cow::Owned(decode(raw)?)
    } else {
        Cow::Borrowed(raw)
    };
    check_segments(&path)?;
    Ok(path)
}

/// Percent-decodes `raw` (already free of raw bytes that need escaping),
/// refusing what must not appear decoded.
fn decode(raw: &str) -> Result<String, PathRefusal> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte != b'%' {
            decoded.push(byte);
            i += 1;
            continue;
        }
        let (Some(high), Some(low)) = (
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) else {
            return Err(PathRefusal::BadEscape);
        };
        let value = high << 4 | low;
        match value {
            b'/' | b'\\' => return Err(PathRefusal::EncodedSeparator),
            0x00..=0x1f | 0x7f => return Err(PathRefusal::Control),
            _ => decoded.push(value),
        }
        i += 3;
    }
    // `%2561` is `%61` to us and `a` to a server that decodes twice.
    if decoded
        .windows(3)
        .any(|w| w[0] == b'%' && hex(w[1]).is_some() && hex(w[2]).is_some())
    {
        return Err(PathRefusal::DoubleEncoded);
    }
    let text = String::from_utf8(decoded).map_err(|_| PathRefusal::NotUtf8)?;
    // C1 controls (U+0080..U+009F) and the like, now that they are chars.
    if text.chars().any(char::is_control) {
        return Err(PathRefusal::Control);
    }
    Ok(text)
}

/// Segments of the decoded path: none empty but a last one (`/api/x/`),
/// none `.` or `..`.
fn check_segments(path: &str) -> Result<(), PathRefusal> {
    if path == "/" {
        return Ok(());
    }
    let mut segments = path[1..].split('/').peekable();
    while let Some(segment) = segments.next() {
        match segment {
            "" if segments.peek().is_some() => return Err(PathRefusal::EmptySegment),
            "." | ".." => return Err(PathRefusal::DotSegment),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "normalise_tests.rs"]
mod tests;

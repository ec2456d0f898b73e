//! Arbitrary bytes against forward-auth's path normaliser and the rule
//! patterns. Nothing may panic; an accepted path must hold none of what the
//! normaliser refuses (the oracle re-checks independently); and when one
//! pattern is said to cover another, every path the second matches, the
//! first matches too (a rule refused as never reached really is).
//!
//! The first byte picks the mode:
//! - 0: the rest is a request-target, normalised;
//! - 1: the rest is `pattern \n pattern \n target`.
#![no_main]

use cognito_guard::forward_auth::{normalise, PathPattern};
use libfuzzer_sys::fuzz_target;

fn check_accepted(target: &str, path: &str) {
    let raw = target.split('?').next().unwrap_or_default();
    assert!(raw.len() <= 8 * 1024, "too long accepted");
    assert!(path.starts_with('/'), "{path:?}");
    assert!(!path.contains('\\'), "{path:?}");
    assert!(!path.chars().any(char::is_control), "{path:?}");
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        assert!(*segment != "." && *segment != "..", "{path:?}");
        assert!(
            !segment.is_empty() || i + 1 == segments.len(),
            "empty segment in {path:?}"
        );
    }
    let bytes = path.as_bytes();
    for w in bytes.windows(3) {
        assert!(
            !(w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit()),
            "an escape survived in {path:?}"
        );
    }
    if !raw.contains('%') {
        assert_eq!(path, raw, "nothing to decode, nothing changed");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode % 2 {
        0 => {
            if let Ok(path) = normalise(text) {
                check_accepted(text, &path);
            }
        }
        _ => {
            let mut parts = text.splitn(3, '\n');
            let (Some(a), Some(b), Some(target)) = (parts.next(), parts.next(), parts.next())
            else {
                return;
            };
            let (Ok(a), Ok(b)) = (PathPattern::parse(a), PathPattern::parse(b)) else {
                return;
            };
            let Ok(path) = normalise(target) else {
                return;
            };
            if a.covers(&b) && b.matches(&path) {
                assert!(a.matches(&path), "{a} covers {b} but not {path:?}");
            }
        }
    }
});

//! Arbitrary bytes against forward-auth's path normaliser and the rule
//! patterns. Nothing may panic; an accepted path must hold none of what the
//! normaliser refuses (the oracle re-checks independently); and when one
//! pattern is said to cover another, every path the second matches, the
//! first matches too (a rule refused as never reached really is); and a
//! path the rules decide under rule R is, lowercased (with the three
//! look-alike letters) and without one trailing slash, still matched first
//! by R, by patterns lowercased independently here.
//!
//! The first byte picks the mode:
//! - 0: the rest is a request-target, normalised;
//! - 1: the rest is `pattern \n pattern \n target`;
//! - 2: the rest is `pattern \n ... \n target`: rules in order, then a
//!   target, decided for GET.
#![no_main]

use actix_web::http::Method;
use cognito_guard::auth::Policy;
use cognito_guard::forward_auth::{
    normalise, ForwardAuth, ForwardAuthSettings, Gateway, PathPattern, RuleAccess, RuleSettings,
};
use libfuzzer_sys::fuzz_target;

/// How a case-insensitive, non-strict router reads a path or a pattern:
/// written apart from the guard's own folding, as its oracle.
fn lowered(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0131}' => 'i',
            '\u{017F}' => 's',
            '\u{212A}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Mode 2: if the rules decide `target` under a rule, the lowered,
/// slash-less path is that rule's first too, among lowered patterns.
fn check_readings_agree(text: &str) {
    let mut lines: Vec<&str> = text.split('\n').collect();
    let Some(target) = lines.pop() else {
        return;
    };
    if lines.is_empty() || lines.len() > 8 {
        return;
    }
    let mut rules = Vec::with_capacity(lines.len());
    let mut lowered_patterns = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let (Ok(path), Ok(lower)) = (PathPattern::parse(line), PathPattern::parse(&lowered(line)))
        else {
            return;
        };
        rules.push(RuleSettings {
            name: format!("rule-{i}"),
            methods: None,
            path,
            access: RuleAccess::Policy(Policy::public()),
            audience: None,
        });
        lowered_patterns.push(lower);
    }
    let Ok(path) = normalise(target) else {
        return;
    };
    let settings = ForwardAuthSettings {
        gateway: Gateway::Nginx,
        trusted_peers: Vec::new(),
        assertion: None,
        rules,
        policies: None,
        policy_files: Vec::new(),
    };
    let rules = ForwardAuth::new(&settings, None);
    let Ok(Some(rule)) = rules.rule_for(&Method::GET, &path) else {
        return;
    };
    let mut read = lowered(&path);
    if read.len() > 1 && read.ends_with('/') {
        read.pop();
    }
    let first = lowered_patterns.iter().position(|p| p.matches(&read));
    assert_eq!(
        first.map(|i| format!("rule-{i}")).as_deref(),
        Some(rule.name()),
        "{path:?} decided by {} but read as {read:?}",
        rule.name()
    );
}

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
    match mode % 3 {
        0 => {
            if let Ok(path) = normalise(text) {
                check_accepted(text, &path);
            }
        }
        2 => check_readings_agree(text),
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

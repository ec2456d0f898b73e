//! The normaliser's table of cases: what each spelling becomes, or why it
//! is refused. Hostile spellings each get the refusal only they trigger.

use super::{normalise, PathRefusal, MAX_PATH_BYTES};
use crate::forward_auth::pattern::PathPattern;

use PathRefusal::*;

#[test]
fn accepted_spellings_and_their_decoded_form() {
    let cases = [
        ("/", "/"),
        ("/api/x", "/api/x"),
        ("/api/x/", "/api/x/"),
        ("/api/x?y=1", "/api/x"),
        ("/api/x?", "/api/x"),
        ("/?a=/../..", "/"),
        ("/api/x?q=%zz", "/api/x"),
        ("/api/%61dmin/x", "/api/admin/x"),
        ("/api/%41DMIN", "/api/ADMIN"),
        ("/a%20b", "/a b"),
        ("/caf%C3%A9", "/café"),
        ("/a%25", "/a%"),
        ("/a%3Fb", "/a?b"),
        ("/a%23b", "/a#b"),
        ("/a%3Bb", "/a;b"),
        ("/..a/b..", "/..a/b.."),
        ("/.well-known/x", "/.well-known/x"),
        ("/a%2e%2e.b", "/a...b"),
        ("/~user/x-y_z", "/~user/x-y_z"),
    ];
    for (target, expected) in cases {
        assert_eq!(normalise(target).as_deref(), Ok(expected), "{target}");
    }
}

#[test]
fn ambiguous_spellings_are_refused_each_for_its_reason() {
    let cases = [
        ("", NotAbsolute),
        ("api/x", NotAbsolute),
        ("http://host/api/x", NotAbsolute),
        ("*", NotAbsolute),
        ("%2Fapi", NotAbsolute),
        ("/api%2Fadmin", EncodedSeparator),
        ("/api%2fadmin", EncodedSeparator),
        ("/api%5Cadmin", EncodedSeparator),
        ("/api%5cadmin", EncodedSeparator),
        ("/api\\admin", Backslash),
        ("/api/.", DotSegment),
        ("/api/./x", DotSegment),
        ("/api/../admin", DotSegment),
        ("/..", DotSegment),
        ("/api/%2e/x", DotSegment),
        ("/api/%2E%2E/admin", DotSegment),
        ("/api/%2e./admin", DotSegment),
        ("/api/.%2e/admin", DotSegment),
        ("/api/..?x", DotSegment),
        ("//api", EmptySegment),
        ("/api//x", EmptySegment),
        ("/api/x//", EmptySegment),
        ("//", EmptySegment),
        ("/a\u{0}b", Control),
        ("/a\tb", Control),
        ("/a\rb", Control),
        ("/a\u{7f}b", Control),
        ("/a%00b", Control),
        ("/a%0ab", Control),
        ("/a%0D%0AX-Auth-Request-User:%20x", Control),
        ("/a%7f", Control),
        ("/a%C2%85", Control),
        ("/a%", BadEscape),
        ("/a%4", BadEscape),
        ("/a%4g", BadEscape),
        ("/a%%41", BadEscape),
        ("/a%u0041", BadEscape),
        ("/a%ff", NotUtf8),
        ("/a%C3", NotUtf8),
        ("/a%C0%AF", NotUtf8),
        ("/a%ED%A0%80", NotUtf8),
        ("/a b", RawCharacter),
        ("/a#b", RawCharacter),
        ("/café", RawCharacter),
        ("/admin;x/y", PathParameter),
        ("/api/%2561dmin", DoubleEncoded),
        ("/api/%252F", DoubleEncoded),
    ];
    for (target, refusal) in cases {
        assert_eq!(normalise(target), Err(refusal), "{target:?}");
    }
}

#[test]
fn the_length_limit_is_on_the_path_as_sent() {
    let at_limit = format!("/{}", "a".repeat(MAX_PATH_BYTES - 1));
    assert!(normalise(&at_limit).is_ok());
    let over = format!("/{}", "a".repeat(MAX_PATH_BYTES));
    assert_eq!(normalise(&over), Err(TooLong));
    // A long query does not count: it is dropped.
    assert!(normalise(&format!("/a?{}", "q".repeat(MAX_PATH_BYTES))).is_ok());
    // Escapes count as sent, not as decoded.
    let escaped = format!("/{}", "%61".repeat(MAX_PATH_BYTES / 3 + 1));
    assert_eq!(normalise(&escaped), Err(TooLong));
}

#[test]
fn an_encoded_spelling_is_never_routed_past_a_stricter_rule() {
    let admin = PathPattern::parse("/api/admin/**").expect("pattern");
    for target in [
        "/api/%61dmin/x",
        "/api/%61%64%6d%69%6e/x",
        "/api/admi%6E",
        "/%61pi/admin?x=1",
    ] {
        let path = normalise(target).expect("decodable");
        assert!(admin.matches(&path), "{target} read as {path}");
    }
    // Case matters after decoding too: %41 is `A`.
    let path = normalise("/api/%41dmin/x").expect("decodable");
    assert!(!admin.matches(&path));
}

#[test]
fn nothing_to_decode_borrows() {
    assert!(matches!(
        normalise("/api/x?y"),
        Ok(std::borrow::Cow::Borrowed("/api/x"))
    ));
}

/// A small, seeded stand-in for the fuzz target (`fuzz/fuzz_targets/
/// normalise.rs`) that runs with every `cargo test`: random spellings over
/// the characters that matter, and the same oracle.
#[test]
fn random_spellings_never_yield_what_is_refused() {
    const ALPHABET: &[u8] = b"/.%2eE5cCfF0a;?#\\ *x";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut accepted = 0;
    for _ in 0..100_000 {
        let len = 1 + (next() % 12) as usize;
        let mut target = String::from("/");
        for _ in 0..len {
            target.push(char::from(
                ALPHABET[(next() % ALPHABET.len() as u64) as usize],
            ));
        }
        let Ok(path) = normalise(&target) else {
            continue;
        };
        accepted += 1;
        assert!(
            path.starts_with('/') && !path.contains('\\'),
            "{target} → {path}"
        );
        assert!(!path.chars().any(char::is_control), "{target} → {path}");
        let segments: Vec<&str> = path[1..].split('/').collect();
        for (i, segment) in segments.iter().enumerate() {
            assert!(*segment != "." && *segment != "..", "{target} → {path}");
            assert!(
                !segment.is_empty() || i + 1 == segments.len(),
                "{target} → {path}"
            );
        }
        let bytes = path.as_bytes();
        assert!(
            !bytes
                .windows(3)
                .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit()),
            "{target} → {path}"
        );
    }
    assert!(
        accepted > 1_000,
        "the alphabet reaches accepted paths: {accepted}"
    );
}

//! The other readings an upstream may give a normalised path. Express,
//! Koa, NestJS and ASP.NET Core route case-insensitively, and most
//! frameworks serve `/x/` as `/x`: a path the rules read one way, such as
//! `/api/ADMIN/x` under `/api/**`, is then served as another rule's path
//! (`/api/admin/**`). So the rules also look a path up folded (ASCII
//! lower case, against folded patterns) and without its one trailing `/`;
//! readings that find different first rules are refused, never decided
//! under one of them (`rules::ForwardAuth::rule_for`).

use std::borrow::Cow;

/// The non-ASCII letters whose simple case mapping is an ASCII letter:
/// a router that folds case may read them as that letter.
const ASCII_LOOKALIKES: [(char, char); 3] = [
    ('\u{0131}', 'i'), // ı, dotless i: upper case I
    ('\u{017F}', 's'), // ſ, long s: upper case S
    ('\u{212A}', 'k'), // K, Kelvin sign: lower case k
];

/// One character as a case-insensitive router may read it.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    ASCII_LOOKALIKES
        .iter()
        .find(|(letter, _)| *letter == c)
        .map_or(c, |(_, ascii)| *ascii)
}

/// Whether folding could change `text`: an ASCII capital, or a non-ASCII
/// byte (which may start a look-alike letter). One pass over the bytes.
fn may_fold(text: &str) -> bool {
    text.bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
}

/// `text` as a case-insensitive router reads it: ASCII lower case, and
/// the three look-alike letters as their ASCII letter. Borrowed when
/// nothing changes, so the common lower-case path allocates nothing.
pub fn fold(text: &str) -> Cow<'_, str> {
    if !may_fold(text) {
        return Cow::Borrowed(text);
    }
    let folded: String = text.chars().map(fold_char).collect();
    if folded == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(folded)
    }
}

/// `path` without its one trailing `/` (never the root's), as a
/// non-strict router reads it; `None` when it has none.
pub fn without_trailing_slash(path: &str) -> Option<&str> {
    match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => Some(rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_lowers_ascii_and_the_three_lookalikes_only() {
        let cases = [
            ("/api/admin/x", "/api/admin/x"),
            ("/api/ADMIN/x", "/api/admin/x"),
            ("/API/Admin/X", "/api/admin/x"),
            ("/api/adm\u{0131}n/x", "/api/admin/x"),
            ("/api/report\u{017F}/q1", "/api/reports/q1"),
            ("/api/\u{212A}eys", "/api/keys"),
            // Other non-ASCII letters keep their case: the contract folds
            // ASCII, and these three because they fold to ASCII.
            ("/api/\u{00C9}t\u{00E9}", "/api/\u{00C9}t\u{00E9}"),
            ("/api/\u{0130}", "/api/\u{0130}"),
            ("/", "/"),
        ];
        for (path, folded) in cases {
            assert_eq!(fold(path), folded, "{path}");
        }
    }

    #[test]
    fn folding_borrows_when_nothing_changes() {
        assert!(matches!(fold("/api/items/42"), Cow::Borrowed(_)));
        assert!(matches!(fold("/api/\u{00E9}t\u{00E9}"), Cow::Borrowed(_)));
        assert!(matches!(fold("/api/Items"), Cow::Owned(_)));
    }

    #[test]
    fn one_trailing_slash_comes_off_but_never_the_roots() {
        assert_eq!(without_trailing_slash("/api/x/"), Some("/api/x"));
        assert_eq!(without_trailing_slash("/api/"), Some("/api"));
        assert_eq!(without_trailing_slash("/api/x"), None);
        assert_eq!(without_trailing_slash("/"), None);
    }
}

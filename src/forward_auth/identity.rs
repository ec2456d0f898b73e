//! The identity headers of an allowing answer: always all of them, empty
//! when the caller has no such value, so that the gateway overwrites
//! whatever a client sent under these names (Envoy forwards only the
//! headers the answer carries). oauth2-proxy's names where they exist.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::HttpResponseBuilder;

use super::rules::Rule;
use crate::auth::{Caller, TokenUse};

/// Every identity header, in the order they are written; names built at
/// compile time, so an answer parses none.
pub const HEADERS: [HeaderName; 10] = [
    HeaderName::from_static("x-auth-request-user"),
    HeaderName::from_static("x-auth-request-preferred-username"),
    HeaderName::from_static("x-auth-request-email"),
    HeaderName::from_static("x-auth-request-groups"),
    HeaderName::from_static("x-auth-request-scope"),
    HeaderName::from_static("x-auth-request-client-id"),
    HeaderName::from_static("x-auth-request-token-use"),
    HeaderName::from_static("x-auth-request-caller"),
    HeaderName::from_static("x-auth-request-pool"),
    HeaderName::from_static("x-auth-request-rule"),
];

/// Sets every identity header on `builder` for `caller` under `rule`.
pub(super) fn identity_headers(
    builder: &mut HttpResponseBuilder,
    caller: Option<&Caller>,
    rule: &Rule,
) {
    let empty = || HeaderValue::from_static("");
    let Some(caller) = caller else {
        let [names @ .., rule_name] = HEADERS;
        for name in names {
            builder.insert_header((name, empty()));
        }
        builder.insert_header((rule_name, rule.header.clone()));
        return;
    };
    let claims = caller.claims();
    let text = |value: Option<&str>| value.map_or_else(empty, |v| encoded(v, Reserve::Plain));
    let groups = if claims.groups.is_empty() {
        empty()
    } else {
        let joined: Vec<String> = claims
            .groups
            .iter()
            .map(|g| percent_encode(g, Reserve::ListItem))
            .collect();
        header_value(&joined.join(","))
    };
    let kind = match caller {
        Caller::User(_) => "user",
        Caller::Machine(_) => "machine",
    };
    let token_use = match claims.token_use {
        TokenUse::Id => "id",
        TokenUse::Access => "access",
    };
    let values = [
        encoded(&claims.sub, Reserve::Plain),
        text(claims.username.as_deref()),
        text(claims.email.as_deref()),
        groups,
        claims
            .scope
            .as_deref()
            .map_or_else(empty, |s| encoded(s, Reserve::SpaceSeparated)),
        encoded(&claims.client_id, Reserve::Plain),
        HeaderValue::from_static(token_use),
        HeaderValue::from_static(kind),
        claims.pool.header.clone(),
        rule.header.clone(),
    ];
    for (name, value) in HEADERS.into_iter().zip(values) {
        builder.insert_header((name, value));
    }
}

/// Which bytes a value keeps as they are, besides visible ASCII but `%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reserve {
    /// One value.
    Plain,
    /// One item of a comma-joined list: `,` is encoded too.
    ListItem,
    /// A space-separated list (`scope`): spaces are kept.
    SpaceSeparated,
}

fn keeps(byte: u8, reserve: Reserve) -> bool {
    match byte {
        b'%' => false,
        b',' => reserve != Reserve::ListItem,
        b' ' => reserve == Reserve::SpaceSeparated,
        _ => byte.is_ascii_graphic(),
    }
}

/// `value` with `%`, and every byte that is not visible ASCII (and the
/// list separator for list items), percent-encoded: a header value can
/// carry neither control characters nor, portably, non-ASCII.
fn percent_encode(value: &str, reserve: Reserve) -> String {
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if keeps(byte, reserve) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn encoded(value: &str, reserve: Reserve) -> HeaderValue {
    if value.bytes().all(|b| keeps(b, reserve)) {
        header_value(value)
    } else {
        header_value(&percent_encode(value, reserve))
    }
}

/// Always valid once encoded; an empty value rather than a panic otherwise.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_percent_encoded_where_a_header_cannot_carry_them() {
        let cases = [
            ("admin", Reserve::ListItem, "admin"),
            ("a,b", Reserve::ListItem, "a%2Cb"),
            ("a,b", Reserve::Plain, "a,b"),
            ("100%", Reserve::Plain, "100%25"),
            ("équipe", Reserve::ListItem, "%C3%A9quipe"),
            ("a b", Reserve::ListItem, "a%20b"),
            ("a b", Reserve::SpaceSeparated, "a b"),
            (
                "x\r\nX-Auth-Request-User: root",
                Reserve::Plain,
                "x%0D%0AX-Auth-Request-User:%20root",
            ),
            ("\u{0}\u{7f}", Reserve::Plain, "%00%7F"),
        ];
        for (value, reserve, expected) in cases {
            assert_eq!(percent_encode(value, reserve), expected, "{value:?}");
            assert_eq!(encoded(value, reserve).to_str().ok(), Some(expected));
        }
    }
}

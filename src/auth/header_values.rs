//! A verified caller's claims as HTTP header values, for the identity
//! headers forward-auth answers with: `%` and every byte that is not
//! visible ASCII percent-encoded (the list separator too, in a list), so
//! a claim can never split a header. Built once per verified token, on
//! first use, and kept with it in the verified-token cache: a gateway asks
//! about the same token on every request.

use actix_web::http::header::HeaderValue;

use super::claims::ClaimsInner;

/// The identity header values of one caller; empty where the caller has
/// no such claim.
#[derive(Debug)]
pub struct HeaderIdentity {
    /// `sub`.
    pub user: HeaderValue,
    /// `cognito:username` / `username`.
    pub username: HeaderValue,
    /// `email`.
    pub email: HeaderValue,
    /// `cognito:groups`, comma-joined, each name encoded as a list item.
    pub groups: HeaderValue,
    /// `scope`, spaces kept.
    pub scope: HeaderValue,
    /// The app client.
    pub client_id: HeaderValue,
}

impl HeaderIdentity {
    pub(super) fn of(claims: &ClaimsInner) -> Self {
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
        HeaderIdentity {
            user: encoded(&claims.sub, Reserve::Plain),
            username: text(claims.username.as_deref()),
            email: text(claims.email.as_deref()),
            groups,
            scope: claims
                .scope
                .as_deref()
                .map_or_else(empty, |s| encoded(s, Reserve::SpaceSeparated)),
            client_id: encoded(&claims.client_id, Reserve::Plain),
        }
    }

    /// At most the bytes it holds for claims of `claim_bytes` bytes, for
    /// the cache's byte budget: percent-encoding at most triples a value,
    /// plus the six handles and the box.
    pub(super) fn bytes_for(claim_bytes: usize) -> usize {
        3 * claim_bytes + 6 * 40 + 16
    }
}

fn empty() -> HeaderValue {
    HeaderValue::from_static("")
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
    HeaderValue::from_str(text).unwrap_or_else(|_| empty())
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

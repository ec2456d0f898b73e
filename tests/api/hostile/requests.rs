//! How the token travels: odd `Authorization` headers (raw bytes, repeated,
//! folded, oversized), and a token anywhere else authenticates nobody.

use super::tokens::*;
use super::*;

/// Odd `Authorization` headers, raw bytes included.
pub(super) fn authorization_header_cases() -> Vec<Case> {
    let token = valid();
    let auth = |v: &str| vec![("Authorization", v.as_bytes().to_vec())];
    let bytes = |v: &[u8]| vec![("Authorization", v.to_vec())];
    vec![
        Case::headers("empty Authorization", auth(""), NoCredentials),
        Case::headers("scheme only", auth("Bearer"), Invalid(Malformed)),
        Case::headers("lowercase scheme only", auth("bearer"), Invalid(Malformed)),
        Case::headers(
            "scheme and spaces",
            auth("Bearer      "),
            Invalid(Malformed),
        ),
        Case::headers(
            "Basic credentials",
            auth("Basic dXNlcjpwYXNz"),
            NoCredentials,
        ),
        Case::headers(
            "Digest credentials",
            auth(r#"Digest username="u", response="x""#),
            NoCredentials,
        ),
        Case::headers("JWT scheme", auth(&format!("JWT {token}")), NoCredentials),
        Case::headers(
            "tab after the scheme",
            auth(&format!("Bearer\t{token}")),
            NoCredentials,
        ),
        Case::headers(
            "colon after the scheme",
            auth(&format!("Bearer:{token}")),
            NoCredentials,
        ),
        Case::headers(
            "equals after the scheme",
            auth(&format!("Bearer={token}")),
            NoCredentials,
        ),
        Case::headers(
            "two tokens",
            auth(&format!("Bearer {token} {token}")),
            Invalid(Malformed),
        ),
        Case::headers(
            "comma-joined credentials",
            auth(&format!("Bearer {token}, Bearer {token}")),
            Invalid(Malformed),
        ),
        Case::headers(
            "scheme twice",
            auth(&format!("Bearer Bearer {token}")),
            Invalid(Malformed),
        ),
        Case::headers(
            "quoted token",
            auth(&format!("Bearer \"{token}\"")),
            Invalid(Malformed),
        ),
        Case::headers(
            "token with a semicolon",
            auth(&format!("Bearer {token};")),
            Invalid(Malformed),
        ),
        Case::headers(
            "two Authorization headers, both valid",
            vec![
                ("Authorization", format!("Bearer {token}").into_bytes()),
                ("Authorization", format!("Bearer {token}").into_bytes()),
            ],
            Invalid(MultipleAuthorizationHeaders),
        ),
        Case::headers(
            "Authorization and authorization",
            vec![
                ("Authorization", format!("Bearer {token}").into_bytes()),
                ("authorization", b"Bearer a.b.c".to_vec()),
            ],
            Invalid(MultipleAuthorizationHeaders),
        ),
        Case::headers(
            "Basic then Bearer",
            vec![
                ("Authorization", b"Basic dXNlcjpwYXNz".to_vec()),
                ("Authorization", format!("Bearer {token}").into_bytes()),
            ],
            Invalid(MultipleAuthorizationHeaders),
        ),
        Case::headers(
            "invalid UTF-8 after the scheme",
            bytes(b"Bearer \xff\xfe.\xfd.\xfc"),
            Invalid(Malformed),
        ),
        Case::headers(
            "Latin-1 letter in the token",
            bytes(&[b"Bearer a.b".as_slice(), b"\xe9.c"].concat()),
            Invalid(Malformed),
        ),
        Case::headers(
            "NUL in the token",
            bytes(format!("Bearer {token}\0").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "DEL in the token",
            bytes(format!("Bearer {token}\x7f").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "bare CR in the value",
            bytes(format!("Bearer {token}\rX: y").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "obsolete line folding",
            bytes(format!("Bearer\r\n {token}").as_bytes()),
            Http(400),
        ),
        Case::headers(
            "space before the colon",
            vec![("Authorization ", format!("Bearer {token}").into_bytes())],
            Http(400),
        ),
        Case::headers(
            "a 40 KiB Authorization header",
            auth(&format!("Bearer {}", "A".repeat(40 * 1024))),
            Invalid(TooLarge),
        ),
        Case::headers(
            "a 1 MiB Authorization header",
            auth(&format!("Bearer {}", "A".repeat(1 << 20))),
            Http(431),
        ),
        Case::headers(
            "200 Authorization headers",
            (0..200)
                .map(|_| ("Authorization", format!("Bearer {token}").into_bytes()))
                .collect(),
            Http(431),
        ),
    ]
}

/// A token anywhere but `Authorization` authenticates nobody.
pub(super) fn elsewhere_cases() -> Vec<Case> {
    let token = valid();
    let bearer = format!("Bearer {token}").into_bytes();
    let header = |name: &'static str, value: Vec<u8>| {
        Case::headers(
            format!("token in {name}"),
            vec![(name, value)],
            NoCredentials,
        )
    };
    vec![
        Case::headers("token in ?id_token=", vec![], NoCredentials)
            .at("GET", &format!("{PRIVATE}?id_token={token}")),
        Case::headers("token in ?authorization=", vec![], NoCredentials)
            .at("GET", &format!("{PRIVATE}?authorization=Bearer%20{token}")),
        Case::headers(
            "token in a cookie named access_token",
            vec![("Cookie", format!("access_token={token}").into_bytes())],
            NoCredentials,
        ),
        Case::headers(
            "token in a cookie named Authorization",
            vec![(
                "Cookie",
                format!("Authorization=Bearer%20{token}").into_bytes(),
            )],
            NoCredentials,
        ),
        Case::headers(
            "token in a form body (RFC 6750 §2.2)",
            vec![],
            NoCredentials,
        )
        .body(
            "application/x-www-form-urlencoded",
            &format!("access_token={token}"),
        ),
        Case::headers("token in a JSON body", vec![], NoCredentials)
            .body("application/json", &json!({"token": token}).to_string()),
        header("Proxy-Authorization", bearer.clone()),
        header("Authorisation", bearer.clone()),
        header("X-Authorization", bearer.clone()),
        header("X-Access-Token", token.clone().into_bytes()),
        header("X-Amzn-Oidc-Data", token.clone().into_bytes()),
        header("X-Forwarded-Authorization", bearer.clone()),
        header("WWW-Authenticate", bearer),
        Case::headers("token in the path", vec![], Http(404))
            .at("GET", &format!("{PRIVATE}/{token}")),
    ]
}

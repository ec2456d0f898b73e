//! Structure, encoding and size: the token's segments, base64url, the
//! header and payload as JSON objects, and the size limit.

use cognito_guard::auth::jose::MAX_TOKEN_BYTES;

use super::tokens::*;
use super::*;

/// Shape of the token itself: a bad header is refused before any key lookup
/// or crypto; a bad payload, even under a genuine signature, right after it.
pub(super) fn structure_cases() -> Vec<Case> {
    let token = valid();
    let (h, p, s) = parts(&token);
    let header_of = |bytes: &[u8]| format!("{}.{p}.{s}", b64(bytes));
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut cases = vec![
        Case::bearer("a single dot", ".", Invalid(Malformed)),
        Case::bearer("three dots", "...", Invalid(Malformed)),
        Case::bearer("one segment", h.clone(), Invalid(Malformed)),
        Case::bearer(
            "five segments (JWE shape)",
            format!("{h}.{p}.{s}.{s}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "valid token plus a dot",
            format!("{token}."),
            Invalid(Malformed),
        ),
        Case::bearer(
            "empty header segment",
            format!(".{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "empty payload segment",
            format!("{h}..{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "base64 padding in the header",
            format!("{h}=.{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "standard-alphabet + in the header",
            format!("{h}+.{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "standard-alphabet / in the payload",
            format!("{h}.{p}/.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "percent-encoded dot",
            token.replacen('.', "%2E", 1),
            Invalid(Malformed),
        ),
        Case::bearer("space inside", format!("{h}. {p}.{s}"), Invalid(Malformed)),
        Case::bearer("tab inside", format!("{h}.\t{p}.{s}"), Invalid(Malformed)),
        Case::bearer(
            "non-ASCII letter inside",
            format!("{h}é.{p}.{s}"),
            Invalid(Malformed),
        ),
        Case::bearer(
            "header one character short of base64",
            format!("{}.{p}.{s}", &h[..5]),
            Invalid(BadHeader),
        ),
        Case::bearer("header not JSON", header_of(b"hello"), Invalid(BadHeader)),
        Case::bearer(
            "header a JSON string",
            header_of(br#""RS256""#),
            Invalid(BadHeader),
        ),
        Case::bearer("header JSON null", header_of(b"null"), Invalid(BadHeader)),
        Case::bearer(
            "header a JSON number",
            header_of(b"256"),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header a JSON array",
            header_of(format!(r#"["RS256","{}"]"#, trusted_key().kid).as_bytes()),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header with invalid UTF-8",
            header_of(b"{\"alg\":\"RS256\xff\",\"kid\":\"x\"}"),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header with a BOM",
            header_of(b"\xef\xbb\xbf{\"alg\":\"RS256\",\"kid\":\"x\"}"),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header nested 5000 deep",
            header_of(deep(5000).as_bytes()),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header object with a value nested 200 deep",
            header_of(format!(r#"{{"alg":"RS256","kid":"x","z":{}}}"#, deep(200)).as_bytes()),
            Invalid(BadHeader),
        ),
        Case::bearer(
            "header with trailing garbage",
            header_of(format!("{}x", trusted_header()).as_bytes()),
            Invalid(BadHeader),
        ),
    ];
    let header = trusted_header().to_string();
    let good = claims().to_string();
    // serde would read a struct from a JSON array too; a JOSE header is an
    // object, even when the signature is genuine.
    cases.push(Case::bearer(
        "genuinely signed header that is a JSON array",
        signed_bytes(
            format!(
                r#"["RS256","{}",null,null,null,null,null]"#,
                trusted_key().kid
            )
            .as_bytes(),
            good.as_bytes(),
        ),
        Invalid(BadHeader),
    ));
    cases.push(Case::bearer(
        "genuinely signed header with a duplicate typ",
        signed_bytes(
            format!(
                r#"{{"kid":"{}","alg":"RS256","typ":"JWT","typ":"JOSE"}}"#,
                trusted_key().kid
            )
            .as_bytes(),
            good.as_bytes(),
        ),
        Invalid(BadHeader),
    ));
    for (what, payload) in [
        ("not JSON", b"hello".to_vec()),
        ("a JSON array", format!("[{good}]").into_bytes()),
        ("a JSON string", br#""sub-h""#.to_vec()),
        ("JSON null", b"null".to_vec()),
        ("a JSON number", b"1".to_vec()),
        ("white space only", b" ".to_vec()),
        (
            "invalid UTF-8",
            good.replacen("sub-h", "sub-\u{1}", 1)
                .bytes()
                .map(|b| if b == 1 { 0xff } else { b })
                .collect(),
        ),
        (
            "UTF-16",
            good.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        ),
        ("nested 5000 deep", deep(5000).into_bytes()),
        (
            "an object with a value nested 200 deep",
            format!(r#"{{"sub":{}}}"#, deep(200)).into_bytes(),
        ),
        (
            "an object followed by garbage",
            format!("{good}x").into_bytes(),
        ),
        ("two objects", format!("{good}{good}").into_bytes()),
    ] {
        cases.push(Case::bearer(
            format!("genuinely signed payload that is {what}"),
            signed_bytes(header.as_bytes(), &payload),
            Invalid(BadPayload),
        ));
    }
    let mut big = claims();
    big["padding"] = json!("p".repeat(MAX_TOKEN_BYTES));
    cases.push(Case::bearer(
        "genuinely signed but over 16 KiB",
        signed(&trusted_header(), &big),
        Invalid(TooLarge),
    ));
    cases.push(Case::bearer(
        "one byte over the limit",
        format!(
            "{h}.{p}.{}",
            "A".repeat(MAX_TOKEN_BYTES - h.len() - p.len() - 1)
        ),
        Invalid(TooLarge),
    ));
    cases
}

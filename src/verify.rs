//! Token verification: every Cognito rule in one place, cheapest checks first,
//! so a malformed or forged token is refused before any crypto where possible.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::{Error as _, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::clock::unix_now;
use crate::config::{Settings, TokenUsePolicy};
use crate::errors::{AuthError, TokenRejection};
use crate::jwks::{JwksCache, KeyLookupError, SigningKey};
use crate::revocations::{Revocation, RevocationList, MAX_TOKEN_LIFETIME_SECS};
use crate::token_cache::{token_digest, CachedToken, TokenDigest, VerifiedTokenCache};

/// Longest token considered at all. Cognito ID tokens are 1-4 KiB even with
/// many groups; anything far larger is not Cognito's and is refused unread.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The two kinds of token Cognito issues to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// An ID token (`token_use` = `id`): who the user is, `aud` names the client.
    Id,
    /// An access token (`token_use` = `access`): `client_id` names the client.
    Access,
}

impl TokenUse {
    /// The claim value as Cognito writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

impl fmt::Display for TokenUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verified identity of a caller. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Claims(Arc<ClaimsInner>);

/// Fields of [`Claims`]; reached through `Deref`.
#[derive(Debug)]
pub struct ClaimsInner {
    /// Cognito's stable user id.
    pub sub: String,
    /// `email`, when the token has one (ID tokens only).
    pub email: Option<String>,
    /// `cognito:username` (ID tokens) or `username` (access tokens).
    pub username: Option<String>,
    /// `cognito:groups`, empty when the user is in none.
    pub groups: Vec<String>,
    /// Which kind of Cognito token this was.
    pub token_use: TokenUse,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time (`iat`), seconds since the epoch; a sign-out refuses
    /// tokens issued up to it.
    pub iat: Option<u64>,
    /// The payload JSON as signed, for handlers that need more claims; kept
    /// as text because a parsed map would cost several times the memory in
    /// the verified-token cache.
    pub raw_json: Box<str>,
}

impl std::ops::Deref for Claims {
    type Target = ClaimsInner;
    fn deref(&self) -> &ClaimsInner {
        &self.0
    }
}

impl Claims {
    /// Whether the caller is a member of `group` (exact, case-sensitive match,
    /// as Cognito group names are).
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Every claim of the token, parsed on demand.
    pub fn all_claims(&self) -> Map<String, Value> {
        serde_json::from_str(&self.raw_json).unwrap_or_default()
    }

    /// Heap bytes held, roughly; the verified-token cache's weight.
    pub fn approximate_bytes(&self) -> usize {
        self.raw_json.len()
            + self.sub.len()
            + self.email.as_ref().map_or(0, String::len)
            + self.username.as_ref().map_or(0, String::len)
            + self.groups.iter().map(|g| g.len() + 24).sum::<usize>()
    }
}

/// Checks tokens against the configured pool, clients and signing keys.
pub struct Verifier {
    jwks: Arc<JwksCache>,
    rules: ClaimRules,
    tokens: Option<VerifiedTokenCache>,
    revoked: RevocationList,
}

/// The claim rules of [`check_claims`], taken from the settings once.
#[derive(Debug, Clone)]
pub struct ClaimRules {
    /// Accepted `iss` values, compared exactly.
    pub issuers: Vec<String>,
    /// Accepted app clients (`aud` or `client_id`), compared exactly.
    pub client_ids: Vec<String>,
    /// Which `token_use` is accepted.
    pub token_use: TokenUsePolicy,
    /// Clock-skew allowance on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

impl ClaimRules {
    /// The rules a server with these settings enforces.
    pub fn from_settings(settings: &Settings) -> Self {
        ClaimRules {
            issuers: settings.cognito.issuers.clone(),
            client_ids: settings.cognito.client_ids.clone(),
            token_use: settings.cognito.token_use,
            leeway_secs: settings.cognito.leeway.as_secs(),
        }
    }
}

impl Verifier {
    /// A verifier enforcing `settings`, with keys from `jwks`.
    pub fn new(settings: &Settings, jwks: Arc<JwksCache>) -> Self {
        Self::from_parts(
            ClaimRules::from_settings(settings),
            jwks,
            VerifiedTokenCache::new(settings.token_cache.entries, settings.token_cache.max_bytes),
        )
    }

    /// A verifier enforcing `rules`, with keys from `jwks` and an optional
    /// verified-token cache.
    pub fn from_parts(
        rules: ClaimRules,
        jwks: Arc<JwksCache>,
        tokens: Option<VerifiedTokenCache>,
    ) -> Self {
        Verifier {
            jwks,
            rules,
            tokens,
            revoked: RevocationList::new(),
        }
    }

    /// Locks a deleted user out now: every token with this `sub` is refused
    /// until the longest-lived one it could hold has expired. Tokens already
    /// in the verified-token cache are refused on their next hit, so nothing
    /// is scanned here.
    pub fn revoke_subject(&self, sub: &str) {
        let Some(now) = unix_now() else {
            // No time to reckon expiry from: refuse the user for good.
            log::error!("system clock before 1970; revoking sub={sub} without expiry");
            let _ = self.revoked.revoke(sub, Revocation::deleted(u64::MAX), 0);
            return;
        };
        let until = now + MAX_TOKEN_LIFETIME_SECS + self.rules.leeway_secs;
        if let Err(full) = self.revoked.revoke(sub, Revocation::deleted(until), now) {
            log::error!("revoking sub={sub}: {full}");
        }
    }

    /// Refuses the tokens of revoked users, whichever path verified them.
    fn admit(&self, claims: Claims, now: u64) -> Result<Claims, AuthError> {
        if self.revoked.refuses(&claims.sub, claims.iat, now) {
            return Err(TokenRejection::UserDeleted.into());
        }
        Ok(claims)
    }

    /// The verified-token cache, when enabled.
    pub fn token_cache(&self) -> Option<&VerifiedTokenCache> {
        self.tokens.as_ref()
    }

    /// The key cache behind this verifier.
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// Verifies a token without waiting: `None` when its `kid` is not cached
    /// and only a JWKS fetch can tell (then use [`Verifier::verify`]).
    pub fn verify_cached(&self, token: &str) -> Option<Result<Claims, AuthError>> {
        self.verify_cached_at(token, unix_now())
    }

    /// [`Verifier::verify_cached`] with the clock read as `now` (seconds
    /// since the epoch; `None` for a clock before the epoch).
    pub fn verify_cached_at(
        &self,
        token: &str,
        now: Option<u64>,
    ) -> Option<Result<Claims, AuthError>> {
        let Some(now) = now else {
            // Fail closed: with no time, no expiry can be checked.
            log::error!("system clock before 1970; refusing every token");
            return Some(Err(AuthError::ClockUnset));
        };
        let digest = self.tokens.as_ref().map(|_| token_digest(token));
        if let (Some(cache), Some(digest)) = (&self.tokens, &digest) {
            if let Some(hit) = cache.get(digest) {
                if hit.key_epoch == self.jwks.removal_epoch() {
                    // The one check that changes with time is redone on every hit.
                    if now >= hit.claims.exp.saturating_add(self.rules.leeway_secs) {
                        cache.remove(digest);
                        return Some(Err(TokenRejection::Expired.into()));
                    }
                    let admitted = self.admit(hit.claims, now);
                    if admitted.is_err() {
                        // Revocations outlive tokens: this entry is dead.
                        cache.remove(digest);
                    }
                    return Some(admitted);
                }
                // Verified under a key set that has since lost a key.
                cache.remove(digest);
            }
        }
        let parts = match TokenParts::split(token) {
            Ok(parts) => parts,
            Err(rejection) => return Some(Err(rejection.into())),
        };
        // Read before the key, so a removal racing this check is noticed.
        let epoch = self.jwks.removal_epoch();
        let key = self.jwks.cached_key(&parts.kid)?;
        Some(self.verify_and_remember(&parts, &key, now, digest, epoch))
    }

    /// Verifies a compact JWS from an `Authorization: Bearer` header,
    /// fetching the JWKS (single-flight, rate-limited) for an unknown `kid`.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        if let Some(result) = self.verify_cached(token) {
            return result;
        }
        let parts = TokenParts::split(token)?;
        let epoch = self.jwks.removal_epoch();
        let key = self.jwks.key_for(&parts.kid).await.map_err(|e| match e {
            KeyLookupError::UnknownKid => AuthError::InvalidToken(TokenRejection::UnknownKid),
            KeyLookupError::Unavailable => AuthError::KeysUnavailable,
        })?;
        let digest = self.tokens.as_ref().map(|_| token_digest(token));
        let now = unix_now().ok_or(AuthError::ClockUnset)?;
        self.verify_and_remember(&parts, &key, now, digest, epoch)
    }

    /// [`verify_with_key`], then remembers the token in the cache.
    fn verify_and_remember(
        &self,
        parts: &TokenParts<'_>,
        key: &SigningKey,
        now: u64,
        digest: Option<TokenDigest>,
        key_epoch: u64,
    ) -> Result<Claims, AuthError> {
        let claims = self.admit(verify_with_key(parts, key, &self.rules, now)?, now)?;
        if let (Some(cache), Some(digest)) = (&self.tokens, digest) {
            cache.insert(
                digest,
                CachedToken {
                    claims: claims.clone(),
                    key_epoch,
                },
            );
        }
        Ok(claims)
    }
}

/// Largest RSA signature accepted (8192-bit keys).
const MAX_SIGNATURE_BYTES: usize = 1024;

/// Checks the RS256 signature over `header.payload`.
pub fn verify_signature(parts: &TokenParts<'_>, key: &SigningKey) -> Result<(), TokenRejection> {
    let mut signature = [0u8; MAX_SIGNATURE_BYTES];
    let len = URL_SAFE_NO_PAD
        .decode_slice(parts.signature, &mut signature)
        .map_err(|_| TokenRejection::BadSignature)?;
    key.verify_sig(parts.signing_input.as_bytes(), &signature[..len])
        .map_err(|_| TokenRejection::BadSignature)
}

/// The rest of [`Verifier::verify`] once the key named by `parts.kid` is in
/// hand: signature, then payload, then every claim rule. Synchronous and
/// free of I/O, so tests and fuzzing can drive it with a fixed key. `now` is
/// seconds since the epoch.
pub fn verify_with_key(
    parts: &TokenParts<'_>,
    key: &SigningKey,
    rules: &ClaimRules,
    now: u64,
) -> Result<Claims, TokenRejection> {
    verify_signature(parts, key)?;
    // The payload is read only once the signature vouches for it.
    let claims = parse_payload(parts.payload)?;
    check_claims(claims, rules, now)
}

/// A token cut into its parts, with the header already checked.
#[derive(Debug)]
pub struct TokenParts<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The claims segment, still base64url: it is decoded only after the
    /// signature verifies.
    pub payload: &'a str,
    /// The signature segment, base64url.
    pub signature: &'a str,
    /// The header's `kid`, non-empty.
    pub kid: String,
}

/// Header parameters that would let the token choose or carry its own key,
/// or demand extensions; Cognito sends none of them.
const FORBIDDEN_HEADER_PARAMETERS: [&str; 5] = ["crit", "jku", "jwk", "x5u", "x5c"];

impl<'a> TokenParts<'a> {
    /// Structure and header checks; no crypto, no I/O.
    pub fn split(token: &'a str) -> Result<Self, TokenRejection> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenRejection::TooLarge);
        }
        // base64url without padding, plus the two dots: nothing else may
        // appear, which also rules out white space, NULs and non-ASCII.
        if !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(TokenRejection::Malformed);
        }
        let mut segments = token.split('.');
        let (Some(header_b64), Some(payload), Some(signature), None) = (
            segments.next(),
            segments.next(),
            segments.next(),
            segments.next(),
        ) else {
            return Err(TokenRejection::Malformed);
        };
        if header_b64.is_empty() || payload.is_empty() || signature.is_empty() {
            return Err(TokenRejection::Malformed);
        }
        let header_json = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| TokenRejection::BadHeader)?;
        // Parsed as a strict object, not straight into a struct: serde also
        // reads a struct from a JSON array, skips unknown parameters without
        // checking them for duplicates or depth, and reads `null` as absent.
        // A JOSE header is an object with unique names (RFC 7515 §4).
        let header = serde_json::from_slice::<StrictObject>(&header_json)
            .map_err(|_| TokenRejection::BadHeader)?
            .0;
        match header.get("alg") {
            Some(Value::String(alg)) if alg == "RS256" => {}
            Some(Value::String(_)) => return Err(TokenRejection::BadAlgorithm),
            _ => return Err(TokenRejection::BadHeader),
        }
        // RFC 7515 §4.1.11: a `crit` we do not understand must be refused; we
        // understand none. Embedded keys and key URLs (RFC 8725 §3.10) are
        // never used to pick a key. Presence is enough, even as `null`: a
        // header naming them is not Cognito's.
        if FORBIDDEN_HEADER_PARAMETERS
            .iter()
            .any(|name| header.contains_key(*name))
        {
            return Err(TokenRejection::ForbiddenHeaderParameter);
        }
        let kid = match header.get("kid") {
            Some(Value::String(kid)) if !kid.is_empty() => kid.clone(),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                return Err(TokenRejection::MissingKid)
            }
            Some(_) => return Err(TokenRejection::BadHeader),
        };
        let signing_input = &token[..header_b64.len() + 1 + payload.len()];
        Ok(TokenParts {
            signing_input,
            payload,
            signature,
            kid,
        })
    }
}

/// A JSON object whose top-level keys must be unique: with duplicates, which
/// value counts is up to the parser, and a verifier must not guess.
struct StrictObject(Map<String, Value>);

impl<'de> Deserialize<'de> for StrictObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = StrictObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrictObject, A::Error> {
                let mut map = Map::new();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&key) {
                        return Err(A::Error::custom("duplicate claim"));
                    }
                    map.insert(key, value);
                }
                Ok(StrictObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// A decoded payload: its claims, and the JSON text they came from.
#[derive(Debug)]
pub struct Payload {
    pub claims: Map<String, Value>,
    pub json: String,
}

/// Decodes the payload segment into its claims object.
pub fn parse_payload(payload: &str) -> Result<Payload, TokenRejection> {
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenRejection::BadPayload)?;
    let json = String::from_utf8(json).map_err(|_| TokenRejection::BadPayload)?;
    let claims = serde_json::from_str::<StrictObject>(&json)
        .map(|o| o.0)
        .map_err(|_| TokenRejection::BadPayload)?;
    Ok(Payload { claims, json })
}

/// A claim that must be a string when present.
fn optional_str<'a>(
    claims: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, TokenRejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(TokenRejection::WrongClaimType),
    }
}

/// A NumericDate claim; Cognito writes whole seconds, so anything else
/// (a string, a fraction, a negative) is refused rather than interpreted.
fn optional_time(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>, TokenRejection> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(TokenRejection::WrongClaimType),
    }
}

/// Applies every claim rule to a signature-checked payload, in the order AWS
/// documents (expiry, then issuer, then token kind and client), and builds
/// the typed claims. `now` is seconds since the epoch.
pub fn check_claims(
    payload: Payload,
    rules: &ClaimRules,
    now: u64,
) -> Result<Claims, TokenRejection> {
    let claims = &payload.claims;
    let exp = optional_time(claims, "exp")?.ok_or(TokenRejection::MissingExp)?;
    if now >= exp.saturating_add(rules.leeway_secs) {
        return Err(TokenRejection::Expired);
    }
    if let Some(nbf) = optional_time(claims, "nbf")? {
        if now.saturating_add(rules.leeway_secs) < nbf {
            return Err(TokenRejection::NotYetValid);
        }
    }
    let iat = optional_time(claims, "iat")?;

    match optional_str(claims, "iss")? {
        Some(iss) if rules.issuers.iter().any(|accepted| accepted == iss) => {}
        _ => return Err(TokenRejection::WrongIssuer),
    }

    let token_use = match optional_str(claims, "token_use")? {
        None => return Err(TokenRejection::MissingTokenUse),
        Some("id") => TokenUse::Id,
        Some("access") => TokenUse::Access,
        Some(_) => return Err(TokenRejection::WrongTokenUse),
    };
    let allowed = match rules.token_use {
        TokenUsePolicy::Id => token_use == TokenUse::Id,
        TokenUsePolicy::Access => token_use == TokenUse::Access,
        TokenUsePolicy::Any => true,
    };
    if !allowed {
        return Err(TokenRejection::WrongTokenUse);
    }

    // ID tokens name the client in `aud`, access tokens in `client_id`; a
    // token carrying the other claim instead is not Cognito's shape.
    let client_claim = match token_use {
        TokenUse::Id => "aud",
        TokenUse::Access => "client_id",
    };
    match optional_str(claims, client_claim)? {
        Some(client) if rules.client_ids.iter().any(|id| id == client) => {}
        _ => return Err(TokenRejection::WrongClient),
    }

    let sub = match optional_str(claims, "sub")? {
        Some(sub) if !sub.is_empty() => sub.to_owned(),
        _ => return Err(TokenRejection::MissingSubject),
    };
    let email = optional_str(claims, "email")?.map(str::to_owned);
    let username_claim = match token_use {
        TokenUse::Id => "cognito:username",
        TokenUse::Access => "username",
    };
    let username = optional_str(claims, username_claim)?.map(str::to_owned);
    let groups = match claims.get("cognito:groups") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|g| {
                g.as_str()
                    .map(str::to_owned)
                    .ok_or(TokenRejection::WrongClaimType)
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(TokenRejection::WrongClaimType),
    };

    Ok(Claims(Arc::new(ClaimsInner {
        sub,
        email,
        username,
        groups,
        token_use,
        exp,
        iat,
        raw_json: payload.json.into_boxed_str(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;
    const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool";

    fn rules() -> ClaimRules {
        ClaimRules {
            issuers: vec![ISS.to_owned()],
            client_ids: vec!["client1".to_owned()],
            token_use: TokenUsePolicy::Id,
            leeway_secs: 0,
        }
    }

    fn id_claims() -> Value {
        json!({
            "sub": "u-1", "iss": ISS, "aud": "client1", "token_use": "id",
            "exp": NOW + 60, "iat": NOW - 10, "email": "a@example.com",
            "cognito:username": "alice", "cognito:groups": ["admin"]
        })
    }

    fn check(claims: Value, rules: &ClaimRules) -> Result<Claims, TokenRejection> {
        let json = claims.to_string();
        let Value::Object(claims) = claims else {
            panic!("object expected")
        };
        check_claims(Payload { claims, json }, rules, NOW)
    }

    fn with(field: &str, value: Value) -> Value {
        let mut claims = id_claims();
        claims[field] = value;
        claims
    }

    fn without(field: &str) -> Value {
        let mut claims = id_claims();
        claims.as_object_mut().map(|m| m.remove(field));
        claims
    }

    #[test]
    fn a_cognito_id_token_is_accepted_with_its_fields() {
        let claims = check(id_claims(), &rules()).expect("valid");
        assert_eq!(claims.sub, "u-1");
        assert_eq!(claims.username.as_deref(), Some("alice"));
        assert_eq!(claims.email.as_deref(), Some("a@example.com"));
        assert!(claims.in_group("admin") && !claims.in_group("Admin"));
        assert_eq!(claims.token_use, TokenUse::Id);
    }

    #[test]
    fn expiry_is_exclusive_and_leeway_extends_it() {
        assert_eq!(
            check(with("exp", json!(NOW)), &rules()).unwrap_err(),
            TokenRejection::Expired
        );
        let lenient = ClaimRules {
            leeway_secs: 5,
            ..rules()
        };
        assert!(check(with("exp", json!(NOW - 4)), &lenient).is_ok());
        assert_eq!(
            check(with("exp", json!(NOW - 5)), &lenient).unwrap_err(),
            TokenRejection::Expired
        );
    }

    #[test]
    fn not_before_in_the_future_is_refused() {
        assert_eq!(
            check(with("nbf", json!(NOW + 1)), &rules()).unwrap_err(),
            TokenRejection::NotYetValid
        );
        assert!(check(with("nbf", json!(NOW)), &rules()).is_ok());
    }

    #[test]
    fn wrong_types_are_rejections_not_crashes() {
        for (field, value) in [
            ("exp", json!("1800000060")),
            ("exp", json!(1.8e9)),
            ("exp", json!(-1)),
            ("nbf", json!(null)),
            ("iat", json!([])),
            ("iss", json!([ISS])),
            ("aud", json!(["client1"])),
            ("token_use", json!(1)),
            ("email", json!({})),
            ("cognito:groups", json!("admin")),
            ("cognito:groups", json!(["admin", 1])),
            ("cognito:username", json!(false)),
        ] {
            assert_eq!(
                check(with(field, value.clone()), &rules()).unwrap_err(),
                TokenRejection::WrongClaimType,
                "{field}={value}"
            );
        }
    }

    #[test]
    fn each_required_claim_is_required() {
        for (field, reason) in [
            ("exp", TokenRejection::MissingExp),
            ("iss", TokenRejection::WrongIssuer),
            ("token_use", TokenRejection::MissingTokenUse),
            ("aud", TokenRejection::WrongClient),
            ("sub", TokenRejection::MissingSubject),
        ] {
            assert_eq!(
                check(without(field), &rules()).unwrap_err(),
                reason,
                "{field}"
            );
        }
    }

    #[test]
    fn near_miss_issuers_and_clients_are_refused() {
        for iss in [
            format!("{ISS}/"),
            ISS.to_uppercase(),
            ISS.replace("https", "http"),
            format!(" {ISS}"),
        ] {
            assert_eq!(
                check(with("iss", json!(iss)), &rules()).unwrap_err(),
                TokenRejection::WrongIssuer
            );
        }
        for aud in ["Client1", "client1 ", "client"] {
            assert_eq!(
                check(with("aud", json!(aud)), &rules()).unwrap_err(),
                TokenRejection::WrongClient
            );
        }
    }

    #[test]
    fn access_tokens_are_checked_by_client_id() {
        let access = json!({
            "sub": "u-1", "iss": ISS, "client_id": "client1", "token_use": "access",
            "exp": NOW + 60, "username": "alice", "scope": "aws.cognito.signin.user.admin"
        });
        assert_eq!(
            check(access.clone(), &rules()).unwrap_err(),
            TokenRejection::WrongTokenUse
        );
        let any = ClaimRules {
            token_use: TokenUsePolicy::Any,
            ..rules()
        };
        let claims = check(access.clone(), &any).expect("valid access token");
        assert_eq!(claims.username.as_deref(), Some("alice"));
        let mut wrong_client = access;
        wrong_client["client_id"] = json!("other");
        assert_eq!(
            check(wrong_client, &any).unwrap_err(),
            TokenRejection::WrongClient
        );
    }

    #[test]
    fn duplicate_claims_are_refused() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"a","sub":"b"}"#);
        assert_eq!(
            parse_payload(&payload).unwrap_err(),
            TokenRejection::BadPayload
        );
        let array = URL_SAFE_NO_PAD.encode(b"[1]");
        assert_eq!(
            parse_payload(&array).unwrap_err(),
            TokenRejection::BadPayload
        );
    }

    fn header(json: &str) -> String {
        format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode(json))
    }

    #[test]
    fn header_checks_happen_before_any_key_lookup() {
        let cases = [
            (
                header(r#"{"alg":"none","kid":"k"}"#),
                TokenRejection::BadAlgorithm,
            ),
            (
                header(r#"{"alg":"HS256","kid":"k"}"#),
                TokenRejection::BadAlgorithm,
            ),
            (
                header(r#"{"alg":"rs256","kid":"k"}"#),
                TokenRejection::BadAlgorithm,
            ),
            (header(r#"{"kid":"k"}"#), TokenRejection::BadHeader),
            (header(r#"{"alg":1,"kid":"k"}"#), TokenRejection::BadHeader),
            (
                header(r#"{"alg":"RS256","alg":"none","kid":"k"}"#),
                TokenRejection::BadHeader,
            ),
            (header(r#"{"alg":"RS256"}"#), TokenRejection::MissingKid),
            (
                header(r#"{"alg":"RS256","kid":""}"#),
                TokenRejection::MissingKid,
            ),
            (
                header(r#"{"alg":"RS256","kid":7}"#),
                TokenRejection::BadHeader,
            ),
            (
                header(r#"{"alg":"RS256","kid":"k","crit":["exp"]}"#),
                TokenRejection::ForbiddenHeaderParameter,
            ),
            (
                header(r#"{"alg":"RS256","kid":"k","jku":"https://evil"}"#),
                TokenRejection::ForbiddenHeaderParameter,
            ),
            (
                header(r#"{"alg":"RS256","kid":"k","crit":null}"#),
                TokenRejection::ForbiddenHeaderParameter,
            ),
            (header(r#"["RS256","k"]"#), TokenRejection::BadHeader),
            (
                header(r#"{"alg":"RS256","kid":"k","kid":"other"}"#),
                TokenRejection::BadHeader,
            ),
            (
                header(r#"{"alg":"RS256","kid":null}"#),
                TokenRejection::MissingKid,
            ),
            ("a.b".to_owned(), TokenRejection::Malformed),
            ("a.b.c.d".to_owned(), TokenRejection::Malformed),
            ("a..c".to_owned(), TokenRejection::Malformed),
            ("a.b.c=".to_owned(), TokenRejection::Malformed),
            ("a.b.c\0".to_owned(), TokenRejection::Malformed),
            ("x".repeat(MAX_TOKEN_BYTES + 1), TokenRejection::TooLarge),
        ];
        for (token, reason) in cases {
            assert_eq!(
                TokenParts::split(&token).unwrap_err(),
                reason,
                "{token:.60}"
            );
        }
        let ok = header(r#"{"alg":"RS256","kid":"k","typ":"JWT"}"#);
        let parts = TokenParts::split(&ok).expect("well-formed");
        assert_eq!(parts.kid, "k");
        assert_eq!(parts.signature, "c2ln");
        assert!(parts.signing_input.ends_with(".e30"));
    }

    /// A token of [`id_claims`] signed by the trusted fixture key under kid `k`.
    fn fixture_token(claims: &Value) -> String {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let pem = std::fs::read(format!("{fixtures}trusted.pem")).expect("fixture");
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("key");
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("k".to_owned());
        jsonwebtoken::encode(&header, claims, &signing).expect("signs")
    }

    /// A verifier whose key cache holds the trusted fixture key as `k`.
    fn fixture_verifier() -> Verifier {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let pem = std::fs::read(format!("{fixtures}trusted.pem")).expect("fixture");
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("key");
        let mut jwk =
            jsonwebtoken::jwk::Jwk::from_encoding_key(&signing, jsonwebtoken::Algorithm::RS256)
                .expect("jwk");
        jwk.common.key_id = Some("k".to_owned());
        let jwks = Arc::new(JwksCache::new("http://127.0.0.1:9/", Default::default()));
        let document = json!({ "keys": [jwk] }).to_string();
        jwks.store_document(document.as_bytes()).expect("key set");
        Verifier::from_parts(rules(), jwks, VerifiedTokenCache::new(100, 1 << 20))
    }

    #[test]
    fn a_clock_before_the_epoch_refuses_even_a_cached_token() {
        let verifier = fixture_verifier();
        let token = fixture_token(&id_claims());
        let at = |now| verifier.verify_cached_at(&token, now).expect("kid cached");
        assert!(at(Some(NOW)).is_ok());
        assert!(at(Some(NOW)).is_ok(), "now from the token cache");
        assert!(matches!(at(None), Err(AuthError::ClockUnset)));
    }

    #[test]
    fn a_revoked_user_is_refused_on_a_cache_hit_and_the_entry_dropped() {
        let verifier = fixture_verifier();
        let now = unix_now().expect("clock");
        let token = fixture_token(&with("exp", json!(now + 600)));
        let cache = verifier.token_cache().expect("enabled");
        assert!(verifier
            .verify_cached_at(&token, Some(now))
            .expect("kid cached")
            .is_ok());
        assert_eq!(cache.len(), 1);

        verifier.revoke_subject("u-1");

        let hits = cache.hits();
        let refused = verifier
            .verify_cached_at(&token, Some(now))
            .expect("decided");
        assert!(matches!(
            refused,
            Err(AuthError::InvalidToken(TokenRejection::UserDeleted))
        ));
        assert_eq!(cache.hits(), hits + 1, "decided on the cache hit");
        assert_eq!(cache.len(), 0, "the dead entry is dropped");
        let again = verifier
            .verify_cached_at(&token, Some(now))
            .expect("decided");
        assert!(again.is_err(), "refused after full verification too");
        assert_eq!(cache.len(), 0, "a revoked token is never cached");
    }

    #[test]
    fn verify_with_key_checks_the_signature_before_the_claims() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let read = |name: &str| std::fs::read(format!("{fixtures}{name}")).expect("fixture");
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(&read("trusted.pem")).expect("key");
        let rogue = jsonwebtoken::EncodingKey::from_rsa_pem(&read("rogue.pem")).expect("key");
        let key = crate::jwks::signing_key_from_pem(&read("trusted.pub.pem")).expect("public key");
        let sign = |claims: &Value, with: &jsonwebtoken::EncodingKey| {
            let message = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let signature = jsonwebtoken::crypto::sign(
                message.as_bytes(),
                with,
                jsonwebtoken::Algorithm::RS256,
            )
            .expect("signs");
            format!("{message}.{signature}")
        };
        let verify = |token: &str| {
            let parts = TokenParts::split(token)?;
            verify_with_key(&parts, &key, &rules(), NOW)
        };

        let genuine = sign(&id_claims(), &signing);
        assert_eq!(verify(&genuine).expect("genuine").sub, "u-1");
        // The claims are fine; only the key is wrong.
        assert_eq!(
            verify(&sign(&id_claims(), &rogue)).unwrap_err(),
            TokenRejection::BadSignature
        );
        // Signature first: an expired token under a bad signature is
        // refused for its signature, revealing nothing about its claims.
        assert_eq!(
            verify(&sign(&with("exp", json!(1)), &rogue)).unwrap_err(),
            TokenRejection::BadSignature
        );
        assert_eq!(
            verify(&sign(&with("exp", json!(1)), &signing)).unwrap_err(),
            TokenRejection::Expired
        );
        let (message, _) = genuine.rsplit_once('.').expect("three parts");
        assert_eq!(
            verify(&format!("{message}.c2ln")).unwrap_err(),
            TokenRejection::BadSignature
        );
    }
}

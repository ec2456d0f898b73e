//! Cognito's claim rules, all in one function ([`check_claims`]), and the
//! typed [`Claims`] a verified token yields.

use std::fmt;
use std::sync::{Arc, OnceLock, Weak};

use serde_json::{Map, Value};

use crate::auth::errors::TokenRejection;
use crate::auth::header_values::HeaderIdentity;
use crate::auth::jose::ClaimSet;
use crate::pools::{PoolSettings, PoolTag, TokenUsePolicy};

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
    /// The app client the token was issued to (`aud` or `client_id`), one
    /// of `COGNITO_CLIENT_ID`.
    pub client_id: String,
    /// `scope` of an access token: space-separated OAuth scopes.
    pub scope: Option<Box<str>>,
    /// Whether `COGNITO_TOKEN_USE` accepts this kind of token from users.
    /// Only a machine caller's access token can be valid without it (see
    /// [`ClaimRules::machine_callers`]); user routes refuse such a token.
    pub admitted_for_users: bool,
    /// The pool that issued the token (chosen by `iss`), with its admin
    /// terms.
    pub pool: Arc<PoolTag>,
    /// The payload JSON as signed, for handlers that need more claims; kept
    /// as text because a parsed map would cost several times the memory in
    /// the verified-token cache.
    pub raw_json: Box<str>,
    /// The claims as identity header values, built on first use and kept
    /// with the cached token (boxed: most tokens never need them).
    header_identity: OnceLock<Box<HeaderIdentity>>,
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

    /// Whether `scope` is one of the token's scopes, exactly (no prefix,
    /// case folding or other separator).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope
            .as_deref()
            .is_some_and(|scopes| scopes.split(' ').any(|s| s == scope))
    }

    /// Whether this is a machine's client-credentials access token: no user
    /// in it (no `username`), and its `sub` is the app client itself.
    pub fn is_machine(&self) -> bool {
        self.token_use == TokenUse::Access && self.username.is_none() && self.sub == self.client_id
    }

    /// Every claim of the token, parsed on demand.
    pub fn all_claims(&self) -> Map<String, Value> {
        serde_json::from_str(&self.raw_json).unwrap_or_default()
    }

    /// Heap bytes held, roughly; the verified-token cache's weight.
    /// Counts the identity header values as if built (they are built
    /// after the token is cached, when a gateway first asks), so the cache
    /// stays within its byte budget either way.
    pub fn approximate_bytes(&self) -> usize {
        let claims = self.sub.len()
            + self.email.as_ref().map_or(0, String::len)
            + self.username.as_ref().map_or(0, String::len)
            + self.groups.iter().map(|g| g.len() + 24).sum::<usize>()
            + self.client_id.len()
            + self.scope.as_ref().map_or(0, |s| s.len());
        self.raw_json.len() + claims + HeaderIdentity::bytes_for(claims)
    }

    /// Where these claims live: the same for every clone, so it keys what
    /// is remembered about one verified token (with [`Claims::downgrade`]
    /// held beside it, the address cannot be reused meanwhile).
    pub fn identity_address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// A weak handle to these claims.
    pub fn downgrade(&self) -> Weak<ClaimsInner> {
        Arc::downgrade(&self.0)
    }

    /// Whether `other` is these very claims (not merely equal ones).
    pub fn is(&self, other: &Arc<ClaimsInner>) -> bool {
        Arc::ptr_eq(&self.0, other)
    }

    /// The claims as identity header values, built once.
    pub fn header_identity(&self) -> &HeaderIdentity {
        self.header_identity
            .get_or_init(|| Box::new(HeaderIdentity::of(&self.0)))
    }
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
    /// Whether access tokens are valid even where `token_use` excludes them,
    /// for machine callers: on admin routes (`ADMIN_SCOPE` is set) or on a
    /// gateway rule admitting machines (`GUARD_CONFIG`); they are then
    /// marked not [`ClaimsInner::admitted_for_users`].
    pub machine_callers: bool,
    /// The pool these rules are of; every token they admit carries it.
    pub pool: Arc<PoolTag>,
}

impl ClaimRules {
    /// The rules of `pool`, the `index`th pool of a server; `gateway_machines`
    /// when some gateway rule admits machine callers.
    pub fn for_pool(pool: &PoolSettings, index: usize, gateway_machines: bool) -> Self {
        ClaimRules {
            issuers: pool.issuers.clone(),
            client_ids: pool.client_ids.clone(),
            token_use: pool.token_use,
            leeway_secs: pool.leeway.as_secs(),
            machine_callers: pool.admin_scope.is_some() || gateway_machines,
            pool: Arc::new(PoolTag::new(
                index,
                &pool.name,
                &pool.admin_group,
                pool.admin_scope.as_deref(),
                pool.revocations_by_name,
            )),
        }
    }
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
    payload: ClaimSet,
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
    // An access token the policy excludes is still checked to the end when
    // machine callers may be admitted somewhere: the policy decides.
    let machine_candidate = token_use == TokenUse::Access && rules.machine_callers;
    if !(allowed || machine_candidate) {
        return Err(TokenRejection::WrongTokenUse);
    }

    // ID tokens name the client in `aud`, access tokens in `client_id`; a
    // token carrying the other claim instead is not Cognito's shape.
    let client_claim = match token_use {
        TokenUse::Id => "aud",
        TokenUse::Access => "client_id",
    };
    let client_id = match optional_str(claims, client_claim)? {
        Some(client) if rules.client_ids.iter().any(|id| id == client) => client.to_owned(),
        _ => return Err(TokenRejection::WrongClient),
    };

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
        client_id,
        scope: optional_str(claims, "scope")?.map(Into::into),
        admitted_for_users: allowed,
        pool: Arc::clone(&rules.pool),
        raw_json: payload.json.into_boxed_str(),
        header_identity: OnceLock::new(),
    })))
}

#[cfg(test)]
#[path = "claims_tests.rs"]
mod tests;

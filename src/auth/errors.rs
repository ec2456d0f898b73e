//! The authentication boundary's errors: which check a token failed
//! ([`TokenRejection`]) and why a request was not let through ([`AuthError`]).
//! They become HTTP answers in one place, `http::errors`.

use std::fmt;
use std::sync::Arc;

use strum::{EnumIter, IntoStaticStr};
use thiserror::Error;

/// Which check a presented token failed. The text is what the client sees in
/// `error_description`, so it never contains any part of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum TokenRejection {
    #[error("more than one Authorization header")]
    MultipleAuthorizationHeaders,
    #[error("the token is too large")]
    TooLarge,
    #[error("the token is not a compact JWS (header.payload.signature)")]
    Malformed,
    #[error("the token header is not valid base64url JSON")]
    BadHeader,
    #[error("the token algorithm is not RS256")]
    BadAlgorithm,
    #[error("the token header has no key id")]
    MissingKid,
    #[error("the token header carries parameters this server refuses (crit, jku, jwk, x5u, x5c)")]
    ForbiddenHeaderParameter,
    #[error("the token key id is not one of the signing keys")]
    UnknownKid,
    #[error("the token signature is invalid")]
    BadSignature,
    #[error("the token payload is not valid base64url JSON object")]
    BadPayload,
    #[error("the token has no exp claim")]
    MissingExp,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token issuer is not accepted")]
    WrongIssuer,
    #[error("the token has no token_use claim")]
    MissingTokenUse,
    #[error("the token kind (token_use) is not accepted")]
    WrongTokenUse,
    #[error("the token was issued to another client")]
    WrongClient,
    #[error("the token has no subject")]
    MissingSubject,
    #[error("a token claim has the wrong JSON type")]
    WrongClaimType,
    #[error("the user of this token has been deleted")]
    UserDeleted,
    #[error("the token was issued before its user was signed out")]
    SignedOut,
}

/// Why a request was not authenticated or not authorised.
#[derive(Debug, Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` credentials at all.
    #[error("missing bearer token")]
    MissingCredentials,
    /// Credentials were presented but are not acceptable.
    #[error("invalid token: {0}")]
    InvalidToken(TokenRejection),
    /// Authenticated, but the route's policy refuses the caller.
    #[error("{0}")]
    Forbidden(PolicyRefusal),
    /// A machine (client-credentials) token on a route for users, where
    /// `COGNITO_TOKEN_USE` accepts access tokens: valid, but never a user.
    #[error("this route is for users; a machine (client-credentials) token is not one")]
    MachineNotUser,
    /// No signing key could be obtained to check the token with.
    #[error("signing keys are unavailable; try again shortly")]
    KeysUnavailable,
    /// The server's clock reads before 1970, so no expiry can be checked.
    #[error("the server cannot tell the time; try again shortly")]
    ClockUnset,
    /// The app was assembled without the authentication state: our bug.
    #[error("authentication is not configured on this route")]
    NotConfigured,
}

impl TokenRejection {
    /// A stable snake_case name, for metric labels.
    pub fn label(self) -> &'static str {
        self.into()
    }
}

impl AuthError {
    /// A stable snake_case name, for metric labels.
    pub fn label(&self) -> &'static str {
        match self {
            AuthError::MissingCredentials => "missing",
            AuthError::InvalidToken(reason) => reason.label(),
            AuthError::Forbidden(_) => "forbidden",
            AuthError::MachineNotUser => "machine_not_user",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::ClockUnset => "clock_unset",
            AuthError::NotConfigured => "not_configured",
        }
    }
}

impl From<TokenRejection> for AuthError {
    fn from(rejection: TokenRejection) -> Self {
        AuthError::InvalidToken(rejection)
    }
}

/// What a valid token lacked for a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Missing {
    /// A user not in the groups the policy requires (e.g. `ADMIN_GROUP`).
    Group,
    /// A token without the scopes the policy requires (e.g. a machine
    /// without `ADMIN_SCOPE`).
    Scope,
    /// A caller of a kind the policy does not admit: a machine on a route
    /// for users, or a user on a rule for machines.
    Caller,
    /// A caller of a pool the policy does not admit (a gateway rule's
    /// `pools`).
    Pool,
    /// A request no Cedar policy permits (or one forbids): a gateway
    /// rule with `allow = "policy"`.
    Permit,
}

/// Why a policy refused a valid token, and the scopes that would have
/// passed (for the RFC 6750 `insufficient_scope` challenge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRefusal {
    /// What the caller lacked.
    pub missing: Missing,
    /// The scopes the policy requires of some caller, space-separated;
    /// `None` when it requires none.
    pub scope: Option<Arc<str>>,
}

impl fmt::Display for PolicyRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.missing {
            Missing::Group => f.write_str("the caller is not in a group this route requires")?,
            Missing::Scope => f.write_str("the token lacks a scope this route requires")?,
            Missing::Caller => f.write_str("this route does not admit this kind of caller")?,
            Missing::Pool => f.write_str("this route does not admit callers of this user pool")?,
            Missing::Permit => f.write_str("the policies do not permit this request")?,
        }
        match &self.scope {
            Some(scope) => write!(f, " (scopes that pass: {scope})"),
            None => Ok(()),
        }
    }
}

//! The `GUARD_CONFIG` file as serde reads it: every table closed
//! (`deny_unknown_fields`), closed sets as enums, and each value that the
//! validation pass may refuse kept with its position (`Spanned`).

use serde::Deserialize;
use toml::Spanned;

use crate::forward_auth::Gateway;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGuardFile {
    #[serde(default)]
    pub pool: Vec<Spanned<RawPool>>,
    pub forward_auth: Option<Spanned<RawForwardAuth>>,
    #[serde(default)]
    pub rule: Vec<Spanned<RawRule>>,
    pub policies: Option<Spanned<RawPolicies>>,
}

/// `[policies]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicies {
    pub files: Spanned<Vec<Spanned<String>>>,
    pub schema: Option<Spanned<String>>,
    pub namespace: Spanned<String>,
    pub principal_type: Option<Spanned<String>>,
    pub group_type: Option<Spanned<String>>,
    pub resource_id: Option<Spanned<String>>,
}

/// One `[[pool]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPool {
    pub name: Spanned<String>,
    pub region: Spanned<String>,
    pub user_pool_id: Spanned<String>,
    pub client_ids: Spanned<Vec<Spanned<String>>>,
    pub token_use: Option<Spanned<RawTokenUse>>,
    pub issuer: Option<Spanned<String>>,
    pub jwks_url: Option<Spanned<String>>,
    pub admin_group: Option<Spanned<String>>,
    pub admin_scope: Option<Spanned<String>>,
    pub idp_endpoint: Option<Spanned<String>>,
}

/// `token_use`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawTokenUse {
    Id,
    Access,
    Any,
}

/// `[forward_auth]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForwardAuth {
    pub gateway: Option<Spanned<Gateway>>,
    pub trusted_peers: Option<Spanned<Vec<Spanned<String>>>>,
    pub assertion: Option<Spanned<RawAssertion>>,
}

/// `[forward_auth.assertion]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAssertion {
    pub issuer: Spanned<String>,
    pub signing_keys: Spanned<Vec<Spanned<String>>>,
    pub lifetime_secs: Option<Spanned<u64>>,
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub name: Option<Spanned<String>>,
    pub path: Spanned<String>,
    pub methods: Option<Spanned<Vec<Spanned<RawMethod>>>>,
    pub allow: Option<Spanned<RawAllow>>,
    pub callers: Option<Spanned<RawCallers>>,
    pub groups_any: Option<Spanned<Vec<Spanned<String>>>>,
    pub groups_all: Option<Spanned<Vec<Spanned<String>>>>,
    pub scopes_any: Option<Spanned<Vec<Spanned<String>>>>,
    pub scopes_all: Option<Spanned<Vec<Spanned<String>>>>,
    pub pools: Option<Spanned<Vec<Spanned<String>>>>,
    pub audience: Option<Spanned<String>>,
    pub action: Option<Spanned<String>>,
}

/// `allow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawAllow {
    Public,
    Optional,
    Authenticated,
    Deny,
    Policy,
}

/// `callers`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawCallers {
    Users,
    Machines,
    Any,
}

/// A method of `methods`: the standard ones, as written in requests
/// (upper case), so a typo is an error rather than a rule that never
/// matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(super) enum RawMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Trace,
    Connect,
}

impl RawMethod {
    pub fn method(self) -> actix_web::http::Method {
        use actix_web::http::Method;
        match self {
            RawMethod::Get => Method::GET,
            RawMethod::Head => Method::HEAD,
            RawMethod::Post => Method::POST,
            RawMethod::Put => Method::PUT,
            RawMethod::Patch => Method::PATCH,
            RawMethod::Delete => Method::DELETE,
            RawMethod::Options => Method::OPTIONS,
            RawMethod::Trace => Method::TRACE,
            RawMethod::Connect => Method::CONNECT,
        }
    }
}

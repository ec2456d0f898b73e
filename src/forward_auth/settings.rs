//! What forward-auth is configured with: the gateway whose convention
//! gives the original request, and the rules in order.

use actix_web::http::Method;
use std::path::PathBuf;
use std::sync::Arc;

use ipnet::IpNet;
use serde::Deserialize;

use super::PathPattern;
use crate::assertion::AssertionSettings;
use crate::auth::Policy;
use crate::policies::PolicyEngine;

/// Whose headers say what the original request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gateway {
    /// `X-Original-Method`, `X-Original-URI` (`auth_request`).
    Nginx,
    /// `X-Forwarded-Method`, `X-Forwarded-Uri` (ForwardAuth).
    Traefik,
    /// `X-Forwarded-Method`, `X-Forwarded-Uri` (`forward_auth`).
    Caddy,
    /// The request's own method, and its path after `/auth` (`ext_authz`
    /// with `path_prefix`).
    Envoy,
}

/// `[forward_auth]` and its `[[rule]]`s.
#[derive(Debug, Clone)]
pub struct ForwardAuthSettings {
    /// Whose convention gives the original method and path.
    pub gateway: Gateway,
    /// The TCP peers that may ask `/auth` (default: loopback only).
    pub trusted_peers: Vec<IpNet>,
    /// `[forward_auth.assertion]`: sign an identity assertion on each
    /// allowing answer.
    pub assertion: Option<AssertionSettings>,
    /// In file order; the first that matches decides. Never empty.
    pub rules: Vec<RuleSettings>,
    /// `[policies]`, loaded: decides the `allow = "policy"` rules.
    pub policies: Option<Arc<PolicyEngine>>,
    /// The files `[policies]` was read from (policies and schema), which a
    /// change to reloads.
    pub policy_files: Vec<PathBuf>,
}

/// One `[[rule]]`, validated: it can match some request.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// As the operator named it (default `rule-N`, N from 1 in file order).
    pub name: String,
    /// `None`: any method. A list with `GET` holds `HEAD` too.
    pub methods: Option<Vec<Method>>,
    /// The compiled `path`.
    pub path: PathPattern,
    /// What the rule does with the requests it matches.
    pub access: RuleAccess,
    /// The `aud` of its assertions (`None`: the rule's name).
    pub audience: Option<String>,
}

/// What a rule does with a request it matches.
// One per rule, built at start and never moved on the request path: a box
// would only add an indirection to every decision.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAccess {
    /// `allow = "deny"`: refuse it (`403`), whoever asks, no token looked
    /// at; closes a path to the methods an earlier rule does not admit.
    Deny,
    /// `allow`, `callers` and the terms, as one policy.
    Policy(Policy),
    /// `allow = "policy"`: `callers` and `pools` as this policy, then the
    /// Cedar policy set decides.
    Cedar {
        /// A valid token, of the callers and pools the rule admits.
        policy: Policy,
        /// The rule's `action`, else `"<method> <path>"`.
        action: Option<String>,
    },
}

impl RuleAccess {
    /// The policy that decides, unless the rule refuses everything.
    pub fn policy(&self) -> Option<&Policy> {
        match self {
            RuleAccess::Deny => None,
            RuleAccess::Policy(policy) | RuleAccess::Cedar { policy, .. } => Some(policy),
        }
    }
}

impl ForwardAuthSettings {
    /// Whether some rule admits machine callers, whose access tokens must
    /// then be checked to the end whatever a pool's token kinds say.
    pub fn admits_machines(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.access.policy().is_some_and(Policy::admits_machines))
    }
}

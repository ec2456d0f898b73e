//! What a policy set's engine keeps between requests: the principal of
//! each verified token, and the decision of each token and request. Both
//! are keyed by the claims' address, held weakly beside (so the address
//! is not reused while an entry lives), and belong to one engine: a
//! reload builds a new one.

use std::sync::{Arc, Weak};

use actix_web::http::Method;
use quick_cache::sync::Cache;

use super::decision::{PolicyDecision, RequestFacts};
use super::principal::Principal;
use crate::auth::claims::ClaimsInner;
use crate::auth::Claims;

/// Principals remembered (one per verified token asking a policy rule).
const PRINCIPALS: usize = 4096;

/// Decisions remembered (token and request pairs); each holds its path.
const DECISIONS: usize = 8192;

/// The longest path whose decision is remembered, so the cache's memory
/// stays bounded (a path may be 8 KiB).
const MAX_REMEMBERED_PATH: usize = 256;

impl RequestFacts<'_> {
    /// A hash of everything but the token that a decision depends on: the
    /// rule, the method, the path (the captures follow from the two).
    fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (self.rule, self.method.as_str(), self.path).hash(&mut hasher);
        hasher.finish()
    }
}

/// What a remembered decision was asked, compared on a hit (the key is a
/// hash).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Asked {
    rule: Box<str>,
    method: Method,
    path: Box<str>,
}

impl Asked {
    fn of(facts: RequestFacts<'_>) -> Self {
        Asked {
            rule: facts.rule.into(),
            method: facts.method.clone(),
            path: facts.path.into(),
        }
    }
}

impl PartialEq<RequestFacts<'_>> for Asked {
    fn eq(&self, facts: &RequestFacts<'_>) -> bool {
        *self.rule == *facts.rule && self.method == facts.method && *self.path == *facts.path
    }
}

/// A decision kept for a verified token and a request. Only the token
/// and the request decide (the context holds nothing else, no clock), a
/// revoked token is refused before the policies are asked, and a reload
/// builds a new engine: a kept decision is never stale.
#[derive(Clone)]
pub(super) struct Decided {
    claims: Weak<ClaimsInner>,
    asked: Asked,
    decision: Arc<PolicyDecision>,
}

/// A principal kept for a verified token.
#[derive(Clone)]
struct KeptPrincipal {
    /// Held weakly, so the cache key (its address) is not reused meanwhile.
    claims: Weak<ClaimsInner>,
    principal: Arc<Result<Principal, String>>,
}

/// The principals and decisions one engine keeps.
pub(super) struct Kept {
    principals: Cache<usize, KeptPrincipal>,
    decisions: Cache<(usize, u64), Decided>,
}

impl Kept {
    pub fn new() -> Self {
        Kept {
            principals: Cache::new(PRINCIPALS),
            decisions: Cache::new(DECISIONS),
        }
    }

    /// The principal of `claims`, built by `build` once per verified token.
    pub fn principal(
        &self,
        claims: &Claims,
        build: impl FnOnce() -> Result<Principal, String>,
    ) -> Arc<Result<Principal, String>> {
        let key = claims.identity_address();
        if let Some(kept) = self.principals.get(&key) {
            if kept.claims.upgrade().is_some_and(|held| claims.is(&held)) {
                return kept.principal;
            }
        }
        let principal = Arc::new(build());
        self.principals.insert(
            key,
            KeptPrincipal {
                claims: claims.downgrade(),
                principal: Arc::clone(&principal),
            },
        );
        principal
    }

    /// The decision for `claims` asking `facts`, made by `decide` once per
    /// token and request (a path over 256 bytes: every time).
    pub fn decision(
        &self,
        claims: &Claims,
        facts: RequestFacts<'_>,
        decide: impl FnOnce() -> PolicyDecision,
    ) -> Arc<PolicyDecision> {
        if facts.path.len() > MAX_REMEMBERED_PATH {
            return Arc::new(decide());
        }
        let key = (claims.identity_address(), facts.key());
        if let Some(kept) = self.decisions.get(&key) {
            let same_token = kept.claims.upgrade().is_some_and(|held| claims.is(&held));
            if same_token && kept.asked == facts {
                return kept.decision;
            }
        }
        let decision = Arc::new(decide());
        self.decisions.insert(
            key,
            Decided {
                claims: claims.downgrade(),
                asked: Asked::of(facts),
                decision: Arc::clone(&decision),
            },
        );
        decision
    }
}

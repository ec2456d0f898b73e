//! The pools a server serves, looked up by issuer: each with its claim
//! rules and its own signing-key cache, so that one pool's tokens, keys
//! and floods never touch another's.

use std::sync::Arc;

use crate::auth::jose::unverified_issuer;
use crate::auth::{ClaimRules, TokenRejection};
use crate::keys::JwksCache;
use crate::pools::PoolTag;

/// One user pool as the server serves it.
pub struct Pool {
    /// Its rules (issuers, clients, token kinds), each carrying the tag.
    pub rules: ClaimRules,
    /// Its signing keys, fetched from its JWKS URL only.
    pub jwks: Arc<JwksCache>,
}

impl Pool {
    /// A pool checking tokens with `rules` against the keys in `jwks`.
    pub fn new(rules: ClaimRules, jwks: Arc<JwksCache>) -> Self {
        Pool { rules, jwks }
    }

    /// Its identity and admin terms.
    pub fn tag(&self) -> &Arc<PoolTag> {
        &self.rules.pool
    }
}

/// Every pool, in configuration order (a pool's tag holds its index).
pub struct Pools {
    pools: Vec<Pool>,
}

impl Pools {
    /// The pools, in order; their tags' indexes are set to their places.
    /// Never empty: a server has at least the environment's pool.
    pub fn new(pools: Vec<Pool>) -> Self {
        debug_assert!(pools.iter().enumerate().all(|(i, p)| p.tag().index == i));
        Pools { pools }
    }

    /// The pool at `index` (a tag's), if there is one.
    pub fn get(&self, index: usize) -> Option<&Pool> {
        self.pools.get(index)
    }

    /// Every pool, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Pool> {
        self.pools.iter()
    }

    /// How many pools there are.
    pub fn len(&self) -> usize {
        self.pools.len()
    }

    /// Whether there is none (never, for a built server).
    pub fn is_empty(&self) -> bool {
        self.pools.is_empty()
    }

    /// The pool whose issuers include `iss`, exactly.
    pub fn by_issuer(&self, iss: &str) -> Option<&Pool> {
        self.pools
            .iter()
            .find(|pool| pool.rules.issuers.iter().any(|accepted| accepted == iss))
    }

    /// The pool a token's (unverified) payload claims to be from, before
    /// any key is looked up. With one pool, the payload is not read here:
    /// that pool's claim rules check `iss` after the signature, as they
    /// always have, so the one-pool path costs nothing more; an unknown
    /// `kid` still has its `iss` read first ([`Pools::claimed_issuer_is_known`]).
    pub fn for_payload(&self, payload: &str) -> Result<&Pool, TokenRejection> {
        if let [only] = self.pools.as_slice() {
            return Ok(only);
        }
        let iss = unverified_issuer(payload)?;
        self.by_issuer(&iss).ok_or(TokenRejection::WrongIssuer)
    }

    /// Whether `payload`'s unverified `iss` is one of `pool`'s: checked
    /// before a JWKS fetch, so a token naming an issuer no pool has costs
    /// no fetch whatever `kid` it makes up.
    pub fn claimed_issuer_is_known(pool: &Pool, payload: &str) -> Result<(), TokenRejection> {
        let iss = unverified_issuer(payload)?;
        match pool.rules.issuers.contains(&iss) {
            true => Ok(()),
            false => Err(TokenRejection::WrongIssuer),
        }
    }
}

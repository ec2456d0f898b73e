//! What a verification decided without waiting: a verdict, or the token
//! parked until the key it names has been fetched.

use crate::auth::claims::Claims;
use crate::auth::errors::{AuthError, TokenRejection};
use crate::auth::jose::TokenParts;
use crate::auth::token_cache::TokenDigest;

/// What `Verifier::check` decided without waiting.
pub enum Verdict {
    /// Decided from the caches: accepted or refused.
    Decided(Result<Claims, AuthError>),
    /// Well-formed, but signed under a `kid` the key cache does not hold:
    /// only a JWKS fetch can tell (`Verifier::check_after_fetch`).
    NeedsKey(PendingToken),
}

/// A token that passed the structural checks and waits for its key; owns
/// what the check found, so nothing is split or hashed twice.
pub struct PendingToken {
    token: Box<str>,
    /// Where the payload and the signature segments start in `token`.
    payload_start: usize,
    signature_start: usize,
    kid: String,
    digest: Option<TokenDigest>,
    /// The index of the pool its `iss` chose, whose keys are fetched.
    pool: usize,
}

impl PendingToken {
    pub(crate) fn new(
        token: &str,
        parts: TokenParts<'_>,
        digest: Option<TokenDigest>,
        pool: usize,
    ) -> Self {
        let signature_start = parts.signing_input.len() + 1;
        PendingToken {
            payload_start: parts.signing_input.len() - parts.payload.len(),
            signature_start,
            token: token.into(),
            kid: parts.kid,
            digest,
            pool,
        }
    }

    /// The index of the pool whose keys must hold the `kid`.
    pub(crate) fn pool(&self) -> usize {
        self.pool
    }

    /// The token's digest, when the verified-token cache is on.
    pub(crate) fn digest(&self) -> Option<TokenDigest> {
        self.digest
    }

    /// The `kid` whose key is needed.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The token's parts as the structural check found them.
    pub(crate) fn parts(&self) -> Result<TokenParts<'_>, TokenRejection> {
        let token = &*self.token;
        let signing_input = token.get(..self.signature_start - 1);
        let payload = token.get(self.payload_start..self.signature_start - 1);
        let signature = token.get(self.signature_start..);
        match (signing_input, payload, signature) {
            (Some(signing_input), Some(payload), Some(signature)) => Ok(TokenParts {
                signing_input,
                payload,
                signature,
                kid: self.kid.clone(),
            }),
            _ => Err(TokenRejection::Malformed),
        }
    }
}

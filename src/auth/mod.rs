//! Authentication and authorisation, along the request path: `bearer` (the
//! `Authorization` header) → `jose` (structure, strict header, RS256
//! signature, payload) → `claims` (Cognito's claim rules) → `verifier`
//! (keys, verified-token cache, revocations) → `extractors` (what handlers
//! take) → `guards` (who may use a route).

mod bearer;
pub mod claims;
pub mod errors;
mod extractors;
pub mod guards;
pub mod jose;
#[cfg(test)]
mod test_fixtures;
pub mod token_cache;
mod verdict;
pub mod verifier;

pub use claims::{ClaimRules, Claims, TokenUse};
pub use errors::{AdminRefusal, AuthError, Missing, TokenRejection};
pub use extractors::MaybeClaims;
pub use guards::{AdminPolicy, Caller, Guard, Policy};
pub use verifier::{Verdict, Verifier};

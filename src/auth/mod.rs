//! Authentication and authorisation, along the request path: `bearer` (the
//! `Authorization` header) → `jose` (structure, strict header, RS256
//! signature, payload) → `claims` (Cognito's claim rules) → `verifier`
//! (keys, verified-token cache, revocations) → `extractors` (what handlers
//! take) → `policy` (who may do what, and the one `decide`) → `guards` (the
//! middleware applying a route's policy).

mod bearer;
pub mod claims;
pub mod errors;
mod extractors;
pub mod guards;
pub mod jose;
pub mod policy;
#[cfg(test)]
mod test_fixtures;
pub mod token_cache;
mod verdict;
pub mod verifier;

pub use claims::{ClaimRules, Claims, TokenUse};
pub use errors::{AuthError, Missing, PolicyRefusal, TokenRejection};
pub use extractors::MaybeClaims;
pub(crate) use extractors::{authenticate, Authentication};
pub use guards::{Caller, Guard};
pub use policy::{decide, Allow, Policy, Terms};
pub use verifier::{Verdict, Verifier};

//! Authentication and authorisation, along the request path: `bearer` (the
//! `Authorization` header) → `jose` (structure, strict header, RS256
//! signature, payload) → `claims` (Cognito's claim rules) → `verifier`
//! (keys, verified-token cache with its `recent_tokens`, revocations; the
//! served pools in `pool_registry`) → `authenticate` (who presented the token, counted in
//! `metrics`) → `policy` (who may do what, and the one `decide`) → `guards`
//! (the middleware applying a route's policy) → `caller` and `extractors`
//! (what handlers take). `answer` turns a refusal into its HTTP answer.

pub mod answer;
mod authenticate;
mod bearer;
mod caller;
pub mod claims;
pub mod errors;
mod extractors;
pub mod guards;
pub mod header_values;
pub mod jose;
pub mod metrics;
pub mod policy;
pub mod pool_registry;
mod recent_tokens;
#[cfg(test)]
pub(crate) mod test_fixtures;
pub mod token_cache;
mod verdict;
pub mod verifier;

pub use answer::{error_response, Detail};
pub(crate) use authenticate::{authenticate, Authentication};
pub use caller::Caller;
pub use claims::{ClaimRules, Claims, TokenUse};
pub use errors::{AuthError, Missing, PolicyRefusal, TokenRejection};
pub use extractors::MaybeClaims;
pub use guards::Guard;
pub use header_values::HeaderIdentity;
pub use metrics::AuthMetrics;
pub use policy::{decide, Allow, Policy, Terms};
pub use pool_registry::{Pool, Pools};
pub use token_cache::TokenCacheSettings;
pub use verifier::{Verdict, Verifier};

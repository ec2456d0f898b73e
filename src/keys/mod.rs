//! Signing keys: the pool's JWKS fetched over HTTP (`fetch`), decoded into
//! RS256 keys (`jwk`), cached and shared by all workers (`cache`), refreshed
//! in the background (`refresh`), refetched for unknown kids at a bounded
//! rate (`refetch`); `settings` is what the caches are configured with.

mod backoff;
mod cache;
mod fetch;
mod jwk;
mod refetch;
mod refresh;
mod settings;

pub use cache::{JwksCache, KeyLookupError};
pub use fetch::{FetchLabels, JwksError, JwksPolicy, MAX_JWKS_BYTES};
pub use jwk::{parse_jwks, signing_key_from_pem, KeyMap, SigningKey};
pub use refresh::run_refresh_loop;
pub use settings::{JwksSource, JwksTuning};

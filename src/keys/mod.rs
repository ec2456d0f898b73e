//! Signing keys: the pool's JWKS fetched over HTTP (`fetch`), decoded into
//! RS256 keys (`jwk`), cached and shared by all workers (`cache`), refreshed
//! in the background (`refresh`), refetched for unknown kids at a bounded
//! rate (`refetch`).

mod cache;
mod fetch;
mod jwk;
mod refetch;
mod refresh;

pub use cache::{JwksCache, KeyLookupError};
pub use fetch::{FetchLabels, JwksError, JwksPolicy, MAX_JWKS_BYTES};
pub use jwk::{parse_jwks, signing_key_from_pem, KeyMap, SigningKey};
pub use refresh::run_refresh_loop;

//! Identity for upstreams: with `[forward_auth.assertion]`, every allowing
//! `/auth` answer also carries `X-Auth-Request-Assertion`, a JWT this
//! server signs (ES256) about the caller and the rule, for one audience,
//! that the upstream verifies against `/.well-known/jwks.json`: a request
//! that skipped the gateway, or a header forged on the way, is refused by
//! the upstream itself. `key` is a signing key and its public JWK,
//! `settings` what is configured, `claims` what an assertion says, `mint`
//! signs them (reusing an assertion while most of its life is left), and
//! `metrics` counts the signatures.

mod claims;
mod key;
mod metrics;
mod mint;
mod settings;

pub use claims::Audience;
pub use key::{KeyError, SigningKey};
pub use metrics::AssertionMetrics;
pub use mint::{AssertionError, Minter, MAX_ASSERTION_BYTES};
pub use settings::AssertionSettings;

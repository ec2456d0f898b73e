//! Forward-auth: the gateway in front of any API asks `/auth` "may this
//! request through?", and gets the answer the API routes would give, from
//! the same verifier and the same policies, with the caller's identity as
//! headers. Along the request: `original` (the original method and path,
//! by the gateway's convention) → `normalise` (the one decoded path, or a
//! refusal: the security boundary) → `rules` (first match, precompiled at
//! start; `pattern`; refused when the readings of `readings` disagree) → `auth::decide` → `identity` (the headers of an
//! allowing answer) → `endpoint` (the handler, its log line and metric).
//! `settings` is what it is configured with, `errors` its refusals as
//! answers, `metrics` its counter, `live` the rule set serving now (a
//! reload swaps it).

mod endpoint;
mod errors;
mod identity;
mod live;
mod metrics;
pub mod normalise;
mod original;
mod pattern;
mod peers;
mod published_keys;
mod readings;
mod rules;
mod settings;

pub use endpoint::configure;
pub use errors::ForwardAuthError;
pub use live::LiveRules;
pub use metrics::ForwardAuthMetrics;
pub use normalise::{normalise, PathRefusal};
pub use pattern::PathPattern;
pub use peers::loopback;
pub use rules::{ForwardAuth, PathAmbiguity};
pub use settings::{ForwardAuthSettings, Gateway, RuleAccess, RuleSettings};

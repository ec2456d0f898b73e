//! Policies as code: gateway rules with `allow = "policy"` are decided by
//! a Cedar policy set, evaluated in-process with AWS's own `cedar-policy`
//! crate on the entities Amazon Verified Permissions builds from a Cognito
//! token, so the same policies run here and in AVP. Along the request:
//! `principal` (the token's entity, built once per verified token, its
//! claims converted by `values`) → `engine` (the context of `context`
//! per request (holding what `reads` finds the policies read), the action
//! of `action`, then `is_authorized` on the policies whose scopes match
//! (`slices`); what it keeps between requests in `kept`; `decision` the
//! request and answer). `load` reads and validates
//! the set at start and reload (`shape`: what a schema declares;
//! `names`: the entity types), `errors` says where a set is wrong, and
//! `schema_start` writes a schema to begin from.

mod action;
mod context;
mod decision;
mod engine;
mod errors;
mod kept;
mod load;
mod names;
mod principal;
mod reads;
mod schema_start;
mod shape;
mod slices;
mod values;

pub use action::RuleAction;
pub use decision::{PolicyDecision, RequestFacts};
pub use engine::{Explained, PolicyEngine};
pub use errors::PolicyLoadError;
pub use load::{PolicySources, SourceFile};
pub use names::CedarNames;
pub use schema_start::{schema_start, SchemaRule};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod load_tests;

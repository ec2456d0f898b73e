//! The principal AVP builds from a Cognito token, built once per verified
//! token: `<ns>::User::"<userPoolId>|<sub>"`, a parent
//! `<ns>::UserGroup::"<userPoolId>|<group>"` per `cognito:groups` entry,
//! and (ID tokens) every other claim as an attribute under its literal
//! name. An access token's claims go to `context.token` instead, kept
//! here for the per-request context.

use std::collections::{HashMap, HashSet};

use cedar_policy::{Entities, Entity, EntityId, EntityUid, Schema};
use serde_json::{Map, Value};

use super::names::CedarTypes;
use super::shape::Shape;
use super::slices::{Bits, Slices};
use super::values::to_cedar;
use crate::auth::{Claims, TokenUse};

/// The claim Cognito lists groups in; parents, never an attribute.
const GROUPS: &str = "cognito:groups";

/// A caller as the policies see them.
pub(crate) struct Principal {
    /// `<ns>::User::"<userPoolId>|<sub>"`.
    pub uid: EntityUid,
    /// The principal entity, its parents resolved.
    pub entities: Entities,
    /// An access token's claims (for `context.token`); `None` for an ID
    /// token.
    pub token: Option<Map<String, Value>>,
    /// The policies whose principal scope matches.
    pub scopes: Bits,
}

/// The user pool id of a Cognito issuer (`https://cognito-idp.<region>.
/// amazonaws.com/<userPoolId>`): its last path segment.
pub(crate) fn pool_id(claims: &Map<String, Value>) -> &str {
    claims
        .get("iss")
        .and_then(Value::as_str)
        .map(|iss| iss.trim_end_matches('/'))
        .and_then(|iss| iss.rsplit('/').next())
        .unwrap_or_default()
}

impl Principal {
    /// Builds the principal of `claims`; with a schema, only the declared
    /// attributes (`principal`), checked against it by Cedar. An error is
    /// why the request must be denied.
    pub fn of(
        claims: &Claims,
        types: &CedarTypes,
        schema: Option<&Schema>,
        principal: Option<&Shape>,
        slices: &Slices,
    ) -> Result<Self, String> {
        let all = claims.all_claims();
        let pool = pool_id(&all).to_owned();
        let uid = EntityUid::from_type_name_and_id(
            types.principal.clone(),
            EntityId::new(format!("{pool}|{}", claims.sub)),
        );
        let parents: Vec<EntityUid> = claims
            .groups
            .iter()
            .map(|group| {
                EntityUid::from_type_name_and_id(
                    types.group.clone(),
                    EntityId::new(format!("{pool}|{group}")),
                )
            })
            .collect();
        let (attributes, token) = match claims.token_use {
            TokenUse::Id => (attributes(all, principal)?, None),
            TokenUse::Access => (HashMap::new(), Some(without_groups(all))),
        };
        let scopes = slices.principal(&uid, &parents);
        let parents: HashSet<EntityUid> = parents.into_iter().collect();
        let entity = Entity::new(uid.clone(), attributes, parents)
            .map_err(|e| format!("the principal cannot be built: {e}"))?;
        let entities = Entities::from_entities([entity], schema)
            .map_err(|e| format!("the token does not fit the schema: {e}"))?;
        Ok(Principal {
            uid,
            entities,
            token,
            scopes,
        })
    }
}

/// Every claim but the groups.
fn without_groups(mut claims: Map<String, Value>) -> Map<String, Value> {
    claims.remove(GROUPS);
    claims
}

/// An ID token's attributes: every claim but the groups (with a schema,
/// those it declares).
fn attributes(
    claims: Map<String, Value>,
    declared: Option<&Shape>,
) -> Result<HashMap<String, cedar_policy::RestrictedExpression>, String> {
    claims
        .into_iter()
        .filter(|(name, _)| name != GROUPS)
        .filter(|(name, _)| declared.is_none_or(|shape| shape.declares(name)))
        .map(|(name, value)| {
            let value = match declared {
                Some(shape) => shape.field(&name).keep(value),
                None => value,
            };
            match to_cedar(value) {
                Ok(value) => Ok((name, value)),
                Err(why) => Err(format!("the claim {name:?}: {why}")),
            }
        })
        .collect()
}

//! The context of one Cedar request, built per request in code (no JSON
//! parse, no schema-driven conversion on the hot path): `token` for an
//! access token (`scope` as a set), `pathParameters` for a rule's
//! captures, and `guard`, this server's own; with a schema, only what the
//! action's context declares, and without one, only what the policies
//! read.

use cedar_policy::{Context, RestrictedExpression};
use serde_json::Value;

use super::decision::RequestFacts;
use super::principal::Principal;
use super::reads::ContextReads;
use super::shape::{DeclaredShapes, Shape};
use super::values::to_cedar;
use crate::auth::Claims;

/// `context`: `token` (access tokens), `pathParameters` (when the rule
/// captures), `guard`; with a schema, what the action declares.
pub(crate) fn context(
    shapes: Option<&DeclaredShapes>,
    reads: &ContextReads,
    principal: &Principal,
    claims: &Claims,
    action: &str,
    facts: RequestFacts<'_>,
) -> Result<Context, String> {
    let shape = shapes.map(|shapes| shapes.context(action));
    let wants =
        |name: &str| reads.field(name) && shape.as_ref().is_none_or(|shape| shape.declares(name));
    let field = |name: &str| shape.as_ref().map(|shape| shape.field(name));
    let mut pairs: Vec<(String, RestrictedExpression)> = Vec::with_capacity(3);
    if let (Some(token), true) = (&principal.token, wants("token")) {
        let mut token = token.clone();
        if let Some(Value::String(scope)) = token.get("scope") {
            let scopes = scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect();
            token.insert("scope".to_owned(), Value::Array(scopes));
        }
        let token = match field("token") {
            Some(shape) => shape.keep(Value::Object(token)),
            None => Value::Object(token),
        };
        pairs.push((
            "token".to_owned(),
            to_cedar(token).map_err(|why| format!("context.token: {why}"))?,
        ));
    }
    if !facts.captures.is_empty() && wants("pathParameters") {
        let captures = strings(facts.captures.iter().copied(), field("pathParameters"))?;
        pairs.push(("pathParameters".to_owned(), captures));
    }
    if wants("guard") {
        let guard = [
            ("method", facts.method.as_str()),
            ("path", facts.path),
            ("rule", facts.rule),
            ("pool", &*claims.pool.name),
            (
                "callerKind",
                if claims.is_machine() {
                    "machine"
                } else {
                    "user"
                },
            ),
            ("tokenUse", claims.token_use.as_str()),
        ];
        let read = guard
            .into_iter()
            .filter(|(name, _)| reads.subfield("guard", name));
        pairs.push(("guard".to_owned(), strings(read, field("guard"))?));
    }
    Context::from_pairs(pairs).map_err(|e| e.to_string())
}

/// A record of strings, made directly (no JSON on the way); with a
/// declared shape, its declared fields only.
fn strings<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    declared: Option<Shape>,
) -> Result<RestrictedExpression, String> {
    RestrictedExpression::new_record(
        fields
            .filter(|(name, _)| declared.as_ref().is_none_or(|shape| shape.declares(name)))
            .map(|(name, value)| {
                (
                    name.to_owned(),
                    RestrictedExpression::new_string(value.to_owned()),
                )
            }),
    )
    .map_err(|e| e.to_string())
}

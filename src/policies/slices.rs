//! Which policies a request can satisfy at all, by their scopes alone.
//! Cedar evaluates every policy it is given, about a microsecond each
//! (it rebuilds each policy's condition per request), though a policy
//! whose `principal`, `action` or `resource` scope does not match is not
//! satisfied whatever its conditions say, and raises no error (a scope is
//! evaluated first and `&&` stops there). So Cedar is given only the
//! policies whose scopes match: the decision, its reasons and its errors
//! are those of the whole set.
//!
//! A scope's match is worked out from what this server builds: the one
//! resource (no ancestors), a principal whose ancestors are exactly its
//! group parents, and an action whose ancestors, with a schema, are the
//! schema's action groups (kept whole when it has any).

use std::sync::Arc;

use cedar_policy::{
    ActionConstraint, EntityUid, Policy, PolicySet, PrincipalConstraint, ResourceConstraint, Schema,
};
use quick_cache::sync::Cache;

/// Sets kept, one per combination of matching scopes seen; a handful in
/// practice (a rule's methods times the callers' group combinations).
const SLICES: usize = 1024;

/// One bit per policy, in the order of the whole set.
pub(crate) type Bits = Box<[u64]>;

/// One policy and its scopes, read once (Cedar copies them out per call).
struct Scoped {
    policy: Policy,
    principal: PrincipalConstraint,
    action: ActionConstraint,
    /// Whether the resource scope matches the one resource.
    resource: bool,
}

/// The policies with their scopes, and the slices made so far.
pub(crate) struct Slices {
    policies: Vec<Scoped>,
    whole: Arc<PolicySet>,
    /// Actions that are members of an action group (from the schema):
    /// their `action in [...]` matches are not worked out here.
    grouped_actions: Vec<EntityUid>,
    kept: Cache<Bits, Arc<PolicySet>>,
}

fn bits_where(count: usize, matches: impl Fn(usize) -> bool) -> Bits {
    let mut bits = vec![0u64; count.div_ceil(64)];
    for i in (0..count).filter(|&i| matches(i)) {
        bits[i / 64] |= 1 << (i % 64);
    }
    bits.into_boxed_slice()
}

fn is_set(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

impl Slices {
    /// The scopes of `policies`, asked about `resource`.
    pub fn new(set: &PolicySet, resource: &EntityUid, schema: Option<&Schema>) -> Self {
        let policies = set
            .policies()
            .map(|policy| Scoped {
                principal: policy.principal_constraint(),
                action: policy.action_constraint(),
                resource: resource_matches(&policy.resource_constraint(), resource),
                policy: policy.clone(),
            })
            .collect();
        let grouped_actions = schema
            .and_then(|schema| schema.action_entities().ok())
            .map(|actions| {
                actions
                    .iter()
                    .map(|action| action.uid())
                    .filter(|uid| {
                        actions
                            .ancestors(uid)
                            .is_some_and(|mut ancestors| ancestors.next().is_some())
                    })
                    .collect()
            })
            .unwrap_or_default();
        Slices {
            policies,
            whole: Arc::new(set.clone()),
            grouped_actions,
            kept: Cache::new(SLICES),
        }
    }

    /// The whole set.
    pub fn whole(&self) -> Arc<PolicySet> {
        Arc::clone(&self.whole)
    }

    /// The policies whose principal scope matches `uid` with `parents`;
    /// once per principal.
    pub fn principal(&self, uid: &EntityUid, parents: &[EntityUid]) -> Bits {
        bits_where(self.policies.len(), |i| {
            principal_matches(&self.policies[i].principal, uid, parents)
        })
    }

    /// The set to evaluate for a principal whose scope matches are
    /// `principal`, asking `action`.
    pub fn for_request(&self, principal: &[u64], action: &EntityUid) -> Arc<PolicySet> {
        let grouped = self.grouped_actions.contains(action);
        let bits = bits_where(self.policies.len(), |i| {
            let scoped = &self.policies[i];
            scoped.resource
                && is_set(principal, i)
                && action_matches(&scoped.action, action, grouped)
        });
        if bits
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum::<usize>()
            == self.policies.len()
        {
            return Arc::clone(&self.whole);
        }
        if let Some(set) = self.kept.get(&bits) {
            return set;
        }
        let set = Arc::new(self.slice(&bits));
        self.kept.insert(bits, Arc::clone(&set));
        set
    }

    fn slice(&self, bits: &[u64]) -> PolicySet {
        let chosen = (0..self.policies.len())
            .filter(|&i| is_set(bits, i))
            .map(|i| self.policies[i].policy.clone());
        // The policies came from one valid set: ids are unique, so this
        // cannot fail; if it ever did, the whole set decides the same.
        PolicySet::from_policies(chosen).unwrap_or_else(|_| (*self.whole).clone())
    }
}

fn principal_matches(
    constraint: &PrincipalConstraint,
    uid: &EntityUid,
    parents: &[EntityUid],
) -> bool {
    let is_in = |group: &EntityUid| group == uid || parents.contains(group);
    match constraint {
        PrincipalConstraint::Any => true,
        PrincipalConstraint::Eq(wanted) => wanted == uid,
        PrincipalConstraint::In(group) => is_in(group),
        PrincipalConstraint::Is(kind) => kind == uid.type_name(),
        PrincipalConstraint::IsIn(kind, group) => kind == uid.type_name() && is_in(group),
    }
}

fn resource_matches(constraint: &ResourceConstraint, resource: &EntityUid) -> bool {
    match constraint {
        ResourceConstraint::Any => true,
        ResourceConstraint::Eq(wanted) | ResourceConstraint::In(wanted) => wanted == resource,
        ResourceConstraint::Is(kind) => kind == resource.type_name(),
        ResourceConstraint::IsIn(kind, wanted) => {
            kind == resource.type_name() && wanted == resource
        }
    }
}

/// `grouped`: the action is a member of some action group, so an
/// `action in [...]` not naming it may still match.
fn action_matches(constraint: &ActionConstraint, action: &EntityUid, grouped: bool) -> bool {
    match constraint {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(wanted) => wanted == action,
        ActionConstraint::In(listed) => grouped || listed.contains(action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedar_policy::{Authorizer, Context, Entities, Entity, Request, Response};
    use std::collections::{HashMap, HashSet};
    use std::str::FromStr;

    /// Every kind of scope, matching and not, with conditions that are
    /// true, false and erroring, so slicing must keep reasons and errors.
    const POLICIES: &str = r#"
        @id("any") permit (principal, action, resource) when { context.n > 0 };
        @id("eq-me") permit (principal == App::User::"p|me", action, resource);
        @id("eq-other") permit (principal == App::User::"p|other", action, resource);
        @id("in-staff") permit (principal in App::UserGroup::"p|staff", action, resource);
        @id("in-admin") forbid (principal in App::UserGroup::"p|admin", action, resource);
        @id("is-user") permit (principal is App::User, action == App::Action::"get /x", resource);
        @id("is-in") forbid (principal is App::User in App::UserGroup::"p|staff", action, resource) when { context.n > 5 };
        @id("get") permit (principal, action == App::Action::"get /x", resource) when { context.missing };
        @id("list") forbid (principal, action in [App::Action::"delete /x", App::Action::"put /x"], resource);
        @id("other-resource") permit (principal, action, resource == App::Application::"other");
        @id("this-resource") forbid (principal, action, resource in App::Application::"App") when { context.n == 7 };
        @id("resource-type") permit (principal, action, resource is App::Application) when { context.n == 3 };
    "#;

    fn entities(groups: &[&str]) -> (EntityUid, Vec<EntityUid>, Entities) {
        let uid = EntityUid::from_str(r#"App::User::"p|me""#).expect("uid");
        let parents: Vec<EntityUid> = groups
            .iter()
            .map(|g| EntityUid::from_str(&format!(r#"App::UserGroup::"p|{g}""#)).expect("group"))
            .collect();
        let entity = Entity::new(
            uid.clone(),
            HashMap::new(),
            parents.iter().cloned().collect::<HashSet<_>>(),
        )
        .expect("entity");
        let entities = Entities::from_entities([entity], None).expect("entities");
        (uid, parents, entities)
    }

    fn summary(response: &Response) -> (bool, Vec<String>, Vec<String>) {
        let mut reasons: Vec<String> = response
            .diagnostics()
            .reason()
            .map(ToString::to_string)
            .collect();
        let mut errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(ToString::to_string)
            .collect();
        reasons.sort();
        errors.sort();
        (
            response.decision() == cedar_policy::Decision::Allow,
            reasons,
            errors,
        )
    }

    #[test]
    fn a_slice_decides_as_the_whole_set_does() {
        let set = PolicySet::from_str(POLICIES).expect("policies parse");
        let resource = EntityUid::from_str(r#"App::Application::"App""#).expect("resource");
        let slices = Slices::new(&set, &resource, None);
        let authorizer = Authorizer::new();
        let mut smaller = 0;
        for groups in [&[][..], &["staff"], &["admin"], &["staff", "admin", "x"]] {
            let (uid, parents, entities) = entities(groups);
            let scopes = slices.principal(&uid, &parents);
            for method in ["get", "put", "delete", "post"] {
                let action =
                    EntityUid::from_str(&format!(r#"App::Action::"{method} /x""#)).expect("action");
                for n in [0, 3, 6, 7] {
                    let context = Context::from_json_value(serde_json::json!({ "n": n }), None)
                        .expect("context");
                    let request =
                        Request::new(uid.clone(), action.clone(), resource.clone(), context, None)
                            .expect("request");
                    let slice = slices.for_request(&scopes, &action);
                    if slice.policies().count() < set.policies().count() {
                        smaller += 1;
                    }
                    assert_eq!(
                        summary(&authorizer.is_authorized(&request, &slice, &entities)),
                        summary(&authorizer.is_authorized(&request, &set, &entities)),
                        "{groups:?} {method} n={n}"
                    );
                }
            }
        }
        // The slices did leave policies out, or the test proves nothing.
        assert_eq!(smaller, 4 * 4 * 4);
    }

    #[test]
    fn an_action_in_a_group_keeps_every_listing_policy() {
        let set = PolicySet::from_str(
            r#"@id("reads") permit (principal, action in [App::Action::"read"], resource);"#,
        )
        .expect("policies parse");
        let schema = Schema::from_str(
            r#"namespace App {
                 entity User; entity Application;
                 action "read";
                 action "get /x" in ["read"] appliesTo { principal: User, resource: Application };
               }"#,
        )
        .expect("schema parses");
        let resource = EntityUid::from_str(r#"App::Application::"App""#).expect("resource");
        let slices = Slices::new(&set, &resource, Some(&schema));
        let (uid, parents, _) = entities(&[]);
        let scopes = slices.principal(&uid, &parents);
        let grouped = EntityUid::from_str(r#"App::Action::"get /x""#).expect("action");
        assert_eq!(slices.for_request(&scopes, &grouped).policies().count(), 1);
        let alone = EntityUid::from_str(r#"App::Action::"put /x""#).expect("action");
        assert_eq!(slices.for_request(&scopes, &alone).policies().count(), 0);
    }
}

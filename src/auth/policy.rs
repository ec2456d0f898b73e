//! Who may do what, as one value: a [`Policy`] says whether a token is
//! looked at ([`Allow`]), which kinds of caller are admitted (users,
//! machines) and on which terms (groups, scopes). The route table's guards
//! and the gateway rules of `GUARD_CONFIG` both hold one, and [`decide`]
//! applies it: one pure function for every authorisation answer.

use std::sync::Arc;

use crate::auth::caller::Caller;
use crate::auth::claims::Claims;
use crate::auth::errors::{AuthError, Missing, PolicyRefusal, TokenRejection};

/// Whether a policy looks at the token, and whether it needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// Anyone; no token is looked at.
    Public,
    /// Anyone; a valid token's admitted caller is passed on, an invalid or
    /// missing one reads as none.
    Optional,
    /// A valid token whose caller the policy admits.
    Authenticated,
}

/// What a caller of one kind must hold. Each list that is not empty must
/// hold: `*_any` at least one of its names, `*_all` every one (exact,
/// case-sensitive matches).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    /// `cognito:groups`: at least one of these.
    pub groups_any: Vec<Box<str>>,
    /// `cognito:groups`: all of these.
    pub groups_all: Vec<Box<str>>,
    /// `scope`: at least one of these.
    pub scopes_any: Vec<Box<str>>,
    /// `scope`: all of these.
    pub scopes_all: Vec<Box<str>>,
    /// An admin of the caller's own pool: a user in its admin group, a
    /// machine holding its admin scope (the admin routes with several
    /// pools, whose admin terms differ).
    pub own_pool_admin: bool,
}

impl Terms {
    /// No term: any caller of the kind.
    pub fn none() -> Self {
        Terms::default()
    }

    /// Members of at least one of `groups`.
    pub fn groups_any<S: Into<Box<str>>>(groups: impl IntoIterator<Item = S>) -> Self {
        Terms {
            groups_any: groups.into_iter().map(Into::into).collect(),
            ..Terms::default()
        }
    }

    /// Tokens holding at least one of `scopes`.
    pub fn scopes_any<S: Into<Box<str>>>(scopes: impl IntoIterator<Item = S>) -> Self {
        Terms {
            scopes_any: scopes.into_iter().map(Into::into).collect(),
            ..Terms::default()
        }
    }

    /// The admin of their own pool, whatever kind of caller.
    pub fn own_pool_admin() -> Self {
        Terms {
            own_pool_admin: true,
            ..Terms::default()
        }
    }

    /// What `claims` (a machine's when `machine`) lack, if anything: the
    /// pool's admin terms, then the groups, then the scopes.
    fn lacking(&self, claims: &Claims, machine: bool) -> Option<Missing> {
        let in_group = |g: &str| claims.in_group(g);
        let has_scope = |s: &str| claims.has_scope(s);
        if self.own_pool_admin {
            let pool = &claims.pool;
            match machine {
                true if !pool.admin_scope.as_deref().is_some_and(has_scope) => {
                    return Some(Missing::Scope)
                }
                false if !in_group(&pool.admin_group) => return Some(Missing::Group),
                _ => {}
            }
        }
        if !any_of(&self.groups_any, in_group) || !all_of(&self.groups_all, in_group) {
            return Some(Missing::Group);
        }
        if !any_of(&self.scopes_any, has_scope) || !all_of(&self.scopes_all, has_scope) {
            return Some(Missing::Scope);
        }
        None
    }

    fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes_any.iter().chain(&self.scopes_all).map(|s| &**s)
    }
}

/// An `*_any` term: holds when empty, or when one name holds.
fn any_of(names: &[Box<str>], holds: impl Fn(&str) -> bool) -> bool {
    names.is_empty() || names.iter().any(|n| holds(n))
}

/// An `*_all` term: every name holds.
fn all_of(names: &[Box<str>], holds: impl Fn(&str) -> bool) -> bool {
    names.iter().all(|n| holds(n))
}

/// Who may call: whether a token is needed, and the terms for each kind of
/// caller admitted (`None`: that kind is never admitted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    allow: Allow,
    users: Option<Terms>,
    machines: Option<Terms>,
    /// The scopes a refusal names in its `insufficient_scope` challenge
    /// (space-separated, RFC 6750 §3), computed once.
    scope_hint: Option<Arc<str>>,
    /// The pools whose callers may pass (by name); `None`: any pool's.
    pools: Option<Box<[Box<str>]>>,
}

impl Policy {
    /// Anyone, no token looked at.
    pub fn public() -> Self {
        Self::new(Allow::Public, None, None)
    }

    /// Anyone; a valid user token is passed on (machines read as none).
    pub fn optional() -> Self {
        Self::new(Allow::Optional, Some(Terms::none()), None)
    }

    /// Any user with a valid token.
    pub fn authenticated() -> Self {
        Self::new(Allow::Authenticated, Some(Terms::none()), None)
    }

    /// The admin routes: a user in `group`, or, when `scope` is set, a
    /// machine caller holding it.
    pub fn admin(group: &str, scope: Option<&str>) -> Self {
        Self::new(
            Allow::Authenticated,
            Some(Terms::groups_any([group])),
            scope.map(|scope| Terms::scopes_any([scope])),
        )
    }

    /// The admin routes with several pools: an admin of the caller's own
    /// pool (its admin group; its admin scope for a machine, when
    /// `machine_admins`: some pool has one).
    pub fn pool_admin(machine_admins: bool) -> Self {
        Self::new(
            Allow::Authenticated,
            Some(Terms::own_pool_admin()),
            machine_admins.then(Terms::own_pool_admin),
        )
    }

    /// This policy, admitting callers of the pools named in `pools` only.
    pub fn with_pools<S: Into<Box<str>>>(mut self, pools: impl IntoIterator<Item = S>) -> Self {
        self.pools = Some(pools.into_iter().map(Into::into).collect());
        self
    }

    /// The pools whose callers may pass; `None`: any pool's.
    pub fn pools(&self) -> Option<&[Box<str>]> {
        self.pools.as_deref()
    }

    /// A policy with these terms per kind of caller.
    pub fn new(allow: Allow, users: Option<Terms>, machines: Option<Terms>) -> Self {
        let mut scopes: Vec<&str> = Vec::new();
        for scope in users.iter().chain(&machines).flat_map(Terms::scopes) {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        let scope_hint = (!scopes.is_empty()).then(|| Arc::from(scopes.join(" ")));
        Policy {
            allow,
            users,
            machines,
            scope_hint,
            pools: None,
        }
    }

    /// Whether a token is looked at, and needed.
    pub fn allow(&self) -> Allow {
        self.allow
    }

    /// The users' terms, `None` when users are never admitted.
    pub fn users(&self) -> Option<&Terms> {
        self.users.as_ref()
    }

    /// The machines' terms, `None` when machines are never admitted.
    pub fn machines(&self) -> Option<&Terms> {
        self.machines.as_ref()
    }

    /// Whether machine callers can ever pass, so that their access tokens
    /// must be checked to the end whatever `COGNITO_TOKEN_USE` says.
    pub fn admits_machines(&self) -> bool {
        self.allow != Allow::Public && self.machines.is_some()
    }

    /// The scopes this policy requires of some caller, space-separated.
    pub fn scope_hint(&self) -> Option<&str> {
        self.scope_hint.as_deref()
    }

    /// A refusal of `claims`: it names the scopes that pass, the caller's
    /// own pool's admin scope where the terms are that pool's.
    fn refusal(&self, missing: Missing, claims: &Claims) -> AuthError {
        let own_pool = self
            .machines
            .as_ref()
            .is_some_and(|terms| terms.own_pool_admin);
        let scope = match (&self.scope_hint, own_pool) {
            (Some(hint), _) => Some(Arc::clone(hint)),
            (None, true) => claims.pool.admin_scope.clone(),
            (None, false) => None,
        };
        AuthError::Forbidden(PolicyRefusal { missing, scope })
    }

    /// The caller `claims` make, if the policy admits them.
    fn admit(&self, claims: Claims) -> Result<Caller, AuthError> {
        if let Some(pools) = &self.pools {
            if !pools.iter().any(|name| **name == *claims.pool.name) {
                return Err(self.refusal(Missing::Pool, &claims));
            }
        }
        if claims.is_machine() {
            return match &self.machines {
                Some(terms) => match terms.lacking(&claims, true) {
                    None => Ok(Caller::Machine(claims)),
                    Some(missing) => Err(self.refusal(missing, &claims)),
                },
                // A machine is never a user: where access tokens are not
                // accepted from users the token is not valid here at all;
                // where they are, it is a valid token of the wrong caller:
                // a refusal of the policy's terms when it has some (the
                // admin routes: only the group makes an admin), else plainly
                // not a user (no scope would make it one).
                None if !claims.admitted_for_users => Err(TokenRejection::WrongTokenUse.into()),
                None if self.users.as_ref().is_some_and(|t| *t != Terms::none()) => {
                    Err(self.refusal(Missing::Caller, &claims))
                }
                None => Err(AuthError::MachineNotUser),
            };
        }
        if !claims.admitted_for_users {
            // A user's token of a kind this server does not take from users.
            return Err(TokenRejection::WrongTokenUse.into());
        }
        match &self.users {
            Some(terms) => match terms.lacking(&claims, false) {
                None => Ok(Caller::User(claims)),
                Some(missing) => Err(self.refusal(missing, &claims)),
            },
            None => Err(self.refusal(Missing::Caller, &claims)),
        }
    }
}

/// Applies `policy` to an authentication outcome: the caller to admit (if
/// any), or the refusal to answer with. Pure, so every branch is tested
/// without a server. A public policy ignores the outcome (its callers need
/// not be authenticated at all).
pub fn decide(
    policy: &Policy,
    authenticated: Result<Claims, AuthError>,
) -> Result<Option<Caller>, AuthError> {
    match policy.allow {
        Allow::Public => Ok(None),
        Allow::Optional => Ok(authenticated
            .ok()
            .and_then(|claims| policy.admit(claims).ok())),
        Allow::Authenticated => policy.admit(authenticated?).map(Some),
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "policy_pool_tests.rs"]
mod pool_tests;

//! The policy set one configuration loaded, and its decisions: the
//! principal built once per verified token (kept while the token is, in a
//! cache of this engine's own, so a reload starts afresh), the context
//! per request, then Cedar's `is_authorized`. Every failure on the way (a
//! claim the schema refuses, a request that does not validate) is a
//! denial with its reason, never an error answer; a policy that errors is
//! not satisfied (Cedar's own rule) and its error is reported.

use std::sync::{Arc, Weak};

use actix_web::http::Method;
use cedar_policy::{Authorizer, Context, Decision, Request, RestrictedExpression};
use quick_cache::sync::Cache;
use serde_json::Value;

use super::action::RuleAction;
use super::errors::PolicyLoadError;
use super::load::{load, Loaded, PolicySources};
use super::principal::Principal;
use super::values::to_cedar;
use crate::auth::claims::ClaimsInner;
use crate::auth::Claims;

/// Principals remembered (one per verified token asking a policy rule).
const PRINCIPALS: usize = 4096;

/// What a request is, beyond the token: the per-request context.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// The original method, as sent.
    pub method: &'a Method,
    /// The normalised path.
    pub path: &'a str,
    /// The rule's name.
    pub rule: &'a str,
    /// The rule's `{name}` captures, in order.
    pub captures: &'a [(&'a str, &'a str)],
}

/// Cedar's answer for one request, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDecision {
    /// Cedar said Allow.
    pub allowed: bool,
    /// The deciding policies: the permits that allowed, or the forbids
    /// that denied (empty: no policy permits).
    pub policies: Vec<String>,
    /// Policies that erred (not satisfied), with Cedar's message.
    pub errors: Vec<String>,
    /// Why no request could be put to Cedar (denied without asking).
    pub refused: Option<String>,
}

impl PolicyDecision {
    fn refused(why: String) -> Self {
        PolicyDecision {
            allowed: false,
            policies: Vec::new(),
            errors: Vec::new(),
            refused: Some(why),
        }
    }

    /// What the log line says: the deciding policy ids, or why none.
    pub fn explanation(&self) -> String {
        let mut text = match (&self.refused, self.allowed, self.policies.is_empty()) {
            (Some(why), _, _) => format!("denied before evaluation: {why}"),
            (None, true, _) => format!("permitted by {}", self.policies.join(",")),
            (None, false, true) => "no policy permits".to_owned(),
            (None, false, false) => format!("forbidden by {}", self.policies.join(",")),
        };
        if !self.errors.is_empty() {
            text.push_str(&format!("; erred: {}", self.errors.join("; ")));
        }
        text
    }
}

/// Decisions remembered (token and request pairs); each holds its path.
const DECISIONS: usize = 8192;

/// The longest path whose decision is remembered, so the cache's memory
/// stays bounded (a path may be 8 KiB).
const MAX_REMEMBERED_PATH: usize = 256;

impl RequestFacts<'_> {
    /// A hash of everything but the token that a decision depends on: the
    /// rule, the method, the path (the captures follow from the two).
    fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (self.rule, self.method.as_str(), self.path).hash(&mut hasher);
        hasher.finish()
    }
}

/// What a remembered decision was asked, compared on a hit (the key is a
/// hash).
#[derive(Clone, PartialEq, Eq)]
struct Asked {
    rule: Box<str>,
    method: Method,
    path: Box<str>,
}

impl Asked {
    fn of(facts: RequestFacts<'_>) -> Self {
        Asked {
            rule: facts.rule.into(),
            method: facts.method.clone(),
            path: facts.path.into(),
        }
    }
}

impl PartialEq<RequestFacts<'_>> for Asked {
    fn eq(&self, facts: &RequestFacts<'_>) -> bool {
        *self.rule == *facts.rule && self.method == facts.method && *self.path == *facts.path
    }
}

/// A decision kept for a verified token and a request. Only the token
/// and the request decide (the context holds nothing else, no clock), a
/// revoked token is refused before the policies are asked, and a reload
/// builds a new engine: a kept decision is never stale.
#[derive(Clone)]
struct Decided {
    claims: Weak<ClaimsInner>,
    asked: Asked,
    decision: Arc<PolicyDecision>,
}

/// A record of strings, made directly (no JSON on the way); with a
/// declared shape, its declared fields only.
fn strings<'a>(
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    declared: Option<super::shape::Shape>,
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

/// A principal kept for a verified token.
#[derive(Clone)]
struct Kept {
    /// Held weakly, so the cache key (its address) is not reused meanwhile.
    claims: Weak<ClaimsInner>,
    principal: Arc<Result<Principal, String>>,
}

/// A loaded policy set, ready to decide.
pub struct PolicyEngine {
    loaded: Loaded,
    names: super::CedarNames,
    files: Vec<String>,
    authorizer: Authorizer,
    principals: Cache<usize, Kept>,
    decisions: Cache<(usize, u64), Decided>,
}

impl std::fmt::Debug for PolicyEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyEngine")
            .field("files", &self.files)
            .field("policies", &self.loaded.policies.policies().count())
            .finish()
    }
}

/// The parts of one Cedar request, for `policy explain`.
pub struct Explained {
    /// The request as Cedar was asked it, or why it could not be.
    pub request: Result<Request, String>,
    /// The principal's entity, as JSON, or why it could not be built.
    pub principal: Result<Value, String>,
    /// The decision.
    pub decision: PolicyDecision,
}

impl PolicyEngine {
    /// Parses and validates `sources`.
    pub fn load(sources: &PolicySources) -> Result<Self, PolicyLoadError> {
        Ok(PolicyEngine {
            loaded: load(sources)?,
            names: sources.names.clone(),
            files: sources.files.iter().map(|f| f.name.clone()).collect(),
            authorizer: Authorizer::new(),
            principals: Cache::new(PRINCIPALS),
            decisions: Cache::new(DECISIONS),
        })
    }

    /// The entity type names.
    pub fn names(&self) -> &super::CedarNames {
        &self.names
    }

    /// How many policies were loaded.
    pub fn policy_count(&self) -> usize {
        self.loaded.policies.policies().count()
    }

    /// The policy files read, in order.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The file and line where policy `id` is written.
    pub fn origin(&self, id: &str) -> Option<(String, usize)> {
        let origin = self.loaded.origins.get(&cedar_policy::PolicyId::new(id))?;
        Some((self.files.get(origin.file)?.clone(), origin.line))
    }

    /// The actions of a rule whose path is `template` (`fixed`: its
    /// `action`).
    pub fn rule_action(&self, template: &str, fixed: Option<&str>) -> RuleAction {
        RuleAction::new(&self.loaded.types, template, fixed)
    }

    /// Whether the schema (when there is one) declares `action`: a rule
    /// whose action it does not declare would deny every request.
    pub fn declares_action(&self, action: &str) -> bool {
        let Some(schema) = &self.loaded.schema else {
            return true;
        };
        let wanted = self.loaded.types.action(action);
        schema
            .action_entities()
            .is_ok_and(|actions| actions.iter().any(|entity| entity.uid() == wanted))
    }

    /// Cedar's decision for `claims` asking `action` with `facts`.
    pub fn decide(
        &self,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> Arc<PolicyDecision> {
        let remembered = facts.path.len() <= MAX_REMEMBERED_PATH;
        let key = (claims.identity_address(), facts.key());
        if remembered {
            if let Some(kept) = self.decisions.get(&key) {
                let same_token = kept.claims.upgrade().is_some_and(|held| claims.is(&held));
                if same_token && kept.asked == facts {
                    return kept.decision;
                }
            }
        }
        let principal = self.principal(claims);
        let decision = Arc::new(match &*principal {
            Ok(principal) => match self.request(principal, claims, action, facts) {
                Ok(request) => self.evaluate(&request, principal),
                Err(why) => PolicyDecision::refused(why),
            },
            Err(why) => PolicyDecision::refused(why.clone()),
        });
        if remembered {
            self.decisions.insert(
                key,
                Decided {
                    claims: claims.downgrade(),
                    asked: Asked::of(facts),
                    decision: Arc::clone(&decision),
                },
            );
        }
        decision
    }

    /// [`PolicyEngine::decide`] for a token seen for the first time: the
    /// principal built anew and not kept (what a decision costs on a
    /// token's first request; the benchmarks measure it).
    pub fn decide_first_time(
        &self,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> PolicyDecision {
        match self.build_principal(claims) {
            Ok(principal) => match self.request(&principal, claims, action, facts) {
                Ok(request) => self.evaluate(&request, &principal),
                Err(why) => PolicyDecision::refused(why),
            },
            Err(why) => PolicyDecision::refused(why),
        }
    }

    /// [`PolicyEngine::decide`] for a request first asked by a token seen
    /// before: its principal kept, the decision made anew (the benchmarks
    /// measure it).
    pub fn decide_new_request(
        &self,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> PolicyDecision {
        match &*self.principal(claims) {
            Ok(principal) => match self.request(principal, claims, action, facts) {
                Ok(request) => self.evaluate(&request, principal),
                Err(why) => PolicyDecision::refused(why),
            },
            Err(why) => PolicyDecision::refused(why.clone()),
        }
    }

    /// What `decide` asks and answers, spelled out.
    pub fn explain(
        &self,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> Explained {
        let built = self.principal(claims);
        let principal = match &*built {
            Ok(principal) => principal,
            Err(why) => {
                return Explained {
                    request: Err(why.clone()),
                    principal: Err(why.clone()),
                    decision: PolicyDecision::refused(why.clone()),
                }
            }
        };
        // With a schema the entities hold its actions too: only the
        // principal explains the caller.
        let principal_uid = serde_json::json!({
            "type": principal.uid.type_name().to_string(),
            "id": principal.uid.id().unescaped(),
        });
        let entity = principal
            .entities
            .to_json_value()
            .map(|all| match all {
                Value::Array(entities) => entities
                    .into_iter()
                    .find(|e| e.get("uid") == Some(&principal_uid))
                    .unwrap_or(Value::Null),
                other => other,
            })
            .map_err(|e| e.to_string());
        let request = self.request(principal, claims, action, facts);
        let decision = match &request {
            Ok(request) => self.evaluate(request, principal),
            Err(why) => PolicyDecision::refused(why.clone()),
        };
        Explained {
            request,
            principal: entity,
            decision,
        }
    }

    fn evaluate(&self, request: &Request, principal: &Principal) -> PolicyDecision {
        let response =
            self.authorizer
                .is_authorized(request, &self.loaded.policies, &principal.entities);
        let mut policies: Vec<String> = response
            .diagnostics()
            .reason()
            .map(ToString::to_string)
            .collect();
        policies.sort();
        let mut errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(ToString::to_string)
            .collect();
        errors.sort();
        PolicyDecision {
            allowed: response.decision() == Decision::Allow,
            policies,
            errors,
            refused: None,
        }
    }

    #[cfg(test)]
    pub(crate) fn principal_for_tests(&self, claims: &Claims) -> Arc<Result<Principal, String>> {
        self.principal(claims)
    }

    /// The principal of `claims`, built once per verified token.
    fn principal(&self, claims: &Claims) -> Arc<Result<Principal, String>> {
        let key = claims.identity_address();
        if let Some(kept) = self.principals.get(&key) {
            if kept.claims.upgrade().is_some_and(|held| claims.is(&held)) {
                return kept.principal;
            }
        }
        let principal = Arc::new(self.build_principal(claims));
        self.principals.insert(
            key,
            Kept {
                claims: claims.downgrade(),
                principal: Arc::clone(&principal),
            },
        );
        principal
    }

    fn build_principal(&self, claims: &Claims) -> Result<Principal, String> {
        let loaded = &self.loaded;
        Principal::of(
            claims,
            &loaded.types,
            loaded.schema.as_ref(),
            loaded.shapes.as_ref().map(|shapes| &shapes.principal),
        )
    }

    /// The Cedar request: principal, action, resource and the context.
    fn request(
        &self,
        principal: &Principal,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> Result<Request, String> {
        let (action_id, action_uid) = action.for_method(facts.method);
        let context = self.context(principal, claims, &action_id, facts)?;
        Request::new(
            principal.uid.clone(),
            action_uid.into_owned(),
            self.loaded.types.resource.clone(),
            context,
            self.loaded.schema.as_ref(),
        )
        .map_err(|e| format!("the request does not fit the schema: {e}"))
    }

    /// `context`: `token` (access tokens), `pathParameters` (when the rule
    /// captures), `guard`; with a schema, what the action declares.
    fn context(
        &self,
        principal: &Principal,
        claims: &Claims,
        action: &str,
        facts: RequestFacts<'_>,
    ) -> Result<Context, String> {
        let shape = self
            .loaded
            .shapes
            .as_ref()
            .map(|shapes| shapes.context(action));
        let wants = |name: &str| shape.as_ref().is_none_or(|shape| shape.declares(name));
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
            pairs.push((
                "guard".to_owned(),
                strings(guard.into_iter(), field("guard"))?,
            ));
        }
        Context::from_pairs(pairs).map_err(|e| e.to_string())
    }
}

//! The policy set one configuration loaded, and its decisions: the
//! principal built once per verified token (kept while the token is, in a
//! cache of this engine's own, so a reload starts afresh), the context
//! per request, then Cedar's `is_authorized`. Every failure on the way (a
//! claim the schema refuses, a request that does not validate) is a
//! denial with its reason, never an error answer; a policy that errors is
//! not satisfied (Cedar's own rule) and its error is reported.

use std::sync::Arc;

use cedar_policy::{Authorizer, Decision, PolicyId, Request};
use serde_json::Value;

use super::action::RuleAction;
use super::context::context;
use super::decision::{PolicyDecision, RequestFacts};
use super::errors::PolicyLoadError;
use super::kept::Kept;
use super::load::{load, Loaded, PolicySources};
use super::principal::Principal;
use super::reads::ContextReads;
use super::slices::Slices;
use crate::auth::Claims;

/// A loaded policy set, ready to decide.
pub struct PolicyEngine {
    loaded: Loaded,
    names: super::CedarNames,
    files: Vec<String>,
    authorizer: Authorizer,
    kept: Kept,
    slices: Slices,
    reads: ContextReads,
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
        let loaded = load(sources)?;
        let slices = Slices::new(
            &loaded.policies,
            &loaded.types.resource,
            loaded.schema.as_ref(),
        );
        let reads = match loaded.schema {
            Some(_) => ContextReads::everything(),
            None => ContextReads::of(&loaded.policies),
        };
        Ok(PolicyEngine {
            loaded,
            names: sources.names.clone(),
            files: sources.files.iter().map(|f| f.name.clone()).collect(),
            authorizer: Authorizer::new(),
            kept: Kept::new(),
            slices,
            reads,
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

    /// Cedar's decision for `claims` asking `action` with `facts`: kept
    /// per token and request.
    pub fn decide(
        &self,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> Arc<PolicyDecision> {
        self.kept.decision(claims, facts, || {
            self.decide_for(&self.principal(claims), claims, action, facts)
        })
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
        self.decide_for(&self.build_principal(claims), claims, action, facts)
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
        self.decide_for(&self.principal(claims), claims, action, facts)
    }

    /// The decision for `principal` (or why it could not be built).
    fn decide_for(
        &self,
        principal: &Result<Principal, String>,
        claims: &Claims,
        action: &RuleAction,
        facts: RequestFacts<'_>,
    ) -> PolicyDecision {
        match principal {
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

    /// Cedar's answer, from the policies whose scopes match (the whole
    /// set's answer: see `slices`).
    fn evaluate(&self, request: &Request, principal: &Principal) -> PolicyDecision {
        let set = match request.action() {
            Some(action) => self.slices.for_request(&principal.scopes, action),
            None => self.slices.whole(),
        };
        let response = self
            .authorizer
            .is_authorized(request, &set, &principal.entities);
        // Ids, not strings: they are written out only when the line is
        // logged.
        let mut policies: Vec<PolicyId> = response.diagnostics().reason().cloned().collect();
        policies.sort_unstable_by(|a, b| AsRef::<str>::as_ref(a).cmp(b.as_ref()));
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
        self.kept.principal(claims, || self.build_principal(claims))
    }

    fn build_principal(&self, claims: &Claims) -> Result<Principal, String> {
        let loaded = &self.loaded;
        Principal::of(
            claims,
            &loaded.types,
            loaded.schema.as_ref(),
            loaded.shapes.as_ref().map(|shapes| &shapes.principal),
            &self.slices,
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
        let context = context(
            self.loaded.shapes.as_ref(),
            &self.reads,
            principal,
            claims,
            &action_id,
            facts,
        )?;
        Request::new(
            principal.uid.clone(),
            action_uid.into_owned(),
            self.loaded.types.resource.clone(),
            context,
            self.loaded.schema.as_ref(),
        )
        .map_err(|e| format!("the request does not fit the schema: {e}"))
    }
}

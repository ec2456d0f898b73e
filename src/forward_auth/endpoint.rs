//! `/auth` and `/auth/{anything}`, any method, registered only when rules
//! are configured: reads the original request, normalises its path, finds
//! the first rule, applies its policy through the same verifier and
//! `decide` as the API routes, and answers `200` with the identity headers
//! (empty body: nginx keeps the connection only then) or the refusal the
//! API would give. One log line and one counted outcome per decision.
//! A cache hit is decided without a boxed future. Not in the OpenAPI
//! document: it is the gateway's question, not part of the API clients
//! call, and exists only with `GUARD_CONFIG`.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::errors::{assertion_refused, closed, no_rule, untrusted_peer, ForwardAuthError};
use super::identity::{identity_headers, ASSERTION, HEADERS};
use super::live::LiveRules;
use super::normalise::normalise;
use super::original::original;
use super::published_keys::published_keys;
use super::rules::{ForwardAuth, Outcome, PathAmbiguity, Rule, NO_RULE};
use super::settings::RuleAccess;
use crate::assertion::{AssertionError, Audience};
use crate::auth::{
    authenticate, decide, Allow, AuthError, Authentication, Caller, Missing, PolicyRefusal,
    TokenRejection,
};
use crate::policies::{PolicyDecision, RequestFacts};

/// Registers `/auth` and `/auth/{anything}` for every method: a scope's
/// static prefix, compared as a string (a `{tail:.*}` pattern would run a
/// regex on every subrequest).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/auth").default_service(web::to(forward_auth)));
    cfg.service(
        web::resource("/.well-known/jwks.json")
            .route(web::get().to(published_keys))
            .route(web::head().to(published_keys)),
    );
}

/// The forward-auth decision for one gateway subrequest.
async fn forward_auth(req: HttpRequest) -> HttpResponse {
    let started = Started::now();
    let Some(live) = req.app_data::<web::Data<LiveRules>>() else {
        log::error!("LiveRules missing from app data");
        return AuthError::NotConfigured.error_response();
    };
    let rules = live.load();
    let rules: &ForwardAuth = &rules;
    if let Some(refused) = refuse_untrusted_peer(&req, rules) {
        return refused;
    }
    let original = match original(&req, rules.gateway) {
        Ok(original) => original,
        Err(refused) => return bad_request(rules, refused, started),
    };
    let path = match normalise(original.target) {
        Ok(path) => path,
        Err(refused) => return bad_request(rules, refused.into(), started),
    };
    let method = &original.method;
    let rule = match rules.rule_for(method, &path) {
        Ok(rule) => rule,
        Err(ambiguity) => return ambiguous(rules, ambiguity, method, &path, started),
    };
    let Some(rule) = rule else {
        rules.unmatched.count(Outcome::Forbidden);
        log::info!(
            "forward-auth rule={NO_RULE} outcome=forbidden reason=no_rule method={method} path={path:?} {}us",
            started.micros()
        );
        return no_rule();
    };
    let policy = match &rule.access {
        RuleAccess::Policy(policy) | RuleAccess::Cedar { policy, .. } => policy,
        RuleAccess::Deny => {
            rule.counters.count(Outcome::Forbidden);
            log::info!(
                "forward-auth rule={} outcome=forbidden reason=closed method={method} path={path:?} {}us",
                rule.name,
                started.micros()
            );
            return closed();
        }
    };
    let decided = match policy.allow() {
        Allow::Public => Ok(None),
        _ => match authenticate(&req) {
            Authentication::Decided(authenticated) => decide(policy, authenticated),
            Authentication::Pending(pending) => decide(policy, pending.await),
        },
    };
    let mut explanation = None;
    let decided = decided.map_err(Refusal::Auth).and_then(|caller| {
        if let Some(caller) = &caller {
            permitted(rules, rule, caller, method, &path, &mut explanation)?;
        }
        let assertion = assertion_for(rules, caller.as_ref(), rule).map_err(|e| match e {
            // Expired for the assertion is expired for the client: a 401
            // it answers by refreshing its token.
            AssertionError::TokenExpired => {
                Refusal::Auth(AuthError::InvalidToken(TokenRejection::Expired))
            }
            other => Refusal::Assertion(other),
        })?;
        Ok((caller, assertion))
    });
    let (outcome, reason, response, caller) = match decided {
        Ok((caller, assertion)) => (
            Outcome::Allowed,
            caller_kind(caller.as_ref()),
            allowed(caller.as_ref(), rule, assertion),
            caller,
        ),
        Err(Refusal::Assertion(refused)) => (
            Outcome::Forbidden,
            refused.label(),
            assertion_refused(refused),
            None,
        ),
        Err(Refusal::Auth(refused)) => (
            outcome_of(&refused),
            refused.label(),
            refused.error_response(),
            None,
        ),
    };
    rule.counters.count(outcome);
    log::info!(
        "forward-auth rule={} outcome={} reason={reason} pool={} method={method} path={path:?}{} {}us",
        rule.name,
        outcome.label(),
        caller.as_ref().map_or("-", |caller| &*caller.claims().pool.name),
        explanation.map_or_else(String::new, |d| format!(" policies={:?}", d.explanation())),
        started.micros()
    );
    response
}

/// For an `allow = "policy"` rule, whether the policy set permits
/// `caller`'s request; `explanation` gets what decided, for the log line.
/// A rule with no policy set to ask (never configured so) refuses.
fn permitted(
    rules: &ForwardAuth,
    rule: &Rule,
    caller: &Caller,
    method: &Method,
    path: &str,
    explanation: &mut Option<Arc<PolicyDecision>>,
) -> Result<(), Refusal> {
    if !matches!(rule.access, RuleAccess::Cedar { .. }) {
        return Ok(());
    }
    let refusal = || {
        Refusal::Auth(AuthError::Forbidden(PolicyRefusal {
            missing: Missing::Permit,
            scope: None,
        }))
    };
    let (Some(engine), Some(action)) = (rules.policies(), rule.cedar()) else {
        log::error!(
            "rule {} is decided by policies, and none are loaded",
            rule.name
        );
        return Err(refusal());
    };
    let captures = rule.captures(path);
    let facts = RequestFacts {
        method,
        path,
        rule: &rule.name,
        captures: &captures,
    };
    let decision = engine.decide(caller.claims(), action, facts);
    let allowed = decision.allowed;
    *explanation = Some(decision);
    match allowed {
        true => Ok(()),
        false => Err(refusal()),
    }
}

/// `403` to a peer outside `trusted_peers`: the TCP peer, never a
/// forwarded-for header (none, not TCP: refused). Counted, and logged once
/// a minute per address.
fn refuse_untrusted_peer(req: &HttpRequest, rules: &ForwardAuth) -> Option<HttpResponse> {
    let peer = req.peer_addr().map(|addr| addr.ip());
    if peer.is_some_and(|peer| rules.peers.admit(peer)) {
        return None;
    }
    rules.unmatched.count(Outcome::UntrustedPeer);
    match peer {
        Some(peer) if rules.peers.should_log(peer, Instant::now()) => log::warn!(
            "forward-auth refused a decision request from {peer}: not in trusted_peers (logged once a minute per address)"
        ),
        None => log::warn!("forward-auth refused a decision request with no TCP peer"),
        Some(_) => {}
    }
    Some(untrusted_peer())
}

/// When the decision started, read only when its log line is written
/// (the clock is not free, and `info` is often off under load).
#[derive(Clone, Copy)]
struct Started(Option<Instant>);

impl Started {
    fn now() -> Self {
        Started(log::log_enabled!(log::Level::Info).then(Instant::now))
    }

    /// Microseconds since; 0 when not measured.
    fn micros(self) -> u128 {
        self.0.map_or(0, |started| started.elapsed().as_micros())
    }
}

/// `200`, empty, with every identity header: written straight into a map
/// sized for them (no builder, no header parsed or grown).
fn allowed(caller: Option<&Caller>, rule: &Rule, assertion: HeaderValue) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::OK);
    let headers = response.headers_mut();
    headers.reserve(HEADERS.len() + 2);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    identity_headers(headers, caller, rule);
    // Always sent, empty without one, so the gateway overwrites a
    // client's copy rather than passing it on.
    headers.insert(ASSERTION, assertion);
    response
}

/// Why an allowed caller is refused after all.
enum Refusal {
    Auth(AuthError),
    Assertion(AssertionError),
}

/// The identity assertion for `caller` under `rule`: empty without a
/// caller or without `[forward_auth.assertion]`.
fn assertion_for(
    rules: &ForwardAuth,
    caller: Option<&Caller>,
    rule: &Rule,
) -> Result<HeaderValue, AssertionError> {
    let (Some(minter), Some(caller)) = (&rules.minter, caller) else {
        return Ok(HeaderValue::from_static(""));
    };
    let now = crate::clock::unix_now().ok_or(AssertionError::Signing)?;
    let audience = Audience {
        rule: &rule.name,
        aud: &rule.audience,
    };
    minter.assertion(caller, rule.index, audience, now)
}

fn caller_kind(caller: Option<&Caller>) -> &'static str {
    match caller {
        None => "anonymous",
        Some(Caller::User(_)) => "user",
        Some(Caller::Machine(_)) => "machine",
    }
}

fn outcome_of(refused: &AuthError) -> Outcome {
    match refused {
        AuthError::MissingCredentials | AuthError::InvalidToken(_) => Outcome::Unauthorized,
        AuthError::Forbidden(_) | AuthError::MachineNotUser => Outcome::Forbidden,
        AuthError::KeysUnavailable | AuthError::ClockUnset => Outcome::Unavailable,
        AuthError::NotConfigured => Outcome::Error,
    }
}

fn bad_request(rules: &ForwardAuth, refused: ForwardAuthError, started: Started) -> HttpResponse {
    rules.unmatched.count(Outcome::BadRequest);
    log::info!(
        "forward-auth rule={NO_RULE} outcome=bad_request reason={} {}us",
        refused.label(),
        started.micros()
    );
    refused.error_response()
}

/// Readings of the path find different rules: `400`, counted under the
/// rule the path as sent would have reached, logged naming both.
fn ambiguous(
    rules: &ForwardAuth,
    ambiguity: PathAmbiguity<'_>,
    method: &Method,
    path: &str,
    started: Started,
) -> HttpResponse {
    let refused = ForwardAuthError::AmbiguousPath;
    ambiguity
        .as_sent
        .map_or(&rules.unmatched, |rule| &rule.counters)
        .count(Outcome::Ambiguous);
    log::info!(
        "forward-auth rule={} outcome=ambiguous reason={} method={method} path={path:?} read_{}={} {}us",
        PathAmbiguity::name(ambiguity.as_sent),
        refused.label(),
        ambiguity.reading,
        PathAmbiguity::name(ambiguity.other),
        started.micros()
    );
    refused.error_response()
}

//! The gateway rules, compiled once at start from `GUARD_CONFIG`: each
//! with its pattern, its methods, its policy, its name as a header value
//! and its metric counters resolved, so deciding a request allocates
//! nothing and takes no lock. The first rule that matches decides, unless
//! another reading of the path (`readings`) finds another first rule.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use prometheus_client::metrics::counter::Counter;

use super::metrics::ForwardAuthMetrics;
use super::pattern::PathPattern;
use super::peers::TrustedPeers;
use super::readings::{fold, without_trailing_slash};
use super::settings::{ForwardAuthSettings, Gateway, RuleAccess};
use crate::assertion::Minter;
use crate::policies::{PolicyEngine, RuleAction};

/// What `/auth` answered, as the metric and the log line name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Unauthorized,
    Forbidden,
    Unavailable,
    BadRequest,
    /// A `400` because readings of the path find different rules.
    Ambiguous,
    /// A `403` to a peer not in `trusted_peers`, undecided.
    UntrustedPeer,
    Error,
}

impl Outcome {
    const ALL: [Outcome; 8] = [
        Outcome::Allowed,
        Outcome::Unauthorized,
        Outcome::Forbidden,
        Outcome::Unavailable,
        Outcome::BadRequest,
        Outcome::Ambiguous,
        Outcome::UntrustedPeer,
        Outcome::Error,
    ];

    /// The label value.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Unauthorized => "unauthorized",
            Outcome::Forbidden => "forbidden",
            Outcome::Unavailable => "unavailable",
            Outcome::BadRequest => "bad_request",
            Outcome::Ambiguous => "ambiguous",
            Outcome::UntrustedPeer => "untrusted_peer",
            Outcome::Error => "error",
        }
    }
}

/// One counter per outcome, for one rule (or for no rule).
#[derive(Debug, Clone)]
pub(super) struct Counters([Counter; 8]);

impl Counters {
    fn new(metrics: Option<&ForwardAuthMetrics>, rule: &str) -> Self {
        Counters(Outcome::ALL.map(|outcome| match metrics {
            Some(metrics) => metrics.decisions(rule, outcome.label()),
            None => Counter::default(),
        }))
    }

    pub fn count(&self, outcome: Outcome) {
        // `ALL` lists the variants in declaration order.
        self.0[outcome as usize].inc();
    }
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub(super) name: Box<str>,
    /// Its place in the rule set (keys its reused assertions).
    pub(super) index: usize,
    /// Its assertions' `aud`: its `audience`, else its name.
    pub(super) audience: Box<str>,
    /// `name`, as `X-Auth-Request-Rule` carries it.
    pub(super) header: HeaderValue,
    /// `None`: any method.
    methods: Option<Vec<Method>>,
    path: PathPattern,
    /// `path` folded, for the folded readings of a path.
    folded: PathPattern,
    pub(super) access: RuleAccess,
    /// Its Cedar actions, for an `allow = "policy"` rule.
    pub(super) cedar: Option<RuleAction>,
    pub(super) counters: Counters,
}

impl Rule {
    fn matches(&self, method: &Method, path: &str, folded: bool) -> bool {
        let pattern = if folded { &self.folded } else { &self.path };
        self.methods.as_ref().is_none_or(|m| m.contains(method)) && pattern.matches(path)
    }

    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `{name}` captures of a `path` it matched.
    pub fn captures<'p>(&'p self, path: &'p str) -> Vec<(&'p str, &'p str)> {
        self.path.captures(path)
    }

    /// Its Cedar actions, when the policy set decides it.
    pub fn cedar(&self) -> Option<&RuleAction> {
        self.cedar.as_ref()
    }
}

/// Two readings of one path find different first rules: the upstream may
/// serve it as either, so the guard decides neither.
#[derive(Debug, Clone, Copy)]
pub struct PathAmbiguity<'a> {
    /// The first rule for the path as sent (`None`: no rule).
    pub as_sent: Option<&'a Rule>,
    /// The first rule for `reading`.
    pub other: Option<&'a Rule>,
    /// Which reading found it: `folded`, `no_trailing_slash` or
    /// `folded_no_trailing_slash`.
    pub reading: &'static str,
}

impl PathAmbiguity<'_> {
    /// A rule's name as the log line gives it.
    pub fn name(rule: Option<&Rule>) -> &str {
        rule.map_or(NO_RULE, Rule::name)
    }
}

/// The rule set `/auth` decides with.
#[derive(Debug)]
pub struct ForwardAuth {
    pub(super) gateway: Gateway,
    /// Who may ask.
    pub(super) peers: TrustedPeers,
    /// Signs the identity assertions, when configured.
    pub(super) minter: Option<Minter>,
    /// Decides the `allow = "policy"` rules.
    pub(super) policies: Option<Arc<PolicyEngine>>,
    rules: Vec<Rule>,
    /// Some pattern changes when folded: every path needs its folded
    /// reading, not only one holding a capital.
    patterns_fold: bool,
    /// Some exact pattern ends in `/`: a path without one needs its
    /// reading with one (a non-strict router serves `/x` with `/x/`).
    patterns_slash: bool,
    /// Answers given before, or without, any rule (400s, default deny).
    pub(super) unmatched: Counters,
}

/// The `rule` label of answers no rule decided; not a valid rule name.
pub(super) const NO_RULE: &str = "(none)";

impl ForwardAuth {
    /// Compiles `settings`, with counters registered in `metrics`.
    pub fn new(settings: &ForwardAuthSettings, metrics: Option<&ForwardAuthMetrics>) -> Self {
        let rules = settings
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| Rule {
                name: rule.name.as_str().into(),
                index,
                audience: rule.audience.as_deref().unwrap_or(&rule.name).into(),
                // Rule names are validated as visible ASCII at start.
                header: HeaderValue::from_str(&rule.name)
                    .unwrap_or_else(|_| HeaderValue::from_static("")),
                methods: rule.methods.clone(),
                path: rule.path.clone(),
                folded: rule.path.folded(),
                access: rule.access.clone(),
                cedar: match (&rule.access, &settings.policies) {
                    (RuleAccess::Cedar { action, .. }, Some(engine)) => {
                        Some(engine.rule_action(&rule.path.to_string(), action.as_deref()))
                    }
                    _ => None,
                },
                counters: Counters::new(metrics, &rule.name),
            })
            .collect::<Vec<_>>();
        ForwardAuth {
            gateway: settings.gateway,
            peers: TrustedPeers::new(settings.trusted_peers.clone()),
            minter: settings.assertion.clone().map(|assertion| {
                let counter = metrics.map(|m| m.assertions.clone()).unwrap_or_default();
                Minter::new(assertion, counter)
            }),
            policies: settings.policies.clone(),
            patterns_fold: rules.iter().any(|rule| rule.folded != rule.path),
            patterns_slash: rules.iter().any(|rule| rule.path.wants_trailing_slash()),
            rules,
            unmatched: Counters::new(metrics, NO_RULE),
        }
    }

    /// The policy set deciding the `allow = "policy"` rules.
    pub fn policies(&self) -> Option<&PolicyEngine> {
        self.policies.as_deref()
    }

    /// The first rule matching the original `method` and normalised `path`
    /// (`folded`: both as a case-insensitive router reads them).
    fn first_match(&self, method: &Method, path: &str, folded: bool) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|rule| rule.matches(method, path, folded))
    }

    /// The rule that decides the original `method` and normalised `path`
    /// (`None`: default deny), or the two readings that disagree. The path
    /// as sent, folded, and without its trailing `/` (folded too) must all
    /// find the same first rule; so must the path with a `/` added when a
    /// pattern ends in one. The extra lookups are made only for a path with
    /// something to fold or a trailing `/`, or with such patterns.
    pub fn rule_for(
        &self,
        method: &Method,
        path: &str,
    ) -> Result<Option<&Rule>, PathAmbiguity<'_>> {
        let as_sent = self.first_match(method, path, false);
        let folded = match fold(path) {
            Cow::Borrowed(_) if !self.patterns_fold => None,
            folded => Some(folded),
        };
        let stripped = without_trailing_slash(path);
        let folded_stripped = folded.as_deref().and_then(without_trailing_slash);
        let slashed = (self.patterns_slash && !path.ends_with('/')).then(|| format!("{path}/"));
        let folded_slashed = slashed.as_deref().map(fold);
        let readings = [
            (folded.as_deref(), true, "folded"),
            (stripped, false, "no_trailing_slash"),
            (folded_stripped, true, "folded_no_trailing_slash"),
            (slashed.as_deref(), false, "trailing_slash"),
            (folded_slashed.as_deref(), true, "folded_trailing_slash"),
        ];
        for (reading, is_folded, name) in readings {
            let Some(reading) = reading else { continue };
            let other = self.first_match(method, reading, is_folded);
            if !same_rule(as_sent, other) {
                return Err(PathAmbiguity {
                    as_sent,
                    other,
                    reading: name,
                });
            }
        }
        Ok(as_sent)
    }
}

/// Whether two lookups found the same rule (or both none).
fn same_rule(a: Option<&Rule>, b: Option<&Rule>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;

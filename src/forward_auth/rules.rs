//! The gateway rules, compiled once at start from `GUARD_CONFIG`: each
//! with its pattern, its methods, its policy, its name as a header value
//! and its metric counters resolved, so deciding a request allocates
//! nothing and takes no lock. The first rule that matches decides.

use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use prometheus_client::metrics::counter::Counter;

use super::metrics::ForwardAuthMetrics;
use super::pattern::PathPattern;
use super::settings::{ForwardAuthSettings, Gateway};
use crate::auth::Policy;

/// What `/auth` answered, as the metric and the log line name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Unauthorized,
    Forbidden,
    Unavailable,
    BadRequest,
    Error,
}

impl Outcome {
    const ALL: [Outcome; 6] = [
        Outcome::Allowed,
        Outcome::Unauthorized,
        Outcome::Forbidden,
        Outcome::Unavailable,
        Outcome::BadRequest,
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
            Outcome::Error => "error",
        }
    }
}

/// One counter per outcome, for one rule (or for no rule).
#[derive(Debug, Clone)]
pub(super) struct Counters([Counter; 6]);

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
    /// `name`, as `X-Auth-Request-Rule` carries it.
    pub(super) header: HeaderValue,
    /// `None`: any method.
    methods: Option<Vec<Method>>,
    path: PathPattern,
    pub(super) policy: Policy,
    pub(super) counters: Counters,
}

impl Rule {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.methods.as_ref().is_none_or(|m| m.contains(method)) && self.path.matches(path)
    }
}

/// The rule set `/auth` decides with.
#[derive(Debug)]
pub struct ForwardAuth {
    pub(super) gateway: Gateway,
    rules: Vec<Rule>,
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
            .map(|rule| Rule {
                name: rule.name.as_str().into(),
                // Rule names are validated as visible ASCII at start.
                header: HeaderValue::from_str(&rule.name)
                    .unwrap_or_else(|_| HeaderValue::from_static("")),
                methods: rule.methods.clone(),
                path: rule.path.clone(),
                policy: rule.policy.clone(),
                counters: Counters::new(metrics, &rule.name),
            })
            .collect();
        ForwardAuth {
            gateway: settings.gateway,
            rules,
            unmatched: Counters::new(metrics, NO_RULE),
        }
    }

    /// The first rule matching the original `method` and normalised `path`.
    pub(super) fn first_match(&self, method: &Method, path: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(method, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forward_auth::RuleSettings;

    /// Rules in order, as `(name, path, methods)`: only matching is tested
    /// here, so every rule has the same policy.
    fn compiled(rules: &[(&str, &str, Option<&[Method]>)]) -> ForwardAuth {
        let rules = rules
            .iter()
            .map(|(name, path, methods)| RuleSettings {
                name: (*name).to_owned(),
                methods: methods.map(<[Method]>::to_vec),
                path: PathPattern::parse(path).expect("valid pattern"),
                policy: Policy::authenticated(),
            })
            .collect();
        let settings = ForwardAuthSettings {
            gateway: Gateway::Nginx,
            rules,
        };
        ForwardAuth::new(&settings, None)
    }

    fn decided_by(rules: &ForwardAuth, method: Method, path: &str) -> Option<String> {
        rules.first_match(&method, path).map(|r| r.name.to_string())
    }

    #[test]
    fn the_first_matching_rule_decides_with_get_covering_head() {
        // As the config parser compiles them: a GET rule holds HEAD too.
        let get_head: &[Method] = &[Method::GET, Method::HEAD];
        let rules = compiled(&[
            ("admin", "/api/admin/**", None),
            ("reports", "/api/reports/*", Some(get_head)),
            ("rule-3", "/api/**", None),
            ("rule-4", "/healthz", None),
        ]);
        let cases = [
            (Method::GET, "/api/admin", Some("admin")),
            (Method::DELETE, "/api/admin/users/x", Some("admin")),
            (Method::GET, "/api/reports/q1", Some("reports")),
            (Method::HEAD, "/api/reports/q1", Some("reports")),
            (Method::POST, "/api/reports/q1", Some("rule-3")),
            (Method::GET, "/api/reports/q1/x", Some("rule-3")),
            (Method::GET, "/api", Some("rule-3")),
            (Method::GET, "/healthz", Some("rule-4")),
            (Method::GET, "/healthz/", None),
            (Method::GET, "/Api/x", None),
            (Method::GET, "/", None),
        ];
        for (method, path, rule) in cases {
            let name = decided_by(&rules, method.clone(), path);
            assert_eq!(name.as_deref(), rule, "{method} {path}");
        }
    }
}

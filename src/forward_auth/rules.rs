//! The gateway rules, compiled once at start from `GUARD_CONFIG`: each
//! with its pattern, its methods, its policy, its name as a header value
//! and its metric counters resolved, so deciding a request allocates
//! nothing and takes no lock. The first rule that matches decides.

use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use prometheus_client::metrics::counter::Counter;

use super::pattern::PathPattern;
use crate::auth::Policy;
use crate::config::{ForwardAuthSettings, Gateway};
use crate::http::Metrics;

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
    fn new(metrics: Option<&Metrics>, rule: &str) -> Self {
        Counters(Outcome::ALL.map(|outcome| match metrics {
            Some(metrics) => metrics.forward_auth_decisions(rule, outcome.label()),
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
    pub fn new(settings: &ForwardAuthSettings, metrics: Option<&Metrics>) -> Self {
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
    use crate::config::GuardFile;

    fn compiled(toml: &str) -> ForwardAuth {
        let file = GuardFile::parse("test.toml", toml).expect("valid rules");
        ForwardAuth::new(&file.forward_auth.expect("rules"), None)
    }

    fn decided_by(rules: &ForwardAuth, method: Method, path: &str) -> Option<String> {
        rules.first_match(&method, path).map(|r| r.name.to_string())
    }

    #[test]
    fn the_first_matching_rule_decides_with_get_covering_head() {
        let rules = compiled(
            r#"
            [forward_auth]
            gateway = "nginx"
            [[rule]]
            name = "admin"
            path = "/api/admin/**"
            groups_any = ["admin"]
            [[rule]]
            name = "reports"
            path = "/api/reports/*"
            methods = ["GET"]
            [[rule]]
            path = "/api/**"
            [[rule]]
            path = "/healthz"
            allow = "public"
            "#,
        );
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

//! Which rule decides: the first match, and the readings that must agree.

use super::*;
use crate::auth::Policy;
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
            access: RuleAccess::Policy(Policy::authenticated()),
            audience: None,
        })
        .collect();
    let settings = ForwardAuthSettings {
        gateway: Gateway::Nginx,
        trusted_peers: crate::forward_auth::loopback(),
        assertion: None,
        rules,
        policies: None,
        policy_files: Vec::new(),
    };
    ForwardAuth::new(&settings, None)
}

fn decided_by(rules: &ForwardAuth, method: Method, path: &str) -> Option<String> {
    rules
        .first_match(&method, path, false)
        .map(|r| r.name.to_string())
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

/// The rules of `examples/guard.toml`, as far as matching goes.
fn example_rules() -> ForwardAuth {
    let get_head: &[Method] = &[Method::GET, Method::HEAD];
    compiled(&[
        ("health", "/healthz", Some(get_head)),
        ("public", "/api/public/**", None),
        ("admin", "/api/admin/**", None),
        ("reports", "/api/reports/*", Some(get_head)),
        ("reports-closed", "/api/reports/*", None),
        ("api", "/api/**", None),
    ])
}

/// `Ok(name)` for a decided path, `Err((as sent, other, reading))` for an
/// ambiguous one.
fn rule_for(
    rules: &ForwardAuth,
    method: Method,
    path: &str,
) -> Result<Option<String>, (String, String, &'static str)> {
    match rules.rule_for(&method, path) {
        Ok(rule) => Ok(rule.map(|r| r.name().to_owned())),
        Err(ambiguity) => Err((
            PathAmbiguity::name(ambiguity.as_sent).to_owned(),
            PathAmbiguity::name(ambiguity.other).to_owned(),
            ambiguity.reading,
        )),
    }
}

#[test]
fn readings_that_find_another_rule_are_refused() {
    let rules = example_rules();
    let ambiguous = |sent: &str, other: &str, reading: &'static str| {
        Err((sent.to_owned(), other.to_owned(), reading))
    };
    let cases = [
        // Case: an upper-case spelling of a stricter rule's path.
        ("/api/ADMIN/x", ambiguous("api", "admin", "folded")),
        ("/api/Admin/x", ambiguous("api", "admin", "folded")),
        ("/api/REPORTS/q1", ambiguous("api", "reports", "folded")),
        // The look-alikes count as their ASCII letter.
        ("/api/adm\u{0131}n/x", ambiguous("api", "admin", "folded")),
        (
            "/api/report\u{017F}/q1",
            ambiguous("api", "reports", "folded"),
        ),
        ("/api/\u{212A}/x", Ok(Some("api".to_owned()))),
        ("/API/orders", ambiguous("(none)", "api", "folded")),
        ("/Healthz", ambiguous("(none)", "health", "folded")),
        // Trailing slash: a non-strict router serves it without.
        (
            "/api/reports/q1/",
            ambiguous("api", "reports", "no_trailing_slash"),
        ),
        (
            "/healthz/",
            ambiguous("(none)", "health", "no_trailing_slash"),
        ),
        // Both at once: only the folded, stripped reading finds it.
        (
            "/api/Reports/q1/",
            ambiguous("api", "reports", "folded_no_trailing_slash"),
        ),
        ("/api/ADMIN", ambiguous("api", "admin", "folded")),
        // Readings that agree are decided as sent.
        ("/api/admin/x", Ok(Some("admin".to_owned()))),
        ("/api/admin/USERS/", Ok(Some("admin".to_owned()))),
        ("/api/orders/", Ok(Some("api".to_owned()))),
        ("/api/Orders/7", Ok(Some("api".to_owned()))),
        ("/api/reports/q1", Ok(Some("reports".to_owned()))),
        ("/api/public/", Ok(Some("public".to_owned()))),
        ("/api/\u{00C9}t\u{00E9}/", Ok(Some("api".to_owned()))),
        ("/", Ok(None)),
        ("/internal/", Ok(None)),
        ("/INTERNAL", Ok(None)),
    ];
    for (path, expected) in cases {
        assert_eq!(rule_for(&rules, Method::GET, path), expected, "GET {path}");
    }
}

#[test]
fn readings_are_compared_for_the_method_sent() {
    let rules = example_rules();
    // POST is not the GET rule's: the closing rule takes both readings.
    assert_eq!(
        rule_for(&rules, Method::POST, "/api/reports/q1"),
        Ok(Some("reports-closed".to_owned()))
    );
    assert_eq!(
        rule_for(&rules, Method::POST, "/api/reports/q1/"),
        Err((
            "api".to_owned(),
            "reports-closed".to_owned(),
            "no_trailing_slash"
        ))
    );
}

#[test]
fn a_pattern_with_capitals_is_also_read_folded() {
    // `/admin/x` is the Admin rule's path to a case-insensitive router,
    // though the path holds no capital.
    let rules = compiled(&[("admin", "/Admin/**", None), ("rest", "/**", None)]);
    assert_eq!(
        rule_for(&rules, Method::GET, "/admin/x"),
        Err(("rest".to_owned(), "admin".to_owned(), "folded"))
    );
    assert_eq!(
        rule_for(&rules, Method::GET, "/Admin/x"),
        Ok(Some("admin".to_owned()))
    );
}

#[test]
fn a_pattern_ending_in_a_slash_is_also_read_without_it() {
    // Express serves `/api/admin` with a route `/api/admin/`.
    let rules = compiled(&[("closed", "/api/admin/", None), ("api", "/api/**", None)]);
    assert_eq!(
        rule_for(&rules, Method::GET, "/api/admin"),
        Err(("api".to_owned(), "closed".to_owned(), "trailing_slash"))
    );
    assert_eq!(
        rule_for(&rules, Method::GET, "/api/Admin"),
        Err((
            "api".to_owned(),
            "closed".to_owned(),
            "folded_trailing_slash"
        ))
    );
    // And the path as the pattern spells it reads as `api`'s without its
    // slash: refused too, as the contract's readings say.
    assert_eq!(
        rule_for(&rules, Method::GET, "/api/admin/"),
        Err(("closed".to_owned(), "api".to_owned(), "no_trailing_slash"))
    );
    assert_eq!(
        rule_for(&rules, Method::GET, "/api/other"),
        Ok(Some("api".to_owned()))
    );
}

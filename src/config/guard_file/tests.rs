//! `GUARD_CONFIG` parsing: a valid file's value, and each error with the
//! line and key it names.

use super::*;
use crate::auth::{Allow, Policy, Terms};
use crate::forward_auth::{Gateway, RuleAccess};
use actix_web::http::Method;

pub(super) const HEAD: &str = "[forward_auth]\ngateway = \"nginx\"\n";

pub(super) fn parse(text: &str) -> Result<GuardFile, ConfigError> {
    GuardFile::parse("guard.toml", text, &PoolDefaults::default())
}

/// The (line, key) an error names, and its reason.
pub(super) fn error_at(text: &str) -> (usize, String, String) {
    match parse(text) {
        Err(ConfigError::GuardFile {
            file,
            line,
            key,
            reason,
        }) => {
            assert_eq!(file, "guard.toml");
            (line, key, reason)
        }
        other => panic!("expected an error naming a line, got {other:?} for\n{text}"),
    }
}

#[test]
fn the_contracts_example_is_one_value() {
    let text = r#"
[forward_auth]
gateway = "nginx"        # whose headers say what the original request was

[[rule]]
name = "health"
path = "/healthz"
allow = "public"

[[rule]]
name = "admin"
path = "/api/admin/**"
groups_any = ["admin"]

[[rule]]
name = "reports-service"
path = "/api/reports/*"
methods = ["GET"]
callers = "machines"
scopes_any = ["reports/read"]

[[rule]]
path = "/api/**"
"#;
    let file = parse(text).expect("valid");
    let fa = file.forward_auth.as_ref().expect("rules");
    assert_eq!(fa.gateway, Gateway::Nginx);
    let names: Vec<_> = fa.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["health", "admin", "reports-service", "rule-4"]);
    assert_eq!(fa.rules[0].access, RuleAccess::Policy(Policy::public()));
    assert_eq!(
        fa.rules[1].access,
        RuleAccess::Policy(Policy::new(
            Allow::Authenticated,
            Some(Terms::groups_any(["admin"])),
            None
        ))
    );
    assert_eq!(
        fa.rules[2].access,
        RuleAccess::Policy(Policy::new(
            Allow::Authenticated,
            None,
            Some(Terms::scopes_any(["reports/read"]))
        ))
    );
    assert_eq!(
        fa.rules[2].methods,
        Some(vec![Method::GET, Method::HEAD]),
        "GET covers HEAD"
    );
    assert_eq!(
        fa.rules[3].access,
        RuleAccess::Policy(Policy::authenticated())
    );
    assert_eq!(fa.rules[3].methods, None);
    assert!(fa.admits_machines());
}

#[test]
fn callers_map_onto_the_terms_of_each_kind() {
    let rule = |body: &str| {
        let file = parse(&format!("{HEAD}[[rule]]\npath = \"/x\"\n{body}")).expect("valid");
        let access = file.forward_auth.expect("rules").rules[0].access.clone();
        access.policy().expect("a policy").clone()
    };
    let user_terms = Terms {
        groups_all: vec!["a".into(), "b".into()],
        scopes_any: vec!["s/1".into()],
        ..Terms::none()
    };
    let machine_terms = Terms::scopes_any(["s/1"]);
    assert_eq!(
        rule("callers = \"any\"\ngroups_all = [\"a\", \"b\"]\nscopes_any = [\"s/1\"]"),
        Policy::new(
            Allow::Authenticated,
            Some(user_terms.clone()),
            Some(machine_terms)
        )
    );
    assert_eq!(
        rule("groups_all = [\"a\", \"b\"]\nscopes_any = [\"s/1\"]"),
        Policy::new(Allow::Authenticated, Some(user_terms), None)
    );
    assert_eq!(
        rule("allow = \"optional\"\ncallers = \"any\""),
        Policy::new(Allow::Optional, Some(Terms::none()), Some(Terms::none()))
    );
    assert!(!parse(&format!("{HEAD}[[rule]]\npath = \"/x\"\n"))
        .expect("valid")
        .forward_auth
        .is_some_and(|fa| fa.admits_machines()));
}

#[test]
fn no_file_content_is_no_forward_auth() {
    assert!(parse("").expect("valid").forward_auth.is_none());
    assert!(parse("# nothing yet\n")
        .expect("valid")
        .forward_auth
        .is_none());
}

#[test]
fn each_error_names_its_line_and_key() {
    let rule = |body: &str| format!("{HEAD}\n[[rule]]\n{body}");
    // (file, line, key, a word of the reason)
    let cases: Vec<(String, usize, &str, &str)> = vec![
        (
            "[[pools]]\nname = \"a\"\n".into(),
            1,
            "pools",
            "unknown field",
        ),
        (
            format!("{HEAD}colour = 1\n"),
            3,
            "forward_auth.colour",
            "unknown field",
        ),
        (
            "[forward_auth]\ngateway = \"haproxy\"\n".into(),
            2,
            "forward_auth.gateway",
            "unknown variant",
        ),
        (
            "[forward_auth]\n[[rule]]\npath = \"/x\"\n".into(),
            1,
            "forward_auth.gateway",
            "missing",
        ),
        (
            "[[rule]]\npath = \"/x\"\n".into(),
            1,
            "rule",
            "[forward_auth]",
        ),
        (HEAD.into(), 1, "forward_auth", "no [[rule]]"),
        (rule("name = \"x\"\n"), 4, "rule", "missing field `path`"),
        (
            rule("path = \"/x\"\ncolour = \"red\""),
            6,
            "rule.colour",
            "unknown field",
        ),
        (rule("path = 3"), 5, "rule.path", "invalid type"),
        (rule("path = \"api/**\""), 5, "rule.path", "starts with `/`"),
        (rule("path = \"/a/**/b\""), 5, "rule.path", "`**`"),
        (rule("path = \"/a//b\""), 5, "rule.path", "empty segment"),
        (rule("path = \"/a/%61\""), 5, "rule.path", "decoded"),
        (
            rule("path = \"/x\"\nmethods = []"),
            6,
            "rule.methods",
            "empty list",
        ),
        (
            rule("path = \"/x\"\nmethods = [\"GET\", \"FETCH\"]"),
            6,
            "rule.methods",
            "unknown variant",
        ),
        (
            rule("path = \"/x\"\nmethods = [\"get\"]"),
            6,
            "rule.methods",
            "unknown variant",
        ),
        (
            rule("path = \"/x\"\nmethods = [\"GET\", \"GET\"]"),
            6,
            "rule.methods",
            "twice",
        ),
        (
            rule("path = \"/x\"\nmethods = [\n  \"GET\",\n  \"NOPE\",\n]"),
            8,
            "rule.methods",
            "unknown variant",
        ),
        (
            rule("path = \"/x\"\nallow = \"everyone\""),
            6,
            "rule.allow",
            "unknown variant",
        ),
        (
            rule("path = \"/x\"\ncallers = \"robots\""),
            6,
            "rule.callers",
            "unknown variant",
        ),
        (rule("path = \"/x\"\nname = \"a b\""), 6, "rule.name", "A-Z"),
        (rule("path = \"/x\"\nname = \"\""), 6, "rule.name", "A-Z"),
        (
            rule("path = \"/x\"\ncallers = \"machines\"\ngroups_any = [\"admin\"]"),
            7,
            "rule.groups_any",
            "users only",
        ),
        (
            rule("path = \"/x\"\ncallers = \"machines\"\ngroups_all = [\"admin\"]"),
            7,
            "rule.groups_all",
            "users only",
        ),
        (
            rule("path = \"/x\"\nallow = \"public\"\nscopes_any = [\"a\"]"),
            7,
            "rule.scopes_any",
            "never apply",
        ),
        (
            rule("path = \"/x\"\nallow = \"optional\"\ngroups_any = [\"a\"]"),
            7,
            "rule.groups_any",
            "never apply",
        ),
        (
            rule("path = \"/x\"\nallow = \"public\"\ncallers = \"any\""),
            7,
            "rule.callers",
            "never apply",
        ),
        (
            rule("path = \"/x\"\nallow = \"deny\"\ngroups_any = [\"a\"]"),
            7,
            "rule.groups_any",
            "refuses every request",
        ),
        (
            rule("path = \"/x\"\nallow = \"deny\"\ncallers = \"machines\""),
            7,
            "rule.callers",
            "refuses every request",
        ),
        (
            rule("path = \"/x\"\nallow = \"deny\"\npools = [\"default\"]"),
            7,
            "rule.pools",
            "never apply",
        ),
        (
            rule("path = \"/x\"\nallow = \"refuse\""),
            6,
            "rule.allow",
            "deny",
        ),
        (
            rule("path = \"/x\"\ngroups_any = []"),
            6,
            "rule.groups_any",
            "empty list",
        ),
        (
            rule("path = \"/x\"\nscopes_all = []"),
            6,
            "rule.scopes_all",
            "empty list",
        ),
        (
            rule("path = \"/x\"\nscopes_any = [\"a b\"]"),
            6,
            "rule.scopes_any",
            "one scope",
        ),
        (
            rule("path = \"/x\"\nscopes_any = [\"a\\\"b\"]"),
            6,
            "rule.scopes_any",
            "one scope",
        ),
        (
            rule("path = \"/x\"\ngroups_any = [\"\"]"),
            6,
            "rule.groups_any",
            "not empty",
        ),
        (
            rule("path = \"/x\"\ngroups_any = [\"a\", \"a\"]"),
            6,
            "rule.groups_any",
            "twice",
        ),
        (
            rule("path = \"/x\"\ngroups_any = \"admin\""),
            6,
            "rule.groups_any",
            "invalid type",
        ),
        (
            rule("name = \"a\"\npath = \"/x\"\n[[rule]]\nname = \"a\"\npath = \"/y\""),
            8,
            "rule.name",
            "line 4",
        ),
        (
            rule("path = \"/api/**\"\n[[rule]]\npath = \"/api/x\""),
            7,
            "rule.path",
            "never reached",
        ),
        (
            rule("path = \"/x\"\n[[rule]]\npath = \"/x\"\nmethods = [\"GET\"]"),
            7,
            "rule.path",
            "never reached",
        ),
        ("[forward_auth\n".into(), 1, "forward_auth", ""),
    ];
    for (text, line, key, reason) in cases {
        let (got_line, got_key, got_reason) = error_at(&text);
        assert_eq!(
            (got_line, got_key.as_str()),
            (line, key),
            "{got_reason}\n---\n{text}"
        );
        assert!(
            got_reason.contains(reason),
            "{got_reason:?} lacks {reason:?}"
        );
        assert!(!got_reason.contains('\n'), "one line: {got_reason:?}");
    }
}

#[test]
fn a_narrower_rule_after_a_wider_one_of_other_methods_is_fine() {
    let text = format!(
        "{HEAD}[[rule]]\npath = \"/api/**\"\nmethods = [\"GET\"]\n[[rule]]\npath = \"/api/x\"\n"
    );
    assert!(parse(&text).is_ok());
}

#[test]
fn the_error_line_reads_as_one_line_naming_file_line_and_key() {
    let error = parse("[[pools]]\n").expect_err("unknown");
    let line = error.to_string();
    assert!(
        line.starts_with("guard.toml:1: pools: unknown field"),
        "{line}"
    );
    assert!(!line.contains('\n'), "{line}");
}

#[test]
fn a_missing_file_names_the_variable() {
    let missing = GuardFile::load(
        std::path::Path::new("/nonexistent/guard.toml"),
        &PoolDefaults::default(),
    );
    assert!(matches!(
        missing,
        Err(ConfigError::Invalid {
            var: "GUARD_CONFIG",
            ..
        })
    ));
}

#[test]
fn the_example_file_is_valid() {
    let text = include_str!("../../../config/guard.example.toml");
    let file = parse(text).expect("config/guard.example.toml is valid");
    assert_eq!(file.forward_auth.expect("rules").rules.len(), 6);
}

#[test]
fn the_example_files_commented_pools_are_valid_uncommented() {
    let text = include_str!("../../../config/guard.example.toml");
    // Every marked block uncommented: the pools, and the rules' `pools`.
    let (mut uncommented, mut rest, mut blocks) = (String::new(), text, 0);
    while let Some((before, marked)) = rest.split_once("# pools-begin\n") {
        let (block, after) = marked.split_once("# pools-end\n").expect("an end marker");
        uncommented.push_str(before);
        for line in block.lines() {
            uncommented.push_str(line.strip_prefix('#').unwrap_or(line));
            uncommented.push('\n');
        }
        (rest, blocks) = (after, blocks + 1);
    }
    uncommented.push_str(rest);
    assert_eq!(blocks, 2, "the pools, and the admin rule's pools");
    let file = parse(&uncommented).expect("valid with its pools");
    let names: Vec<&str> = file.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["customers", "staff"]);
    let admin = &file.forward_auth.expect("rules").rules[1];
    let pools = admin
        .access
        .policy()
        .and_then(|p| p.pools())
        .expect("pools");
    assert_eq!(pools.len(), 1);
}

#[test]
fn a_deny_rule_closes_its_path_after_the_rules_that_admit() {
    let text = format!(
        "{HEAD}[[rule]]\npath = \"/r/*\"\nmethods = [\"GET\"]\n[[rule]]\nname = \"closed\"\npath = \"/r/*\"\nallow = \"deny\"\n"
    );
    let file = parse(&text).expect("valid");
    let rules = file.forward_auth.expect("rules").rules;
    assert_eq!(rules[1].name, "closed");
    assert_eq!(rules[1].access, RuleAccess::Deny);
    assert!(rules[1].access.policy().is_none());
    // A deny rule shadows like any other.
    let shadowed =
        format!("{HEAD}[[rule]]\npath = \"/r/**\"\nallow = \"deny\"\n[[rule]]\npath = \"/r/x\"\n");
    let (line, key, reason) = error_at(&shadowed);
    assert_eq!((line, key.as_str()), (7, "rule.path"), "{reason}");
}

//! `[policies]` and `allow = "policy"` rules: what loads, and each error
//! at its file, line and key.

use std::path::PathBuf;

use super::*;
use crate::config::ConfigError;
use crate::forward_auth::RuleAccess;

/// A folder of this test holding `files` (name, contents).
fn folder(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cg-policies-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    dir
}

fn parse_in(dir: &std::path::Path, text: &str) -> Result<GuardFile, ConfigError> {
    let file = dir.join("guard.toml");
    GuardFile::parse(&file.display().to_string(), text, &PoolDefaults::default())
}

const POLICIES: &str = "[policies]\nfiles = [\"policies/*.cedar\"]\nnamespace = \"Api\"\n";
const RULES: &str = "[forward_auth]\ngateway = \"nginx\"\n[[rule]]\nname = \"tenants\"\npath = \"/t/{tenant}/**\"\nallow = \"policy\"\n";
const PERMIT: &str = "permit (principal, action, resource);\n";

fn guard_file_error(result: Result<GuardFile, ConfigError>) -> (String, usize, String, String) {
    match result {
        Err(ConfigError::GuardFile {
            file,
            line,
            key,
            reason,
        }) => (file, line, key, reason),
        other => panic!("expected an error at a line, got {other:?}"),
    }
}

#[test]
fn a_policy_rule_loads_with_its_policies_and_files() {
    let dir = folder(
        "loads",
        &[("policies/a.cedar", PERMIT), ("policies/b.cedar", PERMIT)],
    );
    let file = parse_in(&dir, &format!("{POLICIES}{RULES}")).expect("valid");
    let rules = file.forward_auth.expect("rules");
    assert!(matches!(
        rules.rules[0].access,
        RuleAccess::Cedar { action: None, .. }
    ));
    assert_eq!(rules.policies.as_ref().map(|p| p.policy_count()), Some(2));
    assert_eq!(
        rules.policy_files,
        [dir.join("policies/a.cedar"), dir.join("policies/b.cedar")]
    );
}

#[test]
fn a_policy_that_does_not_parse_stops_at_its_file_and_line() {
    let dir = folder(
        "parse",
        &[(
            "policies/a.cedar",
            "permit (principal, action, resource);\npermit (principal;\n",
        )],
    );
    let (file, line, key, _) = guard_file_error(parse_in(&dir, &format!("{POLICIES}{RULES}")));
    assert!(file.ends_with("policies/a.cedar"), "{file}");
    assert_eq!((line, key.as_str()), (2, "policies"));
}

#[test]
fn policy_rules_need_policies_and_policies_need_policy_rules() {
    let dir = folder("needs", &[("policies/a.cedar", PERMIT)]);
    let (_, line, key, reason) = guard_file_error(parse_in(&dir, RULES));
    assert_eq!((line, key.as_str()), (6, "rule.allow"), "{reason}");
    let plain = "[forward_auth]\ngateway = \"nginx\"\n[[rule]]\npath = \"/x\"\n";
    let (_, line, key, reason) = guard_file_error(parse_in(&dir, &format!("{POLICIES}{plain}")));
    assert_eq!((line, key.as_str()), (1, "policies"), "{reason}");
    let (_, line, key, _) = guard_file_error(parse_in(&dir, POLICIES));
    assert_eq!((line, key.as_str()), (1, "policies"));
}

#[test]
fn terms_belong_in_policies_and_action_in_policy_rules() {
    let dir = folder("terms", &[("policies/a.cedar", PERMIT)]);
    let text = format!("{POLICIES}{RULES}groups_any = [\"admin\"]\n");
    let (_, line, key, reason) = guard_file_error(parse_in(&dir, &text));
    assert_eq!((line, key.as_str()), (10, "rule.groups_any"));
    assert!(reason.contains("condition of a policy"), "{reason}");
    let text = format!("{POLICIES}{RULES}[[rule]]\npath = \"/x\"\naction = \"Read\"\n");
    let (_, line, key, _) = guard_file_error(parse_in(&dir, &text));
    assert_eq!((line, key.as_str()), (12, "rule.action"));
    // callers and pools apply to a policy rule as to any.
    let text =
        format!("{POLICIES}{RULES}callers = \"any\"\npools = [\"default\"]\naction = \"Read\"\n");
    let rules = parse_in(&dir, &text)
        .expect("valid")
        .forward_auth
        .expect("rules");
    match &rules.rules[0].access {
        RuleAccess::Cedar { policy, action } => {
            assert!(policy.admits_machines());
            assert_eq!(action.as_deref(), Some("Read"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn with_a_schema_a_rule_s_actions_must_be_declared() {
    let schema = "namespace Api { entity User; entity Application; action \"get /t/{tenant}/**\" appliesTo { principal: [User], resource: [Application] }; }";
    let dir = folder(
        "schema",
        &[
            ("policies/a.cedar", PERMIT),
            ("policies/api.cedarschema", schema),
        ],
    );
    let with_schema = format!("{POLICIES}schema = \"policies/api.cedarschema\"\n{RULES}");
    assert!(parse_in(&dir, &format!("{with_schema}methods = [\"GET\"]\n")).is_ok());
    let (_, line, key, reason) = guard_file_error(parse_in(
        &dir,
        &format!("{with_schema}methods = [\"POST\"]\n"),
    ));
    assert_eq!((line, key.as_str()), (10, "rule.action"));
    assert!(reason.contains("post /t/{tenant}/**"), "{reason}");
}

#[test]
fn files_must_exist_and_names_be_cedar_identifiers() {
    let dir = folder("files", &[("policies/a.cedar", PERMIT)]);
    let none = "[policies]\nfiles = [\"nothing/*.cedar\"]\nnamespace = \"Api\"\n";
    let (_, line, key, reason) = guard_file_error(parse_in(&dir, &format!("{none}{RULES}")));
    assert_eq!((line, key.as_str()), (2, "policies.files"));
    assert!(reason.contains("matches no file"), "{reason}");
    let bad = "[policies]\nfiles = [\"policies/a.cedar\"]\nnamespace = \"my-app\"\n";
    let (_, line, key, _) = guard_file_error(parse_in(&dir, &format!("{bad}{RULES}")));
    assert_eq!((line, key.as_str()), (3, "policies.namespace"));
}

//! Loading a policy set: each error at its file and line (naming the
//! policy where one is at fault), ids across files, and the schema
//! `policy schema` prints validating policies of its rules.

use actix_web::http::Method;
use serde_json::json;

use super::tests::{allowed, id_token, sources, SCHEMA};
use super::*;

fn load_error(policies: &str, schema: Option<&str>) -> PolicyLoadError {
    PolicyEngine::load(&sources(policies, schema)).expect_err("refused")
}

#[test]
fn a_parse_error_names_its_file_and_line() {
    let error = load_error(
        "permit (principal, action, resource);\n\npermit (principal action);",
        None,
    );
    assert_eq!(
        (error.file.as_str(), error.line),
        ("policies/a.cedar", 3),
        "{error}"
    );
}

#[test]
fn a_validation_error_names_the_policy_and_its_line() {
    let policy = "permit (principal, action, resource);\n@id(\"bad\")\npermit (principal, action, resource) when {\n  principal.nickname == \"x\"\n};";
    let error = load_error(policy, Some(SCHEMA));
    assert_eq!(error.what, "policy \"bad\"", "{error}");
    assert_eq!(error.line, 4, "{error}");
}

#[test]
fn duplicate_ids_and_templates_are_refused() {
    let twice = "@id(\"a\") permit (principal, action, resource);\n@id(\"a\") forbid (principal, action, resource);";
    let error = load_error(twice, None);
    assert!(error.reason.contains("already taken"), "{error}");
    assert_eq!(error.line, 2, "{error}");
    let template = "permit (principal == ?principal, action, resource);";
    assert!(load_error(template, None).reason.contains("template"));
}

#[test]
fn a_schema_that_does_not_parse_is_refused_at_its_line() {
    let error = load_error(
        "permit (principal, action, resource);",
        Some("namespace Api {\n  entity User = ;\n}"),
    );
    assert_eq!(error.file, "policies/api.cedarschema");
    assert_eq!(error.what, "schema");
    assert_eq!(error.line, 2, "{error}");
}

#[test]
fn ids_count_on_across_files_in_order() {
    let mut two = sources("permit (principal, action, resource);", None);
    two.files.push(SourceFile {
        name: "policies/b.cedar".to_owned(),
        text: "\n\nforbid (principal, action, resource) when { principal has locked };".to_owned(),
    });
    let engine = PolicyEngine::load(&two).expect("loads");
    assert_eq!(
        engine.origin("policy0"),
        Some(("policies/a.cedar".to_owned(), 1))
    );
    assert_eq!(
        engine.origin("policy1"),
        Some(("policies/b.cedar".to_owned(), 3))
    );
}

#[test]
fn the_schema_to_start_from_validates_policies_of_its_rules() {
    let rules = [SchemaRule {
        template: "/tenants/{tenant}/**".to_owned(),
        methods: Some(vec![Method::GET, Method::HEAD]),
        action: None,
        captures: vec!["tenant".to_owned()],
    }];
    let schema = schema_start(&CedarNames::avp("Api"), &rules);
    let policy = r#"permit (principal, action == Api::Action::"get /tenants/{tenant}/**", resource)
        when { context.pathParameters.tenant == "a" && context.guard.callerKind == "user" &&
               context has token && context.token has scope && context.token.scope.contains("x") &&
               principal has email && principal.email == "e" };"#;
    let engine = PolicyEngine::load(&sources(policy, Some(&schema))).expect("the schema validates");
    assert!(engine.declares_action("head /tenants/{tenant}/**"));
    let claims = id_token(json!({}));
    let decision = allowed(&engine, &claims, Method::GET, "/tenants/a/x");
    assert!(
        decision.refused.is_none(),
        "the request fits the schema: {decision:?}"
    );
}

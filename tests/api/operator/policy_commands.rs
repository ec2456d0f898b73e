//! `cognito-guard policy check | explain | schema`, run as an engineer
//! runs them: on the examples' configuration in dev mode, and on broken
//! policies, whose messages (file and line) are the start's own.

use std::path::Path;
use std::process::Command;

use crate::common::binary::{run_to_exit, temp_dir, the_error_line};

const BINARY: &str = env!("CARGO_BIN_EXE_cognito-guard");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs the binary in dev mode (`config/dev.env`) with `args`: its exit
/// status, stdout and stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let env_file = Path::new(ROOT).join("config/dev.env");
    let output = Command::new(BINARY)
        .current_dir(ROOT)
        .env_clear()
        .env("RUST_LOG", "error")
        .arg("--env-file")
        .arg(env_file)
        .args(args)
        .output()
        .expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn examples() -> String {
    format!("{ROOT}/examples/guard.toml")
}

fn dev_token(args: &[&str]) -> String {
    let mut all = vec!["token"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

#[test]
fn check_passes_the_examples_and_fails_broken_policies_as_the_start_does() {
    let (code, out, err) = run(&["policy", "check", "--config", &examples()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok: "), "{out}");
    assert!(out.contains("1 decided by the policies"), "{out}");

    let dir = temp_dir("policy-check");
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    let config = dir.join("guard.toml");
    std::fs::write(
        &config,
        "[policies]\nfiles = [\"policies/*.cedar\"]\nnamespace = \"Api\"\n[forward_auth]\ngateway = \"nginx\"\n[[rule]]\npath = \"/t/{t}\"\nallow = \"policy\"\n",
    )
    .expect("config");
    let policies = dir.join("policies/a.cedar");
    std::fs::write(
        &policies,
        "permit (principal, action, resource);\n\npermit (principal, action resource);\n",
    )
    .expect("policy");
    let (code, _, err) = run(&[
        "policy",
        "check",
        "--config",
        config.to_str().expect("path"),
    ]);
    assert_eq!(code, 2, "{err}");
    let checked = the_error_line(&err);
    assert!(checked.contains("a.cedar:3: policies:"), "{checked}");
    // The server stops at start with the same message.
    let (code, stderr) = run_to_exit(&[("GUARD_CONFIG", config.to_str().expect("path"))]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(the_error_line(&stderr), checked);

    // A policy the schema refuses: named, at its line.
    std::fs::write(&policies, "@id(\"bad\")\npermit (principal, action, resource)\nwhen { principal.nickname == \"x\" };\n").expect("policy");
    std::fs::write(dir.join("policies/s.cedarschema"), "namespace Api { entity User; entity Application; action \"get /t/{t}\" appliesTo { principal: [User], resource: [Application] }; }").expect("schema");
    let with_schema = std::fs::read_to_string(&config).expect("read").replace(
        "namespace",
        "schema = \"policies/s.cedarschema\"\nnamespace",
    );
    std::fs::write(&config, with_schema).expect("config");
    let (code, _, err) = run(&[
        "policy",
        "check",
        "--config",
        config.to_str().expect("path"),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        the_error_line(&err).contains("a.cedar:3: policy \"bad\": does not validate"),
        "{err}"
    );
}

#[test]
fn explain_names_the_rule_the_cedar_request_and_the_deciding_policies() {
    let acme = dev_token(&["--attribute", "custom:tenant_id=acme", "--group", "staff"]);
    let args = |path: &'static str| {
        [
            "policy",
            "explain",
            "--config",
            &examples(),
            "--method",
            "GET",
            "--path",
            path,
            "--token",
            &acme,
        ]
        .map(str::to_owned)
    };
    let run_owned = |args: [String; 10]| run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let (code, out, err) = run_owned(args("/api/tenants/acme/orders"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("rule: tenant-data (GET /api/tenants/acme/orders)"),
        "{out}"
    );
    assert!(
        out.contains("principal: Api::User::\"us-east-1_DevPool01|"),
        "{out}"
    );
    assert!(out.contains("us-east-1_DevPool01|staff"), "parents: {out}");
    assert!(out.contains("custom:tenant_id"), "attributes: {out}");
    assert!(
        out.contains("action: Api::Action::\"get /api/tenants/{tenant}/**\""),
        "{out}"
    );
    assert!(
        out.contains("decision: ALLOW (200): permitted by own-tenant"),
        "{out}"
    );
    assert!(out.contains("own-tenant: "), "where the policy is: {out}");

    let (code, out, _) = run_owned(args("/api/tenants/globex/orders"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("decision: DENY (403 insufficient_scope): no policy permits"),
        "{out}"
    );

    let mut unverified = args("/api/tenants/acme/orders").to_vec();
    unverified.push("--unverified".to_owned());
    let (code, out, _) = run(&unverified.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("UNVERIFIED"), "{out}");

    // A forged token is refused as the server would.
    let forged = format!("{}x", acme);
    let (code, out, _) = run(&[
        "policy",
        "explain",
        "--config",
        &examples(),
        "--method",
        "GET",
        "--path",
        "/api/tenants/acme/x",
        "--token",
        &forged,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("token: refused"), "{out}");
}

#[test]
fn the_schema_printed_validates_the_examples_policies() {
    let (code, schema, err) = run(&["policy", "schema", "--config", &examples()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        schema.contains("action \"delete /api/tenants/{tenant}/**\""),
        "{schema}"
    );
    let dir = temp_dir("policy-schema");
    std::fs::create_dir_all(dir.join("policies")).expect("dir");
    let policies =
        std::fs::read_to_string(format!("{ROOT}/examples/policies/tenants.cedar")).expect("read");
    // The example's own policies need its custom attribute declared.
    let schema = schema.replace(
        "entity User in [UserGroup] {",
        "entity User in [UserGroup] {\n    \"custom:tenant_id\"?: String,",
    );
    std::fs::write(dir.join("policies/tenants.cedar"), policies).expect("write");
    std::fs::write(dir.join("policies/api.cedarschema"), schema).expect("write");
    let config = std::fs::read_to_string(examples()).expect("read");
    std::fs::write(dir.join("guard.toml"), config).expect("write");
    let (code, out, err) = run(&[
        "policy",
        "check",
        "--config",
        dir.join("guard.toml").to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

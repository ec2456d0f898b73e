//! `GET /openapi.json` validates as OpenAPI 3.1: openapi-spec-validator
//! (which `make test` installs) checks the document the server serves, and
//! refuses a broken one. What the document says is in `tests/api`.

use std::process::Command;

use serde_json::{json, Value};

use crate::common::helpers::*;
use crate::programs::require_python_module;

const ADMIN_SCOPE: &str = "cognito-guard/admin";

async fn document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status, 200);
    response.body
}

/// Runs openapi-spec-validator on `doc`: its verdict and its output.
fn validate(doc: &Value, name: &str) -> (bool, String) {
    require_python_module("openapi_spec_validator");
    let file =
        std::env::temp_dir().join(format!("cognito-guard-{name}-{}.json", std::process::id()));
    std::fs::write(&file, doc.to_string()).expect("write the document");
    let output = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[actix_rt::test]
async fn the_document_validates_as_openapi_3() {
    for overrides in [&[][..], &[("ADMIN_SCOPE", ADMIN_SCOPE)]] {
        let app = spawn_app_with(overrides).await;
        let doc = document(&app).await;
        let (valid, output) = validate(&doc, "openapi");
        assert!(valid, "{overrides:?}: {output}");
    }
}

#[actix_rt::test]
async fn the_validator_refuses_a_broken_document() {
    // So that a validator that accepts anything cannot pass the test above.
    let app = spawn_app().await;
    let mut doc = document(&app).await;
    doc["paths"]["/messages/private"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["$ref"] = json!("#/components/schemas/Nowhere");
    let (valid, output) = validate(&doc, "broken");
    assert!(!valid, "{output}");
    assert!(output.contains("Nowhere"), "{output}");
}

//! The built-in dev issuer, end to end: a server in dev mode, tokens minted
//! by `cognito-guard token` (what `make token` runs), every kind of route.

use std::process::Command;

use crate::common::helpers::*;
use cognito_guard::{Application, Settings};

fn dev_key_file() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/config/dev-signing-key.pem").to_owned()
}

/// Mints a token the way the README's `make token` does.
fn make_token(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DEV_SIGNING_KEY_FILE")
        .arg("token")
        .args(args)
        .output()
        .expect("token command runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

async fn spawn_dev_app() -> TestApp {
    let settings = Settings::from_vars([
        ("AUTH_MODE", "dev"),
        ("PORT", "0"),
        ("DEV_SIGNING_KEY_FILE", dev_key_file().as_str()),
    ])
    .expect("dev settings");
    let app = Application::build(settings)
        .await
        .expect("dev server starts");
    // The JWKS server is unused: dev mode serves its own JWKS.
    serve(app, JwksServer::start(vec![], JwksMode::Serve))
}

#[actix_rt::test]
async fn dev_mode_serves_every_kind_of_route_with_minted_tokens() {
    let app = spawn_dev_app().await;
    assert_eq!(
        app.get("/readyz", None).await.status,
        200,
        "dev JWKS fetched over HTTP"
    );

    let user = make_token(&["--sub", "sub-dev-user", "--email", "dev@example.com"]);
    let admin = make_token(&["--sub", "sub-dev-admin", "--group", "admin"]);

    assert_eq!(app.get("/messages/public", None).await.status, 200);
    assert_eq!(app.get("/messages/private", None).await.status, 401);
    let private = app.get("/messages/private", Some(&user)).await;
    assert_eq!(private.status, 200);
    assert_eq!(private.body["message"], "Hello, dev@example.com!");
    assert_eq!(
        app.get("/messages/feed", Some(&user)).await.body["feed"],
        "personalized"
    );
    assert_eq!(
        app.get("/messages/feed", None).await.body["feed"],
        "generic"
    );
    assert_eq!(
        app.request("DELETE", "/users/sub-dev-user", Some(&user))
            .await
            .status,
        403
    );
    assert_eq!(
        app.request("DELETE", "/users/sub-dev-user", Some(&admin))
            .await
            .status,
        204
    );
    assert_eq!(
        app.request("DELETE", "/users/sub-dev-user", Some(&admin))
            .await
            .status,
        404
    );
}

#[actix_rt::test]
async fn dev_mode_checks_tokens_like_cognito_mode() {
    let app = spawn_dev_app().await;
    let access = make_token(&["--access"]);
    let me = app.get("/users/me", Some(&access)).await;
    assert_eq!(
        me.status, 401,
        "dev mode accepts ID tokens only, by default"
    );
    let forged = sign(&id_claims("sub-x", None, &["admin"]), trusted_key());
    assert_eq!(
        app.get("/messages/private", Some(&forged)).await.status,
        401
    );
}

#[actix_rt::test]
async fn a_dev_token_is_rejected_by_a_cognito_mode_server() {
    // Even when the cognito-mode JWKS publishes the dev key, that key is
    // skipped. The token claims the pool's issuer: one naming the dev
    // issuer is refused before any key is looked up (issue #20).
    let dev_key = cognito_guard::dev::DevIssuer::load(dev_key_file().as_ref()).expect("dev key");
    let dev_jwk = dev_key.jwks()["keys"][0].clone();
    let jwks = JwksServer::start(vec![trusted_key().jwk(), dev_jwk], JwksMode::Serve);
    let app = spawn_app_against(jwks, &[]).await;

    let token = make_token(&["--group", "admin", "--issuer", ISSUER]);
    let response = app.get("/messages/private", Some(&token)).await;

    assert_invalid_token(&response, &token);
    assert!(
        response.detail().contains("key id"),
        "{}",
        response.detail()
    );
}

#[actix_rt::test]
async fn a_cognito_mode_server_refuses_the_dev_key_even_under_its_own_issuer() {
    // Arrange: the JWKS publishes the committed dev key next to the pool's.
    let dev_key = cognito_guard::dev::DevIssuer::load(dev_key_file().as_ref()).expect("dev key");
    let dev_jwk = dev_key.jwks()["keys"][0].clone();
    let jwks = JwksServer::start(vec![trusted_key().jwk(), dev_jwk], JwksMode::Serve);
    let app = spawn_app_against(jwks, &[]).await;
    let pem = std::fs::read(dev_key_file()).expect("dev key file");
    let dev_signer = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("dev key parses");
    let forged = sign_raw(
        &serde_json::json!({"kid": cognito_guard::dev::DEV_KID, "alg": "RS256"}),
        &id_claims("sub-dev-forged", None, &["admin"]),
        &dev_signer,
        jsonwebtoken::Algorithm::RS256,
    );
    let genuine = id_token("sub-genuine", None, &[]);

    // Act
    let refused = app.get("/messages/private", Some(&forged)).await;
    let accepted = app.get("/messages/private", Some(&genuine)).await;

    // Assert: the pool's issuer and client, but the dev key signs nothing here.
    assert_invalid_token(&refused, &forged);
    assert_eq!(accepted.status, 200, "the pool's own key still works");
}

#[actix_rt::test]
async fn token_and_jwks_commands_serve_a_cognito_mode_server_with_a_key_of_ones_own() {
    // What `make bench` does: its own key, its own issuer, cognito mode.
    let key_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rotated.pem");
    let issuer = "https://bench-issuer.cognito-guard.invalid/us-east-1_Bench01";
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DEV_SIGNING_KEY_FILE", key_file)
            .args(args)
            .output()
            .expect("command runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let document: serde_json::Value =
        serde_json::from_str(&run(&["jwks"])).expect("a JWKS document");
    let token = run(&["token", "--issuer", issuer]).trim().to_owned();
    let jwks = JwksServer::start(
        document["keys"].as_array().expect("keys").clone(),
        JwksMode::Serve,
    );
    let app = spawn_app_against(
        jwks,
        &[
            ("COGNITO_ISSUER", issuer),
            ("COGNITO_CLIENT_ID", cognito_guard::dev::DEV_CLIENT_ID),
        ],
    )
    .await;

    let response = app.get("/messages/private", Some(&token)).await;

    assert_eq!(response.status, 200, "{}", response.body);
}

#[test]
fn dev_mode_refuses_a_non_loopback_host() {
    let output = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
        .current_dir(std::env::temp_dir())
        .env_clear()
        .env("AUTH_MODE", "dev")
        .env("HOST", "0.0.0.0")
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("HOST") && stderr.contains("loopback"),
        "{stderr}"
    );
}

#[test]
fn token_command_rejects_bad_options_clearly() {
    for args in [
        &["--ttl", "0"][..],
        &["--ttl", "999999"][..],
        &["--ttl", "soon"][..],
        &["--bogus"][..],
        &["--client-credentials"][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("token")
            .args(args)
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
}

#[actix_rt::test]
async fn a_dev_machine_token_reads_and_deletes_users_as_in_the_quickstart() {
    // config/dev.env, which `make run` uses, grants machines this scope.
    let dev_env = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/dev.env"))
        .expect("config/dev.env");
    assert!(dev_env.contains("\nADMIN_SCOPE=cognito-guard/admin\n"));
    let settings = Settings::from_vars([
        ("AUTH_MODE", "dev"),
        ("PORT", "0"),
        ("DEV_SIGNING_KEY_FILE", dev_key_file().as_str()),
        ("ADMIN_SCOPE", "cognito-guard/admin"),
    ])
    .expect("dev settings");
    let app = serve(
        Application::build(settings)
            .await
            .expect("dev server starts"),
        JwksServer::start(vec![], JwksMode::Serve),
    );
    let user = make_token(&["--sub", "sub-dev-victim"]);
    assert_eq!(app.get("/messages/private", Some(&user)).await.status, 200);

    let machine = make_token(&["--client-credentials", "--scope", "cognito-guard/admin"]);
    let read = app.get("/users/sub-dev-victim", Some(&machine)).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(
        app.request("DELETE", "/users/sub-dev-victim", Some(&machine))
            .await
            .status,
        204
    );
    let other = make_token(&["--client-credentials", "--scope", "other/read"]);
    assert_eq!(
        app.get("/users/sub-dev-victim", Some(&other)).await.status,
        403
    );
    // A machine is not a user.
    assert_eq!(
        app.get("/messages/private", Some(&machine)).await.status,
        401
    );
}

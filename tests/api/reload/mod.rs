//! Reloading the configuration while the server runs: a rules file
//! changed on disk (written in place, renamed over, swapped by symlink as a
//! Kubernetes ConfigMap is) decides within seconds; a broken one changes
//! nothing and says why until a fixed one loads; what needs a restart is
//! refused. `signal` sends `SIGHUP` to the real binary, and flips the
//! rules under load.

mod policies;
mod signal;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::binary::temp_dir;
use crate::common::guard_process::write_signing_key;
use crate::common::helpers::*;
use crate::common::pools::{metric, Setup};

/// Long enough for a poll (every second) and a reload on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// A rules file whose one public rule, named `name`, is the path `/name`.
fn rules(name: &str) -> String {
    format!(
        "[forward_auth]\ngateway = \"nginx\"\n\n[[rule]]\nname = \"{name}\"\npath = \"/{name}\"\nallow = \"public\"\n"
    )
}

/// What `/auth` says of an anonymous `GET /path`: the status and the rule.
async fn decision(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let response = app
        .request_with_headers(
            "GET",
            "/auth",
            &[
                ("X-Original-Method", "GET".to_owned()),
                ("X-Original-URI", path.to_owned()),
            ],
        )
        .await;
    let rule = response.header("x-auth-request-rule").map(str::to_owned);
    (response.status, rule)
}

/// Waits until the rule `name` decides (and the rule `gone` no longer
/// does); whether it did within [`PATIENCE`].
async fn serves(app: &TestApp, name: &str, gone: &str) -> bool {
    let deadline = std::time::Instant::now() + PATIENCE;
    while std::time::Instant::now() < deadline {
        let new = decision(app, &format!("/{name}")).await;
        let old = decision(app, &format!("/{gone}")).await;
        if new == (200, Some(name.to_owned())) && old.0 == 403 {
            return true;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn metrics_value(app: &TestApp, name: &str) -> f64 {
    metric(&app.get_text("/metrics").await, name, &[]).unwrap_or(-1.0)
}

async fn config_state(app: &TestApp) -> Value {
    app.get("/readyz", None).await.body["config"].clone()
}

/// Writes `text` to `path` through a temporary file renamed over it, as
/// editors and `kubectl cp` do.
fn write_then_rename(path: &Path, text: &str) {
    let temporary = path.with_extension("toml.tmp");
    std::fs::write(&temporary, text).expect("write");
    std::fs::rename(&temporary, path).expect("rename");
}

/// A ConfigMap-style directory: `guard.toml` → `..data/guard.toml`,
/// `..data` → the version directory `first`.
fn config_map(first: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir("configmap");
    let version = dir.join("..2026_12_06_v1");
    std::fs::create_dir_all(&version).expect("version dir");
    std::fs::write(version.join("guard.toml"), first).expect("write");
    std::os::unix::fs::symlink("..2026_12_06_v1", dir.join("..data")).expect("..data");
    std::os::unix::fs::symlink("..data/guard.toml", dir.join("guard.toml")).expect("guard.toml");
    let file = dir.join("guard.toml");
    (dir, file)
}

/// Publishes `text` as a new version and swaps `..data` to it in one
/// rename, as the kubelet updates a mounted ConfigMap.
fn swap_config_map(dir: &Path, version: &str, text: &str) {
    let target = dir.join(version);
    std::fs::create_dir_all(&target).expect("version dir");
    std::fs::write(target.join("guard.toml"), text).expect("write");
    let link = dir.join("..data_tmp");
    std::os::unix::fs::symlink(version, &link).expect("new link");
    std::fs::rename(&link, dir.join("..data")).expect("swap");
}

#[actix_rt::test]
async fn a_rules_file_changed_on_disk_decides_within_seconds_however_it_is_written() {
    let (dir, file) = config_map(&rules("first"));
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    assert_eq!(decision(&app, "/first").await, (200, Some("first".into())));
    assert_eq!(config_state(&app).await["generation"], 1);

    // Written in place, through the symlinks.
    std::fs::write(dir.join("..data/guard.toml"), rules("second")).expect("write");
    assert!(serves(&app, "second", "first").await, "a write in place");
    // Written to a temporary file and renamed over it.
    write_then_rename(&dir.join("..2026_12_06_v1/guard.toml"), &rules("third"));
    assert!(serves(&app, "third", "second").await, "a rename over it");
    // The ConfigMap's `..data` symlink swapped to a new version.
    swap_config_map(&dir, "..2026_12_06_v2", &rules("fourth"));
    assert!(serves(&app, "fourth", "third").await, "a symlink swap");

    let state = config_state(&app).await;
    assert_eq!(state["generation"], 4, "{state}");
    assert!(state.get("reload_error").is_none(), "{state}");
    assert_eq!(
        metrics_value(&app, "cognito_guard_config_generation").await,
        4.0
    );
    assert_eq!(
        metrics_value(&app, "cognito_guard_config_reload_failures_total").await,
        0.0
    );
}

#[actix_rt::test]
async fn a_broken_file_changes_nothing_and_says_why_until_a_fixed_one_loads() {
    let dir = temp_dir("broken");
    let file = dir.join("guard.toml");
    std::fs::write(&file, rules("kept")).expect("write");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    let broken = [
        (
            "[forward_auth]\ngateway = \"nginx\"\n[[rule]\n".to_owned(),
            "guard.toml:3",
        ),
        (rules("kept").replace("allow", "allw"), "guard.toml:7"),
        (rules("kept").replace("\"/kept\"", "\"kept\""), "rule.path"),
        (
            rules("kept").replace("nginx", "traefik"),
            "a restart is needed",
        ),
        (
            rules("kept").replace("allow = \"public\"", "callers = \"machines\""),
            "machine callers",
        ),
    ];
    for (failures, (text, reason)) in broken.iter().enumerate() {
        std::fs::write(&file, text).expect("write");
        let counted = (failures + 1) as f64;
        let mut seen = false;
        for _ in 0..400 {
            if metrics_value(&app, "cognito_guard_config_reload_failures_total").await >= counted {
                seen = true;
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(seen, "the reload of {text:?} was not refused");
        let state = config_state(&app).await;
        let error = state["reload_error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{reason} not in {state}");
        assert_eq!(state["generation"], 1, "{state}");
        assert_eq!(decision(&app, "/kept").await, (200, Some("kept".into())));
        assert_eq!(app.get("/readyz", None).await.status, 200, "still ready");
    }
    // Gone: refused too, naming the file.
    std::fs::remove_file(&file).expect("remove");
    let gone = || async { config_state(&app).await["reload_error"].clone() };
    let mut error = gone().await;
    for _ in 0..400 {
        if error.as_str().is_some_and(|e| e.contains("cannot read")) {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        error = gone().await;
    }
    assert!(
        error.as_str().is_some_and(|e| e.contains("cannot read")),
        "{error}"
    );
    assert_eq!(decision(&app, "/kept").await, (200, Some("kept".into())));

    std::fs::write(&file, rules("fixed")).expect("write");
    assert!(serves(&app, "fixed", "kept").await);
    let state = config_state(&app).await;
    assert_eq!(state["generation"], 2, "{state}");
    assert!(state.get("reload_error").is_none(), "{state}");
}

#[actix_rt::test]
async fn a_reload_that_changes_a_pool_is_refused_and_the_old_pools_keep_serving() {
    let setup = Setup::new().toml(&rules("staff"));
    let settings = setup.settings();
    let path = settings.source.guard_config().expect("a file");
    let text = setup.file_text();
    let pools = setup.start_from(settings).await;
    std::fs::write(&path, text.replacen("eu-west-1", "us-east-1", 1)).expect("write");
    let mut refused = false;
    for _ in 0..400 {
        let state = config_state(&pools.app).await;
        if state["reload_error"]
            .as_str()
            .is_some_and(|e| e.contains("pools changed") && e.contains("restart"))
        {
            refused = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "{}", config_state(&pools.app).await);
    assert_eq!(
        decision(&pools.app, "/staff").await,
        (200, Some("staff".into()))
    );
}

#[actix_rt::test]
async fn a_missing_assertion_key_is_refused_and_the_old_key_keeps_signing() {
    let dir = temp_dir("reload-key");
    let key = dir.join("k.pem");
    write_signing_key(&key);
    let file = dir.join("guard.toml");
    let text = "[forward_auth]\ngateway = \"nginx\"\n[forward_auth.assertion]\n\
                issuer = \"https://g\"\nsigning_keys = [\"k.pem\"]\n\
                [[rule]]\nname = \"signed\"\npath = \"/signed\"\n";
    std::fs::write(&file, text).expect("rules");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    let token = id_token("sub-signed", None, &[]);
    let signed = |app: &TestApp| {
        let token = token.clone();
        let app_address = app.address.clone();
        async move {
            let response = patient_client()
                .get(format!("{app_address}/auth"))
                .insert_header(("X-Original-Method", "GET"))
                .insert_header(("X-Original-URI", "/signed"))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .expect("answers");
            response
                .headers()
                .get("x-auth-request-assertion")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_default()
        }
    };
    assert!(!signed(&app).await.is_empty(), "an assertion at start");
    // The key file is watched: its removal is a reload, refused.
    std::fs::remove_file(&key).expect("remove");
    let mut refused = false;
    for _ in 0..400 {
        let state = config_state(&app).await;
        if state["reload_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot read") && e.contains("k.pem"))
        {
            refused = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "{}", config_state(&app).await);
    assert!(!signed(&app).await.is_empty(), "the old key keeps signing");
}

#[actix_rt::test]
async fn a_key_that_arrives_after_its_configuration_is_loaded_when_it_does() {
    let dir = temp_dir("late-key");
    let file = dir.join("guard.toml");
    std::fs::write(&file, rules("first")).expect("rules");
    let app = spawn_app_with(&[("GUARD_CONFIG", file.to_str().expect("path"))]).await;
    // A ConfigMap updated before the Secret: the file names a key not
    // there yet.
    let with_key = rules("first").replace(
        "gateway = \"nginx\"\n",
        "gateway = \"nginx\"\n[forward_auth.assertion]\nissuer = \"https://g\"\nsigning_keys = [\"late.pem\"]\n",
    );
    std::fs::write(&file, with_key).expect("rules");
    let mut refused = false;
    for _ in 0..400 {
        let error = config_state(&app).await["reload_error"].clone();
        if error.as_str().is_some_and(|e| e.contains("late.pem")) {
            refused = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "{}", config_state(&app).await);
    write_signing_key(&dir.join("late.pem"));
    let mut loaded = false;
    for _ in 0..400 {
        if app.get("/.well-known/jwks.json", None).await.status == 200 {
            loaded = true;
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(loaded, "{}", config_state(&app).await);
    assert!(config_state(&app).await.get("reload_error").is_none());
}

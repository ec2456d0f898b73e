//! Several user pools (issue #20) against a real Cognito emulator: two
//! user pools in one moto, each a `[[pool]]` table whose `idp_endpoint`,
//! `issuer` and `jwks_url` are moto's for that pool, real tokens from
//! InitiateAuth, and the server's own `CognitoDirectory` per pool (built by
//! `Application::build`, not given by the test). An admin of pool `a` acts
//! on pool `a`'s users; pool `b`'s user is a 404 to them, because `a`'s
//! directory asks Cognito with `a`'s user pool id, and stays untouched.

use cognito_guard::{Application, Settings};
use serde_json::json;

use crate::common::helpers::{serve, JwksMode, JwksServer, TestApp};
use crate::common::pools::config_file;
use crate::idp::cognito_emulator::{claim, Moto, PASSWORD};

/// A user of one emulated pool, with a real ID token.
struct PoolUser {
    sub: String,
    token: String,
}

/// One user pool made in moto: its id and its app client.
struct EmulatedPool {
    id: String,
    client: String,
}

impl EmulatedPool {
    /// A pool named `name` with one client (password sign-in) and the
    /// group `admin_group`.
    async fn create(moto: &Moto, name: &str, admin_group: &str) -> EmulatedPool {
        let (id, client) = moto
            .create_pool(name, &format!("{name}-client"), admin_group)
            .await;
        EmulatedPool { id, client }
    }

    /// Creates `name` (in `group` when given) and signs them in.
    async fn user(&self, moto: &Moto, name: &str, group: Option<&str>) -> PoolUser {
        moto.call(
            "AdminCreateUser",
            json!({
                "UserPoolId": self.id,
                "Username": name,
                "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}],
                "MessageAction": "SUPPRESS",
            }),
        )
        .await;
        moto.call(
            "AdminSetUserPassword",
            json!({"UserPoolId": self.id, "Username": name, "Password": PASSWORD, "Permanent": true}),
        )
        .await;
        if let Some(group) = group {
            moto.call(
                "AdminAddUserToGroup",
                json!({"UserPoolId": self.id, "Username": name, "GroupName": group}),
            )
            .await;
        }
        let auth = moto
            .call(
                "InitiateAuth",
                json!({
                    "ClientId": self.client,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
                }),
            )
            .await;
        let token = auth["AuthenticationResult"]["IdToken"]
            .as_str()
            .expect("id token")
            .to_owned();
        PoolUser {
            sub: claim(&token, "sub"),
            token,
        }
    }

    /// Its `[[pool]]` table: everything moto's, `issuer` as its tokens say.
    fn table(&self, name: &str, issuer: &str, moto: &Moto, admin_group: &str) -> String {
        let endpoint = moto.endpoint();
        format!(
            "[[pool]]\nname = \"{name}\"\nregion = \"us-east-1\"\nuser_pool_id = \"{id}\"\n\
             client_ids = [\"{client}\"]\nissuer = \"{issuer}\"\n\
             jwks_url = \"{endpoint}{id}/.well-known/jwks.json\"\n\
             idp_endpoint = \"{endpoint}\"\nadmin_group = \"{admin_group}\"\n\n",
            id = self.id,
            client = self.client,
        )
    }

    /// Whether moto's pool holds a user with this `sub`.
    async fn has(&self, moto: &Moto, sub: &str) -> bool {
        moto.pool_has_user(&self.id, sub).await
    }
}

#[actix_rt::test]
async fn each_pools_admin_acts_through_its_own_pools_cognito_directory() {
    let moto = Moto::start();
    let pool_a = EmulatedPool::create(&moto, "guard-pool-a", "admin").await;
    let pool_b = EmulatedPool::create(&moto, "guard-pool-b", "ops").await;
    let admin_a = pool_a.user(&moto, "ada-admin", Some("admin")).await;
    let victim_a = pool_a.user(&moto, "vic-victim", None).await;
    let admin_b = pool_b.user(&moto, "bea-admin", Some("ops")).await;
    let user_b = pool_b.user(&moto, "bob-user", None).await;
    let issuer_a = claim(&admin_a.token, "iss");
    let issuer_b = claim(&admin_b.token, "iss");
    assert_ne!(issuer_a, issuer_b, "moto names each pool in `iss`");

    let file = config_file(&format!(
        "{}{}",
        pool_a.table("a", &issuer_a, &moto, "admin"),
        pool_b.table("b", &issuer_b, &moto, "ops"),
    ));
    let settings = Settings::from_vars([
        ("GUARD_CONFIG", file.display().to_string().as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIDTESTEMULATOR"),
        ("AWS_SECRET_ACCESS_KEY", "emulator-secret"),
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
    ])
    .expect("two moto pools are valid settings");
    let app = Application::build(settings).await.expect("server starts");
    let app: TestApp = serve(app, JwksServer::start(vec![], JwksMode::Serve));

    // Both pools' real tokens are accepted, each under its own pool.
    for (user, pool) in [(&victim_a, "a"), (&user_b, "b")] {
        let me = app.get("/users/me", Some(&user.token)).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["pool"], pool);
        assert_eq!(me.body["sub"], user.sub.as_str());
    }

    // Pool a's admin sees pool a's user, through pool a's directory.
    let victim_path = format!("/users/{}", victim_a.sub);
    let seen = app.get(&victim_path, Some(&admin_a.token)).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.body["username"], "vic-victim");

    // Pool b's user is not in pool a's directory: 404, and untouched.
    let b_path = format!("/users/{}", user_b.sub);
    let not_theirs = app.get(&b_path, Some(&admin_a.token)).await;
    assert_eq!(not_theirs.status, 404, "{}", not_theirs.body);
    let not_deleted = app.request("DELETE", &b_path, Some(&admin_a.token)).await;
    assert_eq!(not_deleted.status, 404, "{}", not_deleted.body);
    let not_signed_out = app
        .request("POST", &format!("{b_path}/sign-out"), Some(&admin_a.token))
        .await;
    assert_eq!(not_signed_out.status, 404, "{}", not_signed_out.body);
    assert!(pool_b.has(&moto, &user_b.sub).await, "still in pool b");

    // Pool a's admin deletes pool a's user, from pool a only.
    let deleted = app
        .request("DELETE", &victim_path, Some(&admin_a.token))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(!pool_a.has(&moto, &victim_a.sub).await, "gone from pool a");
    let locked_out = app.get("/messages/private", Some(&victim_a.token)).await;
    assert_eq!(locked_out.status, 401, "{}", locked_out.body);

    // Pool b's user still works, and pool b's admin (group `ops`) finds
    // them through pool b's directory.
    let still = app.get("/messages/private", Some(&user_b.token)).await;
    assert_eq!(still.status, 200, "{}", still.body);
    let seen_by_b = app.get(&b_path, Some(&admin_b.token)).await;
    assert_eq!(seen_by_b.status, 200, "{}", seen_by_b.body);
    assert_eq!(seen_by_b.body["username"], "bob-user");
    // And pool a's (remaining) user is not in pool b's directory.
    let not_for_b = format!("/users/{}", admin_a.sub);
    let unknown_to_b = app.get(&not_for_b, Some(&admin_b.token)).await;
    assert_eq!(unknown_to_b.status, 404, "{}", unknown_to_b.body);
    assert!(pool_a.has(&moto, &admin_a.sub).await);
}

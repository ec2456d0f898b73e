//! The admin routes against a real Cognito emulator (moto in server mode):
//! a pool, a client, an admin group and users made through its API, real
//! tokens from InitiateAuth, and the server's Cognito directory pointed at it.

use std::process::{Command, Stdio};
use std::time::SystemTime;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cognito_guard::users::idp::{sigv4_headers, AwsCredentials};
use cognito_guard::{Application, Settings};
use serde_json::{json, Value};

use crate::common::helpers::{serve, JwksMode, JwksServer, TestApp};
use crate::listening::{spawn_listening, Listening};
use crate::programs::require_python_module;

pub(crate) const PASSWORD: &str = "Emulat0r!Passw0rd";

/// A moto server on a loopback port it owns, stopped when dropped.
pub(crate) struct Moto {
    /// Killed (with its process group) on drop.
    listening: Listening,
    port: u16,
}

fn credentials() -> AwsCredentials {
    AwsCredentials {
        access_key_id: "AKIDTESTEMULATOR".to_owned(),
        secret_access_key: "emulator-secret".to_owned(),
        session_token: None,
    }
}

impl Moto {
    /// Starts moto; a missing moto fails the test at once, saying how to
    /// install it (rather than as a child that exits on every port).
    pub(crate) fn start() -> Moto {
        require_python_module("moto.server");
        let listening = spawn_listening("moto", |port| {
            let mut command = Command::new("python3");
            command
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            command
        });
        Moto {
            port: listening.port(),
            listening,
        }
    }

    /// Kills moto (an emulator that went down).
    fn stop(&mut self) {
        self.listening.stop();
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// A new user pool named `name`, with an app client `client_name` that
    /// signs in by password and a group `admin_group`: its id and the
    /// client's.
    pub(crate) async fn create_pool(
        &self,
        name: &str,
        client_name: &str,
        admin_group: &str,
    ) -> (String, String) {
        let pool_id = self.call("CreateUserPool", json!({"PoolName": name})).await["UserPool"]
            ["Id"]
            .as_str()
            .expect("pool id")
            .to_owned();
        let client_id = self
            .call(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": pool_id,
                    "ClientName": client_name,
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                }),
            )
            .await["UserPoolClient"]["ClientId"]
            .as_str()
            .expect("client id")
            .to_owned();
        self.call(
            "CreateGroup",
            json!({"UserPoolId": pool_id, "GroupName": admin_group}),
        )
        .await;
        (pool_id, client_id)
    }

    /// Whether moto's pool `pool_id` holds a user with this `sub`.
    pub(crate) async fn pool_has_user(&self, pool_id: &str, sub: &str) -> bool {
        let listed = self
            .call(
                "ListUsers",
                json!({"UserPoolId": pool_id, "Filter": format!("sub = \"{sub}\"")}),
            )
            .await;
        listed["Users"]
            .as_array()
            .is_some_and(|users| !users.is_empty())
    }

    /// One Identity Provider API call that must succeed.
    pub(crate) async fn call(&self, action: &str, body: Value) -> Value {
        let (status, answer) = self.call_status(action, body).await;
        assert!((200..300).contains(&status), "{action}: {status} {answer}");
        answer
    }

    /// One Identity Provider API call, signed like the server signs them:
    /// its status and JSON answer.
    pub(crate) async fn call_status(&self, action: &str, body: Value) -> (u16, Value) {
        let body = body.to_string();
        let target = format!("AWSCognitoIdentityProviderService.{action}");
        let host = format!("127.0.0.1:{}", self.port);
        let content_type = "application/x-amz-json-1.1";
        let signed = sigv4_headers(
            &credentials(),
            "us-east-1",
            "cognito-idp",
            "POST",
            &self.endpoint(),
            &[
                ("host", &host),
                ("content-type", content_type),
                ("x-amz-target", &target),
            ],
            body.as_bytes(),
            SystemTime::now(),
        )
        .expect("signs");
        let mut request = crate::common::helpers::patient_client()
            .post(self.endpoint())
            .insert_header(("content-type", content_type))
            .insert_header(("x-amz-target", target.as_str()));
        for (name, value) in &signed {
            request = request.insert_header((name.as_str(), value.as_str()));
        }
        let mut response = request.send_body(body).await.expect("moto answers");
        let bytes = response.body().await.expect("body");
        let answer = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (response.status().as_u16(), answer)
    }
}

/// The string claim `name` of `token`'s payload (read, not verified).
pub(crate) fn claim(token: &str, name: &str) -> String {
    let payload = token.split('.').nth(1).expect("payload");
    let json: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json");
    json[name].as_str().expect("string claim").to_owned()
}

/// A user of the emulated pool with a real ID token.
struct PoolUser {
    sub: String,
    token: String,
}

/// The emulated pool, its users, and the server pointed at it.
struct Emulated {
    moto: Moto,
    pool_id: String,
    client_id: String,
    app: TestApp,
    admin: PoolUser,
    member: PoolUser,
    victim: PoolUser,
}

impl Emulated {
    async fn start() -> Emulated {
        let moto = Moto::start();
        let (pool_id, client_id) = moto.create_pool("guard-tests", "guard", "admin").await;

        let mut users = Vec::new();
        for (name, admin) in [
            ("ada-admin", true),
            ("max-member", false),
            ("vic-victim", false),
        ] {
            moto.call(
                "AdminCreateUser",
                json!({
                    "UserPoolId": pool_id,
                    "Username": name,
                    "UserAttributes": [{"Name": "email", "Value": format!("{name}@example.com")}],
                    "MessageAction": "SUPPRESS",
                }),
            )
            .await;
            moto.call(
                "AdminSetUserPassword",
                json!({"UserPoolId": pool_id, "Username": name, "Password": PASSWORD, "Permanent": true}),
            )
            .await;
            if admin {
                moto.call(
                    "AdminAddUserToGroup",
                    json!({"UserPoolId": pool_id, "Username": name, "GroupName": "admin"}),
                )
                .await;
            }
            let auth = moto
                .call(
                    "InitiateAuth",
                    json!({
                        "ClientId": client_id,
                        "AuthFlow": "USER_PASSWORD_AUTH",
                        "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
                    }),
                )
                .await;
            let token = auth["AuthenticationResult"]["IdToken"]
                .as_str()
                .expect("id token")
                .to_owned();
            users.push(PoolUser {
                sub: claim(&token, "sub"),
                token,
            });
        }

        let issuer = claim(&users[0].token, "iss");
        let jwks_url = format!("{}{pool_id}/.well-known/jwks.json", moto.endpoint());
        let endpoint = moto.endpoint();
        let settings = Settings::from_vars([
            ("AWS_REGION", "us-east-1"),
            ("COGNITO_USER_POOL_ID", pool_id.as_str()),
            ("COGNITO_CLIENT_ID", client_id.as_str()),
            ("COGNITO_ISSUER", issuer.as_str()),
            ("COGNITO_JWKS_URL", jwks_url.as_str()),
            ("COGNITO_IDP_ENDPOINT", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "AKIDTESTEMULATOR"),
            ("AWS_SECRET_ACCESS_KEY", "emulator-secret"),
            ("HOST", "127.0.0.1"),
            ("PORT", "0"),
        ])
        .expect("settings for the emulator");
        let app = Application::build(settings).await.expect("server starts");
        let app = serve(app, JwksServer::start(vec![], JwksMode::Serve));
        let mut users = users.into_iter();
        let (Some(admin), Some(member), Some(victim)) = (users.next(), users.next(), users.next())
        else {
            panic!("three users")
        };
        Emulated {
            moto,
            pool_id,
            client_id,
            app,
            admin,
            member,
            victim,
        }
    }

    async fn pool_has(&self, sub: &str) -> bool {
        self.moto.pool_has_user(&self.pool_id, sub).await
    }
}

#[actix_rt::test]
async fn emulator_tokens_are_accepted() {
    let pool = Emulated::start().await;
    let response = pool.app.get("/users/me", Some(&pool.member.token)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["sub"], pool.member.sub.as_str());
    assert_eq!(response.body["username"], "max-member");
}

#[actix_rt::test]
async fn an_admin_deletes_a_user_from_the_pool_and_their_token_stops_working() {
    let pool = Emulated::start().await;
    let victim = &pool.victim;
    assert_eq!(
        pool.app
            .get("/messages/private", Some(&victim.token))
            .await
            .status,
        200
    );
    assert!(pool.pool_has(&victim.sub).await);

    let path = format!("/users/{}", victim.sub);
    let deleted = pool
        .app
        .request("DELETE", &path, Some(&pool.admin.token))
        .await;

    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(!pool.pool_has(&victim.sub).await, "gone from the pool");
    let locked_out = pool.app.get("/messages/private", Some(&victim.token)).await;
    assert_eq!(locked_out.status, 401);
    assert!(
        locked_out.detail().contains("deleted"),
        "{}",
        locked_out.detail()
    );
    assert_eq!(
        pool.app
            .request("DELETE", &path, Some(&pool.admin.token))
            .await
            .status,
        404
    );
}

#[actix_rt::test]
async fn an_admin_sees_a_user_before_deleting_it() {
    let pool = Emulated::start().await;
    let path = format!("/users/{}", pool.admin.sub);
    let response = pool.app.get(&path, Some(&pool.admin.token)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.body["username"], "ada-admin");
    assert_eq!(response.body["email"], "ada-admin@example.com");
    assert_eq!(response.body["enabled"], true);
    assert_eq!(response.body["status"], "CONFIRMED");
    assert_eq!(response.body["groups"], json!(["admin"]));
}

#[actix_rt::test]
async fn unknown_ids_are_404_and_non_admins_are_403() {
    let pool = Emulated::start().await;
    let unknown = "00000000-0000-4000-8000-000000000000";
    let response = pool
        .app
        .request(
            "DELETE",
            &format!("/users/{unknown}"),
            Some(&pool.admin.token),
        )
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(
        pool.app
            .get(&format!("/users/{unknown}"), Some(&pool.admin.token))
            .await
            .status,
        404
    );

    let path = format!("/users/{}", pool.victim.sub);
    assert_eq!(
        pool.app
            .request("DELETE", &path, Some(&pool.member.token))
            .await
            .status,
        403
    );
    assert!(
        pool.pool_has(&pool.victim.sub).await,
        "the victim is untouched"
    );
}

#[actix_rt::test]
async fn ids_with_a_quote_or_a_backslash_are_404_never_5xx() {
    // A quote or a backslash would end or escape the string of the
    // ListUsers filter; such ids never reach Cognito as a filter.
    let pool = Emulated::start().await;
    let victim = &pool.victim;
    let ids = [
        "a%22b".to_owned(),
        "x%5Cy".to_owned(),
        "%22".to_owned(),
        "%5C".to_owned(),
        "%5C%22".to_owned(),
        format!("{}%22", victim.sub),
        format!("%22%20or%20sub%20%5E%3D%20%22{}", &victim.sub[..4]),
    ];
    for id in &ids {
        let path = format!("/users/{id}");
        let shown = pool.app.get(&path, Some(&pool.admin.token)).await;
        assert_eq!(shown.status, 404, "GET {id}: {}", shown.body);
        let deleted = pool
            .app
            .request("DELETE", &path, Some(&pool.admin.token))
            .await;
        assert_eq!(deleted.status, 404, "DELETE {id}: {}", deleted.body);
    }
    assert!(pool.pool_has(&victim.sub).await, "the victim is untouched");
    assert_eq!(
        pool.app
            .get("/messages/private", Some(&victim.token))
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn an_admin_cannot_delete_themselves_by_accident() {
    let pool = Emulated::start().await;
    let path = format!("/users/{}", pool.admin.sub);
    let refused = pool
        .app
        .request("DELETE", &path, Some(&pool.admin.token))
        .await;
    assert_eq!(refused.status, 409);
    assert!(pool.pool_has(&pool.admin.sub).await);

    let confirmed = pool
        .app
        .request(
            "DELETE",
            &format!("{path}?self=true"),
            Some(&pool.admin.token),
        )
        .await;
    assert_eq!(confirmed.status, 204);
    assert!(!pool.pool_has(&pool.admin.sub).await);
}

#[actix_rt::test]
async fn emulator_down_is_503_with_retry_after() {
    let mut pool = Emulated::start().await;
    // Warm the key cache while the emulator is up.
    assert_eq!(
        pool.app
            .get("/messages/private", Some(&pool.admin.token))
            .await
            .status,
        200
    );
    pool.moto.stop();

    let path = format!("/users/{}", pool.victim.sub);
    let response = pool
        .app
        .request("DELETE", &path, Some(&pool.admin.token))
        .await;

    assert_eq!(response.status, 503, "{}", response.body);
    assert!(response.header("retry-after").is_some());
    assert!(!response.detail().is_empty());
}

#[actix_rt::test]
async fn an_admin_signs_a_user_out_everywhere() {
    let pool = Emulated::start().await;
    let victim = &pool.victim;
    let refresh = pool
        .moto
        .call(
            "InitiateAuth",
            json!({
                "ClientId": pool.client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "vic-victim", "PASSWORD": PASSWORD},
            }),
        )
        .await["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let path = format!("/users/{}/sign-out", victim.sub);

    let member = pool
        .app
        .request("POST", &path, Some(&pool.member.token))
        .await;
    assert_eq!(member.status, 403, "{}", member.body);
    let signed_out = pool
        .app
        .request("POST", &path, Some(&pool.admin.token))
        .await;
    assert_eq!(signed_out.status, 204, "{}", signed_out.body);

    let refused = pool.app.get("/messages/private", Some(&victim.token)).await;
    assert_eq!(refused.status, 401);
    assert!(refused.detail().contains("signed out"), "{}", refused.body);
    // Cognito itself no longer refreshes the user's session.
    let (status, body) = pool
        .moto
        .call_status(
            "InitiateAuth",
            json!({
                "ClientId": pool.client_id,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": refresh},
            }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(pool.pool_has(&victim.sub).await, "signed out, not deleted");
    let unknown = "/users/00000000-0000-4000-8000-000000000000/sign-out";
    let missing = pool
        .app
        .request("POST", unknown, Some(&pool.admin.token))
        .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
}

//! Client of Cognito's Identity Provider API (HTTPS, AWS JSON 1.1, signed
//! with SigV4): the calls the admin user routes make. Answers are reduced to
//! the users boundary's own outcomes: a user or none, deleted or not found,
//! or a [`DirectoryError`].

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::users::directory::{DirectoryError, Outcome};
use crate::users::idp::endpoint::IdpEndpoint;
use crate::users::idp::sigv4::{sigv4_headers, AwsCredentials};

/// A whole Cognito API call may take this long; past it, treat Cognito as
/// unavailable rather than hold the admin's request open.
pub const IDP_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest Cognito response read; ours are a few KiB.
const MAX_IDP_RESPONSE_BYTES: usize = 256 * 1024;
/// The AWS JSON 1.1 protocol of the Identity Provider API.
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A user as the admin routes show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpUser {
    /// The `sub` attribute Cognito returned, which need not be spelled
    /// like the filter that found the user.
    pub sub: String,
    pub username: String,
    pub email: Option<String>,
    pub enabled: bool,
    pub status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersResponse {
    #[serde(default)]
    users: Vec<UserType>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UserType {
    username: String,
    #[serde(default)]
    attributes: Vec<AttributeType>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    #[serde(default)]
    user_status: String,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeType {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListGroupsResponse {
    #[serde(default)]
    groups: Vec<GroupType>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupType {
    group_name: String,
}

/// Client of one user pool's Cognito Identity Provider API.
pub struct CognitoIdpClient {
    endpoint: IdpEndpoint,
    region: String,
    user_pool_id: String,
    credentials: AwsCredentials,
}

impl CognitoIdpClient {
    /// A client for `user_pool_id` at `endpoint`.
    pub fn new(
        endpoint: IdpEndpoint,
        region: &str,
        user_pool_id: &str,
        credentials: AwsCredentials,
    ) -> Self {
        CognitoIdpClient {
            endpoint,
            region: region.to_owned(),
            user_pool_id: user_pool_id.to_owned(),
            credentials,
        }
    }

    /// Every header of a call, `host` included, signed at `time`. The
    /// request sends exactly these to exactly the URI they were signed for,
    /// so the HTTP client's own idea of `Host` never comes into it.
    fn headers(
        &self,
        target: &str,
        body: &[u8],
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, String> {
        let unsigned = [
            ("host", self.endpoint.host()),
            ("content-type", CONTENT_TYPE),
            ("x-amz-target", target),
        ];
        let signed = sigv4_headers(
            &self.credentials,
            &self.region,
            "cognito-idp",
            "POST",
            &self.endpoint.uri().to_string(),
            &unsigned,
            body,
            time,
        )?;
        Ok(unsigned
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .chain(signed)
            .collect())
    }

    /// One call: its JSON answer, `None` when Cognito says the user does
    /// not exist, or why there is no answer.
    async fn call(&self, action: &str, body: Value) -> Result<Option<Value>, DirectoryError> {
        let body = body.to_string();
        let target = format!("AWSCognitoIdentityProviderService.{action}");
        let headers = self
            .headers(&target, body.as_bytes(), SystemTime::now())
            .map_err(|e| DirectoryError::Refused(format!("request could not be signed: {e}")))?;

        let exchange = async {
            let client = awc::Client::builder()
                .timeout(IDP_TIMEOUT)
                .disable_redirects()
                .finish();
            let mut request = client.post(self.endpoint.uri().clone());
            for (name, value) in &headers {
                request = request.insert_header((name.as_str(), value.as_str()));
            }
            let mut response = request
                .send_body(body)
                .await
                .map_err(|e| DirectoryError::Unavailable(e.to_string()))?;
            let status = response.status();
            let bytes = response
                .body()
                .limit(MAX_IDP_RESPONSE_BYTES)
                .await
                .map_err(|e| DirectoryError::Unavailable(e.to_string()))?;
            Ok::<_, DirectoryError>((status, bytes))
        };
        let (status, bytes) = actix_rt::time::timeout(IDP_TIMEOUT, exchange)
            .await
            .map_err(|_| DirectoryError::Unavailable("timed out".to_owned()))??;

        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| DirectoryError::Unavailable("response is not JSON".to_owned()));
        }
        let kind = error_type(&bytes);
        if status.is_server_error() || is_throttling(&kind) {
            return Err(DirectoryError::Unavailable(format!(
                "{action}: HTTP {} {kind}",
                status.as_u16()
            )));
        }
        if kind == "UserNotFoundException" {
            return Ok(None);
        }
        Err(DirectoryError::Refused(format!("{action}: {kind}")))
    }

    /// The one user a `sub = "<sub>"` filter finds, if any, with the sub
    /// Cognito returned.
    pub async fn find_by_sub(&self, sub: &str) -> Result<Option<IdpUser>, DirectoryError> {
        // The filter is a quoted string: callers pass only validated ids,
        // and quotes or backslashes are refused here too.
        if sub.contains(['"', '\\']) {
            return Ok(None);
        }
        let Some(response) = self
            .call(
                "ListUsers",
                json!({
                    "UserPoolId": self.user_pool_id,
                    "Filter": format!("sub = \"{sub}\""),
                    "Limit": 2,
                }),
            )
            .await?
        else {
            return Ok(None);
        };
        let list: ListUsersResponse = serde_json::from_value(response)
            .map_err(|_| DirectoryError::Unavailable("unexpected ListUsers answer".to_owned()))?;
        let mut users = list.users.into_iter();
        let (Some(user), None) = (users.next(), users.next()) else {
            return Ok(None);
        };
        let attribute = |name: &str| {
            user.attributes
                .iter()
                .find(|a| a.name == name)
                .and_then(|a| a.value.clone())
        };
        // Every Cognito user has a sub; without one there is nothing to
        // lock out, so nothing may be deleted either.
        let sub = attribute("sub")
            .filter(|sub| !sub.is_empty())
            .ok_or_else(|| {
                DirectoryError::Unavailable("ListUsers answer without a sub".to_owned())
            })?;
        let email = attribute("email");
        Ok(Some(IdpUser {
            sub,
            username: user.username,
            email,
            enabled: user.enabled,
            status: user.user_status,
        }))
    }

    /// Deletes the user named `username`.
    pub async fn delete_user(&self, username: &str) -> Result<Outcome, DirectoryError> {
        self.act_on_user("AdminDeleteUser", username).await
    }

    /// Signs `username` out of every device: Cognito revokes their refresh
    /// tokens (already issued ID and access tokens stay valid until they
    /// expire, which is what the revocation list is for).
    pub async fn global_sign_out(&self, username: &str) -> Result<Outcome, DirectoryError> {
        self.act_on_user("AdminUserGlobalSignOut", username).await
    }

    /// An admin action on one user whose answer is empty on success.
    async fn act_on_user(&self, action: &str, username: &str) -> Result<Outcome, DirectoryError> {
        let answer = self
            .call(
                action,
                json!({ "UserPoolId": self.user_pool_id, "Username": username }),
            )
            .await?;
        Ok(match answer {
            Some(_) => Outcome::Done,
            None => Outcome::NotFound,
        })
    }

    /// The groups `username` belongs to; `None` when there is no such user.
    pub async fn groups_of(&self, username: &str) -> Result<Option<Vec<String>>, DirectoryError> {
        let Some(response) = self
            .call(
                "AdminListGroupsForUser",
                json!({ "UserPoolId": self.user_pool_id, "Username": username, "Limit": 60 }),
            )
            .await?
        else {
            return Ok(None);
        };
        let list: ListGroupsResponse = serde_json::from_value(response).map_err(|_| {
            DirectoryError::Unavailable("unexpected AdminListGroupsForUser answer".to_owned())
        })?;
        Ok(Some(
            list.groups.into_iter().map(|g| g.group_name).collect(),
        ))
    }
}

/// The error type of an AWS JSON error body (`__type`, maybe prefixed with
/// a namespace and `#`), or `unknown`.
fn error_type(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(rename = "__type")]
        kind: Option<String>,
    }
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.kind)
        .map(|k| k.rsplit('#').next().unwrap_or_default().to_owned())
        .filter(|k| !k.is_empty() && k.len() < 100 && k.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn is_throttling(kind: &str) -> bool {
    matches!(
        kind,
        "TooManyRequestsException" | "LimitExceededException" | "ThrottlingException"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// awc writes `Host` without a default port (`:80`, `:443`); the
    /// signed host must be the one sent.
    #[test]
    fn the_signed_host_is_the_host_sent() {
        let credentials = AwsCredentials {
            access_key_id: "AKID".to_owned(),
            secret_access_key: "secret".to_owned(),
            session_token: None,
        };
        for (endpoint, host) in [
            (
                "https://cognito-idp.eu-west-1.amazonaws.com:443/",
                "cognito-idp.eu-west-1.amazonaws.com",
            ),
            ("http://127.0.0.1:80/", "127.0.0.1"),
            ("http://127.0.0.1:8080/", "127.0.0.1:8080"),
        ] {
            let parsed = IdpEndpoint::parse(endpoint).expect(endpoint);
            let client = CognitoIdpClient::new(parsed, "eu-west-1", "pool", credentials.clone());
            let headers = client
                .headers(
                    "AWSCognitoIdentityProviderService.ListUsers",
                    b"{}",
                    SystemTime::now(),
                )
                .expect("signs");
            let sent: Vec<&str> = headers
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("host"))
                .map(|(_, value)| value.as_str())
                .collect();
            assert_eq!(sent, [host], "{endpoint}");
            assert!(
                headers.iter().any(|(name, value)| name == "authorization"
                    && value.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target")),
                "{endpoint}: {headers:?}"
            );
        }
    }

    #[test]
    fn error_types_are_reduced_to_a_safe_name() {
        assert_eq!(
            error_type(br#"{"__type":"UserNotFoundException","message":"x"}"#),
            "UserNotFoundException"
        );
        assert_eq!(
            error_type(br#"{"__type":"com.amazonaws#TooManyRequestsException"}"#),
            "TooManyRequestsException"
        );
        assert_eq!(error_type(b"<html>"), "unknown");
        assert_eq!(error_type(br#"{"__type":"a b\"c"}"#), "unknown");
    }
}

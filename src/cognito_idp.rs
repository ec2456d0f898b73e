//! A minimal client of the Cognito Identity Provider API (AWS JSON 1.1 over
//! HTTPS, signed with SigV4 by the `aws-sigv4` crate): the three calls the
//! admin routes need, with errors sorted by what the caller should do.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use serde::Deserialize;
use serde_json::{json, Value};
use thiserror::Error;

use crate::idp_endpoint::IdpEndpoint;

/// A whole Cognito API call may take this long; past it, treat Cognito as
/// unavailable rather than hold the admin's request open.
pub const IDP_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest Cognito response read; ours are a few KiB.
const MAX_IDP_RESPONSE_BYTES: usize = 256 * 1024;
/// The AWS JSON 1.1 protocol of the Identity Provider API.
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// AWS credentials from the standard variables. `Debug` never shows secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Why a Cognito call did not give an answer.
#[derive(Debug, Error)]
pub enum IdpError {
    /// Unreachable, timed out, throttled or failing on its side: retry later.
    #[error("Cognito is unavailable: {0}")]
    Unavailable(String),
    /// Cognito refused the request (its error type, never its raw body).
    #[error("Cognito refused the request: {0}")]
    Refused(String),
    /// The named user does not exist.
    #[error("no such user in the pool")]
    UserNotFound,
}

/// Signs a request with SigV4 and returns the headers to add to it.
/// `headers` must include every header to be signed (at least `host`).
#[allow(clippy::too_many_arguments)]
pub fn sigv4_headers(
    credentials: &AwsCredentials,
    region: &str,
    service: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: SystemTime,
) -> Result<Vec<(String, String)>, String> {
    let identity = Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        None,
        "environment",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}

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

    async fn call(&self, action: &str, body: Value) -> Result<Value, IdpError> {
        let body = body.to_string();
        let target = format!("AWSCognitoIdentityProviderService.{action}");
        let headers = self
            .headers(&target, body.as_bytes(), SystemTime::now())
            .map_err(|e| IdpError::Refused(format!("request could not be signed: {e}")))?;

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
                .map_err(|e| IdpError::Unavailable(e.to_string()))?;
            let status = response.status();
            let bytes = response
                .body()
                .limit(MAX_IDP_RESPONSE_BYTES)
                .await
                .map_err(|e| IdpError::Unavailable(e.to_string()))?;
            Ok::<_, IdpError>((status, bytes))
        };
        let (status, bytes) = actix_rt::time::timeout(IDP_TIMEOUT, exchange)
            .await
            .map_err(|_| IdpError::Unavailable("timed out".to_owned()))??;

        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|_| IdpError::Unavailable("response is not JSON".to_owned()));
        }
        let kind = error_type(&bytes);
        if status.is_server_error() || is_throttling(&kind) {
            return Err(IdpError::Unavailable(format!(
                "{action}: HTTP {} {kind}",
                status.as_u16()
            )));
        }
        if kind == "UserNotFoundException" {
            return Err(IdpError::UserNotFound);
        }
        Err(IdpError::Refused(format!("{action}: {kind}")))
    }

    /// The one user a `sub = "<sub>"` filter finds, if any, with the sub
    /// Cognito returned.
    pub async fn find_by_sub(&self, sub: &str) -> Result<Option<IdpUser>, IdpError> {
        // The filter is a quoted string: callers pass only validated ids,
        // and quotes or backslashes are refused here too.
        if sub.contains(['"', '\\']) {
            return Ok(None);
        }
        let response = self
            .call(
                "ListUsers",
                json!({
                    "UserPoolId": self.user_pool_id,
                    "Filter": format!("sub = \"{sub}\""),
                    "Limit": 2,
                }),
            )
            .await?;
        let list: ListUsersResponse = serde_json::from_value(response)
            .map_err(|_| IdpError::Unavailable("unexpected ListUsers answer".to_owned()))?;
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
            .ok_or_else(|| IdpError::Unavailable("ListUsers answer without a sub".to_owned()))?;
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
    pub async fn delete_user(&self, username: &str) -> Result<(), IdpError> {
        self.call(
            "AdminDeleteUser",
            json!({ "UserPoolId": self.user_pool_id, "Username": username }),
        )
        .await
        .map(|_| ())
    }

    /// The groups `username` belongs to.
    pub async fn groups_of(&self, username: &str) -> Result<Vec<String>, IdpError> {
        let response = self
            .call(
                "AdminListGroupsForUser",
                json!({ "UserPoolId": self.user_pool_id, "Username": username, "Limit": 60 }),
            )
            .await?;
        let list: ListGroupsResponse = serde_json::from_value(response).map_err(|_| {
            IdpError::Unavailable("unexpected AdminListGroupsForUser answer".to_owned())
        })?;
        Ok(list.groups.into_iter().map(|g| g.group_name).collect())
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
    use std::time::UNIX_EPOCH;

    /// The worked example of AWS's "Signature Version 4 signing process"
    /// documentation: IAM ListUsers, 2011-09-09T23:36:00Z, AKIDEXAMPLE.
    #[test]
    fn sigv4_matches_the_aws_documentation_example() {
        let credentials = AwsCredentials {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
            session_token: None,
        };
        let time = UNIX_EPOCH + Duration::from_secs(1_315_611_360);
        let headers = sigv4_headers(
            &credentials,
            "us-east-1",
            "iam",
            "POST",
            "http://iam.amazonaws.com/",
            &[
                ("host", "iam.amazonaws.com"),
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
            ],
            b"Action=ListUsers&Version=2010-05-08",
            time,
        )
        .expect("signs");
        let authorization = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value.as_str())
            .expect("authorization header");
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c"
        );
        assert!(headers
            .iter()
            .any(|(n, v)| n == "x-amz-date" && v == "20110909T233600Z"));
    }

    #[test]
    fn a_session_token_is_sent_and_secrets_are_never_debug_printed() {
        let credentials = AwsCredentials {
            access_key_id: "AKID".to_owned(),
            secret_access_key: "very-secret".to_owned(),
            session_token: Some("session-secret".to_owned()),
        };
        let headers = sigv4_headers(
            &credentials,
            "eu-west-1",
            "cognito-idp",
            "POST",
            "https://cognito-idp.eu-west-1.amazonaws.com/",
            &[("host", "cognito-idp.eu-west-1.amazonaws.com")],
            b"{}",
            SystemTime::now(),
        )
        .expect("signs");
        assert!(headers
            .iter()
            .any(|(n, v)| n == "x-amz-security-token" && v == "session-secret"));
        let shown = format!("{credentials:?}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("session-secret"),
            "{shown}"
        );
    }

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

//! AWS Signature Version 4 for the Identity Provider calls, by the
//! `aws-sigv4` crate, and the credentials it signs with.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

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
}

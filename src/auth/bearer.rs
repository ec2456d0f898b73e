//! The credentials of a request: the one `Authorization: Bearer` token, or
//! why there is none usable (RFC 6750 §2.1, RFC 7235).

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::auth::errors::{AuthError, TokenRejection};

/// The bearer token of a request.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, AuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let Some(value) = values.next() else {
        return Err(AuthError::MissingCredentials);
    };
    // Two credentials are ambiguous; picking one would be guessing.
    if values.next().is_some() {
        return Err(TokenRejection::MultipleAuthorizationHeaders.into());
    }
    let bytes = value.as_bytes();
    let Some(space) = bytes.iter().position(|b| *b == b' ') else {
        return Err(if bytes.eq_ignore_ascii_case(b"bearer") {
            TokenRejection::Malformed.into()
        } else {
            AuthError::MissingCredentials
        });
    };
    // RFC 7235: the scheme name is case-insensitive.
    if !bytes[..space].eq_ignore_ascii_case(b"bearer") {
        return Err(AuthError::MissingCredentials);
    }
    let token = std::str::from_utf8(&bytes[space..])
        .map_err(|_| TokenRejection::Malformed)?
        .trim_start_matches(' ');
    if token.is_empty() {
        return Err(TokenRejection::Malformed.into());
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn token_of(headers: &[&str]) -> Result<String, AuthError> {
        let mut req = TestRequest::default();
        for h in headers {
            req = req.append_header((header::AUTHORIZATION, *h));
        }
        bearer_token(&req.to_http_request()).map(str::to_owned)
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for h in ["Bearer a.b.c", "bearer a.b.c", "BEARER  a.b.c"] {
            assert_eq!(token_of(&[h]).ok().as_deref(), Some("a.b.c"), "{h}");
        }
    }

    #[test]
    fn other_schemes_and_absence_are_missing_credentials() {
        for h in [
            &[][..],
            &["Basic dXNlcjpwYXNz"][..],
            &["Token a.b.c"][..],
            &["Bearera.b.c"][..],
        ] {
            assert!(
                matches!(token_of(h), Err(AuthError::MissingCredentials)),
                "{h:?}"
            );
        }
    }

    #[test]
    fn empty_or_repeated_bearer_credentials_are_invalid() {
        for h in [
            &["Bearer"][..],
            &["Bearer "][..],
            &["Bearer a.b.c", "Bearer d.e.f"][..],
        ] {
            assert!(
                matches!(token_of(h), Err(AuthError::InvalidToken(_))),
                "{h:?}"
            );
        }
    }
}

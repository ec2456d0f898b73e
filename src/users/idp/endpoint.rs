//! Where the Cognito Identity Provider API is, parsed once: the URI every
//! call goes to and the `Host` value that is both signed and sent, so the
//! request SigV4 signs is the request that goes out.

use std::fmt;

use awc::http::uri::{Scheme, Uri};
use thiserror::Error;

/// An `http(s)://host[:port][/path]` endpoint, normalised for signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpEndpoint {
    uri: Uri,
    host: String,
}

/// Why `COGNITO_IDP_ENDPOINT` cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("COGNITO_IDP_ENDPOINT is invalid: {0} (expected http(s)://host[:port][/path])")]
pub struct InvalidEndpoint(&'static str);

impl InvalidEndpoint {
    /// What is wrong with the endpoint, and the form expected.
    pub fn reason(&self) -> String {
        format!("{} (expected http(s)://host[:port][/path])", self.0)
    }
}

impl IdpEndpoint {
    /// Parses `endpoint`, dropping a port that is the scheme's default.
    ///
    /// The default port goes because HTTP clients leave it out of `Host`
    /// (awc writes no `:80` or `:443`), and over HTTP/2 the URI's authority
    /// is sent as is: with the port gone from the URI, the `Host` header set
    /// on each request and the authority agree with what was signed.
    pub fn parse(endpoint: &str) -> Result<IdpEndpoint, InvalidEndpoint> {
        // Query and fragment would need their own canonical form in the
        // signature; Cognito's API has neither.
        if endpoint.contains(['?', '#']) {
            return Err(InvalidEndpoint("no query or fragment allowed"));
        }
        let uri: Uri = endpoint.parse().map_err(|_| InvalidEndpoint("not a URL"))?;
        let scheme = uri.scheme().ok_or(InvalidEndpoint("not an absolute URL"))?;
        let default_port = if *scheme == Scheme::HTTPS {
            443
        } else if *scheme == Scheme::HTTP {
            80
        } else {
            return Err(InvalidEndpoint("the scheme must be http or https"));
        };
        let authority = uri.authority().ok_or(InvalidEndpoint("no host"))?;
        if authority.as_str().contains('@') {
            return Err(InvalidEndpoint("credentials do not belong in the URL"));
        }
        if authority.host().is_empty() {
            return Err(InvalidEndpoint("no host"));
        }
        let host = match authority.port_u16() {
            Some(port) if port != default_port => format!("{}:{port}", authority.host()),
            _ => authority.host().to_owned(),
        };
        let path = uri.path();
        if !is_plain_path(path) {
            return Err(InvalidEndpoint(
                "the path may only hold letters, digits and -._~ between single slashes",
            ));
        }
        let uri = Uri::builder()
            .scheme(scheme.clone())
            .authority(host.as_str())
            .path_and_query(path)
            .build()
            .map_err(|_| InvalidEndpoint("not a URL"))?;
        Ok(IdpEndpoint { uri, host })
    }

    /// The URI each call is sent to (and signed for).
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The `Host` header value: host, plus the port unless it is the
    /// scheme's default.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for IdpEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.uri.fmt(f)
    }
}

/// `/`, or `/`-separated segments of RFC 3986 unreserved characters with
/// an optional trailing `/`. SigV4 signers normalise and re-encode paths
/// (dot segments, `//`, percent escapes) and not all the same way; a path
/// none of them changes is signed as it is sent.
fn is_plain_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    rest.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_port_is_neither_signed_nor_sent() {
        for (endpoint, host, uri) in [
            (
                "https://cognito-idp.eu-west-1.amazonaws.com:443/",
                "cognito-idp.eu-west-1.amazonaws.com",
                "https://cognito-idp.eu-west-1.amazonaws.com/",
            ),
            (
                "https://cognito-idp.eu-west-1.amazonaws.com/",
                "cognito-idp.eu-west-1.amazonaws.com",
                "https://cognito-idp.eu-west-1.amazonaws.com/",
            ),
            ("http://127.0.0.1:80/", "127.0.0.1", "http://127.0.0.1/"),
            ("http://127.0.0.1:80", "127.0.0.1", "http://127.0.0.1/"),
        ] {
            let parsed = IdpEndpoint::parse(endpoint).expect(endpoint);
            assert_eq!(parsed.host(), host, "{endpoint}");
            assert_eq!(parsed.uri().to_string(), uri, "{endpoint}");
        }
    }

    #[test]
    fn any_other_port_is_kept() {
        for (endpoint, host, uri) in [
            (
                "http://127.0.0.1:8080",
                "127.0.0.1:8080",
                "http://127.0.0.1:8080/",
            ),
            // Not the default of its scheme, so part of the host.
            (
                "https://idp.test:80/",
                "idp.test:80",
                "https://idp.test:80/",
            ),
            (
                "http://idp.test:443/",
                "idp.test:443",
                "http://idp.test:443/",
            ),
            (
                "http://[::1]:9229/cognito/",
                "[::1]:9229",
                "http://[::1]:9229/cognito/",
            ),
        ] {
            let parsed = IdpEndpoint::parse(endpoint).expect(endpoint);
            assert_eq!(parsed.host(), host, "{endpoint}");
            assert_eq!(parsed.uri().to_string(), uri, "{endpoint}");
        }
    }

    #[test]
    fn endpoints_that_cannot_be_signed_as_sent_are_refused() {
        for endpoint in [
            "",
            "cognito-idp.eu-west-1.amazonaws.com",
            "/relative/",
            "ftp://idp.test/",
            "http://user:secret@idp.test/",
            "http://idp.test/?Action=ListUsers",
            "http://idp.test/#top",
            "http://idp.test//",
            "http://idp.test/a//b/",
            "http://idp.test/a/../",
            "http://idp.test/./",
            "http://idp.test/a%20b/",
            "http://idp.test/a b/",
        ] {
            let refused = IdpEndpoint::parse(endpoint);
            assert!(refused.is_err(), "{endpoint}: {refused:?}");
        }
        let message = IdpEndpoint::parse("ftp://idp.test/")
            .expect_err("refused")
            .to_string();
        assert!(
            message.starts_with("COGNITO_IDP_ENDPOINT is invalid: "),
            "{message}"
        );
    }
}

//! The browser group: which web origins may call the API from a page
//! (`CORS_ALLOWED_ORIGINS`), checked and normalised once at start.

use std::net::Ipv6Addr;

use super::env::RawEnv;
use super::error::{invalid, ConfigError};
use super::values::non_blank;
use super::AuthMode;
use crate::http::cors::{CorsSettings, DEV_DEFAULT_ORIGINS};

const VAR: &str = "CORS_ALLOWED_ORIGINS";

/// `CORS_ALLOWED_ORIGINS`, or dev mode's local origins.
pub(super) fn cors_settings(raw: &RawEnv, mode: AuthMode) -> Result<CorsSettings, ConfigError> {
    let allowed_origins = match (non_blank(raw.cors_allowed_origins.as_deref()), mode) {
        (Some(list), _) => parse_origins(&list)?,
        (None, AuthMode::Dev) => DEV_DEFAULT_ORIGINS.iter().map(|o| o.to_string()).collect(),
        (None, AuthMode::Cognito) => Vec::new(),
    };
    Ok(CorsSettings { allowed_origins })
}

/// A comma-separated list of origins; duplicates (after normalising) once.
fn parse_origins(list: &str) -> Result<Vec<String>, ConfigError> {
    let mut origins: Vec<String> = Vec::new();
    for entry in list.split(',').map(str::trim) {
        let origin = parse_origin(entry).map_err(|reason| invalid(VAR, reason))?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// One origin, as the browser will send it: the scheme and host lower-cased
/// (both are case-insensitive, and `Origin` is compared exactly), the
/// scheme's default port dropped (browsers omit it).
fn parse_origin(entry: &str) -> Result<String, String> {
    if entry.is_empty() {
        return Err("empty entry in the comma-separated list".to_owned());
    }
    if entry.contains('*') {
        return Err(format!(
            "`{entry}`: wildcards are not accepted; list each origin exactly, e.g. https://app.example.com"
        ));
    }
    let lower = entry.to_ascii_lowercase();
    let (scheme, authority, default_port) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https", rest, 443)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http", rest, 80)
    } else {
        return Err(format!(
            "`{entry}` is not an origin: expected http:// or https://, then a host and an optional port"
        ));
    };
    if authority.contains(['/', '?', '#']) {
        return Err(format!(
            "`{entry}` has a path, query or fragment; an origin is scheme://host[:port], without even a trailing /"
        ));
    }
    if authority.contains('@') {
        return Err(format!(
            "`{entry}` has user info; an origin is scheme://host[:port]"
        ));
    }
    let bad_host =
        || format!("`{entry}`: not a valid host name or IP address (IDNs in their xn-- form)");
    let (host, port) = split_host_port(authority).ok_or_else(bad_host)?;
    if !valid_host(host) {
        return Err(bad_host());
    }
    // An IP address spelt otherwise than browsers serialise it would match
    // no `Origin` they send: refused, naming the spelling that would.
    if let Some(canonical) = canonical_ip_host(host)? {
        if canonical != host {
            return Err(format!(
                "`{entry}`: browsers send this IP address as {canonical}; write that"
            ));
        }
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && !p.starts_with('0') => Some(n),
            _ => return Err(format!("`{entry}`: the port must be 1-65535")),
        },
    };
    Ok(match port {
        Some(n) if n != default_port => format!("{scheme}://{host}:{n}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        return match rest {
            "" => Some((host, None)),
            _ => Some((host, Some(rest.strip_prefix(':')?))),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((authority, None)),
    }
}

/// How a browser serialises `host` when it is an IP address (WHATWG URL
/// host parsing): IPv4 in dotted decimal, whatever the spelling (`127.1`,
/// `0x7f.0.0.1`, `2130706433`, `0177.0.0.1`); IPv6 in brackets, lower-case
/// hex, the longest run of two or more zero pieces compressed. `None` for
/// a host name; an error for a name the URL parser takes for an invalid
/// IPv4 address (its last label is numeric).
fn canonical_ip_host(host: &str) -> Result<Option<String>, String> {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return Ok(v6
            .parse::<Ipv6Addr>()
            .ok()
            .map(|ip| format!("[{}]", whatwg_ipv6(ip))));
    }
    let labels: Vec<&str> = host.split('.').collect();
    let last = labels.last().copied().unwrap_or("");
    let numeric = |label: &str| {
        !label.is_empty() && label.chars().all(|c| c.is_ascii_digit())
            || label
                .strip_prefix("0x")
                .is_some_and(|hex| hex.chars().all(|c| c.is_ascii_hexdigit()))
    };
    if !numeric(last) {
        return Ok(None);
    }
    let invalid = || format!("`{host}` is not a valid IPv4 address");
    if labels.len() > 4 {
        return Err(invalid());
    }
    let mut parts = Vec::with_capacity(labels.len());
    for label in &labels {
        let value = if let Some(hex) = label.strip_prefix("0x") {
            if hex.is_empty() {
                Some(0)
            } else {
                u64::from_str_radix(hex, 16).ok()
            }
        } else if label.len() > 1 && label.starts_with('0') {
            u64::from_str_radix(&label[1..], 8).ok()
        } else {
            label.parse::<u64>().ok()
        };
        parts.push(value.ok_or_else(invalid)?);
    }
    let (last, leading) = parts.split_last().ok_or_else(invalid)?;
    if leading.iter().any(|&part| part > 255) || *last >= 256u64.pow(5 - parts.len() as u32) {
        return Err(invalid());
    }
    let address = leading.iter().enumerate().fold(*last, |sum, (i, part)| {
        sum + part * 256u64.pow(3 - i as u32)
    });
    let [a, b, c, d] = u32::try_from(address).map_err(|_| invalid())?.to_be_bytes();
    Ok(Some(format!("{a}.{b}.{c}.{d}")))
}

/// An IPv6 address as the WHATWG URL serialiser writes it (which differs
/// from RFC 5952 for IPv4-mapped addresses: `::ffff:c000:280`).
fn whatwg_ipv6(ip: Ipv6Addr) -> String {
    let pieces = ip.segments();
    // The first longest run of two or more zero pieces.
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, piece) in pieces.iter().enumerate() {
        if *piece == 0 {
            run = if run.1 == 0 {
                (i, 1)
            } else {
                (run.0, run.1 + 1)
            };
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (0, 0);
        }
    }
    let hex = |range: &[u16]| {
        range
            .iter()
            .map(|p| format!("{p:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best.1 < 2 {
        return hex(&pieces);
    }
    format!(
        "{}::{}",
        hex(&pieces[..best.0]),
        hex(&pieces[best.0 + best.1..])
    )
}

/// A DNS name of letters, digits and `-` labels, an IPv4 address (which
/// such names include), or a bracketed IPv6 address.
fn valid_host(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{dev, invalid_var, with};
    use super::*;

    fn origins(value: &'static str) -> Vec<String> {
        with(&[(VAR, value)]).expect(value).cors.allowed_origins
    }

    #[test]
    fn unset_means_no_cross_origin_access() {
        assert!(with(&[]).expect("valid").cors.allowed_origins.is_empty());
        assert!(with(&[(VAR, "  ")])
            .expect("valid")
            .cors
            .allowed_origins
            .is_empty());
    }

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        assert_eq!(
            origins(" https://App.Example.com , http://127.0.0.1:5173,https://app.example.com:443"),
            vec!["https://app.example.com", "http://127.0.0.1:5173"]
        );
        assert_eq!(
            origins("http://localhost:80,http://[::1]:8080,https://[::1]"),
            vec!["http://localhost", "http://[::1]:8080", "https://[::1]"]
        );
        assert_eq!(
            origins("https://xn--bcher-kva.example:8443"),
            vec!["https://xn--bcher-kva.example:8443"]
        );
    }

    #[test]
    fn anything_but_an_exact_origin_is_refused_by_name() {
        for bad in [
            "*",
            "https://*.example.com",
            "null",
            "app.example.com",
            "ftp://app.example.com",
            "https://app.example.com/",
            "https://app.example.com/app",
            "https://app.example.com?x=1",
            "https://app.example.com#top",
            "https://user:pw@app.example.com",
            "https://",
            "https://:443",
            "https://app.example.com:",
            "https://app.example.com:0",
            "https://app.example.com:65536",
            "https://app.example.com:08080",
            "https://app..example.com",
            "https://-app.example.com",
            "https://app_1.example.com",
            "https://bücher.example",
            "http://[::1",
            "http://[nope]:80",
            "http://::1:80",
            "https://a.example.com,,https://b.example.com",
            "https://a.example.com,",
        ] {
            assert_eq!(invalid_var(with(&[(VAR, bad)])), Some(VAR), "{bad}");
        }
    }

    #[test]
    fn ip_hosts_are_accepted_only_as_browsers_send_them() {
        assert_eq!(
            origins(
                "http://127.0.0.1:3000,http://[::1]:8080,https://[2001:db8::1],http://10.0.0.255"
            ),
            vec![
                "http://127.0.0.1:3000",
                "http://[::1]:8080",
                "https://[2001:db8::1]",
                "http://10.0.0.255"
            ]
        );
        for (bad, canonical) in [
            ("http://127.1:3000", "127.0.0.1"),
            ("http://0x7f.0.0.1", "127.0.0.1"),
            ("http://2130706433", "127.0.0.1"),
            ("http://0177.0.0.1", "127.0.0.1"),
            ("http://127.000.000.001", "127.0.0.1"),
            ("http://[0:0:0:0:0:0:0:1]:8080", "[::1]"),
            ("http://[::0:1]", "[::1]"),
            ("http://[2001:db8:0:0:1:0:0:1]", "[2001:db8::1:0:0:1]"),
            ("http://[::ffff:127.0.0.1]", "[::ffff:7f00:1]"),
        ] {
            let refused = with(&[(VAR, bad)]);
            assert_eq!(invalid_var(refused), Some(VAR), "{bad}");
            let reason = parse_origin(bad).expect_err(bad);
            assert!(
                reason.contains(&format!("as {canonical};")),
                "{bad}: {reason}"
            );
        }
        for bad in [
            "http://256.0.0.1",
            "http://1.2.3.4.5",
            "http://1.2.3.09",
            "http://example.0x",
        ] {
            assert_eq!(invalid_var(with(&[(VAR, bad)])), Some(VAR), "{bad}");
        }
        // Case is normalised, as for names (the whole origin is).
        assert_eq!(
            origins("http://[2001:DB8::1]"),
            vec!["http://[2001:db8::1]"]
        );
        // Names that merely contain digits are names.
        assert_eq!(
            origins("https://app1.example.com"),
            vec!["https://app1.example.com"]
        );
    }

    #[test]
    fn dev_mode_allows_the_usual_local_front_ends_unless_told_otherwise() {
        let defaults = dev(&[]).expect("valid").cors.allowed_origins;
        assert_eq!(defaults, DEV_DEFAULT_ORIGINS);
        for origin in DEV_DEFAULT_ORIGINS {
            assert_eq!(parse_origin(origin).as_deref(), Ok(*origin), "normalised");
        }
        let own = dev(&[(VAR, "http://localhost:8081")]).expect("valid");
        assert_eq!(own.cors.allowed_origins, vec!["http://localhost:8081"]);
    }
}

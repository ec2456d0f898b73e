//! The server group: where the API listens (loopback only in dev mode) and
//! where `/metrics` is served.

use std::net::{IpAddr, Ipv6Addr};

use super::env::RawEnv;
use super::error::{invalid, ConfigError};
use super::values::{non_blank, number};
use super::AuthMode;
use crate::http::{ListenAddr, ServerSettings};

/// Default API host: loopback, so nothing is exposed until asked for.
const DEFAULT_HOST: &str = "127.0.0.1";
/// Default API port.
const DEFAULT_PORT: u16 = 6969;
/// The most `HTTP_WORKERS` accepted: far beyond any machine's cores, short
/// of a typo's thousands of threads.
const MAX_WORKERS: u64 = 1024;

/// `HOST`, `PORT`, `METRICS_ADDR`, `HTTP_WORKERS`.
pub(super) fn server_settings(raw: &RawEnv, mode: AuthMode) -> Result<ServerSettings, ConfigError> {
    let host = non_blank(raw.host.as_deref()).unwrap_or_else(|| DEFAULT_HOST.to_owned());
    if mode == AuthMode::Dev && !is_loopback(&host) {
        return Err(invalid(
                "HOST",
                format!("dev mode self-issues tokens, so it listens on loopback only (127.0.0.1, ::1, localhost), not `{host}`"),
            ));
    }
    let port = match non_blank(raw.port.as_deref()) {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| invalid("PORT", format!("expected a port number 0-65535, got `{p}`")))?,
    };
    let metrics = non_blank(raw.metrics_addr.as_deref())
        .map(|addr| listen_addr("METRICS_ADDR", &addr))
        .transpose()?;
    // The same rule for the metrics listener: dev mode exposes nothing.
    if let Some(addr) = metrics.as_ref().filter(|_| mode == AuthMode::Dev) {
        if !is_loopback(&addr.host) {
            return Err(invalid(
                "METRICS_ADDR",
                format!(
                    "dev mode listens on loopback only (127.0.0.1, ::1, localhost), not `{addr}`"
                ),
            ));
        }
    }
    let workers = non_blank(raw.http_workers.as_deref())
        .map(|w| number("HTTP_WORKERS", Some(&w), 1, 1..=MAX_WORKERS))
        .transpose()?
        // At most MAX_WORKERS: fits any usize.
        .map(|n| n as usize);
    Ok(ServerSettings {
        api: ListenAddr { host, port },
        metrics,
        workers,
    })
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host:port` or `[ipv6]:port`; names are resolved when binding.
fn listen_addr(var: &'static str, value: &str) -> Result<ListenAddr, ConfigError> {
    let error = || {
        invalid(
            var,
            format!("expected host:port, such as 127.0.0.1:9090 or [::1]:9090, got `{value}`"),
        )
    };
    let (host, port) = value.rsplit_once(':').ok_or_else(error)?;
    let port = port.parse::<u16>().map_err(|_| error())?;
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => {
            v6.parse::<Ipv6Addr>().map_err(|_| error())?;
            v6
        }
        None if !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') =>
        {
            host
        }
        None => return Err(error()),
    };
    Ok(ListenAddr {
        host: host.to_owned(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{dev, invalid_var, with};

    #[test]
    fn metrics_addr_is_a_host_and_port() {
        for (value, host, port) in [
            ("127.0.0.1:9090", "127.0.0.1", 9090),
            ("[::1]:0", "::1", 0),
            ("metrics.internal:9100", "metrics.internal", 9100),
        ] {
            let addr = with(&[("METRICS_ADDR", value)])
                .expect(value)
                .server
                .metrics
                .expect("set");
            assert_eq!((addr.host.as_str(), addr.port), (host, port));
            assert_eq!(addr.to_string(), value);
        }
        for value in [
            "9090",
            "127.0.0.1",
            "host:99999",
            ":9090",
            "::1:9090",
            "[nope]:1",
            "a b:1",
        ] {
            assert_eq!(
                invalid_var(with(&[("METRICS_ADDR", value)])),
                Some("METRICS_ADDR"),
                "{value}"
            );
        }
    }

    #[test]
    fn http_workers_is_a_count_of_threads() {
        assert_eq!(with(&[]).expect("default").server.workers, None);
        for (value, workers) in [("1", 1), ("4", 4), ("1024", 1024)] {
            let settings = with(&[("HTTP_WORKERS", value)]).expect(value);
            assert_eq!(settings.server.workers, Some(workers));
        }
        for value in ["0", "1025", "-1", "two", "1.5"] {
            assert_eq!(
                invalid_var(with(&[("HTTP_WORKERS", value)])),
                Some("HTTP_WORKERS"),
                "{value}"
            );
        }
    }

    #[test]
    fn dev_mode_listens_on_loopback_only() {
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "127.1.2.3"] {
            assert!(dev(&[("HOST", host)]).is_ok(), "{host}");
        }
        for host in ["0.0.0.0", "::", "192.168.1.10", "example.com"] {
            assert_eq!(invalid_var(dev(&[("HOST", host)])), Some("HOST"), "{host}");
        }
        assert!(
            with(&[("HOST", "0.0.0.0")]).is_ok(),
            "cognito mode may listen anywhere"
        );
    }

    #[test]
    fn dev_mode_serves_metrics_on_loopback_only() {
        for addr in [
            "127.0.0.1:9090",
            "[::1]:9090",
            "localhost:9090",
            "127.0.0.1:0",
        ] {
            assert!(dev(&[("METRICS_ADDR", addr)]).is_ok(), "{addr}");
        }
        for addr in [
            "0.0.0.0:9090",
            "[::]:9090",
            "192.168.1.10:9090",
            "example.com:9090",
        ] {
            assert_eq!(
                invalid_var(dev(&[("METRICS_ADDR", addr)])),
                Some("METRICS_ADDR"),
                "{addr}"
            );
        }
        assert!(
            with(&[("METRICS_ADDR", "0.0.0.0:9090")]).is_ok(),
            "cognito mode may serve metrics anywhere"
        );
    }
}

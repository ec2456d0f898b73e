//! Where the HTTP server listens: the API, and `/metrics` on a listener
//! of its own when asked; how many workers serve the API.

use std::fmt;

/// A `host:port` to listen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    /// A name or an IP address (`METRICS_ADDR`'s IPv6 ones without brackets).
    pub host: String,
    /// 0 lets the system choose (tests); the bound port is then reported by
    /// [`crate::Application`].
    pub port: u16,
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') && !self.host.starts_with('[') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// The listeners.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// The API (`HOST`, `PORT`).
    pub api: ListenAddr,
    /// Where `/metrics` is served instead of the API port (`METRICS_ADDR`),
    /// so it need not be exposed with the API.
    pub metrics: Option<ListenAddr>,
    /// The API's worker threads (`HTTP_WORKERS`); `None`: one per CPU.
    pub workers: Option<usize>,
}

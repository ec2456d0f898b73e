//! Who may ask `/auth`: the TCP peers in `trusted_peers` (default: the
//! loopback addresses), never a forwarded-for header. Another peer could
//! probe the rules, or, behind a gateway that trusts client-sent
//! forwarding headers, have a path of its choosing decided; it is refused
//! undecided. Its refusals are logged at most once a minute per address,
//! so a flood writes a line a minute, not a line a request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use ipnet::IpNet;
use parking_lot::Mutex;

/// How often one address's refusals are logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Addresses remembered for the log's rate limit; past this, refusals of
/// new addresses are counted but not logged until old ones expire.
const LOGGED_ADDRESSES: usize = 4096;

/// The loopback networks, the default.
pub fn loopback() -> Vec<IpNet> {
    ["127.0.0.0/8", "::1/128"]
        .iter()
        .filter_map(|net| net.parse().ok())
        .collect()
}

/// The peers allowed to ask, and when each refused one was last logged.
#[derive(Debug)]
pub struct TrustedPeers {
    networks: Vec<IpNet>,
    logged: Mutex<Logged>,
}

/// Refused addresses by when they were last logged, and when the full map
/// was last swept (at most once a second: a spray of new addresses must
/// not make every refusal walk the whole map).
#[derive(Debug)]
struct Logged {
    at: HashMap<IpAddr, Instant>,
    swept: Option<Instant>,
}

impl TrustedPeers {
    /// Peers in `networks` may ask.
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedPeers {
            networks,
            logged: Mutex::new(Logged {
                at: HashMap::new(),
                swept: None,
            }),
        }
    }

    /// Whether `peer` may ask. An IPv4 address a dual-stack listener
    /// reports as IPv6 (`::ffff:a.b.c.d`) is read as IPv4.
    pub fn admit(&self, peer: IpAddr) -> bool {
        let peer = peer.to_canonical();
        self.networks.iter().any(|net| net.contains(&peer))
    }

    /// Whether a refusal of `peer` now should be logged: the first in a
    /// minute for that address.
    pub fn should_log(&self, peer: IpAddr, now: Instant) -> bool {
        let mut logged = self.logged.lock();
        if let Some(last) = logged.at.get(&peer) {
            if now.duration_since(*last) < LOG_EVERY {
                return false;
            }
        } else if logged.at.len() >= LOGGED_ADDRESSES {
            let due = logged
                .swept
                .is_none_or(|swept| now.duration_since(swept) >= Duration::from_secs(1));
            if due {
                logged.swept = Some(now);
                logged
                    .at
                    .retain(|_, last| now.duration_since(*last) < LOG_EVERY);
            }
            if logged.at.len() >= LOGGED_ADDRESSES {
                return false;
            }
        }
        logged.at.insert(peer, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers(networks: &[&str]) -> TrustedPeers {
        TrustedPeers::new(networks.iter().map(|n| n.parse().expect("cidr")).collect())
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn only_addresses_in_the_networks_may_ask() {
        let loopback = TrustedPeers::new(loopback());
        for (address, admitted) in [
            ("127.0.0.1", true),
            ("127.8.9.10", true),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("10.0.0.1", false),
            ("::2", false),
            ("::ffff:10.0.0.1", false),
        ] {
            assert_eq!(loopback.admit(ip(address)), admitted, "{address}");
        }
        let some = peers(&["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"]);
        for (address, admitted) in [
            ("10.200.0.1", true),
            ("11.0.0.1", false),
            ("fd12::1", true),
            ("fe80::1", false),
            ("192.168.1.7", true),
            ("192.168.1.8", false),
            ("127.0.0.1", false),
        ] {
            assert_eq!(some.admit(ip(address)), admitted, "{address}");
        }
    }

    #[test]
    fn a_refused_address_is_logged_once_a_minute() {
        let peers = peers(&["127.0.0.1/32"]);
        let start = Instant::now();
        let (a, b) = (ip("10.0.0.1"), ip("10.0.0.2"));
        assert!(peers.should_log(a, start));
        assert!(!peers.should_log(a, start + Duration::from_secs(59)));
        assert!(peers.should_log(b, start + Duration::from_secs(59)));
        assert!(peers.should_log(a, start + Duration::from_secs(61)));
    }

    #[test]
    fn the_log_limiter_stays_bounded() {
        let peers = peers(&["127.0.0.1/32"]);
        let start = Instant::now();
        for i in 0..LOGGED_ADDRESSES as u32 {
            assert!(peers.should_log(IpAddr::from((i + 1).to_be_bytes()), start));
        }
        // Full: a new address is counted, not logged, until old ones expire.
        let new = ip("200.0.0.1");
        assert!(!peers.should_log(new, start + Duration::from_secs(1)));
        assert!(peers.should_log(new, start + Duration::from_secs(61)));
        assert!(peers.logged.lock().at.len() <= LOGGED_ADDRESSES);
    }
}

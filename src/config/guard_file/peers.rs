//! `[forward_auth] trusted_peers`: the networks whose TCP peers may ask
//! `/auth`, each in CIDR form (IPv4 or IPv6); absent, loopback only.

use ipnet::IpNet;
use toml::Spanned;

use super::position::Locator;
use crate::config::ConfigError;

/// The networks as written, or loopback when absent.
pub(super) fn trusted_peers(
    list: Option<Spanned<Vec<Spanned<String>>>>,
    at: &Locator<'_>,
) -> Result<Vec<IpNet>, ConfigError> {
    const KEY: &str = "forward_auth.trusted_peers";
    let Some(list) = list else {
        return Ok(crate::forward_auth::loopback());
    };
    if list.get_ref().is_empty() {
        return Err(at.error(
            list.span(),
            KEY,
            "an empty list refuses every gateway: leave the key out for loopback only",
        ));
    }
    let mut networks: Vec<IpNet> = Vec::with_capacity(list.get_ref().len());
    for entry in list.into_inner() {
        let span = entry.span();
        let text = entry.into_inner();
        let network: IpNet = text.trim().parse().map_err(|_| {
            at.error(
                span.clone(),
                KEY,
                format!("{text:?} is not a network in CIDR form, e.g. 10.0.0.0/8, 10.1.2.3/32 or fd00::/8"),
            )
        })?;
        if network.trunc() != network {
            return Err(at.error(
                span,
                KEY,
                format!(
                    "{text:?} has host bits set: write {} (or /{} for one address)",
                    network.trunc(),
                    network.max_prefix_len()
                ),
            ));
        }
        // A dual-stack listener reports an IPv4 peer as IPv4 (it is read
        // so); an IPv4-mapped network would never match it.
        if let IpNet::V6(v6) = network {
            if v6.network().to_ipv4_mapped().is_some() && v6.prefix_len() >= 96 {
                return Err(at.error(
                    span,
                    KEY,
                    format!("{text:?} is IPv4-mapped: write the IPv4 network it maps"),
                ));
            }
        }
        if networks.contains(&network) {
            return Err(at.error(span, KEY, format!("{text:?} listed twice")));
        }
        networks.push(network);
    }
    Ok(networks)
}

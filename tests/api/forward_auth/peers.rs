//! Only trusted gateways may ask: `/auth` from a TCP peer outside
//! `trusted_peers` is `403`, undecided and counted, whatever headers it
//! sends; the API routes answer it as usual; its refusals are logged once
//! a minute per address, not once a request.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpSocket;

use super::rules_file;
use crate::common::binary::temp_dir;
use crate::common::guard_process::{test_pool_vars, GuardProcess};
use crate::common::helpers::*;

const PUBLIC_RULE: &str = "[[rule]]\nname = \"open\"\npath = \"/**\"\nallow = \"public\"\n";

/// `GET path` on `port` of `server` from the local address `from`, raw:
/// the status and the head of the answer.
async fn get_from(from: IpAddr, server: IpAddr, port: u16, path: &str) -> (u16, String) {
    let socket = match from {
        IpAddr::V4(_) => TcpSocket::new_v4(),
        IpAddr::V6(_) => TcpSocket::new_v6(),
    }
    .expect("socket");
    socket
        .bind(SocketAddr::new(from, 0))
        .expect("bind the source");
    let mut stream = socket
        .connect(SocketAddr::new(server, port))
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: guard\r\nX-Original-Method: GET\r\nX-Original-URI: /x\r\n\
         X-Forwarded-For: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    actix_rt::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("answered in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer.to_ascii_lowercase())
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

async fn app_trusting(peers: Option<&str>, host: &str) -> TestApp {
    let rules = match peers {
        Some(peers) => format!("trusted_peers = {peers}\n{PUBLIC_RULE}"),
        None => PUBLIC_RULE.to_owned(),
    };
    let file = rules_file("nginx", &rules);
    spawn_app_with(&[
        ("GUARD_CONFIG", file.to_str().expect("path")),
        ("HOST", host),
    ])
    .await
}

fn port(app: &TestApp) -> u16 {
    app.address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port")
}

#[actix_rt::test]
async fn a_peer_outside_trusted_peers_is_403_undecided_and_counted() {
    let app = app_trusting(Some("[\"127.0.0.1/32\"]"), "127.0.0.1").await;
    let (server, port) = (ip("127.0.0.1"), port(&app));
    let (status, head) = get_from(ip("127.0.0.2"), server, port, "/auth").await;
    assert_eq!(status, 403, "{head}");
    assert!(head.contains("trusted_peers"), "{head}");
    assert!(!head.contains("x-auth-request-"), "decided: {head}");
    // The API routes are not affected.
    let (status, _) = get_from(ip("127.0.0.2"), server, port, "/messages/public").await;
    assert_eq!(status, 200);
    // The trusted address is decided.
    let (status, head) = get_from(ip("127.0.0.1"), server, port, "/auth").await;
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("x-auth-request-rule: open"), "{head}");
    let metrics = app.get_text("/metrics").await;
    let line =
        r#"cognito_guard_forward_auth_decisions_total{rule="(none)",outcome="untrusted_peer"} 1"#;
    assert!(metrics.contains(line), "{line} not in\n{metrics}");
}

#[actix_rt::test]
async fn by_default_only_loopback_may_ask_over_ipv4_and_ipv6() {
    let v4 = app_trusting(None, "127.0.0.1").await;
    let (status, _) = get_from(ip("127.0.0.2"), ip("127.0.0.1"), port(&v4), "/auth").await;
    assert_eq!(status, 200, "127.0.0.0/8 is loopback");
    let v6 = app_trusting(None, "::1").await;
    let (status, head) = get_from(ip("::1"), ip("::1"), port(&v6), "/auth").await;
    assert_eq!(status, 200, "{head}");
    let v6_refusing = app_trusting(Some("[\"127.0.0.1/32\"]"), "::1").await;
    let (status, head) = get_from(ip("::1"), ip("::1"), port(&v6_refusing), "/auth").await;
    assert_eq!(status, 403, "{head}");
}

#[actix_rt::test]
async fn a_thousand_refusals_of_one_address_are_one_log_line() {
    let file = temp_dir("peers").join("guard.toml");
    std::fs::write(
        &file,
        format!("[forward_auth]\ngateway = \"nginx\"\ntrusted_peers = [\"127.0.0.1/32\"]\n{PUBLIC_RULE}"),
    )
    .expect("write");
    let jwks = JwksServer::start(vec![trusted_key().jwk()], JwksMode::Serve);
    let vars = test_pool_vars(jwks.url());
    let guard = actix_rt::task::spawn_blocking(move || GuardProcess::start(&file, &vars))
        .await
        .expect("started");
    assert!(
        guard.log().contains("to peers in 127.0.0.1/32 only"),
        "the start-up log names the peers: {}",
        guard.log()
    );
    for _ in 0..1000 {
        let (status, _) = get_from(ip("127.0.0.3"), ip("127.0.0.1"), guard.port, "/auth").await;
        assert_eq!(status, 403);
    }
    let (status, _) = get_from(ip("127.0.0.4"), ip("127.0.0.1"), guard.port, "/auth").await;
    assert_eq!(status, 403);
    // The last refusal's line is there: every earlier one has been read.
    let last = "refused a decision request from 127.0.0.4:";
    assert!(wait_until(Duration::from_secs(10), || guard.log().contains(last)).await);
    let log = guard.log();
    let lines = |address: &str| {
        log.lines()
            .filter(|line| line.contains(&format!("refused a decision request from {address}:")))
            .count()
    };
    assert_eq!(lines("127.0.0.3"), 1, "{log}");
    assert_eq!(lines("127.0.0.4"), 1, "{log}");
}

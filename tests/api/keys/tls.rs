//! Real Cognito JWKS URLs are HTTPS: the fetcher must speak TLS to them.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use cognito_guard::keys::{JwksCache, JwksPolicy};
use cognito_guard::startup::install_tls_crypto_provider;

#[actix_rt::test]
async fn an_https_jwks_url_is_spoken_to_over_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let first_bytes = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("the fetcher connects");
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
        let mut buf = [0u8; 3];
        stream.read_exact(&mut buf).map(|_| buf)
    });
    // As the server does at start: the cache itself installs nothing.
    install_tls_crypto_provider();
    let cache = JwksCache::new(
        format!("https://127.0.0.1:{port}/.well-known/jwks.json"),
        JwksPolicy::default(),
    );

    let result = cache.refresh().await;

    let bytes = first_bytes.join().expect("thread").expect("bytes sent");
    // 0x16 = TLS handshake record, 0x03 = TLS major version: a ClientHello.
    assert_eq!(
        &bytes[..2],
        &[0x16, 0x03],
        "the fetcher sent a TLS ClientHello"
    );
    let error = result.expect_err("nothing usable was served").to_string();
    assert!(!error.to_lowercase().contains("not supported"), "{error}");
    assert!(!cache.is_ready());
}

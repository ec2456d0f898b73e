//! `[forward_auth]`'s `trusted_peers` and `[forward_auth.assertion]` (with
//! a rule's `audience`): valid values, and each error with its line and key.

use super::tests::{error_at, parse, HEAD};
use super::*;

#[test]
fn trusted_peers_are_networks_in_cidr_form_and_default_to_loopback() {
    let with = |peers: &str| {
        format!("[forward_auth]\ngateway = \"nginx\"\n{peers}\n[[rule]]\npath = \"/x\"\n")
    };
    let peers = |text: &str| {
        let file = parse(text).expect("valid");
        let settings = file.forward_auth.expect("rules");
        settings
            .trusted_peers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(peers(&with("")), ["127.0.0.0/8", "::1/128"]);
    assert_eq!(
        peers(&with(
            "trusted_peers = [\"10.0.0.0/8\", \"fd00::/8\", \"192.168.1.7/32\"]"
        )),
        ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"]
    );
    for (value, reason) in [
        ("[]", "empty list"),
        ("[\"10.0.0.1\"]", "CIDR"),
        ("[\"10.0.0.0/33\"]", "CIDR"),
        ("[\"gateway.internal/32\"]", "CIDR"),
        ("[\"10.0.0.1/8\"]", "write 10.0.0.0/8"),
        ("[\"10.0.0.0/8\", \"10.0.0.0/8\"]", "twice"),
        ("[\"::ffff:10.0.0.0/104\"]", "IPv4-mapped"),
    ] {
        let (line, key, why) = error_at(&with(&format!("trusted_peers = {value}")));
        assert_eq!(
            (line, key.as_str()),
            (3, "forward_auth.trusted_peers"),
            "{value}"
        );
        assert!(why.contains(reason), "{value}: {why}");
    }
}

/// A folder of this test with a fresh P-256 key `k.pem` and an RSA key
/// `rsa.pem` in it.
fn key_folder(tag: &str) -> std::path::PathBuf {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
    let dir = std::env::temp_dir().join(format!("cg-assert-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let document =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("key");
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", document.as_ref().to_vec()));
    std::fs::write(dir.join("k.pem"), pem).expect("write");
    let rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    std::fs::write(dir.join("rsa.pem"), rsa).expect("write");
    dir
}

#[test]
fn the_assertion_table_reads_its_keys_relative_to_the_file() {
    let dir = key_folder("ok");
    let file = dir.join("guard.toml");
    let text = "[forward_auth]\ngateway = \"nginx\"\n[forward_auth.assertion]\n\
                issuer = \"https://guard.example\"\nsigning_keys = [\"k.pem\"]\n\
                [[rule]]\nname = \"orders\"\npath = \"/o/**\"\naudience = \"orders-service\"\n\
                [[rule]]\npath = \"/x\"\n";
    let parsed = GuardFile::parse(&file.display().to_string(), text, &PoolDefaults::default())
        .expect("valid");
    let settings = parsed.forward_auth.expect("rules");
    let assertion = settings.assertion.expect("assertion");
    assert_eq!(assertion.issuer, "https://guard.example");
    assert_eq!(assertion.lifetime, std::time::Duration::from_secs(60));
    assert_eq!(assertion.key_files, [dir.join("k.pem")]);
    assert_eq!(assertion.keys.len(), 1);
    assert_eq!(
        settings.rules[0].audience.as_deref(),
        Some("orders-service")
    );
    assert_eq!(settings.rules[1].audience, None);
}

#[test]
fn each_assertion_error_names_its_line_and_key() {
    let dir = key_folder("errors");
    let key = dir.join("k.pem").display().to_string();
    let rsa = dir.join("rsa.pem").display().to_string();
    let table = |body: &str| {
        format!(
            "[forward_auth]\ngateway = \"nginx\"\n[forward_auth.assertion]\n{body}\n[[rule]]\npath = \"/x\"\n"
        )
    };
    let keys = |list: &str| format!("issuer = \"https://g\"\nsigning_keys = {list}");
    let cases = [
        (
            table(&keys("[]")),
            5,
            "forward_auth.assertion.signing_keys",
            "no key",
        ),
        (
            table(&keys("[\"/nonexistent/k.pem\"]")),
            5,
            "forward_auth.assertion.signing_keys",
            "cannot read",
        ),
        (
            table(&keys(&format!("[{rsa:?}]"))),
            5,
            "forward_auth.assertion.signing_keys",
            "RSA PRIVATE KEY",
        ),
        (
            table(&keys(&format!("[{key:?}, {key:?}]"))),
            5,
            "forward_auth.assertion.signing_keys",
            "listed already",
        ),
        (
            table(&format!(
                "{}\nlifetime_secs = 2",
                keys(&format!("[{key:?}]"))
            )),
            6,
            "forward_auth.assertion.lifetime_secs",
            "5 to 3600",
        ),
        (
            table(&format!("issuer = \"\"\nsigning_keys = [{key:?}]")),
            4,
            "forward_auth.assertion.issuer",
            "visible ASCII",
        ),
        (
            format!("{HEAD}[[rule]]\npath = \"/x\"\naudience = \"svc\"\n"),
            5,
            "rule.audience",
            "[forward_auth.assertion]",
        ),
    ];
    for (text, want_line, want_key, reason) in cases {
        let (line, key, why) = error_at(&text);
        assert_eq!((line, key.as_str()), (want_line, want_key), "{text}\n{why}");
        assert!(why.contains(reason), "{reason} not in {why}");
    }
}

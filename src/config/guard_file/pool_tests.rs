//! `[[pool]]` tables: a valid file's pools, and each error with the line
//! and key it names.

use super::*;
use crate::pools::TokenUsePolicy;

const TWO_POOLS: &str = r#"
[[pool]]
name = "customers"
region = "eu-west-1"
user_pool_id = "eu-west-1_AbCdEf123"
client_ids = ["1example23456789abcdefghij"]
token_use = "id"

[[pool]]
name = "staff"
region = "us-east-1"
user_pool_id = "us-east-1_XyZ987654"
client_ids = ["2example23456789abcdefghij"]
"#;

fn error_at(text: &str) -> (usize, String, String) {
    match GuardFile::parse("guard.toml", text, &PoolDefaults::default()) {
        Err(ConfigError::GuardFile {
            line, key, reason, ..
        }) => (line, key, reason),
        other => panic!("expected an error naming a line, got {other:?} for\n{text}"),
    }
}

/// `TWO_POOLS` with `from` replaced by `to` (which must occur).
fn changed(from: &str, to: &str) -> String {
    assert!(TWO_POOLS.contains(from), "{from}");
    TWO_POOLS.replacen(from, to, 1)
}

#[test]
fn the_contracts_two_pools_are_read_in_file_order() {
    let file = GuardFile::parse("guard.toml", TWO_POOLS, &PoolDefaults::default()).expect("valid");
    let names: Vec<_> = file.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["customers", "staff"]);
    assert_eq!(file.pools_at.as_deref(), Some("guard.toml:2"));
    let staff = &file.pools[1];
    assert_eq!(staff.token_use, TokenUsePolicy::Id, "the default");
    assert_eq!(
        staff.issuers,
        [
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_XyZ987654",
            "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_XyZ987654"
        ]
    );
    assert!(file.forward_auth.is_none());
}

#[test]
fn a_name_given_twice_is_refused_at_the_second() {
    let text = changed("name = \"staff\"", "name = \"customers\"");
    let (line, key, reason) = error_at(&text);
    assert_eq!((line, key.as_str()), (10, "pool.name"));
    assert!(reason.contains("line 2"), "{reason}");
}

#[test]
fn an_issuer_of_two_pools_is_refused() {
    // Same region and pool id: the same derived issuers.
    let text = changed(
        "region = \"us-east-1\"\nuser_pool_id = \"us-east-1_XyZ987654\"",
        "region = \"eu-west-1\"\nuser_pool_id = \"eu-west-1_AbCdEf123\"",
    );
    let (line, key, _) = error_at(&text);
    assert_eq!((line, key.as_str()), (12, "pool.issuer"));
    // An explicit issuer equal to another pool's derived one.
    let text = changed(
        "client_ids = [\"2example23456789abcdefghij\"]",
        "client_ids = [\"2example23456789abcdefghij\"]\nissuer = \"https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123\"",
    );
    let (line, key, reason) = error_at(&text);
    assert_eq!((line, key.as_str()), (14, "pool.issuer"));
    assert!(reason.contains("customers"), "{reason}");
}

#[test]
fn each_bad_value_names_its_line_and_key() {
    let cases = [
        ("name = \"staff\"", "name = \"Staff\"", 10, "pool.name"),
        (
            "name = \"staff\"",
            &format!("name = \"{}\"", "s".repeat(33)),
            10,
            "pool.name",
        ),
        (
            "region = \"us-east-1\"",
            "region = \"mars\"",
            11,
            "pool.region",
        ),
        (
            "user_pool_id = \"us-east-1_XyZ987654\"",
            "user_pool_id = \"eu-west-1_XyZ987654\"",
            12,
            "pool.user_pool_id",
        ),
        (
            "client_ids = [\"2example23456789abcdefghij\"]",
            "client_ids = []",
            13,
            "pool.client_ids",
        ),
        (
            "client_ids = [\"2example23456789abcdefghij\"]",
            "client_ids = [\"a b\"]",
            13,
            "pool.client_ids",
        ),
        (
            "client_ids = [\"2example23456789abcdefghij\"]",
            "client_ids = [\"a\", \"a\"]",
            13,
            "pool.client_ids",
        ),
        (
            "token_use = \"id\"",
            "token_use = \"refresh\"",
            7,
            "pool.token_use",
        ),
        (
            "token_use = \"id\"",
            "issuer = \"http://127.0.0.1:9/p/\"",
            7,
            "pool.issuer",
        ),
        (
            "token_use = \"id\"",
            "issuer = \"cognito-idp\"",
            7,
            "pool.issuer",
        ),
        (
            "token_use = \"id\"",
            "jwks_url = \"ftp://x/jwks\"",
            7,
            "pool.jwks_url",
        ),
        (
            "token_use = \"id\"",
            "idp_endpoint = \"localhost:9229\"",
            7,
            "pool.idp_endpoint",
        ),
        (
            "token_use = \"id\"",
            "admin_group = \"\"",
            7,
            "pool.admin_group",
        ),
        (
            "token_use = \"id\"",
            "admin_scope = \"a b\"",
            7,
            "pool.admin_scope",
        ),
        (
            "token_use = \"id\"",
            "tokenuse = \"id\"",
            7,
            "pool.tokenuse",
        ),
        ("token_use = \"id\"", "token_use = 1", 7, "pool.token_use"),
    ];
    for (from, to, want_line, want_key) in cases {
        let (line, key, reason) = error_at(&changed(from, to));
        assert_eq!(
            (line, key.as_str()),
            (want_line, want_key),
            "{to}: {reason}"
        );
    }
}

#[test]
fn a_missing_required_key_names_the_table() {
    let (line, key, reason) = error_at(&changed("region = \"us-east-1\"\n", ""));
    assert_eq!((line, key.as_str()), (9, "pool"), "{reason}");
    assert!(reason.contains("region"), "{reason}");
}

#[test]
fn a_toml_syntax_error_names_its_line() {
    let (line, _, _) = error_at(&changed("name = \"staff\"", "name = \"staff"));
    assert_eq!(line, 10);
}

#[test]
fn with_an_issuer_any_pool_id_is_accepted() {
    let text = changed(
        "user_pool_id = \"us-east-1_XyZ987654\"",
        "user_pool_id = \"local_5X9BWQyC\"\nissuer = \"http://127.0.0.1:9229/local_5X9BWQyC\"",
    );
    let file = GuardFile::parse("guard.toml", &text, &PoolDefaults::default()).expect("valid");
    assert_eq!(
        file.pools[1].issuers,
        ["http://127.0.0.1:9229/local_5X9BWQyC"]
    );
}

/// `TWO_POOLS` and gateway rules.
fn with_rules(rules: &str) -> String {
    format!("{TWO_POOLS}\n[forward_auth]\ngateway = \"nginx\"\n{rules}")
}

#[test]
fn a_rule_names_configured_pools_only() {
    let file = GuardFile::parse(
        "guard.toml",
        &with_rules("[[rule]]\npath = \"/staff/**\"\npools = [\"staff\"]\n"),
        &PoolDefaults::default(),
    )
    .expect("valid");
    let rules = file.forward_auth.expect("rules").rules;
    let names = rules[0]
        .access
        .policy()
        .and_then(|p| p.pools())
        .expect("pools");
    assert_eq!(names.len(), 1);
    assert_eq!(&*names[0], "staff");

    let text = with_rules("[[rule]]\npath = \"/x\"\npools = [\"staff\", \"tenants\"]\n");
    let (line, key, reason) = error_at(&text);
    assert_eq!((line, key.as_str()), (text.lines().count(), "rule.pools"));
    assert!(
        reason.contains("tenants") && reason.contains("customers, staff"),
        "{reason}"
    );

    for (rule, why) in [
        ("allow = \"public\"\npools = [\"staff\"]", "authenticated"),
        ("pools = []", "empty"),
        ("pools = [\"staff\", \"staff\"]", "twice"),
    ] {
        let (_, key, reason) = error_at(&with_rules(&format!("[[rule]]\npath = \"/x\"\n{rule}\n")));
        assert_eq!(key, "rule.pools", "{rule}");
        assert!(reason.contains(why), "{rule}: {reason}");
    }
}

#[test]
fn without_pool_tables_a_rule_may_name_the_default_pool() {
    let text =
        "[forward_auth]\ngateway = \"nginx\"\n[[rule]]\npath = \"/x\"\npools = [\"default\"]\n";
    assert!(GuardFile::parse("guard.toml", text, &PoolDefaults::default()).is_ok());
    let (_, key, _) = error_at(&text.replace("default", "staff"));
    assert_eq!(key, "rule.pools");
}

#[test]
fn with_several_pools_a_rule_trusting_groups_names_whose() {
    for term in ["groups_any", "groups_all"] {
        let text = with_rules(&format!(
            "[[rule]]\nname = \"admin\"\npath = \"/admin/**\"\n{term} = [\"admin\"]\n"
        ));
        let (line, key, reason) = error_at(&text);
        assert_eq!((line, key.as_str()), (text.lines().count(), "rule.pools"));
        assert!(
            reason.contains("\"admin\"") && reason.contains("customers, staff"),
            "{reason}"
        );
        let named = text.replace("path = ", "pools = [\"staff\"]\npath = ");
        assert!(
            GuardFile::parse("guard.toml", &named, &PoolDefaults::default()).is_ok(),
            "{named}"
        );
    }
    // Scopes are not pool-bound the same way: no pools needed.
    let scopes = with_rules("[[rule]]\npath = \"/r\"\nscopes_any = [\"r/read\"]\n");
    assert!(GuardFile::parse("guard.toml", &scopes, &PoolDefaults::default()).is_ok());
}

#[test]
fn with_one_pool_a_rule_trusts_its_groups_without_naming_it() {
    let one_pool = TWO_POOLS
        .split("\n[[pool]]\nname = \"staff\"")
        .next()
        .unwrap_or_default();
    let text = format!(
        "{one_pool}\n[forward_auth]\ngateway = \"nginx\"\n[[rule]]\npath = \"/a\"\ngroups_any = [\"admin\"]\n"
    );
    assert!(
        GuardFile::parse("guard.toml", &text, &PoolDefaults::default()).is_ok(),
        "{text}"
    );
}

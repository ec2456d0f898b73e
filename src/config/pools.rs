//! Which pool(s) the settings describe: the one the environment variables
//! make, or the `[[pool]]` tables of `GUARD_CONFIG` — never both, since a
//! variable beside the tables would be silently ignored or silently
//! apply to some pool.

use super::env::RawEnv;
use super::error::{invalid, ConfigError};
use super::values::non_blank;
use super::AuthMode;

/// The single-pool variables that a `[[pool]]` table replaces.
fn single_pool_variables(raw: &RawEnv) -> [(&'static str, Option<&str>); 8] {
    [
        ("AWS_REGION", raw.aws_region.as_deref()),
        ("COGNITO_USER_POOL_ID", raw.cognito_user_pool_id.as_deref()),
        ("COGNITO_CLIENT_ID", raw.cognito_client_id.as_deref()),
        ("COGNITO_ISSUER", raw.cognito_issuer.as_deref()),
        ("COGNITO_JWKS_URL", raw.cognito_jwks_url.as_deref()),
        ("COGNITO_TOKEN_USE", raw.cognito_token_use.as_deref()),
        ("ADMIN_GROUP", raw.admin_group.as_deref()),
        ("ADMIN_SCOPE", raw.admin_scope.as_deref()),
    ]
}

/// With `[[pool]]` tables (first one at `at`, `file:line`): refuses any
/// single-pool variable beside them, and dev mode (single-pool by design).
pub(super) fn refuse_clash(raw: &RawEnv, mode: AuthMode, at: &str) -> Result<(), ConfigError> {
    if mode == AuthMode::Dev {
        return Err(invalid(
            "AUTH_MODE",
            format!("dev mode has its one built-in pool; GUARD_CONFIG has [[pool]] tables ({at})"),
        ));
    }
    match single_pool_variables(raw)
        .into_iter()
        .find(|(_, value)| non_blank(*value).is_some())
    {
        Some((var, _)) => Err(invalid(
            var,
            format!("must not be set when GUARD_CONFIG has [[pool]] tables ({at}): each pool states its own"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::invalid_var;
    use super::super::{ConfigError, Settings};
    use crate::keys::JwksSource;
    use crate::pools::TokenUsePolicy;

    const POOL: &str = r#"
[[pool]]
name = "staff"
region = "us-east-1"
user_pool_id = "us-east-1_XyZ987654"
client_ids = ["c1", "c2"]
token_use = "access"
admin_group = "ops"
admin_scope = "guard/admin"
"#;

    /// Settings from `vars` and a `GUARD_CONFIG` file holding `text`.
    fn with_file(name: &str, text: &str, vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let path = std::env::temp_dir().join(format!(
            "cognito-guard-pools-{}-{name}.toml",
            std::process::id()
        ));
        std::fs::write(&path, text).expect("temp file");
        let mut all = vec![("GUARD_CONFIG".to_owned(), path.display().to_string())];
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let settings = Settings::from_vars(all);
        let _ = std::fs::remove_file(&path);
        settings
    }

    #[test]
    fn without_pool_tables_the_variables_make_the_default_pool() {
        let s = super::super::test_support::with(&[]).expect("valid");
        assert_eq!(s.pools.len(), 1);
        assert_eq!(s.pools[0].name, "default");
    }

    #[test]
    fn one_pool_table_is_checked_and_defaulted_as_the_variables_are() {
        let s = with_file("one", POOL, &[]).expect("valid");
        assert_eq!(s.pools[0].name, "staff");
        assert_eq!(s.pools[0].client_ids, ["c1", "c2"]);
        assert_eq!(s.pools[0].token_use, TokenUsePolicy::Access);
        assert_eq!(
            s.pools[0].issuers,
            [
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_XyZ987654",
                "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_XyZ987654"
            ]
        );
        assert_eq!(
            s.pools[0].jwks,
            JwksSource::Url(
                "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_XyZ987654/.well-known/jwks.json"
                    .to_owned()
            )
        );
        assert_eq!(s.pools[0].admin_group, "ops");
        assert_eq!(s.pools[0].admin_scope.as_deref(), Some("guard/admin"));
        assert_eq!(
            s.pools[0].idp_endpoint.to_string(),
            "https://cognito-idp.us-east-1.amazonaws.com/"
        );
    }

    #[test]
    fn each_single_pool_variable_beside_pool_tables_is_named() {
        for var in [
            "AWS_REGION",
            "COGNITO_USER_POOL_ID",
            "COGNITO_CLIENT_ID",
            "COGNITO_ISSUER",
            "COGNITO_JWKS_URL",
            "COGNITO_TOKEN_USE",
            "ADMIN_GROUP",
            "ADMIN_SCOPE",
        ] {
            let Err(error) = with_file(var, POOL, &[(var, "x")]) else {
                panic!("{var} beside [[pool]] accepted");
            };
            let message = error.to_string();
            assert!(
                matches!(error, ConfigError::Invalid { var: v, .. } if v == var),
                "{message}"
            );
            assert!(
                message.contains("[[pool]]") && message.contains(":2"),
                "{message}"
            );
        }
    }

    #[test]
    fn dev_mode_refuses_pool_tables() {
        let result = with_file("dev", POOL, &[("AUTH_MODE", "dev")]);
        assert_eq!(invalid_var(result), Some("AUTH_MODE"));
    }

    #[test]
    fn each_further_pool_is_checked_and_defaulted_on_its_own() {
        let two = format!(
            "{}{}",
            POOL.replace(
                "admin_scope = \"guard/admin\"\n",
                "idp_endpoint = \"http://127.0.0.1:9229\"\n"
            ),
            r#"
[[pool]]
name = "customers"
region = "eu-west-1"
user_pool_id = "eu-west-1_Cust0mers"
client_ids = ["c3"]
"#
        );
        let s = with_file("two", &two, &[]).expect("valid");
        let pools = &s.pools;
        let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["staff", "customers"]);
        assert!(pools.iter().all(|p| p.revocations_by_name));
        let customers = &pools[1];
        assert_eq!(customers.client_ids, ["c3"]);
        assert_eq!(customers.token_use, TokenUsePolicy::Id);
        assert_eq!(customers.admin_group, "admin");
        assert_eq!(customers.admin_scope, None);
        // Not the first pool's endpoint: its own region's.
        assert_eq!(
            customers.idp_endpoint.to_string(),
            "https://cognito-idp.eu-west-1.amazonaws.com/"
        );
        assert_eq!(pools[0].idp_endpoint.to_string(), "http://127.0.0.1:9229/");
        assert_eq!(
            customers.jwks,
            JwksSource::Url(
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Cust0mers/.well-known/jwks.json"
                    .to_owned()
            )
        );
    }

    #[test]
    fn the_variables_make_one_pool_not_from_a_table() {
        let s = super::super::test_support::with(&[]).expect("valid");
        assert_eq!(s.pools.len(), 1);
        assert!(!s.pools[0].revocations_by_name);
    }

    #[test]
    fn a_table_s_admin_group_is_trimmed_as_the_variable_is() {
        let text = POOL.replace("admin_group = \"ops\"", "admin_group = \" ops \"");
        let s = with_file("trim", &text, &[]).expect("valid");
        assert_eq!(s.pools[0].admin_group, "ops");
    }

    #[test]
    fn cognito_idp_endpoint_is_read_only_for_a_table_without_its_own() {
        let own = POOL.replace(
            "admin_scope = \"guard/admin\"\n",
            "idp_endpoint = \"http://127.0.0.1:9229\"\n",
        );
        let bad = [("COGNITO_IDP_ENDPOINT", "localhost:9229")];
        assert!(with_file("own-endpoint", &own, &bad).is_ok());
        assert_eq!(
            invalid_var(with_file("no-endpoint", POOL, &bad)),
            Some("COGNITO_IDP_ENDPOINT")
        );
        let s = with_file(
            "env-endpoint",
            POOL,
            &[("COGNITO_IDP_ENDPOINT", "http://127.0.0.1:9")],
        )
        .expect("valid");
        assert_eq!(s.pools[0].idp_endpoint.to_string(), "http://127.0.0.1:9/");
    }
}

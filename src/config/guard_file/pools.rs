//! The `[[pool]]` tables: each checked as its single-pool variables are,
//! then against the others (a name or an issuer given twice would make
//! the pool a token belongs to ambiguous). Errors name the line and key.

use std::ops::Range;

use toml::Spanned;

use super::position::Locator;
use super::raw::{RawPool, RawTokenUse};
use super::PoolDefaults;
use crate::config::pool_env::{is_client_id, is_region, issuer_problem, pool_id_fits};
use crate::config::ConfigError;
use crate::keys::JwksSource;
use crate::pools::{
    check_pool_name, cognito_idp_endpoint, cognito_issuers, cognito_jwks_url, PoolSettings,
    TokenUsePolicy, DEFAULT_ADMIN_GROUP,
};
use crate::users::idp::IdpEndpoint;

/// Every `[[pool]]`, in file order; names and issuers unique.
pub(super) fn pools(
    raw: Vec<Spanned<RawPool>>,
    defaults: &PoolDefaults,
    at: &Locator<'_>,
) -> Result<Vec<PoolSettings>, ConfigError> {
    let mut pools: Vec<(PoolSettings, usize)> = Vec::with_capacity(raw.len());
    for table in raw {
        let line = at.line(table.span().start);
        let table = table.into_inner();
        let pool = pool(&table, defaults, at)?;
        for (before, before_line) in &pools {
            if before.name == pool.name {
                return Err(at.error(
                    table.name.span(),
                    "pool.name",
                    format!(
                        "{:?} is already the name of the pool at line {before_line}",
                        pool.name
                    ),
                ));
            }
            if let Some(shared) = pool.issuers.iter().find(|i| before.issuers.contains(i)) {
                let span = table
                    .issuer
                    .as_ref()
                    .map_or(table.user_pool_id.span(), Spanned::span);
                return Err(at.error(
                    span,
                    "pool.issuer",
                    format!(
                        "{shared} is already an issuer of the pool {:?} at line {before_line}: a token of it would belong to two pools",
                        before.name
                    ),
                ));
            }
        }
        pools.push((pool, line));
    }
    Ok(pools.into_iter().map(|(pool, _)| pool).collect())
}

/// One table, with what it leaves out filled in as for the environment's
/// pool: both Cognito issuer forms, the JWKS under the first, the admin
/// group `admin`, the environment's (or the region's) IdP endpoint.
fn pool(
    raw: &RawPool,
    defaults: &PoolDefaults,
    at: &Locator<'_>,
) -> Result<PoolSettings, ConfigError> {
    let name = raw.name.get_ref();
    check_pool_name(name).map_err(|reason| at.error(raw.name.span(), "pool.name", reason))?;
    let region = raw.region.get_ref();
    if !is_region(region) {
        return Err(at.error(
            raw.region.span(),
            "pool.region",
            "expected a region such as `us-east-1`",
        ));
    }
    let user_pool_id = raw.user_pool_id.get_ref();
    let pool_id_ok = match raw.issuer {
        // As with COGNITO_ISSUER: the id then goes into no URL.
        Some(_) => !user_pool_id.trim().is_empty(),
        None => pool_id_fits(region, user_pool_id),
    };
    if !pool_id_ok {
        return Err(at.error(
            raw.user_pool_id.span(),
            "pool.user_pool_id",
            format!(
                "expected `{region}_<id>` (the pool id starts with the region), or set `issuer`"
            ),
        ));
    }
    let client_ids = client_ids(&raw.client_ids, at)?;
    let issuer = match &raw.issuer {
        None => None,
        Some(issuer) => {
            if let Some(reason) = issuer_problem(issuer.get_ref()) {
                return Err(at.error(issuer.span(), "pool.issuer", reason));
            }
            Some(issuer.get_ref().clone())
        }
    };
    let issuers = match issuer {
        Some(issuer) => vec![issuer],
        None => cognito_issuers(region, user_pool_id),
    };
    let jwks_url = optional_url(&raw.jwks_url, "pool.jwks_url", at)?
        .unwrap_or_else(|| cognito_jwks_url(&issuers[0]));
    let idp_endpoint = match (&raw.idp_endpoint, &defaults.idp_endpoint) {
        (Some(endpoint), _) => IdpEndpoint::parse(endpoint.get_ref())
            .map_err(|e| at.error(endpoint.span(), "pool.idp_endpoint", e.reason()))?,
        (None, Some(endpoint)) => {
            IdpEndpoint::parse(endpoint).map_err(|e| ConfigError::Invalid {
                var: "COGNITO_IDP_ENDPOINT",
                reason: e.reason(),
            })?
        }
        (None, None) => IdpEndpoint::parse(&cognito_idp_endpoint(region))
            .map_err(|e| at.error(raw.region.span(), "pool.region", e.reason()))?,
    };
    let admin_group = match &raw.admin_group {
        None => DEFAULT_ADMIN_GROUP.to_owned(),
        Some(group) if group.get_ref().trim().is_empty() => {
            return Err(at.error(
                group.span(),
                "pool.admin_group",
                "empty: leave the key out for the default group `admin`",
            ))
        }
        // Trimmed, as the variables are: a group is matched exactly.
        Some(group) => group.get_ref().trim().to_owned(),
    };
    let admin_scope = match &raw.admin_scope {
        None => None,
        Some(scope) => {
            let printable = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
            let s = scope.get_ref();
            if s.is_empty() || !s.chars().all(printable) {
                return Err(at.error(
                    scope.span(),
                    "pool.admin_scope",
                    "one scope, e.g. cognito-guard/admin: printable ASCII without spaces, quotes or backslashes",
                ));
            }
            Some(s.clone())
        }
    };
    let token_use = match raw.token_use.as_ref().map(|t| *t.get_ref()) {
        None | Some(RawTokenUse::Id) => TokenUsePolicy::Id,
        Some(RawTokenUse::Access) => TokenUsePolicy::Access,
        Some(RawTokenUse::Any) => TokenUsePolicy::Any,
    };
    Ok(PoolSettings {
        name: name.clone(),
        revocations_by_name: true,
        region: region.clone(),
        // Trimmed, as the variable is (only an issuer-set pool's id can
        // hold spaces at all): it goes into every Cognito API call.
        user_pool_id: user_pool_id.trim().to_owned(),
        client_ids,
        issuers,
        token_use,
        leeway: defaults.leeway,
        jwks: JwksSource::Url(jwks_url),
        admin_group,
        admin_scope,
        idp_endpoint,
    })
}

fn client_ids(
    list: &Spanned<Vec<Spanned<String>>>,
    at: &Locator<'_>,
) -> Result<Vec<String>, ConfigError> {
    if list.get_ref().is_empty() {
        return Err(at.error(
            list.span(),
            "pool.client_ids",
            "empty: no token of this pool would be accepted",
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(list.get_ref().len());
    for id in list.get_ref() {
        if !is_client_id(id.get_ref()) {
            return Err(at.error(
                id.span(),
                "pool.client_ids",
                format!(
                    "{:?} is not an app client id (letters, digits, `-`, `_`)",
                    id.get_ref()
                ),
            ));
        }
        if ids.contains(id.get_ref()) {
            return Err(at.error(
                id.span(),
                "pool.client_ids",
                format!("{:?} listed twice", id.get_ref()),
            ));
        }
        ids.push(id.get_ref().clone());
    }
    Ok(ids)
}

fn optional_url(
    url: &Option<Spanned<String>>,
    key: &str,
    at: &Locator<'_>,
) -> Result<Option<String>, ConfigError> {
    let Some(url) = url else { return Ok(None) };
    let span: Range<usize> = url.span();
    crate::config::values::check_url("GUARD_CONFIG", url.get_ref().clone())
        .map(Some)
        .map_err(|_| at.error(span, key, "expected an absolute http:// or https:// URL"))
}

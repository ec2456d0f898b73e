//! User pools: one pool's settings as one value (`settings`: issuers,
//! clients, token kinds, key source, admin terms, IdP endpoint) and what a
//! verified token carries of its pool (`tag`). The pools a server serves,
//! looked up by issuer, sit beside the verifier (`auth::pool_registry`).

mod settings;
mod tag;

pub use settings::{
    check_pool_name, cognito_idp_endpoint, cognito_issuers, cognito_jwks_url, PoolSettings,
    TokenUsePolicy, DEFAULT_ADMIN_GROUP, DEFAULT_POOL, MAX_POOL_NAME_LEN,
};
pub use tag::PoolTag;

//! User pools: what one Cognito user pool's tokens are checked against
//! (issuers, clients, token kinds, admin terms, key source, IdP endpoint).
//! With no `[[pool]]` table in `GUARD_CONFIG` the environment variables
//! make one pool named [`DEFAULT_POOL`]; `settings` holds the value a
//! `[[pool]]` table is validated into, `tag` what a verified token carries
//! of its pool, `registry` the served pools looked up by issuer.

mod registry;
mod settings;
mod tag;

pub use registry::{Pool, Pools};
pub use settings::{check_pool_name, PoolSettings, DEFAULT_POOL, MAX_POOL_NAME_LEN};
pub use tag::PoolTag;

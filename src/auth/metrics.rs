//! Authentication's own counters: outcomes by pool, and valid tokens a
//! route's guard refused. `http::metrics` registers them with the rest.

use std::sync::Arc;

use prometheus_client::encoding::{EncodeLabel, EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use crate::auth::errors::{AuthError, Missing};

/// Labels of the authentication counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct AuthLabels {
    /// `ok`, `missing`, `keys_unavailable`, or the failed check.
    pub outcome: &'static str,
    /// The token's pool, when known: an admitted token's, or the pool a
    /// refused token names by its `iss`; none for a refusal naming no pool
    /// (no token, a malformed one, an unknown issuer).
    pub pool: Option<Arc<str>>,
}

/// `pool` is left out rather than written empty when unknown.
impl EncodeLabelSet for AuthLabels {
    fn encode(&self, encoder: &mut LabelSetEncoder) -> Result<(), std::fmt::Error> {
        ("outcome", self.outcome).encode(encoder.encode_label())?;
        if let Some(pool) = &self.pool {
            ("pool", &**pool).encode(encoder.encode_label())?;
        }
        Ok(())
    }
}

/// Label of the guard-refusal counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AdminDeniedLabels {
    /// `group` (a user not in `ADMIN_GROUP`), `scope` (a machine without
    /// `ADMIN_SCOPE`) or `caller` (a machine on a route for users).
    pub missing: &'static str,
}

/// The counters of authentication and of the guards; shared by all
/// workers through `web::Data`.
pub struct AuthMetrics {
    auth: Family<AuthLabels, Counter>,
    /// `auth{outcome="ok",pool=…}` of each pool by index, resolved once:
    /// counting a success, the common case, then costs one atomic add and
    /// no map lookup.
    auth_ok: Vec<Counter>,
    /// Each pool's name by index, for the `pool` label of refusals.
    pool_names: Vec<Arc<str>>,
    admin_denied: Family<AdminDeniedLabels, Counter>,
}

impl AuthMetrics {
    /// Counters for the pools named `pool_names`, in pool order.
    pub fn new(pool_names: Vec<Arc<str>>) -> Self {
        let auth = Family::<AuthLabels, Counter>::default();
        let auth_ok = pool_names
            .iter()
            .map(|name| {
                auth.get_or_create(&AuthLabels {
                    outcome: "ok",
                    pool: Some(Arc::clone(name)),
                })
                .clone()
            })
            .collect();
        AuthMetrics {
            auth,
            auth_ok,
            pool_names,
            admin_denied: Family::default(),
        }
    }

    /// Adds the counters to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "auth_requests",
            "Authentication attempts by outcome",
            self.auth.clone(),
        );
        registry.register(
            "admin_denied",
            "Valid tokens refused by a route's guard, by what they lacked (group, scope, or caller: a machine on a route for users)",
            self.admin_denied.clone(),
        );
    }

    /// Counts one admitted authentication, of the pool of that index.
    pub fn record_auth(&self, admitted: Result<usize, &AuthError>) {
        match admitted {
            Ok(pool) => match self.auth_ok.get(pool) {
                Some(ok) => {
                    ok.inc();
                }
                None => self.count_auth("ok", None),
            },
            Err(e) => self.count_auth(e.label(), None),
        }
    }

    /// Counts one refused authentication, under the pool of that index
    /// when the token named one.
    pub fn record_refusal(&self, refused: &AuthError, pool: Option<usize>) {
        let pool = pool.and_then(|index| self.pool_names.get(index)).cloned();
        self.count_auth(refused.label(), pool);
    }

    fn count_auth(&self, outcome: &'static str, pool: Option<Arc<str>>) {
        self.auth.get_or_create(&AuthLabels { outcome, pool }).inc();
    }

    /// Counts one refusal of a valid token by a route's guard.
    pub fn record_admin_denied(&self, missing: Missing) {
        self.admin_denied
            .get_or_create(&AdminDeniedLabels {
                missing: missing.into(),
            })
            .inc();
    }
}

//! What a verified token says about its pool: which one it is, and the
//! pool's admin terms, so that a policy can ask "an admin of the caller's
//! own pool?" without a lookup, and the answer headers can name it.

use std::sync::Arc;

use actix_web::http::header::HeaderValue;

use super::settings::{DEFAULT_ADMIN_GROUP, DEFAULT_POOL};

/// One pool's identity and admin terms; shared by every token of the pool.
#[derive(Debug)]
pub struct PoolTag {
    /// The pool's place in the server's list (0 for the first or only one).
    pub index: usize,
    /// The pool's name: `default` with the environment variables.
    pub name: Box<str>,
    /// The Cognito group whose members administer this pool's users.
    pub admin_group: Box<str>,
    /// The scope that makes a machine of this pool an admin, if any.
    pub admin_scope: Option<Arc<str>>,
    /// The name as a header value, made once (`X-Auth-Request-Pool`).
    pub header: HeaderValue,
    /// How this pool's users are keyed in the revocation list: `None`
    /// (the bare `sub`) for the environment's one pool, as before several
    /// pools existed, so that entries already in Redis or a spool still
    /// apply; `{name}:` for a `[[pool]]` table's, so that the same `sub` in
    /// two pools is two users.
    revocation_prefix: Option<Box<str>>,
}

impl PoolTag {
    /// The pool at `index` named `name`; `table` when it comes from a
    /// `[[pool]]` table (its revocations are then keyed by name).
    pub fn new(
        index: usize,
        name: &str,
        admin_group: &str,
        admin_scope: Option<&str>,
        table: bool,
    ) -> Self {
        PoolTag {
            index,
            name: name.into(),
            admin_group: admin_group.into(),
            admin_scope: admin_scope.map(Arc::from),
            // Pool names are checked to be [a-z0-9-] at start.
            header: HeaderValue::from_str(name).unwrap_or_else(|_| HeaderValue::from_static("")),
            revocation_prefix: table.then(|| format!("{name}:").into_boxed_str()),
        }
    }

    /// The revocation list's key for this pool's user `sub`.
    pub fn revocation_key<'a>(&self, sub: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.revocation_prefix {
            None => sub.into(),
            Some(prefix) => format!("{prefix}{sub}").into(),
        }
    }
}

/// The environment's one pool, with the default admin group: what unit
/// tests and single-pool callers get when they name no pool.
impl Default for PoolTag {
    fn default() -> Self {
        PoolTag::new(0, DEFAULT_POOL, DEFAULT_ADMIN_GROUP, None, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pools_key_revocations_by_name_and_the_default_pool_by_sub() {
        assert_eq!(PoolTag::default().revocation_key("u-1"), "u-1");
        let staff = PoolTag::new(1, "staff", "ops", None, true);
        assert_eq!(staff.revocation_key("u-1"), "staff:u-1");
        // Names cannot hold `:`, so no key of one pool is another's.
        assert_ne!(
            staff.revocation_key("x"),
            PoolTag::new(2, "staff-x", "ops", None, true).revocation_key("")
        );
        assert_eq!(staff.header.to_str().ok(), Some("staff"));
    }
}

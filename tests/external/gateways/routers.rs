//! How real upstream frameworks would route what the gateway forwards: the
//! handlers an API behind `examples/guard.toml` would have, looked up by
//! two routers. `lenient` routes as Express, Koa, NestJS or ASP.NET Core
//! do by default, and then some: case-insensitive, a trailing `/` ignored,
//! the path decoded, `\\` as `/`, `;` parameters dropped and dot segments
//! resolved. `exact` routes the decoded path as written. A request the
//! rules refuse must reach neither router's protected handler.

use super::paths::{as_an_upstream_might_read, percent_decode};

/// The API's handlers, in the order its router tries them: `(name,
/// pattern)`, where `/*` at the end is a mount (the prefix and below) and
/// `:id` one segment.
const HANDLERS: [(&str, &str); 6] = [
    ("health", "/healthz"),
    ("public", "/api/public/*"),
    ("feed", "/api/feed"),
    ("admin", "/api/admin/*"),
    ("reports", "/api/reports/:id"),
    ("api", "/api/*"),
];

/// The handlers only some callers may reach: the admin group's, and the
/// reporting machines'.
pub const PROTECTED: [&str; 2] = ["admin", "reports"];

/// The handler each router serves a request target with (`None`: `404`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub lenient: Option<&'static str>,
    pub exact: Option<&'static str>,
}

impl Served {
    /// What the two routers make of `target` (path and query, as sent to
    /// the upstream).
    pub fn of(target: &str) -> Served {
        let lenient = as_an_upstream_might_read(target).to_lowercase();
        let lenient = match lenient.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest.to_owned(),
            _ => lenient,
        };
        let path = target.split('?').next().unwrap_or_default();
        let exact = percent_decode(path);
        Served {
            lenient: route(&lenient),
            exact: route(&exact),
        }
    }

    /// A protected handler either router serves, if any.
    pub fn protected(&self) -> Option<&'static str> {
        [self.lenient, self.exact]
            .into_iter()
            .flatten()
            .find(|handler| PROTECTED.contains(handler))
    }
}

fn route(path: &str) -> Option<&'static str> {
    HANDLERS
        .iter()
        .find(|(_, pattern)| matches(pattern, path))
        .map(|(name, _)| *name)
}

fn matches(pattern: &str, path: &str) -> bool {
    if let Some(mount) = pattern.strip_suffix("/*") {
        return path == mount || path.starts_with(&format!("{mount}/"));
    }
    let (mut want, mut got) = (pattern.split('/'), path.split('/'));
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

#[test]
fn the_routers_read_as_the_frameworks_do() {
    let cases = [
        ("/api/admin/x", Some("admin"), Some("admin")),
        ("/api/ADMIN/x", Some("admin"), Some("api")),
        ("/api/%41dmin/x", Some("admin"), Some("api")),
        ("/api/reports/q1/", Some("reports"), Some("api")),
        ("/api/REPORTS/q1?x=1", Some("reports"), Some("api")),
        ("/api/reports/q1", Some("reports"), Some("reports")),
        ("/api/orders/7", Some("api"), Some("api")),
        ("/healthz/", Some("health"), None),
        ("/other", None, None),
    ];
    for (target, lenient, exact) in cases {
        assert_eq!(Served::of(target), Served { lenient, exact }, "{target}");
    }
}

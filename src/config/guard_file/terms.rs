//! A rule's terms, checked into what it does with a request (a policy, or
//! `deny`): `allow`, `callers`, the group and scope terms and `pools`. A
//! term that could never apply is an error naming its line and key, never
//! silently ignored.

use toml::Spanned;

use super::position::Locator;
use super::raw::{RawAllow, RawCallers, RawRule};
use crate::auth::{Allow, Policy, Terms};
use crate::config::ConfigError;
use crate::forward_auth::RuleAccess;

/// A list of names as written, with its own and each name's position.
type Names = Option<Spanned<Vec<Spanned<String>>>>;

/// `allow`, `callers` and the terms as what the rule does; a term that
/// could never apply is an error, not ignored.
pub(super) fn access(
    allow: RawAllow,
    rule: &RawRule,
    at: &Locator<'_>,
) -> Result<RuleAccess, ConfigError> {
    let terms: [(&str, &Names); 4] = [
        ("rule.groups_any", &rule.groups_any),
        ("rule.groups_all", &rule.groups_all),
        ("rule.scopes_any", &rule.scopes_any),
        ("rule.scopes_all", &rule.scopes_all),
    ];
    if allow != RawAllow::Authenticated {
        let why = match allow {
            RawAllow::Public => "a public rule looks at no token",
            RawAllow::Deny => "a deny rule refuses every request",
            RawAllow::Policy => "a policy rule is decided by the policy set",
            _ => "an optional rule refuses nobody",
        };
        let instead = match allow {
            RawAllow::Policy => "write it as a condition of a policy",
            _ => "use allow = \"authenticated\"",
        };
        for (key, value) in terms {
            if let Some(value) = value {
                return Err(at.error(
                    value.span(),
                    key,
                    format!("{why}: this term would never apply ({instead})"),
                ));
            }
        }
    }
    let callers = rule.callers.as_ref().map(|c| (*c.get_ref(), c.span()));
    if matches!(allow, RawAllow::Public | RawAllow::Deny) {
        if let Some((_, span)) = callers {
            let why = match allow {
                RawAllow::Public => "a public rule looks at no token",
                _ => "a deny rule refuses every request",
            };
            return Err(at.error(
                span,
                "rule.callers",
                format!("{why}: callers would never apply"),
            ));
        }
        return Ok(match allow {
            RawAllow::Public => RuleAccess::Policy(Policy::public()),
            _ => RuleAccess::Deny,
        });
    }
    let callers = callers.map_or(RawCallers::Users, |(c, _)| c);
    if callers == RawCallers::Machines {
        for (key, value) in &terms[..2] {
            if let Some(value) = value {
                return Err(at.error(
                    value.span(),
                    key,
                    "groups apply to users only, and this rule admits machines only (callers = \"machines\")",
                ));
            }
        }
    }
    let groups_any = names(&rule.groups_any, "rule.groups_any", group_name, at)?;
    let groups_all = names(&rule.groups_all, "rule.groups_all", group_name, at)?;
    let scopes_any = names(&rule.scopes_any, "rule.scopes_any", scope_token, at)?;
    let scopes_all = names(&rule.scopes_all, "rule.scopes_all", scope_token, at)?;
    let user_terms = Terms {
        groups_any,
        groups_all,
        scopes_any: scopes_any.clone(),
        scopes_all: scopes_all.clone(),
        own_pool_admin: false,
    };
    let machine_terms = Terms {
        scopes_any,
        scopes_all,
        ..Terms::none()
    };
    let cedar = allow == RawAllow::Policy;
    let allow = match allow {
        RawAllow::Optional => Allow::Optional,
        _ => Allow::Authenticated,
    };
    let policy = match callers {
        RawCallers::Users => Policy::new(allow, Some(user_terms), None),
        RawCallers::Machines => Policy::new(allow, None, Some(machine_terms)),
        RawCallers::Any => Policy::new(allow, Some(user_terms), Some(machine_terms)),
    };
    Ok(match cedar {
        true => RuleAccess::Cedar {
            policy,
            action: None,
        },
        false => RuleAccess::Policy(policy),
    })
}

/// `pools`: only on an authenticated rule (elsewhere it would admit or
/// refuse nobody), each the name of a configured pool (`default` with the
/// environment's one). With several pools, a rule that trusts groups must
/// say whose: one tenant's `admin` group is not another's.
pub(super) fn pools_term(
    allow: RawAllow,
    rule: &RawRule,
    rule_name: &str,
    pool_names: &[&str],
    at: &Locator<'_>,
) -> Result<Option<Vec<Box<str>>>, ConfigError> {
    let list = &rule.pools;
    let Some(spanned) = list else {
        let groups = rule.groups_any.as_ref().or(rule.groups_all.as_ref());
        if let (Some(groups), true) = (groups, pool_names.len() > 1) {
            return Err(at.error(
                groups.span(),
                "rule.pools",
                format!(
                    "rule {rule_name:?} trusts groups, and with several pools a group is any pool's: name the pools whose groups it trusts, pools = [...] (the pools: {})",
                    pool_names.join(", ")
                ),
            ));
        }
        return Ok(None);
    };
    if !matches!(allow, RawAllow::Authenticated | RawAllow::Policy) {
        return Err(at.error(
            spanned.span(),
            "rule.pools",
            "only an authenticated rule refuses callers: pools would never apply (use allow = \"authenticated\")",
        ));
    }
    if let Some(unknown) = spanned
        .get_ref()
        .iter()
        .find(|name| !pool_names.contains(&name.get_ref().as_str()))
    {
        return Err(at.error(
            unknown.span(),
            "rule.pools",
            format!(
                "no pool is named {:?} (the pools: {})",
                unknown.get_ref(),
                pool_names.join(", ")
            ),
        ));
    }
    names(list, "rule.pools", crate::pools::check_pool_name, at).map(Some)
}

/// A list of group or scope names: not empty, each valid and listed once.
fn names(
    list: &Names,
    key: &str,
    valid: fn(&str) -> Result<(), &'static str>,
    at: &Locator<'_>,
) -> Result<Vec<Box<str>>, ConfigError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    if list.get_ref().is_empty() {
        return Err(at.error(
            list.span(),
            key,
            "an empty list: leave the key out for no such term",
        ));
    }
    let mut names: Vec<Box<str>> = Vec::with_capacity(list.get_ref().len());
    for name in list.get_ref() {
        valid(name.get_ref()).map_err(|reason| at.error(name.span(), key, reason))?;
        if names.iter().any(|n| **n == **name.get_ref()) {
            return Err(at.error(
                name.span(),
                key,
                format!("{:?} listed twice", name.get_ref()),
            ));
        }
        names.push(name.get_ref().as_str().into());
    }
    Ok(names)
}

/// A Cognito group name: not empty (matched exactly, case-sensitively).
fn group_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err("a group name is not empty and holds no control character");
    }
    Ok(())
}

/// One OAuth scope token (RFC 6749 §3.3): printable ASCII without spaces,
/// quotes or backslashes (it is quoted in `WWW-Authenticate`).
fn scope_token(scope: &str) -> Result<(), &'static str> {
    let printable = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
    if scope.is_empty() || !scope.chars().all(printable) {
        return Err(
            "one scope, e.g. reports/read: printable ASCII without spaces, quotes or backslashes",
        );
    }
    Ok(())
}

//! The one validation pass over the parsed `GUARD_CONFIG`: each rule must
//! be able to match some request (name, path, methods; none shadowed by an
//! earlier one), and every term an operator wrote must be able to apply
//! (`terms`). Errors name the line and key.

use std::ops::Range;

use actix_web::http::Method;
use toml::Spanned;

use super::policies::LoadedPolicies;
use super::position::Locator;
use super::raw::{RawAllow, RawGuardFile, RawRule};
use super::terms::{access, pools_term};
use super::GuardFile;
use crate::config::ConfigError;
use crate::forward_auth::PathPattern;
use crate::forward_auth::{ForwardAuthSettings, RuleAccess, RuleSettings};
use crate::policies::PolicyEngine;

/// The longest rule name: it is a header value, a log field and a metric
/// label.
const MAX_NAME_LEN: usize = 64;

pub(super) fn guard_file(
    raw: RawGuardFile,
    defaults: &super::PoolDefaults,
    at: &Locator<'_>,
) -> Result<GuardFile, ConfigError> {
    let pools_at = raw.pool.first().map(|p| at.place(p.span().start));
    let pools = super::pools::pools(raw.pool, defaults, at)?;
    let mut pool_names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    if pool_names.is_empty() {
        pool_names.push(crate::pools::DEFAULT_POOL);
    }
    let policies = super::policies::policies(raw.policies, at)?;
    let forward_auth = forward_auth(raw.forward_auth, raw.rule, policies, &pool_names, at)?;
    Ok(GuardFile {
        pools,
        pools_at,
        forward_auth,
    })
}

fn forward_auth(
    forward_auth: Option<Spanned<super::raw::RawForwardAuth>>,
    raw_rules: Vec<Spanned<RawRule>>,
    loaded: Option<(Range<usize>, LoadedPolicies)>,
    pool_names: &[&str],
    at: &Locator<'_>,
) -> Result<Option<ForwardAuthSettings>, ConfigError> {
    let (policies_span, policies, policy_files) = match loaded {
        Some((span, loaded)) => (Some(span), Some(loaded.engine), loaded.files),
        None => (None, None, Vec::new()),
    };
    let Some(forward_auth) = forward_auth else {
        if let Some(span) = policies_span {
            return Err(at.error(
                span,
                "policies",
                "[policies] decide the gateway rules with allow = \"policy\": they need a [forward_auth] table and rules",
            ));
        }
        if let Some(rule) = raw_rules.first() {
            return Err(at.error(
                rule.span(),
                "rule",
                "[[rule]] tables need a [forward_auth] table naming the gateway",
            ));
        }
        return Ok(None);
    };
    let table = forward_auth.span();
    let forward_auth = forward_auth.into_inner();
    let trusted_peers = super::peers::trusted_peers(forward_auth.trusted_peers, at)?;
    let folder = super::assertion::folder_of(at.file());
    let assertion = super::assertion::assertion(forward_auth.assertion, &folder, at)?;
    let Some(gateway) = forward_auth.gateway else {
        return Err(at.error(
            table,
            "forward_auth.gateway",
            "missing: nginx, traefik, caddy or envoy",
        ));
    };
    if raw_rules.is_empty() {
        return Err(at.error(
            table,
            "forward_auth",
            "no [[rule]] table: every request would be refused",
        ));
    }
    let mut rules: Vec<(RuleSettings, usize)> = Vec::with_capacity(raw_rules.len());
    for (index, rule) in raw_rules.into_iter().enumerate() {
        let line = at.line(rule.span().start);
        let checked = self::rule(
            index,
            rule,
            pool_names,
            assertion.is_some(),
            policies.as_deref(),
            at,
        )?;
        refuse_duplicate_or_shadowed(&checked.0, &checked.1, &rules, at)?;
        rules.push((checked.0, line));
    }
    let rules: Vec<RuleSettings> = rules.into_iter().map(|(rule, _)| rule).collect();
    if let Some(span) = policies_span {
        if !rules
            .iter()
            .any(|r| matches!(r.access, RuleAccess::Cedar { .. }))
        {
            return Err(at.error(
                span,
                "policies",
                "no rule has allow = \"policy\": the policies would decide nothing",
            ));
        }
    }
    Ok(Some(ForwardAuthSettings {
        gateway: *gateway.get_ref(),
        trusted_peers,
        assertion,
        rules,
        policies,
        policy_files,
    }))
}

/// Where a rule's name and path are, for the checks against earlier rules.
struct RuleSpans {
    name: Range<usize>,
    path: Range<usize>,
}

fn rule(
    index: usize,
    rule: Spanned<RawRule>,
    pool_names: &[&str],
    signing: bool,
    policies: Option<&PolicyEngine>,
    at: &Locator<'_>,
) -> Result<(RuleSettings, RuleSpans), ConfigError> {
    let table = rule.span();
    let rule = rule.into_inner();
    let (name, name_span) = match &rule.name {
        Some(name) => {
            let span = name.span();
            (check_name(name.get_ref().clone(), span.clone(), at)?, span)
        }
        None => (format!("rule-{}", index + 1), table.clone()),
    };
    let path_span = rule.path.span();
    let path = PathPattern::parse(rule.path.get_ref())
        .map_err(|reason| at.error(path_span.clone(), "rule.path", reason))?;
    let methods = match &rule.methods {
        None => None,
        Some(methods) => Some(check_methods(methods, at)?),
    };
    let allow = rule
        .allow
        .as_ref()
        .map_or(RawAllow::Authenticated, |a| *a.get_ref());
    let access = match (
        access(allow, &rule, at)?,
        pools_term(allow, &rule, &name, pool_names, at)?,
    ) {
        (RuleAccess::Policy(policy), Some(pools)) => RuleAccess::Policy(policy.with_pools(pools)),
        (RuleAccess::Cedar { policy, action }, Some(pools)) => RuleAccess::Cedar {
            policy: policy.with_pools(pools),
            action,
        },
        (access, _) => access,
    };
    let allow_span = rule.allow.as_ref().map_or(table.clone(), Spanned::span);
    let access = super::policies::rule_action(
        access,
        rule.action.as_ref(),
        rule.path.get_ref(),
        methods.as_deref(),
        allow_span,
        policies,
        at,
    )?;
    Ok((
        RuleSettings {
            name,
            methods,
            path,
            access,
            audience: super::assertion::audience(rule.audience.as_ref(), signing, at)?,
        },
        RuleSpans {
            name: name_span,
            path: path_span,
        },
    ))
}

/// 1–64 of `A-Z a-z 0-9 . _ - : /`: it goes into a header, a log line and
/// a metric label as is.
fn check_name(name: String, span: Range<usize>, at: &Locator<'_>) -> Result<String, ConfigError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/');
    if name.is_empty() || name.len() > MAX_NAME_LEN || !name.chars().all(allowed) {
        return Err(at.error(span, "rule.name", "1 to 64 of A-Z a-z 0-9 . _ - : /"));
    }
    Ok(name)
}

fn check_methods(
    methods: &Spanned<Vec<Spanned<super::raw::RawMethod>>>,
    at: &Locator<'_>,
) -> Result<Vec<Method>, ConfigError> {
    let span = methods.span();
    let methods = methods.get_ref();
    if methods.is_empty() {
        return Err(at.error(
            span,
            "rule.methods",
            "an empty list matches no request (leave `methods` out for any method)",
        ));
    }
    let mut list: Vec<Method> = Vec::with_capacity(methods.len() + 1);
    for method in methods {
        let m = method.get_ref().method();
        if list.contains(&m) {
            return Err(at.error(method.span(), "rule.methods", format!("{m} listed twice")));
        }
        list.push(m);
    }
    // A GET rule covers HEAD: the same answer without its body.
    if list.contains(&Method::GET) && !list.contains(&Method::HEAD) {
        list.push(Method::HEAD);
    }
    Ok(list)
}

/// A rule named like an earlier one, or one an earlier rule always takes
/// first, is an error: the second can never decide anything.
fn refuse_duplicate_or_shadowed(
    rule: &RuleSettings,
    spans: &RuleSpans,
    earlier: &[(RuleSettings, usize)],
    at: &Locator<'_>,
) -> Result<(), ConfigError> {
    for (before, line) in earlier {
        if before.name == rule.name {
            return Err(at.error(
                spans.name.clone(),
                "rule.name",
                format!(
                    "{:?} is already the name of the rule at line {line}",
                    rule.name
                ),
            ));
        }
        let methods_covered = match (&before.methods, &rule.methods) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs.iter().all(|m| mine.contains(m)),
        };
        if methods_covered && before.path.covers(&rule.path) {
            return Err(at.error(
                spans.path.clone(),
                "rule.path",
                format!(
                    "never reached: the rule {:?} at line {line} ({}) takes every request this one matches",
                    before.name, before.path
                ),
            ));
        }
    }
    Ok(())
}

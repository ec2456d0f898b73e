//! `cognito-guard policy check | explain | schema`: the configuration read
//! exactly as the server reads it (the environment, `GUARD_CONFIG`, or
//! `--config`), then checked, one request explained, or a schema written.
//! Offline but for `explain`, which fetches the pool's keys to check the
//! token as the server would (unless `--unverified`).

use std::path::Path;
use std::process::ExitCode;

use actix_web::http::Method;
use prometheus_client::metrics::family::Family;

use super::pools::pool_keys;

/// `println!` that ends quietly when stdout is closed (`| head`) instead
/// of panicking: an explanation cut short is the reader's choice.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
use crate::auth::claims::check_claims;
use crate::auth::jose::{parse_payload, unverified_issuer, TokenParts};
use crate::auth::{ClaimRules, Claims, Verifier};
use crate::cli::{ExplainRequest, PolicyCommand};
use crate::config::Settings;
use crate::forward_auth::{normalise, ForwardAuth, ForwardAuthSettings, RuleAccess};
use crate::policies::{schema_start, RequestFacts, SchemaRule};

/// Runs `command`; `config` overrides `GUARD_CONFIG`.
pub fn policy_command(command: &PolicyCommand, config: Option<&Path>) -> ExitCode {
    if let Some(config) = config {
        std::env::set_var("GUARD_CONFIG", config);
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("cognito-guard: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(file) = settings.source.guard_config() else {
        eprintln!(
            "cognito-guard: policy commands read GUARD_CONFIG: set it, or pass --config FILE"
        );
        return ExitCode::from(2);
    };
    match command {
        PolicyCommand::Check => check(&settings, &file),
        PolicyCommand::Schema => schema(&settings),
        PolicyCommand::Explain(request) => explain(&settings, request),
    }
}

fn check(settings: &Settings, file: &Path) -> ExitCode {
    let rules = settings.forward_auth.as_ref();
    let count = rules.map_or(0, |r| r.rules.len());
    let decided = rules.map_or(0, |r| {
        r.rules
            .iter()
            .filter(|rule| matches!(rule.access, RuleAccess::Cedar { .. }))
            .count()
    });
    let policies = match rules.and_then(|r| r.policies.as_ref()) {
        Some(engine) => format!(
            "{} polic{} from {} file(s)",
            engine.policy_count(),
            if engine.policy_count() == 1 {
                "y"
            } else {
                "ies"
            },
            engine.files().len()
        ),
        None => "no policies".to_owned(),
    };
    say!(
        "ok: {}: {} pool(s), {count} rule(s) ({decided} decided by the policies), {policies}",
        file.display(),
        settings.pools.len()
    );
    ExitCode::SUCCESS
}

fn schema(settings: &Settings) -> ExitCode {
    let Some(rules) = settings.forward_auth.as_ref() else {
        eprintln!("cognito-guard: GUARD_CONFIG has no [forward_auth] rules");
        return ExitCode::from(2);
    };
    let Some(engine) = &rules.policies else {
        eprintln!("cognito-guard: GUARD_CONFIG has no [policies] table");
        return ExitCode::from(2);
    };
    let schema_rules: Vec<SchemaRule> = rules
        .rules
        .iter()
        .filter_map(|rule| match &rule.access {
            RuleAccess::Cedar { action, .. } => Some(SchemaRule {
                template: rule.path.to_string(),
                methods: rule.methods.clone(),
                action: action.clone(),
                captures: rule.path.capture_names().map(str::to_owned).collect(),
            }),
            _ => None,
        })
        .collect();
    let schema = schema_start(engine.names(), &schema_rules);
    say!("{}", schema.trim_end());
    ExitCode::SUCCESS
}

fn explain(settings: &Settings, request: &ExplainRequest) -> ExitCode {
    let Some(rule_settings) = settings.forward_auth.as_ref() else {
        eprintln!("cognito-guard: GUARD_CONFIG has no [forward_auth] rules");
        return ExitCode::from(2);
    };
    if request.unverified {
        say!("UNVERIFIED: the token's signature was not checked; its claims are taken as written");
    }
    let method = match Method::from_bytes(request.method.as_bytes()) {
        Ok(method) => method,
        Err(_) => {
            eprintln!("cognito-guard: {:?} is not an HTTP method", request.method);
            return ExitCode::from(2);
        }
    };
    let rules = ForwardAuth::new(rule_settings, None);
    let path = match normalise(&request.path) {
        Ok(path) => path,
        Err(refused) => {
            say!("path: refused with 400 before any rule: {refused}");
            return ExitCode::from(1);
        }
    };
    let rule = match rules.rule_for(&method, &path) {
        Ok(Some(rule)) => rule,
        Ok(None) => {
            say!("rule: none matches {method} {path}: 403 (default deny)");
            return ExitCode::from(1);
        }
        Err(ambiguity) => {
            say!(
                "rule: ambiguous, 400: the path as sent meets {}, its {} reading meets {}",
                crate::forward_auth::PathAmbiguity::name(ambiguity.as_sent),
                ambiguity.reading,
                crate::forward_auth::PathAmbiguity::name(ambiguity.other)
            );
            return ExitCode::from(1);
        }
    };
    say!("rule: {} ({method} {path})", rule.name());
    let (Some(engine), Some(action)) = (rules.policies(), rule.cedar()) else {
        say!("decision: this rule is not decided by the policies (allow is not \"policy\")");
        return ExitCode::SUCCESS;
    };
    let claims = match token_claims(settings, rule_settings, &request.token, request.unverified) {
        Ok(claims) => claims,
        Err(why) => {
            say!("token: refused (401 at /auth): {why}");
            return ExitCode::from(1);
        }
    };
    let captures = rule.captures(&path);
    let facts = RequestFacts {
        method: &method,
        path: &path,
        rule: rule.name(),
        captures: &captures,
    };
    let explained = engine.explain(&claims, action, facts);
    match &explained.principal {
        Ok(entity) => say!(
            "principal entity (with its parents and attributes):\n{}",
            serde_json::to_string_pretty(entity).unwrap_or_default()
        ),
        Err(why) => say!("principal: cannot be built: {why}"),
    }
    match &explained.request {
        Ok(cedar) => {
            let show = |uid: Option<&cedar_policy::EntityUid>| {
                uid.map_or("?".to_owned(), ToString::to_string)
            };
            say!("principal: {}", show(cedar.principal()));
            say!("action: {}", show(cedar.action()));
            say!("resource: {}", show(cedar.resource()));
            match cedar.context() {
                Some(context) => say!("context: {context}"),
                None => say!("context: (none)"),
            }
        }
        Err(why) => say!("request: cannot be made: {why}"),
    }
    let decision = &explained.decision;
    let verdict = if decision.allowed {
        "ALLOW (200)"
    } else {
        "DENY (403 insufficient_scope)"
    };
    say!("decision: {verdict}: {}", decision.explanation());
    for id in &decision.policies {
        if let Some((file, line)) = engine.origin(id.as_ref()) {
            say!("  {id}: {file}:{line}");
        }
    }
    match decision.allowed {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(1),
    }
}

/// The token's claims: verified as the server would (keys fetched), or,
/// `unverified`, its payload under its pool's claim rules only.
fn token_claims(
    settings: &Settings,
    rules: &ForwardAuthSettings,
    token: &str,
    unverified: bool,
) -> Result<Claims, String> {
    if unverified {
        let parts = TokenParts::split(token).map_err(|e| e.to_string())?;
        let iss = unverified_issuer(parts.payload).map_err(|e| e.to_string())?;
        let (index, pool) = settings
            .pools
            .iter()
            .enumerate()
            .find(|(_, pool)| pool.issuers.contains(&iss))
            .ok_or(format!("no configured pool issues {iss:?}"))?;
        let claim_rules = ClaimRules::for_pool(pool, index, rules.admits_machines());
        let payload = parse_payload(parts.payload).map_err(|e| e.to_string())?;
        let now = crate::clock::unix_now().ok_or("the clock reads before 1970")?;
        return check_claims(payload, &claim_rules, now).map_err(|e| e.to_string());
    }
    actix_rt::System::new().block_on(async {
        let fetches = Family::default();
        let mut caches = Vec::with_capacity(settings.pools.len());
        for pool in &settings.pools {
            caches.push(
                pool_keys(pool, &settings.jwks, fetches.clone())
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        let verifier = Verifier::for_pools(
            &settings.pools,
            caches,
            &settings.token_cache,
            rules.admits_machines(),
        );
        verifier
            .verify(token)
            .await
            .map_err(|e| format!("{e} (revocations are the server's to check)"))
    })
}

//! `cognito-guard policy schema`: a Cedar schema for the configured rules,
//! in AVP's Cognito shape, to start from: the principal, its groups, the
//! application, and one action per rule and method with the context the
//! guard sends. Claims a pool adds (`custom:*`) are the author's to
//! declare; a claim the schema does not declare is left out of requests.

use actix_web::http::Method;

use super::action::{action_id, COMMON};
use super::names::CedarNames;

/// What the schema needs of one `allow = "policy"` rule.
#[derive(Debug, Clone)]
pub struct SchemaRule {
    /// Its path as written (`/tenants/{tenant}/**`).
    pub template: String,
    /// Its methods; `None`: any.
    pub methods: Option<Vec<Method>>,
    /// Its `action`, when it names one.
    pub action: Option<String>,
    /// Its `{name}` captures.
    pub captures: Vec<String>,
}

/// The ID token claims Cognito always or usually writes.
const ID_CLAIMS: &[(&str, &str)] = &[
    ("aud", "String"),
    ("auth_time", "Long"),
    ("cognito:username", "String"),
    ("email", "String"),
    ("email_verified", "Bool"),
    ("event_id", "String"),
    ("exp", "Long"),
    ("iat", "Long"),
    ("iss", "String"),
    ("jti", "String"),
    ("origin_jti", "String"),
    ("sub", "String"),
    ("token_use", "String"),
];

/// The access token claims Cognito writes (`scope` as a set).
const ACCESS_CLAIMS: &[(&str, &str)] = &[
    ("auth_time", "Long"),
    ("client_id", "String"),
    ("event_id", "String"),
    ("exp", "Long"),
    ("iat", "Long"),
    ("iss", "String"),
    ("jti", "String"),
    ("origin_jti", "String"),
    ("scope", "Set<String>"),
    ("sub", "String"),
    ("token_use", "String"),
    ("username", "String"),
    ("version", "Long"),
];

/// The schema text (Cedar schema syntax) for `rules` under `names`.
pub fn schema_start(names: &CedarNames, rules: &[SchemaRule]) -> String {
    let optional = |claims: &[(&str, &str)]| {
        claims
            .iter()
            .map(|(name, ty)| format!("    {name:?}?: {ty},\n"))
            .collect::<String>()
    };
    let mut text = format!(
        "// A starting point from `cognito-guard policy schema`: AVP's Cognito\n\
         // mapping for the configured rules. Declare your pool's custom\n\
         // attributes on {principal}, e.g. \"custom:tenant_id\"?: String.\n\
         namespace {ns} {{\n  entity {group};\n  entity {principal} in [{group}] {{\n{id}  }};\n  entity Application;\n\n  \
         type GuardContext = {{\n    \"method\": String,\n    \"path\": String,\n    \"rule\": String,\n    \"pool\": String,\n    \"callerKind\": String,\n    \"tokenUse\": String,\n  }};\n  \
         type AccessToken = {{\n{access}  }};\n",
        ns = names.namespace,
        principal = names.principal_type,
        group = names.group_type,
        id = optional(ID_CLAIMS),
        access = optional(ACCESS_CLAIMS),
    );
    let mut seen: Vec<String> = Vec::new();
    for rule in rules {
        let ids: Vec<String> = match (&rule.action, &rule.methods) {
            (Some(action), _) => vec![action.clone()],
            (None, Some(methods)) => methods
                .iter()
                .map(|m| action_id(m, &rule.template))
                .collect(),
            (None, None) => COMMON
                .iter()
                .map(|m| action_id(m, &rule.template))
                .collect(),
        };
        let captures = match rule.captures.is_empty() {
            true => String::new(),
            false => format!(
                "      \"pathParameters\": {{ {} }},\n",
                rule.captures
                    .iter()
                    .map(|c| format!("{c:?}: String"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        for id in ids {
            if seen.contains(&id) {
                continue;
            }
            text.push_str(&format!(
                "\n  action {id:?} appliesTo {{\n    principal: [{principal}],\n    resource: [Application],\n    context: {{\n      \"guard\": GuardContext,\n      \"token\"?: AccessToken,\n{captures}    }},\n  }};\n",
                principal = names.principal_type,
            ));
            seen.push(id);
        }
    }
    text.push_str("}\n");
    text
}

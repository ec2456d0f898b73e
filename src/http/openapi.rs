//! The OpenAPI 3.1 document at `GET /openapi.json`, and Swagger UI on it at
//! `/docs`. Operations come from the handlers' `#[utoipa::path]`; the route
//! table (`http::routes`) adds, row by row, each operation's security and
//! its guard's refusals from the row's [`Policy`], so the document says
//! what the guards do. Built once at start: it depends on the settings
//! (`ADMIN_SCOPE`, `ADMIN_GROUP`, `COGNITO_TOKEN_USE`, `METRICS_ADDR`).

use actix_web::web;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Response,
    ResponseBuilder, Type,
};
use utoipa::ToSchema;

use crate::auth::{Allow, Policy};
use crate::http::errors::Detail;
use crate::http::routes::{self, Endpoint, RoutePolicies};
use crate::http::{health, messages, users};
use crate::pools::{PoolSettings, TokenUsePolicy};

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";

/// The document of a server of these pools; `metrics_here` when
/// `/metrics` is served on the API port.
pub fn document(pools: &[PoolSettings], metrics_here: bool) -> OpenApi {
    let mut endpoints = routes::api(&RoutePolicies::for_pools(pools));
    if metrics_here {
        endpoints.extend(routes::metrics());
    }
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("cognito-guard")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "An HTTP API protected by AWS Cognito JWTs: send `Authorization: Bearer <token>`. \
                     Errors are JSON `{\"detail\": \"...\"}`.",
                )),
        )
        .components(Some(components(pools)))
        .tags(Some(TAGS.map(|(name, about)| {
            TagBuilder::new().name(name).description(Some(about)).build()
        })))
        .build();
    for endpoint in &endpoints {
        doc.paths.add_path_operation(
            &endpoint.path,
            vec![endpoint.method.clone()],
            operation(endpoint, pools),
        );
    }
    doc
}

/// What an operation's `security` says for its policy: no requirement for
/// public routes, none or a bearer token for an optional one, a bearer
/// token otherwise, naming the scopes the policy requires (the admin
/// guard's `ADMIN_SCOPE` when set; OpenAPI 3.1 lets a bearer scheme list
/// the roles it needs).
pub fn security(policy: &Policy) -> Vec<SecurityRequirement> {
    let bearer = |scopes: Vec<String>| SecurityRequirement::new(BEARER, scopes);
    match policy.allow() {
        Allow::Public => Vec::new(),
        Allow::Optional => vec![SecurityRequirement::default(), bearer(Vec::new())],
        Allow::Authenticated => {
            let scopes = policy.scope_hint().unwrap_or_default();
            vec![bearer(
                scopes.split_whitespace().map(str::to_owned).collect(),
            )]
        }
    }
}

/// An answer a guard gives itself, documented once under
/// `components/responses` and referenced by the operations it guards.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    Unauthorized,
    Forbidden,
    NotAUser,
    KeysUnavailable,
}

impl Refusal {
    const ALL: [Refusal; 4] = [
        Refusal::Unauthorized,
        Refusal::Forbidden,
        Refusal::NotAUser,
        Refusal::KeysUnavailable,
    ];

    /// The guard's refusals, by policy; a machine's token is refused from
    /// the user routes as a caller (403) only where access tokens are
    /// accepted at all (else it is an invalid token, 401). A policy with
    /// terms refuses valid tokens too.
    fn of(policy: &Policy, token_use: TokenUsePolicy) -> &'static [Refusal] {
        match policy.allow() {
            Allow::Public | Allow::Optional => &[],
            Allow::Authenticated if *policy == Policy::authenticated() => match token_use {
                TokenUsePolicy::Id => &[Refusal::Unauthorized, Refusal::KeysUnavailable],
                _ => &[
                    Refusal::Unauthorized,
                    Refusal::NotAUser,
                    Refusal::KeysUnavailable,
                ],
            },
            Allow::Authenticated => &[
                Refusal::Unauthorized,
                Refusal::Forbidden,
                Refusal::KeysUnavailable,
            ],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Refusal::Unauthorized => "Unauthorized",
            Refusal::Forbidden => "Forbidden",
            Refusal::NotAUser => "NotAUser",
            Refusal::KeysUnavailable => "KeysUnavailable",
        }
    }

    fn status(self) -> &'static str {
        match self {
            Refusal::Unauthorized => "401",
            Refusal::Forbidden | Refusal::NotAUser => "403",
            Refusal::KeysUnavailable => "503",
        }
    }

    /// Why, as the middle of a sentence.
    fn reason(self) -> &'static str {
        match self {
            Refusal::Unauthorized => "no bearer token (`WWW-Authenticate: Bearer`), or a token that fails a check (`WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"...\"`)",
            Refusal::Forbidden => "a valid token the admin guard refuses (`WWW-Authenticate: Bearer error=\"insufficient_scope\"`, with the scope when `ADMIN_SCOPE` is set)",
            Refusal::NotAUser => "a machine's (client-credentials) token: valid, but a machine caller is never a user",
            Refusal::KeysUnavailable => "signing keys cannot be obtained (JWKS unreachable and nothing cached); retry after `Retry-After` seconds",
        }
    }

    /// The shared response.
    fn response(self) -> Response {
        let reason = self.reason();
        let description = format!("{}{}", reason[..1].to_ascii_uppercase(), &reason[1..]);
        let header = match self {
            Refusal::Unauthorized | Refusal::Forbidden => {
                Some(("WWW-Authenticate", Type::String, "The RFC 6750 challenge"))
            }
            Refusal::NotAUser => None,
            Refusal::KeysUnavailable => Some(("Retry-After", Type::Integer, "Seconds to wait")),
        };
        let mut response = ResponseBuilder::new().description(description);
        if let Some((header, schema_type, about)) = header {
            let header_value = HeaderBuilder::new()
                .schema(Schema::Object(
                    ObjectBuilder::new().schema_type(schema_type).build(),
                ))
                .description(Some(about))
                .build();
            response = response.header(header, header_value);
        }
        response
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Detail")))
                    .build(),
            )
            .build()
    }
}

/// A handler's operation with what its row adds: tag, security, refusals.
fn operation(endpoint: &Endpoint, pools: &[PoolSettings]) -> Operation {
    let mut operation = endpoint.operation.clone();
    operation.tags = Some(vec![tag(&endpoint.path).to_owned()]);
    operation.security = Some(security(&endpoint.policy));
    let pool_admins = pools.len() > 1
        && endpoint
            .policy
            .users()
            .is_some_and(|terms| terms.own_pool_admin);
    if pool_admins {
        let admins: Vec<String> = pools
            .iter()
            .map(|pool| match &pool.admin_scope {
                Some(scope) => format!(
                    "`{}`: group `{}`, or a machine with scope `{scope}`",
                    pool.name, pool.admin_group
                ),
                None => format!("`{}`: group `{}`", pool.name, pool.admin_group),
            })
            .collect();
        let who = format!(
            "Admins of the caller's own user pool only, on that pool's users ({}).",
            admins.join("; ")
        );
        operation.description = Some(match operation.description.take() {
            Some(text) if !text.is_empty() => format!("{text}\n\n{who}"),
            _ => who,
        });
    } else if let Some(admin) = pools.first().filter(|admin| {
        *endpoint.policy == Policy::admin(&admin.admin_group, admin.admin_scope.as_deref())
    }) {
        let who = match &admin.admin_scope {
            Some(scope) => format!(
                "Admins only: a user in the Cognito group `{}`, or a machine caller (client-credentials access token) whose `scope` contains `{scope}`.",
                admin.admin_group
            ),
            None => format!("Admins only: a user in the Cognito group `{}`.", admin.admin_group),
        };
        operation.description = Some(match operation.description.take() {
            Some(text) if !text.is_empty() => format!("{text}\n\n{who}"),
            _ => who,
        });
    }
    // Where pools differ, a refusal any of them makes is documented.
    let token_use = common_token_use(pools);
    for refusal in Refusal::of(&endpoint.policy, token_use) {
        let responses = &mut operation.responses.responses;
        match responses.get_mut(refusal.status()) {
            // The handler answers this status too (a 503 from Cognito):
            // one entry, both reasons.
            Some(RefOr::T(own)) => {
                own.description = format!("{}; or {}", own.description, refusal.reason());
            }
            _ => {
                let shared = Ref::from_response_name(refusal.name());
                responses.insert(refusal.status().to_owned(), shared.into());
            }
        }
    }
    operation
}

/// Swagger UI's sections, in order.
const TAGS: [(&str, &str); 3] = [
    ("messages", "Greetings, public and private"),
    ("users", "The caller, and the admin user routes"),
    ("operations", "Probes and metrics"),
];

/// An operation's section, by its path.
fn tag(path: &str) -> &'static str {
    if path.starts_with("/messages/") {
        "messages"
    } else if path.starts_with("/users/") {
        "users"
    } else {
        "operations"
    }
}

/// The token kinds every pool accepts alike; where pools differ, any
/// (so a refusal any of them makes is documented).
fn common_token_use(pools: &[PoolSettings]) -> TokenUsePolicy {
    match pools.split_first() {
        Some((first, rest)) if rest.iter().all(|p| p.token_use == first.token_use) => {
            first.token_use
        }
        _ => TokenUsePolicy::Any,
    }
}

fn components(pools: &[PoolSettings]) -> utoipa::openapi::Components {
    // The first pool's, as before the document spoke of several pools.
    let token = match pools.first().map_or(TokenUsePolicy::Id, |p| p.token_use) {
        TokenUsePolicy::Id => "a Cognito ID token",
        TokenUsePolicy::Access => "a Cognito access token",
        TokenUsePolicy::Any => "a Cognito ID or access token",
    };
    let bearer = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .description(Some(format!(
            "{token} (admin routes also take a machine's client-credentials access token when ADMIN_SCOPE is set)"
        )))
        .build();
    ComponentsBuilder::new()
        .security_scheme(BEARER, SecurityScheme::Http(bearer))
        .responses_from_iter(Refusal::ALL.map(|refusal| (refusal.name(), refusal.response())))
        .schemas_from_iter(schemas())
        .build()
}

/// Every schema a handler's responses name.
fn schemas() -> Vec<(String, RefOr<utoipa::openapi::schema::Schema>)> {
    fn named<T: ToSchema>() -> (String, RefOr<Schema>) {
        (T::name().into_owned(), T::schema())
    }
    vec![
        named::<Detail>(),
        named::<messages::Message>(),
        named::<messages::PrivateMessage>(),
        named::<messages::Feed>(),
        named::<users::Profile>(),
        named::<users::User>(),
        named::<health::Alive>(),
        named::<health::Ready>(),
        named::<health::NotReady>(),
        named::<health::ConfigState>(),
    ]
}

/// Registers `/openapi.json`, and Swagger UI at `/docs/` (see `http::docs`).
pub fn configure_docs(cfg: &mut web::ServiceConfig, document: OpenApi) {
    crate::http::docs::configure(cfg, &document);
}

//! Authorisation as policies. Each route states who may call it in the route
//! table (`http::routes`) with a [`Guard`]: a middleware that authenticates
//! the request, applies the route's [`Policy`] and answers 401/403/503
//! itself, before the handler runs (never the 404 an actix routing guard
//! would give). Handlers receive the admitted [`Caller`].

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::EitherBody;
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::future::{Either, FutureExt as _, Map};

use crate::auth::claims::Claims;
use crate::auth::errors::{AdminRefusal, AuthError, Missing, TokenRejection};
use crate::auth::extractors::{authenticate, Authentication};
use crate::http::metrics::Metrics;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone; a valid user token personalises the answer.
    OptionalToken,
    /// A valid user token (of a kind `COGNITO_TOKEN_USE` accepts).
    ValidToken,
    /// A member of `ADMIN_GROUP`, or a machine caller granted `ADMIN_SCOPE`.
    Admin,
}

/// The admin policy's terms, from the settings.
#[derive(Debug, Clone)]
pub struct AdminPolicy {
    /// The Cognito group whose members are admins.
    pub group: String,
    /// The OAuth scope that makes a machine caller an admin; `None`: no
    /// machine is ever an admin.
    pub scope: Option<Arc<str>>,
}

/// Who is calling, as a guard admitted them.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A signed-in user (an ID or access token of a user).
    User(Claims),
    /// A service with a client-credentials access token.
    Machine(Claims),
}

impl Caller {
    /// The verified claims, whoever is calling.
    pub fn claims(&self) -> &Claims {
        match self {
            Caller::User(claims) | Caller::Machine(claims) => claims,
        }
    }

    /// How log lines name the caller: a user by `sub`, a machine by its
    /// app client id.
    pub fn log_name(&self) -> String {
        match self {
            Caller::User(claims) => format!("sub={}", claims.sub),
            Caller::Machine(claims) => format!("client_id={}", claims.client_id),
        }
    }
}

/// Applies `policy` to an authentication outcome: the caller to admit (if
/// any), or the refusal to answer with. Pure, so every branch is tested
/// without a server.
pub fn decide(
    policy: Policy,
    authenticated: Result<Claims, AuthError>,
    admin: &AdminPolicy,
) -> Result<Option<Caller>, AuthError> {
    // A machine caller is never a user, whatever COGNITO_TOKEN_USE says:
    // refused as a token kind (401) where access tokens are not accepted at
    // all, as a caller (403) where they are; the feed stays generic.
    match policy {
        Policy::OptionalToken => Ok(authenticated
            .ok()
            .filter(|claims| claims.admitted_for_users && !claims.is_machine())
            .map(Caller::User)),
        Policy::ValidToken => {
            let claims = authenticated?;
            if !claims.admitted_for_users {
                return Err(TokenRejection::WrongTokenUse.into());
            }
            if claims.is_machine() {
                return Err(AuthError::MachineNotUser);
            }
            Ok(Some(Caller::User(claims)))
        }
        Policy::Admin => decide_admin(authenticated?, admin).map(Some),
    }
}

fn decide_admin(claims: Claims, admin: &AdminPolicy) -> Result<Caller, AuthError> {
    if claims.admitted_for_users && !claims.is_machine() && claims.in_group(&admin.group) {
        return Ok(Caller::User(claims));
    }
    let refusal = |missing| {
        AuthError::Forbidden(AdminRefusal {
            missing,
            scope: admin.scope.clone(),
        })
    };
    if let Some(scope) = &admin.scope {
        if claims.is_machine() {
            if claims.has_scope(scope) {
                return Ok(Caller::Machine(claims));
            }
            return Err(refusal(Missing::Scope));
        }
    }
    if !claims.admitted_for_users {
        // A user's token of a kind this server does not take from users.
        return Err(TokenRejection::WrongTokenUse.into());
    }
    Err(refusal(Missing::Group))
}

/// The middleware enforcing a [`Policy`] on the routes it wraps.
#[derive(Debug, Clone, Copy)]
pub struct Guard(pub Policy);

impl<S, B> Transform<S, ServiceRequest> for Guard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = GuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardService {
            service: Rc::new(service),
            policy: self.0,
        }))
    }
}

/// [`Guard`] around one service.
pub struct GuardService<S> {
    service: Rc<S>,
    policy: Policy,
}

/// The guarded service's answer, its body marked as the handler's.
type Answer<B> = Result<ServiceResponse<EitherBody<B>>, Error>;
/// Marks the handler's answer as such (a plain fn, so the type can be named).
type IntoLeft<B> = fn(Result<ServiceResponse<B>, Error>) -> Answer<B>;

/// What a guard returns: the handler's own future (admitted at once: no
/// allocation on the hot path), a ready refusal, or, while a JWKS fetch is
/// needed, a boxed future.
pub type GuardFuture<S, B> = Either<
    Map<<S as Service<ServiceRequest>>::Future, IntoLeft<B>>,
    Either<Ready<Answer<B>>, Pin<Box<dyn Future<Output = Answer<B>>>>>,
>;

fn into_left<B>(answer: Result<ServiceResponse<B>, Error>) -> Answer<B> {
    answer.map(ServiceResponse::map_into_left_body)
}

/// The policy applied to an authentication outcome, with the refusal
/// counted when the admin guard refused a valid token.
fn decide_request(
    req: &ServiceRequest,
    policy: Policy,
    authenticated: Result<Claims, AuthError>,
) -> Result<Option<Caller>, AuthError> {
    let Some(admin) = req.app_data::<web::Data<AdminPolicy>>() else {
        log::error!("AdminPolicy missing from app data");
        return Err(AuthError::NotConfigured);
    };
    let decided = decide(policy, authenticated, admin);
    if let Err(AuthError::Forbidden(refusal)) = &decided {
        if let Some(metrics) = req.app_data::<web::Data<Metrics>>() {
            metrics.record_admin_denied(refusal.missing);
        }
    }
    decided
}

/// The refusal as this route's answer.
fn refuse<B>(req: ServiceRequest, policy: Policy, refused: AuthError) -> Answer<B> {
    log::debug!("{policy:?} route refused: {refused}");
    let response = refused.error_response();
    Ok(req.into_response(response).map_into_right_body())
}

impl<S, B> Service<ServiceRequest> for GuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = GuardFuture<S, B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let policy = self.policy;
        match authenticate(req.request()) {
            Authentication::Decided(authenticated) => {
                match decide_request(&req, policy, authenticated) {
                    Ok(caller) => {
                        if let Some(caller) = caller {
                            req.extensions_mut().insert(caller);
                        }
                        Either::Left(self.service.call(req).map(into_left as IntoLeft<B>))
                    }
                    Err(refused) => {
                        Either::Right(Either::Left(ready(refuse(req, policy, refused))))
                    }
                }
            }
            Authentication::Pending(authenticated) => {
                let service = Rc::clone(&self.service);
                Either::Right(Either::Right(Box::pin(async move {
                    match decide_request(&req, policy, authenticated.await) {
                        Ok(caller) => {
                            if let Some(caller) = caller {
                                req.extensions_mut().insert(caller);
                            }
                            into_left(service.call(req).await)
                        }
                        Err(refused) => refuse(req, policy, refused),
                    }
                })))
            }
        }
    }
}

/// The caller a guard admitted; a handler on a route without a guard that
/// admits someone gets a 500 (our bug), never an unauthenticated caller.
impl FromRequest for Caller {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            log::error!("{} has no guard admitting a caller", req.path());
            AuthError::NotConfigured
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_fixtures::*;
    use serde_json::json;

    fn admin_policy(scope: Option<&str>) -> AdminPolicy {
        AdminPolicy {
            group: "admin".to_owned(),
            scope: scope.map(Arc::from),
        }
    }

    fn machine(scope: serde_json::Value) -> Claims {
        let rules = ClaimRules {
            machine_admins: true,
            ..rules()
        };
        check(
            json!({
                "sub": "client1", "iss": ISS, "client_id": "client1", "token_use": "access",
                "exp": NOW + 60, "iat": NOW - 10, "scope": scope,
            }),
            &rules,
        )
        .expect("a valid machine token")
    }

    fn user(groups: &[&str]) -> Claims {
        check(with("cognito:groups", json!(groups)), &rules()).expect("a valid ID token")
    }

    use crate::auth::claims::ClaimRules;
    use crate::config::TokenUsePolicy;

    fn forbidden(result: Result<Option<Caller>, AuthError>) -> Option<Missing> {
        match result {
            Err(AuthError::Forbidden(refusal)) => Some(refusal.missing),
            _ => None,
        }
    }

    #[test]
    fn the_admin_group_admits_users_and_nobody_else() {
        let admin = admin_policy(None);
        let decided = decide(Policy::Admin, Ok(user(&["admin"])), &admin);
        assert!(matches!(decided, Ok(Some(Caller::User(_)))));
        for groups in [&["Admin"][..], &["admins"], &[]] {
            let decided = decide(Policy::Admin, Ok(user(groups)), &admin);
            assert_eq!(forbidden(decided), Some(Missing::Group), "{groups:?}");
        }
    }

    #[test]
    fn a_machine_needs_the_exact_scope() {
        let admin = admin_policy(Some("cognito-guard/admin"));
        for scope in ["cognito-guard/admin", "other/read cognito-guard/admin x/y"] {
            let decided = decide(Policy::Admin, Ok(machine(json!(scope))), &admin);
            assert!(matches!(decided, Ok(Some(Caller::Machine(_)))), "{scope}");
        }
        for scope in [
            "cognito-guard/admins",
            "cognito-guard/ADMIN",
            "xcognito-guard/admin",
            "cognito-guard/admin,other/read",
            "cognito-guard",
            "",
        ] {
            let decided = decide(Policy::Admin, Ok(machine(json!(scope))), &admin);
            assert_eq!(forbidden(decided), Some(Missing::Scope), "{scope}");
        }
    }

    #[test]
    fn without_an_admin_scope_no_machine_is_an_admin() {
        let admin = admin_policy(None);
        let decided = decide(
            Policy::Admin,
            Ok(machine(json!("cognito-guard/admin"))),
            &admin,
        );
        assert!(matches!(
            decided,
            Err(AuthError::InvalidToken(TokenRejection::WrongTokenUse))
        ));
    }

    #[test]
    fn machines_are_not_users() {
        let admin = admin_policy(Some("cognito-guard/admin"));
        let token = || Ok(machine(json!("cognito-guard/admin")));
        assert!(matches!(
            decide(Policy::ValidToken, token(), &admin),
            Err(AuthError::InvalidToken(TokenRejection::WrongTokenUse))
        ));
        assert!(matches!(
            decide(Policy::OptionalToken, token(), &admin),
            Ok(None)
        ));
    }

    /// A client-credentials token under `COGNITO_TOKEN_USE=access` (or
    /// `any`): valid, and admitted for users as a token kind.
    fn machine_where_access_tokens_are_accepted(token_use: TokenUsePolicy) -> Claims {
        let rules = ClaimRules {
            token_use,
            ..rules()
        };
        let claims = check(
            json!({
                "sub": "client1", "iss": ISS, "client_id": "client1", "token_use": "access",
                "exp": NOW + 60, "iat": NOW - 10, "scope": "cognito-guard/read",
            }),
            &rules,
        )
        .expect("a valid machine token");
        assert!(claims.admitted_for_users && claims.is_machine());
        claims
    }

    #[test]
    fn a_machine_is_never_a_user_even_where_access_tokens_are_accepted() {
        for token_use in [TokenUsePolicy::Access, TokenUsePolicy::Any] {
            for scope in [None, Some("cognito-guard/admin")] {
                let admin = admin_policy(scope);
                let token = || Ok(machine_where_access_tokens_are_accepted(token_use));
                assert!(
                    matches!(
                        decide(Policy::ValidToken, token(), &admin),
                        Err(AuthError::MachineNotUser)
                    ),
                    "{token_use:?} {scope:?}"
                );
                assert!(matches!(
                    decide(Policy::OptionalToken, token(), &admin),
                    Ok(None)
                ));
                assert!(matches!(
                    decide(Policy::Admin, token(), &admin),
                    Err(AuthError::Forbidden(_))
                ));
            }
        }
    }

    #[test]
    fn optional_never_refuses_and_valid_passes_refusals_on() {
        let admin = admin_policy(None);
        let refused = || Err(AuthError::InvalidToken(TokenRejection::Expired));
        assert!(matches!(
            decide(Policy::OptionalToken, refused(), &admin),
            Ok(None)
        ));
        assert!(matches!(
            decide(Policy::ValidToken, refused(), &admin),
            Err(AuthError::InvalidToken(TokenRejection::Expired))
        ));
        assert!(matches!(
            decide(Policy::Admin, Err(AuthError::MissingCredentials), &admin),
            Err(AuthError::MissingCredentials)
        ));
        assert!(matches!(
            decide(Policy::ValidToken, Ok(user(&[])), &admin),
            Ok(Some(Caller::User(_)))
        ));
    }
}

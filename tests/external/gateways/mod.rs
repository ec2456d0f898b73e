//! The gateways of `examples/` in front of a recording upstream, asking the
//! real cognito-guard binary (cognito mode, the test JWKS, the rules of
//! `examples/guard.toml`): what the client gets, what the upstream gets,
//! and that a refusal never reaches it.

mod checks;
mod client;
mod files;
mod gateway;
mod paths;
mod routers;
mod stack;
mod upstream;
mod verifying;

use checks::gateway_in_front_of_the_guard;
use gateway::Gateway;

#[actix_rt::test]
async fn nginx_auth_request_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Nginx).await;
}

#[actix_rt::test]
async fn caddy_forward_auth_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Caddy).await;
}

#[actix_rt::test]
async fn traefik_forward_auth_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Traefik).await;
}

#[actix_rt::test]
async fn envoy_ext_authz_in_front_of_the_guard() {
    gateway_in_front_of_the_guard(Gateway::Envoy).await;
}

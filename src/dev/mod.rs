//! Dev mode (`AUTH_MODE=dev`): a built-in local issuer (`issuer`) and the
//! `token` and `jwks` commands that use it (`commands`).

mod commands;
mod issuer;

pub use commands::{print_jwks, print_tokens};
pub use issuer::*;

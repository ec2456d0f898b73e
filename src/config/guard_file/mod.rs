//! `GUARD_CONFIG`: a TOML file read once at start, parsed strictly (serde
//! with every table closed, `raw`), then checked in one validation pass
//! (`validate`); every error names the file, the line and the key
//! (`position`). Today it holds the gateway rules (`[forward_auth]`,
//! `[[rule]]`); issue #20 adds the user pools (`[[pool]]`).

mod position;
mod raw;
mod validate;

use std::path::Path;

use actix_web::http::Method;
use serde::Deserialize;

use super::error::ConfigError;
use crate::auth::Policy;
use crate::forward_auth::PathPattern;

/// Whose headers say what the original request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gateway {
    /// `X-Original-Method`, `X-Original-URI` (`auth_request`).
    Nginx,
    /// `X-Forwarded-Method`, `X-Forwarded-Uri` (ForwardAuth).
    Traefik,
    /// `X-Forwarded-Method`, `X-Forwarded-Uri` (`forward_auth`).
    Caddy,
    /// The request's own method, and its path after `/auth` (`ext_authz`
    /// with `path_prefix`).
    Envoy,
}

/// What `GUARD_CONFIG` configures, validated. Empty without the variable.
#[derive(Debug, Clone, Default)]
pub struct GuardFile {
    /// The gateway rules; `None`: no `/auth` endpoint.
    pub forward_auth: Option<ForwardAuthSettings>,
}

/// `[forward_auth]` and its `[[rule]]`s.
#[derive(Debug, Clone)]
pub struct ForwardAuthSettings {
    /// Whose convention gives the original method and path.
    pub gateway: Gateway,
    /// In file order; the first that matches decides. Never empty.
    pub rules: Vec<RuleSettings>,
}

/// One `[[rule]]`, validated: it can match some request.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// As the operator named it (default `rule-N`, N from 1 in file order).
    pub name: String,
    /// `None`: any method. A list with `GET` holds `HEAD` too.
    pub methods: Option<Vec<Method>>,
    /// The compiled `path`.
    pub path: PathPattern,
    /// `allow`, `callers` and the terms, as one policy.
    pub policy: Policy,
}

impl GuardFile {
    /// Reads and validates the file `GUARD_CONFIG` names.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            var: "GUARD_CONFIG",
            reason: format!("cannot read {}: {e}", path.display()),
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Validates `text`, the contents of `file` (named in errors).
    pub fn parse(file: &str, text: &str) -> Result<Self, ConfigError> {
        let located = position::Locator::new(file, text);
        let raw: raw::RawGuardFile = toml::from_str(text).map_err(|e| located.serde_error(&e))?;
        validate::guard_file(raw, &located)
    }

    /// Whether some rule admits machine callers, whose access tokens must
    /// then be checked to the end whatever `COGNITO_TOKEN_USE` says.
    pub fn admits_machines(&self) -> bool {
        self.forward_auth
            .as_ref()
            .is_some_and(|fa| fa.rules.iter().any(|r| r.policy.admits_machines()))
    }
}

#[cfg(test)]
mod tests;

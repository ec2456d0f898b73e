//! `[forward_auth.assertion]`: the issuer, the signing keys (PEM files,
//! EC P-256, read now; a relative path is relative to the `GUARD_CONFIG`
//! file's folder) and the lifetime; and a rule's `audience`, which needs
//! it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use toml::Spanned;

use super::position::Locator;
use super::raw::RawAssertion;
use crate::assertion::{AssertionSettings, SigningKey};
use crate::config::ConfigError;

/// The lifetime when none is given, and its bounds.
const DEFAULT_LIFETIME_SECS: u64 = 60;
const LIFETIME_SECS: std::ops::RangeInclusive<u64> = 5..=3600;

/// The table, checked, its keys read.
pub(super) fn assertion(
    raw: Option<Spanned<RawAssertion>>,
    folder: &Path,
    at: &Locator<'_>,
) -> Result<Option<AssertionSettings>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let raw = raw.into_inner();
    let issuer_span = raw.issuer.span();
    let issuer = raw.issuer.into_inner();
    if !visible_ascii(&issuer, 512) {
        return Err(at.error(
            issuer_span,
            "forward_auth.assertion.issuer",
            "1 to 512 visible ASCII characters, e.g. https://guard.internal.example",
        ));
    }
    let keys_span = raw.signing_keys.span();
    let paths = raw.signing_keys.into_inner();
    if paths.is_empty() {
        return Err(at.error(
            keys_span,
            "forward_auth.assertion.signing_keys",
            "no key: the first signs, all are published",
        ));
    }
    let mut keys: Vec<Arc<SigningKey>> = Vec::with_capacity(paths.len());
    let mut key_files = Vec::with_capacity(paths.len());
    for path in paths {
        let span = path.span();
        let file = folder.join(path.get_ref());
        let key = SigningKey::from_file(&file).map_err(|e| {
            at.error(
                span.clone(),
                "forward_auth.assertion.signing_keys",
                e.to_string(),
            )
        })?;
        if keys.iter().any(|k| k.kid() == key.kid()) {
            return Err(at.error(
                span,
                "forward_auth.assertion.signing_keys",
                format!("{} is a key listed already", file.display()),
            ));
        }
        keys.push(Arc::new(key));
        key_files.push(file);
    }
    let lifetime = match raw.lifetime_secs {
        None => DEFAULT_LIFETIME_SECS,
        Some(secs) if LIFETIME_SECS.contains(secs.get_ref()) => *secs.get_ref(),
        Some(secs) => {
            return Err(at.error(
                secs.span(),
                "forward_auth.assertion.lifetime_secs",
                "5 to 3600 seconds",
            ))
        }
    };
    Ok(Some(AssertionSettings {
        issuer,
        keys,
        key_files,
        lifetime: Duration::from_secs(lifetime),
    }))
}

/// A rule's `audience`: only with assertions to carry it.
pub(super) fn audience(
    raw: Option<&Spanned<String>>,
    signing: bool,
    at: &Locator<'_>,
) -> Result<Option<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if !signing {
        return Err(at.error(
            raw.span(),
            "rule.audience",
            "an audience is the aud of identity assertions: add [forward_auth.assertion]",
        ));
    }
    if !visible_ascii(raw.get_ref(), 256) {
        return Err(at.error(
            raw.span(),
            "rule.audience",
            "1 to 256 visible ASCII characters, e.g. orders-service",
        ));
    }
    Ok(Some(raw.get_ref().clone()))
}

fn visible_ascii(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_graphic())
}

/// The folder relative key paths are read from: the file's own.
pub(super) fn folder_of(file: &str) -> PathBuf {
    Path::new(file)
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf)
}

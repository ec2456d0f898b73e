//! Reading one value: blank means unset, numbers within a range, URLs, and
//! the settings dev mode fixes itself.

use std::ops::RangeInclusive;
use std::time::Duration;

use super::error::{invalid, ConfigError};

/// A value that is only white space counts as unset: `FOO=` in a `.env` file
/// means "not configured", not "configured to the empty string".
pub(super) fn non_blank(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub(super) fn required(var: &'static str, value: Option<&str>) -> Result<String, ConfigError> {
    non_blank(value).ok_or(ConfigError::Missing(var))
}

/// A whole number within `range`, `default` when unset.
pub(super) fn number(
    var: &'static str,
    value: Option<&str>,
    default: u64,
    range: RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let n = match non_blank(value) {
        None => default,
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| invalid(var, format!("expected a whole number, got `{v}`")))?,
    };
    if !range.contains(&n) {
        return Err(invalid(
            var,
            format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
    Ok(n)
}

/// A duration in whole seconds.
pub(super) fn seconds(
    var: &'static str,
    value: Option<&str>,
    default: u64,
    range: RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    number(var, value, default, range).map(Duration::from_secs)
}

/// An absolute `http://` or `https://` URL.
pub(super) fn check_url(var: &'static str, url: String) -> Result<String, ConfigError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(url)
        }
        _ => Err(invalid(var, "expected an absolute http:// or https:// URL")),
    }
}

/// Dev mode's pool, client, issuer and endpoints are fixed values; a pool
/// setting next to `AUTH_MODE=dev` is a mix-up, refused rather than
/// half-honoured.
pub(super) fn refuse_in_dev_mode(vars: &[(&'static str, Option<&str>)]) -> Result<(), ConfigError> {
    match vars.iter().find(|(_, value)| non_blank(*value).is_some()) {
        Some((var, _)) => Err(invalid(
            var,
            "must not be set with AUTH_MODE=dev (the dev issuer's values are fixed)",
        )),
        None => Ok(()),
    }
}

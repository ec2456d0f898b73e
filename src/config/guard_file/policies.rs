//! `[policies]`: the Cedar policy files (globs allowed; a relative path is
//! relative to the `GUARD_CONFIG` file's folder), the optional schema and
//! the entity type names, read and handed to `policies` to parse and
//! validate; and a rule's `action`, which only a policy rule has. A set
//! that does not load stops the start at its file and line.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use super::position::Locator;
use super::raw::RawPolicies;
use crate::config::ConfigError;
use crate::forward_auth::RuleAccess;
use crate::policies::{CedarNames, PolicyEngine, PolicySources, SourceFile};

/// The longest `action` a rule may name.
const MAX_ACTION_LEN: usize = 256;

/// The policy set, loaded, and the files it was read from.
pub(super) struct LoadedPolicies {
    pub engine: Arc<PolicyEngine>,
    pub files: Vec<PathBuf>,
}

/// Reads and loads `[policies]`; `None` without the table.
pub(super) fn policies(
    raw: Option<Spanned<RawPolicies>>,
    at: &Locator<'_>,
) -> Result<Option<(Range<usize>, LoadedPolicies)>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let table = raw.span();
    let raw = raw.into_inner();
    let names = names(&raw, at)?;
    let folder = super::assertion::folder_of(at.file());
    let files_span = raw.files.span();
    if raw.files.get_ref().is_empty() {
        return Err(at.error(
            files_span,
            "policies.files",
            "no file: name the policy files (globs allowed)",
        ));
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    for pattern in raw.files.get_ref() {
        let found = expand(&folder, pattern.get_ref())
            .map_err(|reason| at.error(pattern.span(), "policies.files", reason))?;
        for path in found {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        files.push(
            read(path).map_err(|reason| at.error(files_span.clone(), "policies.files", reason))?,
        );
    }
    let schema = match &raw.schema {
        None => None,
        Some(schema) => {
            let path = folder.join(schema.get_ref());
            let file =
                read(&path).map_err(|reason| at.error(schema.span(), "policies.schema", reason))?;
            paths.push(path);
            Some(file)
        }
    };
    let sources = PolicySources {
        files,
        schema,
        names,
    };
    let engine = PolicyEngine::load(&sources).map_err(|e| ConfigError::GuardFile {
        file: e.file,
        line: e.line,
        key: e.what,
        reason: e.reason,
    })?;
    Ok(Some((
        table,
        LoadedPolicies {
            engine: Arc::new(engine),
            files: paths,
        },
    )))
}

/// The entity type names: each a Cedar identifier (`::`-separated in the
/// namespace).
fn names(raw: &RawPolicies, at: &Locator<'_>) -> Result<CedarNames, ConfigError> {
    let namespace = raw.namespace.get_ref();
    if !namespace.split("::").all(identifier) {
        return Err(at.error(
            raw.namespace.span(),
            "policies.namespace",
            "a Cedar namespace: identifiers joined by ::, e.g. Api or MyApp::Api",
        ));
    }
    let mut names = CedarNames::avp(namespace);
    for (value, key, slot) in [
        (
            &raw.principal_type,
            "policies.principal_type",
            &mut names.principal_type,
        ),
        (
            &raw.group_type,
            "policies.group_type",
            &mut names.group_type,
        ),
    ] {
        if let Some(value) = value {
            if !identifier(value.get_ref()) {
                return Err(at.error(value.span(), key, "a Cedar identifier, e.g. User"));
            }
            *slot = value.get_ref().clone();
        }
    }
    if let Some(id) = &raw.resource_id {
        if id.get_ref().is_empty() || id.get_ref().chars().any(char::is_control) {
            return Err(at.error(
                id.span(),
                "policies.resource_id",
                "not empty, no control character",
            ));
        }
        names.resource_id = id.get_ref().clone();
    }
    Ok(names)
}

/// A Cedar identifier: a letter or `_`, then letters, digits or `_`.
fn identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The files `pattern` names under `folder`, sorted; a glob must match
/// some file, a plain path must exist.
fn expand(folder: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let joined = folder.join(pattern);
    if !pattern.contains(['*', '?', '[']) {
        return Ok(vec![joined]);
    }
    let text = joined.to_str().ok_or("the path is not UTF-8")?;
    let mut found: Vec<PathBuf> = glob::glob(text)
        .map_err(|e| format!("not a glob: {e}"))?
        .filter_map(Result::ok)
        .filter(|path| path.is_file())
        .collect();
    if found.is_empty() {
        return Err(format!("{} matches no file", joined.display()));
    }
    found.sort();
    Ok(found)
}

fn read(path: &Path) -> Result<SourceFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(SourceFile {
        name: path.display().to_string(),
        text,
    })
}

/// A rule's `action`, set on a policy rule; a policy rule needs the set
/// loaded, and with a schema its actions declared.
pub(super) fn rule_action(
    access: RuleAccess,
    raw: Option<&Spanned<String>>,
    template: &str,
    methods: Option<&[actix_web::http::Method]>,
    allow_span: Range<usize>,
    policies: Option<&PolicyEngine>,
    at: &Locator<'_>,
) -> Result<RuleAccess, ConfigError> {
    let RuleAccess::Cedar { policy, .. } = access else {
        if let Some(raw) = raw {
            return Err(at.error(
                raw.span(),
                "rule.action",
                "names the Cedar action of a rule decided by the policies (allow = \"policy\")",
            ));
        }
        return Ok(access);
    };
    let Some(engine) = policies else {
        return Err(at.error(
            allow_span,
            "rule.allow",
            "allow = \"policy\" needs a [policies] table naming the policy files",
        ));
    };
    if let Some(raw) = raw {
        let action = raw.get_ref();
        if action.is_empty()
            || action.len() > MAX_ACTION_LEN
            || action.chars().any(char::is_control)
        {
            return Err(at.error(
                raw.span(),
                "rule.action",
                "1 to 256 characters, no control character",
            ));
        }
    }
    let fixed = raw.map(|raw| raw.get_ref().clone());
    let asked: Vec<String> = match (&fixed, methods) {
        (Some(action), _) => vec![action.clone()],
        // HEAD, which a GET rule covers, need not be declared: without it
        // a HEAD request is denied (the request does not fit the schema).
        (None, Some(methods)) => methods
            .iter()
            .filter(|m| **m != actix_web::http::Method::HEAD)
            .map(|m| format!("{} {template}", m.as_str().to_ascii_lowercase()))
            .collect(),
        // Any method: the schema need not declare every one.
        (None, None) => Vec::new(),
    };
    if let Some(missing) = asked.iter().find(|action| !engine.declares_action(action)) {
        let span = raw.map_or(allow_span, Spanned::span);
        return Err(at.error(
            span,
            "rule.action",
            format!("the schema declares no action {missing:?}: every request this rule decides would be denied"),
        ));
    }
    Ok(RuleAccess::Cedar {
        policy,
        action: fixed,
    })
}

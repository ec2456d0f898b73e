//! Loading `[policies]`: every file parsed, each policy given its id
//! (`@id("…")`, else `policy0`, `policy1`, … in file order), templates
//! refused (they need links the guard does not keep), the schema parsed
//! and every policy validated against it in Cedar's strict mode. Any
//! failure is a [`PolicyLoadError`] at its file and line.

use std::collections::HashMap;
use std::str::FromStr;

use cedar_policy::{PolicyId, PolicySet, Schema, ValidationMode, Validator};

use super::errors::{first_offset, line_of, PolicyLoadError};
use super::names::{CedarNames, CedarTypes};
use super::shape::DeclaredShapes;

/// One file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Its path as messages give it.
    pub name: String,
    /// Its contents.
    pub text: String,
}

/// What `[policies]` names, read: the policy files in order, the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySources {
    /// The policy files, globs expanded, in order.
    pub files: Vec<SourceFile>,
    /// The schema (`.cedarschema`, or JSON for a `.json` file).
    pub schema: Option<SourceFile>,
    /// The entity type names.
    pub names: CedarNames,
}

/// Where a policy was written.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub file: usize,
    pub line: usize,
}

/// The parsed, validated policy set and what was read to make it.
pub(crate) struct Loaded {
    pub policies: PolicySet,
    pub schema: Option<Schema>,
    pub shapes: Option<DeclaredShapes>,
    pub types: CedarTypes,
    pub origins: HashMap<PolicyId, Origin>,
}

/// Parses and validates `sources`.
pub(crate) fn load(sources: &PolicySources) -> Result<Loaded, PolicyLoadError> {
    let first = sources.files.first().map_or("", |f| f.name.as_str());
    let types = CedarTypes::parse(&sources.names).map_err(|reason| PolicyLoadError {
        file: first.to_owned(),
        line: 1,
        what: "policies".to_owned(),
        reason,
    })?;
    let mut policies = PolicySet::new();
    let mut origins = HashMap::new();
    let mut unnamed = 0usize;
    for (index, file) in sources.files.iter().enumerate() {
        let parsed = PolicySet::from_str(&file.text).map_err(|e| PolicyLoadError {
            file: file.name.clone(),
            line: first_offset(&e).map_or(1, |offset| line_of(&file.text, offset)),
            what: "policies".to_owned(),
            reason: e.to_string(),
        })?;
        if let Some(template) = parsed.templates().next() {
            return Err(PolicyLoadError {
                file: file.name.clone(),
                line: line_near(&file.text, &["?principal", "?resource"]),
                what: format!("policy {:?}", template.annotation("id").unwrap_or("(template)")),
                reason: "a template (?principal, ?resource) needs links, which the guard does not keep: write static policies".to_owned(),
            });
        }
        // `from_str` numbers each file's policies from 0; ids are made
        // again across the set so that every file's count on.
        let mut in_file: Vec<_> = parsed.policies().collect();
        in_file.sort_by_key(|p| policy_number(p.id()));
        for policy in in_file {
            // A parsed policy displays as the text it was parsed from.
            let line = line_near(&file.text, &[&policy.to_string()]);
            let id = match policy.annotation("id") {
                Some(id) => id.to_owned(),
                None => {
                    unnamed += 1;
                    format!("policy{}", unnamed - 1)
                }
            };
            let id = PolicyId::new(&id);
            if let Some(before) = origins.get(&id) {
                let before: &Origin = before;
                return Err(PolicyLoadError {
                    file: file.name.clone(),
                    line,
                    what: format!("policy {:?}", id.to_string()),
                    reason: format!(
                        "the id is already taken by the policy at {}:{}",
                        sources.files[before.file].name, before.line
                    ),
                });
            }
            policies
                .add(policy.new_id(id.clone()))
                .map_err(|e| PolicyLoadError {
                    file: file.name.clone(),
                    line,
                    what: format!("policy {:?}", id.to_string()),
                    reason: e.to_string(),
                })?;
            origins.insert(id, Origin { file: index, line });
        }
    }
    let (schema, shapes) = match &sources.schema {
        None => (None, None),
        Some(file) => {
            let (schema, json) = parse_schema(file)?;
            validate(&policies, &schema, &sources.files, &origins)?;
            let shapes = DeclaredShapes::of(&json, &sources.names);
            (Some(schema), Some(shapes))
        }
    };
    Ok(Loaded {
        policies,
        schema,
        shapes,
        types,
        origins,
    })
}

/// `policyN`'s N, to keep a file's policies in their written order.
fn policy_number(id: &PolicyId) -> usize {
    id.to_string()
        .strip_prefix("policy")
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}

/// The line of the first of `needles` in `text` (1 when none is there).
fn line_near(text: &str, needles: &[&str]) -> usize {
    needles
        .iter()
        .filter_map(|needle| text.find(needle))
        .min()
        .map_or(1, |offset| line_of(text, offset))
}

/// The schema, and its JSON form (read for the declared attributes).
fn parse_schema(file: &SourceFile) -> Result<(Schema, serde_json::Value), PolicyLoadError> {
    let error = |line: usize, reason: String| PolicyLoadError {
        file: file.name.clone(),
        line,
        what: "schema".to_owned(),
        reason,
    };
    if file.name.ends_with(".json") {
        let json: serde_json::Value =
            serde_json::from_str(&file.text).map_err(|e| error(e.line(), e.to_string()))?;
        let schema = Schema::from_json_value(json.clone()).map_err(|e| {
            error(
                first_offset(&e).map_or(1, |o| line_of(&file.text, o)),
                e.to_string(),
            )
        })?;
        return Ok((schema, json));
    }
    let located = |e: &dyn miette::Diagnostic, message: String| {
        error(
            first_offset(e).map_or(1, |o| line_of(&file.text, o)),
            message,
        )
    };
    let (fragment, _) = cedar_policy::SchemaFragment::from_cedarschema_str(&file.text)
        .map_err(|e| located(&e, e.to_string()))?;
    let json = fragment
        .to_json_value()
        .map_err(|e| error(1, e.to_string()))?;
    let (schema, _) =
        Schema::from_cedarschema_str(&file.text).map_err(|e| located(&e, e.to_string()))?;
    Ok((schema, json))
}

/// Strict validation; the first error at its policy's file and line.
fn validate(
    policies: &PolicySet,
    schema: &Schema,
    files: &[SourceFile],
    origins: &HashMap<PolicyId, Origin>,
) -> Result<(), PolicyLoadError> {
    let result = Validator::new(schema.clone()).validate(policies, ValidationMode::Strict);
    let Some(error) = result.validation_errors().next() else {
        return Ok(());
    };
    let id = error.policy_id();
    let origin = origins
        .get(id)
        .cloned()
        .unwrap_or(Origin { file: 0, line: 1 });
    let file = files.get(origin.file);
    let line = match (file, first_offset(error)) {
        (Some(file), Some(offset)) => line_of(&file.text, offset),
        _ => origin.line,
    };
    Err(PolicyLoadError {
        file: file.map_or_else(String::new, |f| f.name.clone()),
        line,
        what: format!("policy {:?}", id.to_string()),
        reason: format!("does not validate against the schema: {error}"),
    })
}

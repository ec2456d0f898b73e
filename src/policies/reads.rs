//! What the policies read of the context, found once at load in their
//! JSON form: a context field no policy reads cannot change a decision,
//! so without a schema it is not built per request (with one, the
//! schema's declarations decide, as a request must fit them).

use cedar_policy::PolicySet;
use serde_json::Value;

/// The context paths the policies read; each path stands for everything
/// under it (the empty path: the whole context).
#[derive(Debug, Clone, Default)]
pub(crate) struct ContextReads {
    paths: Vec<Vec<String>>,
}

impl ContextReads {
    /// Everything: what a context checked against a schema is built with.
    pub fn everything() -> Self {
        ContextReads {
            paths: vec![Vec::new()],
        }
    }

    /// What `policies` read.
    pub fn of(policies: &PolicySet) -> Self {
        let mut paths = Vec::new();
        for policy in policies.policies() {
            match policy.to_json() {
                Ok(json) => walk(&json, &mut paths),
                // Not seen, so not known unread.
                Err(_) => paths.push(Vec::new()),
            }
        }
        paths.sort();
        paths.dedup();
        ContextReads { paths }
    }

    /// Whether some policy reads the context's `field`, or under it.
    pub fn field(&self, field: &str) -> bool {
        self.paths
            .iter()
            .any(|path| path.first().is_none_or(|first| first == field))
    }

    /// Whether some policy reads `sub` of the context's `field` (or all of
    /// `field`).
    pub fn subfield(&self, field: &str, sub: &str) -> bool {
        self.paths.iter().any(|path| match path.as_slice() {
            [] => true,
            [first] => first == field,
            [first, second, ..] => first == field && second == sub,
        })
    }
}

/// Collects the context paths read under `node`: an attribute access or
/// `has` on a chain of accesses from `context` reads that path; `context`
/// anywhere else reads it whole.
fn walk(node: &Value, paths: &mut Vec<Vec<String>>) {
    match node {
        Value::Object(map) => {
            if is_context(node) {
                paths.push(Vec::new());
                return;
            }
            for operator in [".", "has"] {
                let Some(access) = map.get(operator) else {
                    continue;
                };
                if let Some(mut path) = access.get("left").and_then(chain) {
                    path.extend(attributes(access.get("attr")));
                    paths.push(path);
                    return;
                }
            }
            map.values().for_each(|value| walk(value, paths));
        }
        Value::Array(items) => items.iter().for_each(|item| walk(item, paths)),
        _ => {}
    }
}

fn is_context(node: &Value) -> bool {
    node.get("Var").and_then(Value::as_str) == Some("context")
}

/// The path of `node` when it is `context` or a chain of attribute
/// accesses from it.
fn chain(node: &Value) -> Option<Vec<String>> {
    if is_context(node) {
        return Some(Vec::new());
    }
    let access = node.get(".")?;
    let mut path = chain(access.get("left")?)?;
    path.push(access.get("attr")?.as_str()?.to_owned());
    Some(path)
}

/// The attribute of an access: one name, or (`has a.b`) several.
fn attributes(attr: Option<&Value>) -> Vec<String> {
    match attr {
        Some(Value::String(name)) => vec![name.clone()],
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn reads(text: &str) -> ContextReads {
        ContextReads::of(&PolicySet::from_str(text).expect("policies parse"))
    }

    #[test]
    fn an_attribute_read_through_context_is_found_and_nothing_else() {
        let found = reads(
            r#"permit (principal, action, resource)
               when { context.guard.path like "*/x" && context has token };"#,
        );
        assert!(found.field("guard") && found.field("token"));
        assert!(!found.field("pathParameters"));
        assert!(found.subfield("guard", "path"));
        assert!(!found.subfield("guard", "method"));
    }

    #[test]
    fn a_record_read_whole_keeps_all_of_it() {
        let found = reads(
            r#"permit (principal, action, resource)
               when { context.guard == {"method": "GET"} };"#,
        );
        assert!(found.subfield("guard", "method") && found.subfield("guard", "rule"));
        assert!(!found.field("token"));
    }

    #[test]
    fn context_itself_read_keeps_everything() {
        let found = reads(r#"permit (principal, action, resource) when { context == {} };"#);
        assert!(found.field("token") && found.subfield("guard", "rule"));
    }

    #[test]
    fn an_extended_has_reads_its_whole_path() {
        let found =
            reads(r#"forbid (principal, action, resource) unless { context has guard.rule };"#);
        assert!(found.subfield("guard", "rule"));
        assert!(!found.subfield("guard", "path") && !found.field("token"));
    }

    #[test]
    fn policies_that_never_read_the_context_build_none_of_it() {
        let found = reads(r#"permit (principal, action, resource);"#);
        assert!(!found.field("guard") && !found.field("token"));
        assert!(ContextReads::everything().subfield("guard", "path"));
    }
}

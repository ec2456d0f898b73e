//! What a schema declares, read from its JSON form: the principal type's
//! attributes and each action's context record. With a schema, a claim
//! it does not declare is left out of the request (as AVP does), so that
//! Cedar's own checks judge only what the policies can name.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::names::CedarNames;

/// A declared type, as far as leaving attributes out needs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// A record: only these attributes, each with its own shape.
    Record(HashMap<String, Shape>),
    /// Anything else; Cedar checks it.
    Other,
}

/// The shapes of one schema, by where the request uses them.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeclaredShapes {
    /// The principal type's attributes (an empty record when it has none).
    pub principal: Shape,
    /// Each action's context, by the action's id.
    pub contexts: HashMap<String, Shape>,
}

impl Default for Shape {
    fn default() -> Self {
        Shape::Record(HashMap::new())
    }
}

impl DeclaredShapes {
    /// Reads `json`, a schema in Cedar's JSON format, for `names`.
    pub fn of(json: &Value, names: &CedarNames) -> Self {
        let empty = Map::new();
        let namespace = json
            .get(&names.namespace)
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let common = namespace
            .get("commonTypes")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let principal = namespace
            .get("entityTypes")
            .and_then(|types| types.get(&names.principal_type))
            .and_then(|ty| ty.get("shape"))
            .map_or_else(Shape::default, |shape| shape_of(shape, common, 0));
        let contexts = namespace
            .get("actions")
            .and_then(Value::as_object)
            .unwrap_or(&empty)
            .iter()
            .map(|(id, action)| {
                let context = action
                    .get("appliesTo")
                    .and_then(|applies| applies.get("context"))
                    .map_or_else(Shape::default, |shape| shape_of(shape, common, 0));
                (id.clone(), context)
            })
            .collect();
        DeclaredShapes {
            principal,
            contexts,
        }
    }

    /// The context shape of `action` (none declared: an empty record).
    pub fn context(&self, action: &str) -> Shape {
        self.contexts.get(action).cloned().unwrap_or_default()
    }
}

/// A type's shape; common types resolved (to a bounded depth: a schema
/// with a cycle is refused by Cedar before this is read).
fn shape_of(ty: &Value, common: &Map<String, Value>, depth: usize) -> Shape {
    if depth > 32 {
        return Shape::Other;
    }
    let kind = ty.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "Record" => Shape::Record(
            ty.get("attributes")
                .and_then(Value::as_object)
                .map(|attributes| {
                    attributes
                        .iter()
                        .map(|(name, ty)| (name.clone(), shape_of(ty, common, depth + 1)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        "EntityOrCommon" => match ty.get("name").and_then(Value::as_str) {
            Some(name) => common_shape(name, common, depth),
            None => Shape::Other,
        },
        other => common_shape(other, common, depth),
    }
}

fn common_shape(name: &str, common: &Map<String, Value>, depth: usize) -> Shape {
    let local = name.rsplit("::").next().unwrap_or(name);
    match common.get(local) {
        Some(ty) => shape_of(ty, common, depth + 1),
        None => Shape::Other,
    }
}

impl Shape {
    /// `value` with only what this shape declares (records recursively).
    pub fn keep(&self, value: Value) -> Value {
        match (self, value) {
            (Shape::Record(declared), Value::Object(fields)) => Value::Object(
                fields
                    .into_iter()
                    .filter_map(|(name, value)| {
                        let value = declared.get(&name)?.keep(value);
                        Some((name, value))
                    })
                    .collect(),
            ),
            (_, value) => value,
        }
    }

    /// Whether a record of this shape may hold `name`.
    pub fn declares(&self, name: &str) -> bool {
        match self {
            Shape::Record(declared) => declared.contains_key(name),
            Shape::Other => true,
        }
    }

    /// The shape of the attribute `name`.
    pub fn field(&self, name: &str) -> Shape {
        match self {
            Shape::Record(declared) => declared.get(name).cloned().unwrap_or(Shape::Other),
            Shape::Other => Shape::Other,
        }
    }
}

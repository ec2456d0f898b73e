//! A claim's JSON value as a Cedar value: strings, booleans, whole numbers
//! that fit a Cedar `Long`, arrays as sets, objects as records. Anything
//! else (a fraction, `null`, a number past 64 bits) has no Cedar form and
//! is refused, never coerced.

use cedar_policy::RestrictedExpression;
use serde_json::Value;

/// Deepest nesting converted; Cognito's claims are flat or one level.
const MAX_DEPTH: usize = 16;

/// `value` as Cedar holds it, or why it cannot be held.
pub(crate) fn to_cedar(value: Value) -> Result<RestrictedExpression, String> {
    convert(value, 0)
}

fn convert(value: Value, depth: usize) -> Result<RestrictedExpression, String> {
    if depth > MAX_DEPTH {
        return Err("nested deeper than 16 levels".to_owned());
    }
    Ok(match value {
        Value::String(s) => RestrictedExpression::new_string(s),
        Value::Bool(b) => RestrictedExpression::new_bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(n) => RestrictedExpression::new_long(n),
            None => {
                return Err(format!(
                    "the number {n} is not a whole 64-bit number, which is all Cedar holds"
                ))
            }
        },
        Value::Array(items) => RestrictedExpression::new_set(
            items
                .into_iter()
                .map(|item| convert(item, depth + 1))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Value::Object(fields) => RestrictedExpression::new_record(
            fields
                .into_iter()
                .map(|(k, v)| Ok((k, convert(v, depth + 1)?)))
                .collect::<Result<Vec<_>, String>>()?,
        )
        .map_err(|e| e.to_string())?,
        Value::Null => return Err("null has no Cedar form".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_cedar;

    #[test]
    fn refuses_what_cedar_cannot_hold() {
        assert!(to_cedar(json!(1.5)).is_err());
        assert!(to_cedar(json!(null)).is_err());
        assert!(to_cedar(json!(u64::MAX)).is_err());
        assert!(to_cedar(json!(["a", null])).is_err());
        assert!(to_cedar(json!({"a": {"b": 0.1}})).is_err());
    }

    #[test]
    fn converts_what_it_can() {
        assert!(to_cedar(json!("a")).is_ok());
        assert!(to_cedar(json!(-3)).is_ok());
        assert!(to_cedar(json!([true, "x", {"y": 1}])).is_ok());
    }

    #[test]
    fn refuses_deep_nesting() {
        let mut deep = json!(1);
        for _ in 0..20 {
            deep = json!([deep]);
        }
        assert!(to_cedar(deep).is_err());
    }
}

//! One request as the policies are asked it (beyond the token), and
//! Cedar's answer with what decided it, as the log line says it.

use actix_web::http::Method;
use cedar_policy::PolicyId;

/// What a request is, beyond the token: the per-request context.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// The original method, as sent.
    pub method: &'a Method,
    /// The normalised path.
    pub path: &'a str,
    /// The rule's name.
    pub rule: &'a str,
    /// The rule's `{name}` captures, in order.
    pub captures: &'a [(&'a str, &'a str)],
}

/// Cedar's answer for one request, with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDecision {
    /// Cedar said Allow.
    pub allowed: bool,
    /// The deciding policies: the permits that allowed, or the forbids
    /// that denied (empty: no policy permits).
    pub policies: Vec<PolicyId>,
    /// Policies that erred (not satisfied), with Cedar's message.
    pub errors: Vec<String>,
    /// Why no request could be put to Cedar (denied without asking).
    pub refused: Option<String>,
}

impl PolicyDecision {
    /// A denial before Cedar was asked, with why.
    pub(crate) fn refused(why: String) -> Self {
        PolicyDecision {
            allowed: false,
            policies: Vec::new(),
            errors: Vec::new(),
            refused: Some(why),
        }
    }

    /// What the log line says: the deciding policy ids, or why none.
    pub fn explanation(&self) -> String {
        let ids = || {
            let ids: Vec<&str> = self.policies.iter().map(AsRef::as_ref).collect();
            ids.join(",")
        };
        let mut text = match (&self.refused, self.allowed, self.policies.is_empty()) {
            (Some(why), _, _) => format!("denied before evaluation: {why}"),
            (None, true, _) => format!("permitted by {}", ids()),
            (None, false, true) => "no policy permits".to_owned(),
            (None, false, false) => format!("forbidden by {}", ids()),
        };
        if !self.errors.is_empty() {
            text.push_str(&format!("; erred: {}", self.errors.join("; ")));
        }
        text
    }
}

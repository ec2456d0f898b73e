//! A rule's Cedar action: `"<method, lower case> <path template>"` (AVP's
//! API Gateway form), or the rule's `action` when it names one. Made once
//! per rule and method, not per request.

use actix_web::http::Method;
use cedar_policy::EntityUid;

use super::names::CedarTypes;

/// The methods a rule is most often asked with, whose actions are made at
/// start (any other is made when asked), and that `policy schema` declares
/// for a rule without `methods`.
pub(crate) const COMMON: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// The action(s) of one `allow = "policy"` rule.
#[derive(Debug, Clone)]
pub struct RuleAction {
    template: Box<str>,
    /// The rule's `action`: one action whatever the method.
    fixed: Option<(Box<str>, EntityUid)>,
    by_method: Vec<(Method, Box<str>, EntityUid)>,
    types: CedarTypes,
}

impl RuleAction {
    /// The actions of a rule whose path is `template`; `fixed`: its
    /// `action`.
    pub(crate) fn new(types: &CedarTypes, template: &str, fixed: Option<&str>) -> Self {
        let fixed = fixed.map(|id| (Box::from(id), types.action(id)));
        let by_method = match fixed {
            Some(_) => Vec::new(),
            None => COMMON
                .iter()
                .map(|method| {
                    let id = action_id(method, template);
                    let uid = types.action(&id);
                    (method.clone(), id.into_boxed_str(), uid)
                })
                .collect(),
        };
        RuleAction {
            template: template.into(),
            fixed,
            by_method,
            types: types.clone(),
        }
    }

    /// The action id and uid for a request with `method`.
    pub fn for_method(
        &self,
        method: &Method,
    ) -> (std::borrow::Cow<'_, str>, std::borrow::Cow<'_, EntityUid>) {
        if let Some((id, uid)) = &self.fixed {
            return (id.as_ref().into(), std::borrow::Cow::Borrowed(uid));
        }
        match self.by_method.iter().find(|(m, _, _)| m == method) {
            Some((_, id, uid)) => (id.as_ref().into(), std::borrow::Cow::Borrowed(uid)),
            None => {
                let id = action_id(method, &self.template);
                let uid = self.types.action(&id);
                (id.into(), std::borrow::Cow::Owned(uid))
            }
        }
    }
}

/// `get /tenants/{tenant}/reports/**`.
pub(crate) fn action_id(method: &Method, template: &str) -> String {
    format!("{} {template}", method.as_str().to_ascii_lowercase())
}

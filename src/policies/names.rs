//! The Cedar names a policy store uses, as `[policies]` configures them:
//! AVP's defaults for a Cognito identity source (`<ns>::User`,
//! `<ns>::UserGroup`, the resource `<ns>::Application::"<ns>"`).

use std::str::FromStr;

use cedar_policy::{EntityId, EntityTypeName, EntityUid};

/// `namespace`, `principal_type`, `group_type` and `resource_id`, as
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CedarNames {
    /// The policy store's namespace (`Api`).
    pub namespace: String,
    /// The principal's entity type within it (default `User`).
    pub principal_type: String,
    /// The groups' entity type (default `UserGroup`).
    pub group_type: String,
    /// The one resource's id (default: the namespace).
    pub resource_id: String,
}

impl CedarNames {
    /// AVP's names in `namespace`.
    pub fn avp(namespace: &str) -> Self {
        CedarNames {
            namespace: namespace.to_owned(),
            principal_type: "User".to_owned(),
            group_type: "UserGroup".to_owned(),
            resource_id: namespace.to_owned(),
        }
    }

    /// `<ns>::<name>`.
    pub fn qualified(&self, name: &str) -> String {
        format!("{}::{name}", self.namespace)
    }
}

/// The names parsed into Cedar's types, once.
#[derive(Debug, Clone)]
pub(crate) struct CedarTypes {
    pub principal: EntityTypeName,
    pub group: EntityTypeName,
    pub resource: EntityUid,
    pub action: EntityTypeName,
}

impl CedarTypes {
    /// Parses `names`, or says which one Cedar refuses.
    pub fn parse(names: &CedarNames) -> Result<Self, String> {
        let type_name = |name: &str| {
            let qualified = names.qualified(name);
            EntityTypeName::from_str(&qualified)
                .map_err(|_| format!("{qualified:?} is not a Cedar entity type name"))
        };
        Ok(CedarTypes {
            principal: type_name(&names.principal_type)?,
            group: type_name(&names.group_type)?,
            resource: EntityUid::from_type_name_and_id(
                type_name("Application")?,
                EntityId::new(&names.resource_id),
            ),
            action: type_name("Action")?,
        })
    }

    /// `<ns>::Action::"<id>"`.
    pub fn action(&self, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.action.clone(), EntityId::new(id))
    }
}

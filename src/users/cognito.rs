//! The Cognito user pool as the user directory, through the Identity
//! Provider API.

use crate::users::directory::{
    DirectoryError, DirectoryFuture, Outcome, UserDirectory, UserRecord, UserRef,
};
use crate::users::idp::CognitoIdpClient;

/// The Cognito user pool, through the Identity Provider API. Without AWS
/// credentials every call answers [`DirectoryError::NotConfigured`].
pub struct CognitoDirectory {
    client: Option<CognitoIdpClient>,
}

impl CognitoDirectory {
    /// A directory calling Cognito with `client`, or refusing without one.
    pub fn new(client: Option<CognitoIdpClient>) -> Self {
        CognitoDirectory { client }
    }

    fn client(&self) -> Result<&CognitoIdpClient, DirectoryError> {
        self.client.as_ref().ok_or(DirectoryError::NotConfigured)
    }
}

impl UserDirectory for CognitoDirectory {
    fn find<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRecord>> {
        Box::pin(async move {
            let client = self.client()?;
            let Some(user) = client.find_by_sub(user_id).await? else {
                return Ok(None);
            };
            let Some(groups) = client.groups_of(&user.username).await? else {
                return Ok(None);
            };
            Ok(Some(UserRecord {
                sub: user.sub,
                username: user.username,
                email: user.email,
                enabled: user.enabled,
                status: user.status,
                groups,
            }))
        })
    }

    fn lookup<'a>(&'a self, user_id: &'a str) -> DirectoryFuture<'a, Option<UserRef>> {
        Box::pin(async move {
            let user = self.client()?.find_by_sub(user_id).await?;
            Ok(user.map(|user| UserRef {
                sub: user.sub,
                username: user.username,
            }))
        })
    }

    fn delete<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Outcome> {
        Box::pin(async move {
            // NotFound when deleted by someone else between the two calls.
            self.client()?.delete_user(&user.username).await
        })
    }

    fn sign_out<'a>(&'a self, user: &'a UserRef) -> DirectoryFuture<'a, Outcome> {
        Box::pin(async move { self.client()?.global_sign_out(&user.username).await })
    }
}

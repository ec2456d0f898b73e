//! Cognito's Identity Provider API: the endpoint (`endpoint`), SigV4
//! signing (`sigv4`) and the calls the admin routes need (`client`).

mod client;
mod endpoint;
mod sigv4;

pub use client::{CognitoIdpClient, IdpUser, IDP_TIMEOUT};
pub use endpoint::{IdpEndpoint, InvalidEndpoint};
pub use sigv4::{sigv4_headers, AwsCredentials};

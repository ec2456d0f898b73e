//! Client text never reaches a ListUsers filter: ids with a quote or a
//! backslash are answered 404 without a call. The stand-in, unlike moto,
//! refuses a filter they would break, as Cognito does.

use serde_json::json;

use super::standin::{spawn_app_on_idp, IdpStandIn, SECRET_KEY};
use crate::common::helpers::id_token;

#[actix_rt::test]
async fn ids_with_a_quote_or_a_backslash_never_reach_cognito() {
    let idp = IdpStandIn::start(&json!([
        {"username": "vic", "sub": "4f6a2c1e-0000-4000-8000-0000000000bc", "groups": []},
    ]));
    let app = spawn_app_on_idp(&idp.endpoint("/"), SECRET_KEY).await;
    let admin = id_token("sub-admin", None, &["admin"]);

    for id in [
        "a%22b",
        "x%5Cy",
        "%22%20or%20sub%20%5E%3D%20%224f6a",
        "%5C%22",
    ] {
        let path = format!("/users/{id}");
        assert_eq!(app.get(&path, Some(&admin)).await.status, 404, "{id}");
        assert_eq!(
            app.request("DELETE", &path, Some(&admin)).await.status,
            404,
            "{id}"
        );
    }

    assert!(idp.actions().await.is_empty(), "{:?}", idp.calls().await);
}

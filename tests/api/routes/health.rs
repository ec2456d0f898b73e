use crate::common::helpers::*;

#[actix_rt::test]
async fn healthz_answers_while_the_process_serves() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.status, 200);
}

#[actix_rt::test]
async fn readyz_is_ok_once_keys_are_loaded() {
    let app = spawn_app().await;
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["keys"], 1);
}

#[actix_rt::test]
async fn unknown_paths_are_json_404s() {
    let app = spawn_app().await;
    let response = app.get("/nope", None).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.detail(), "not found");
}

//! Browser clients, for real: headless Chromium through chromedriver
//! (`webdriver.rs`) on pages of two origins and on Swagger UI, and the
//! OpenAPI document through openapi-spec-validator. (CORS header by header
//! and what the document says: `tests/api/browser/`.)

mod chromium;
mod openapi;
mod webdriver;

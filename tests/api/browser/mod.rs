//! What browser clients rely on, over plain HTTP: CORS header by header,
//! and the OpenAPI document with Swagger UI at `/docs`. (A real browser,
//! and the document's validation: `tests/external/browser/`.)

mod cors;
mod openapi;

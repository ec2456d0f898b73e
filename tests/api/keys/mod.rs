//! The pool's signing keys: the JWKS cache as an operator sees it, and the
//! fetch over TLS.

mod cache;
mod tls;

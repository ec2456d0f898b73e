//! What both test binaries share: `tests/api` (in-process) and
//! `tests/external` (real programs beside the server) each include this
//! directory as their `common` module.

// Each binary uses its own part of this: what one leaves unused, the
// other uses, so it is not dead code.
#![allow(dead_code)]

pub mod binary;
pub mod guard_process;
pub mod helpers;
pub mod machine;
pub mod pools;
pub mod ports;

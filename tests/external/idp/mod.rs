//! The admin routes against a Cognito Identity Provider API: the moto
//! emulator (real pools, users and tokens), and the SigV4 stand-in
//! (`tests/support/sigv4_checker.py`), which checks every signature and
//! refuses what Cognito refuses.

pub mod cognito_emulator;
pub mod standin;

mod filter;
mod lockout;
mod signing;

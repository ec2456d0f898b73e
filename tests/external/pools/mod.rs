//! Several user pools (issue #20) with real programs: two pools in one moto
//! emulator, and per-pool revocations through a shared Redis. (In-process:
//! `tests/api/pools/`.)

mod cognito_emulator;
mod revocations;

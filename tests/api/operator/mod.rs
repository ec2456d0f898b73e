//! What an operator meets: the binary's start-up errors and log, the
//! built-in dev issuer, and documents that agree with the settings.

mod config_docs;
mod dev_mode;
mod gateway_docs;
mod policy_commands;
mod process;

//! What start-up checks of the Redis behind `REDIS_URL`, when it answers:
//! that it is not a Cluster (refused: keys of one deployment would land on
//! several nodes), and that its user may run every command the sync uses
//! (`commands`; a missing permission is named, rather than found later as
//! revocations that cannot be stored). A Redis that does not answer is not an error
//! here: the sync waits for it.

use std::time::Duration;

use redis::{Client, Script};
use thiserror::Error;

use crate::revocation::codec::RedisNames;
use crate::revocation::redis::commands::probe_script;
use crate::revocation::redis::store::{describe, is_connection_error, within};
use crate::revocation::RedisUrl;

/// How long start-up gives Redis to answer the checks.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(3);

/// A Redis the server cannot work with, in one line naming `REDIS_URL`
/// (without its credentials).
#[derive(Debug, Error)]
#[error("REDIS_URL ({url}): {problem}")]
pub struct PreflightError {
    url: String,
    problem: Unusable,
}

/// Why the Redis cannot be used.
#[derive(Debug, Error)]
pub enum Unusable {
    #[error(
        "is a Redis Cluster node, which is not supported (one deployment's revocations \
         would be spread over several nodes); use a standalone primary, with replicas if \
         you like (ElastiCache: cluster mode disabled)"
    )]
    Cluster,
    #[error(
        "the Redis user may not run `{command}` ({error}); grant the ACL given in \
         docs/operations.md (\"Redis\")"
    )]
    MissingPermission { command: String, error: String },
}

/// Checks the Redis at `url` for `names`' deployment, if it answers.
pub async fn check(url: &RedisUrl, names: &RedisNames) -> Result<(), PreflightError> {
    match actix_rt::time::timeout(PREFLIGHT_TIMEOUT, run(url, names)).await {
        Ok(Err(Check::Unusable(problem))) => Err(PreflightError {
            url: url.to_string(),
            problem,
        }),
        Ok(Err(Check::Unreachable(reason))) => {
            log::info!("Redis at {url} not checked at start ({reason}); the sync retries");
            Ok(())
        }
        Ok(Ok(())) => Ok(()),
        Err(_) => {
            log::info!("Redis at {url} not checked at start (no answer); the sync retries");
            Ok(())
        }
    }
}

enum Check {
    Unusable(Unusable),
    Unreachable(String),
}

fn missing(command: &str, error: &str) -> Check {
    Check::Unusable(Unusable::MissingPermission {
        command: command.to_owned(),
        error: error.to_owned(),
    })
}

/// Sorts a refused command into "missing permission" (fatal) and anything
/// else (Redis busy, read-only, out of memory: the sync copes with those).
fn refused(command: &str, error: &redis::RedisError) -> Check {
    if error.code() == Some("NOPERM") {
        missing(command, &describe(error))
    } else {
        Check::Unreachable(describe(error))
    }
}

async fn run(url: &RedisUrl, names: &RedisNames) -> Result<(), Check> {
    let client = Client::open(url.expose()).map_err(|e| Check::Unreachable(describe(&e)))?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|e| match is_connection_error(&e) {
            true => Check::Unreachable(describe(&e)),
            false => refused("select", &e),
        })?;

    let mut info = redis::cmd("INFO");
    info.arg("cluster");
    let info: String = within(info.query_async(&mut conn))
        .await
        .map_err(|e| refused("info", &e))?;
    if info.lines().any(|line| line.trim() == "cluster_enabled:1") {
        return Err(Check::Unusable(Unusable::Cluster));
    }

    let probe_script = probe_script();
    let probe = Script::new(&probe_script);
    let mut load = redis::cmd("SCRIPT");
    load.arg("LOAD").arg(&probe_script);
    within(load.query_async::<String>(&mut conn))
        .await
        .map_err(|e| refused("script|load", &e))?;
    let expire_at = crate::clock::unix_now().unwrap_or(0) + 60;
    let mut evalsha = redis::cmd("EVALSHA");
    evalsha
        .arg(probe.get_hash())
        .arg(1)
        .arg(names.probe_key())
        .arg(expire_at)
        .arg(names.probe_key());
    let outcome: String = within(evalsha.query_async(&mut conn))
        .await
        .map_err(|e| refused("evalsha", &e))?;
    if outcome != "ok" {
        let (command, error) = outcome.split_once(' ').unwrap_or((&outcome, ""));
        // Redis 7 words a script's ACL refusal "can't run this command".
        return Err(
            if error.contains("NOPERM") || error.contains("can't run this command") {
                missing(command, error)
            } else {
                Check::Unreachable(outcome.clone())
            },
        );
    }

    let mut pubsub = client
        .get_async_pubsub()
        .await
        .map_err(|e| Check::Unreachable(describe(&e)))?;
    within(pubsub.subscribe(names.channel()))
        .await
        .map_err(|e| refused("subscribe", &e))?;
    within(pubsub.ping::<redis::Value>())
        .await
        .map_err(|e| refused("ping", &e))?;
    Ok(())
}

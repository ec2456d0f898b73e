//! What start-up checks of the Redis behind `REDIS_URL`, when it answers:
//! that it is not a Cluster (refused: keys of one deployment would land on
//! several nodes), and that its user may run every command the sync uses
//! (a missing permission is named, rather than found later as revocations
//! that cannot be stored). A Redis that does not answer is not an error
//! here: the sync waits for it.

use std::time::Duration;

use redis::{Client, Script};

use crate::revocation::codec::RedisNames;
use crate::revocation::redis::store::{describe, is_connection_error, within};
use crate::revocation::RedisUrl;

/// How long start-up gives Redis to answer the checks.
const PREFLIGHT_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs, through `redis.pcall`, every command the merge script and the
/// sync use, on the probe key and channel (never on revocations), and
/// returns the first one refused with its error, or `ok`.
const PROBE_SCRIPT: &str = r#"
local key, channel = KEYS[1], ARGV[2]
local calls = {
  {'HSET', key, 'probe', '1'}, {'HGET', key, 'probe'}, {'HLEN', key},
  {'HSCAN', key, '0'}, {'EXPIREAT', key, ARGV[1]}, {'HDEL', key, 'probe'},
  {'PUBLISH', channel, 'probe'},
}
for _, call in ipairs(calls) do
  local reply = redis.pcall(unpack(call))
  if type(reply) == 'table' and reply.err then
    return string.lower(call[1]) .. ' ' .. reply.err
  end
end
return 'ok'
"#;

/// A Redis the server cannot work with, in one line naming `REDIS_URL`.
pub type PreflightError = String;

/// Checks the Redis at `url` for `names`' deployment, if it answers.
pub async fn check(url: &RedisUrl, names: &RedisNames) -> Result<(), PreflightError> {
    match actix_rt::time::timeout(PREFLIGHT_TIMEOUT, run(url, names)).await {
        Ok(Err(Check::Unusable(reason))) => Err(format!("REDIS_URL ({url}): {reason}")),
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
    Unusable(String),
    Unreachable(String),
}

fn missing(command: &str, error: &str) -> Check {
    Check::Unusable(format!(
        "the Redis user may not run `{command}` ({error}); grant the ACL listed in the README \
         (\"Running several instances\")"
    ))
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
        return Err(Check::Unusable(
            "is a Redis Cluster node, which is not supported (one deployment's revocations \
             would be spread over several nodes); use a standalone primary, with replicas if \
             you like (ElastiCache: cluster mode disabled)"
                .to_owned(),
        ));
    }

    let probe = Script::new(PROBE_SCRIPT);
    let mut load = redis::cmd("SCRIPT");
    load.arg("LOAD").arg(PROBE_SCRIPT);
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

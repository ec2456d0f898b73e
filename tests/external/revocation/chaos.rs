//! Issue #18's randomized fault test: several instances, a stream of
//! deletions and sign-outs, and Redis killed (back empty), flushed, demoted
//! in place (writes `READONLY`) or evicting under `volatile-lru`, at random
//! moments (seeded: `CHAOS_SEED` replays a run; a bounded number of faults).
//! At the end every instance and a fresh one refuse every revoked user: the
//! test prints how many revocations it made and lost (0, or it fails).

use std::time::{Duration, Instant};

use super::redis_server::RedisServer;
use super::support::*;
use crate::common::helpers::{now, wait_until, TestApp};

/// Faults injected per run.
const FAULTS: usize = 8;

/// xorshift64*: enough randomness for picking faults, replayable by seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// A revocation made, and the token it must refuse.
struct Made {
    sub: String,
    token: String,
}

struct Chaos {
    rng: Rng,
    apps: Vec<TestApp>,
    made: Vec<Made>,
    next: usize,
}

impl Chaos {
    /// A few deletions and sign-outs through random instances.
    async fn burst(&mut self) {
        for _ in 0..2 + self.rng.below(4) {
            let app = &self.apps[self.rng.below(self.apps.len() as u64) as usize];
            self.next += 1;
            let sub = format!("4f6a2c1e-0000-4000-8000-chaos{:07}", self.next);
            if self.rng.below(2) == 0 {
                let token = token_of(&sub);
                let before = app.get("/messages/private", Some(&token)).await;
                assert_eq!(before.status, 200, "{sub}: {}", before.body);
                delete(app, &sub, 204).await;
                self.made.push(Made { sub, token });
            } else {
                let token = token_issued_at(&sub, now() - 2);
                let before = app.get("/messages/private", Some(&token)).await;
                assert_eq!(before.status, 200, "{sub}: {}", before.body);
                let path = format!("/users/{sub}/sign-out");
                let signed_out = app.request("POST", &path, Some(&admin())).await;
                assert_eq!(signed_out.status, 204, "{}", signed_out.body);
                self.made.push(Made { sub, token });
            }
        }
    }
}

async fn link_up(replica: &RedisServer) {
    let up = || {
        replica
            .try_command(&["INFO", "replication"])
            .is_some_and(|info| info.contains("master_link_status:up"))
    };
    assert!(
        wait_until(Duration::from_secs(30), up).await,
        "replica link"
    );
}

#[actix_rt::test]
async fn no_revocation_is_lost_whatever_redis_does() {
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| now() ^ u64::from(std::process::id()) << 20 | 1);
    eprintln!("revocation chaos: CHAOS_SEED={seed}");
    let mut r1 = RedisServer::start();
    let r2 = RedisServer::start();
    r2.replicate(&r1);
    let mut chaos = Chaos {
        rng: Rng(seed),
        apps: vec![
            instance(&r1).await,
            instance(&r1).await,
            instance(&r1).await,
        ],
        made: Vec::new(),
        next: 0,
    };
    let started = Instant::now();
    let mut faults = Vec::new();
    for _ in 0..FAULTS {
        chaos.burst().await;
        let fault = chaos.rng.below(4);
        faults.push(["kill", "flush", "demote", "evict"][fault as usize]);
        match fault {
            0 => {
                r1.stop();
                chaos.burst().await;
                r1.restart();
                link_up(&r2).await;
            }
            1 => {
                assert_eq!(r1.command(&["FLUSHALL"]), "+OK");
                if chaos.rng.below(2) == 0 {
                    // A new instance against the empty Redis, at once.
                    let app = instance(&r1).await;
                    chaos.apps.push(app);
                }
                chaos.burst().await;
            }
            2 => {
                r2.promote();
                let port = r2.port.to_string();
                assert_eq!(r1.command(&["REPLICAOF", "127.0.0.1", &port]), "+OK");
                link_up(&r1).await;
                chaos.burst().await;
                r1.promote();
                let port = r1.port.to_string();
                assert_eq!(r2.command(&["REPLICAOF", "127.0.0.1", &port]), "+OK");
                link_up(&r2).await;
            }
            _ => {
                let used = r1.used_memory();
                r1.limit_memory(used + 256 * 1024, "volatile-lru");
                let junk = "x".repeat(16 * 1024);
                for n in 0..64 {
                    r1.command(&["SET", &format!("junk:{n}"), &junk]);
                }
                chaos.burst().await;
                r1.limit_memory(0, "volatile-lru");
                let keys = r1.command(&["KEYS", "junk:*"]);
                let mut del: Vec<&str> = vec!["DEL"];
                del.extend(keys.lines().filter(|k| !k.is_empty()));
                if del.len() > 1 {
                    r1.command(&del);
                }
            }
        }
    }
    chaos.burst().await;
    let fresh = instance(&r1).await;
    chaos.apps.push(fresh);

    // Every instance, the fresh one included, refuses every revoked user.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut lost = Vec::new();
    for made in &chaos.made {
        for (i, app) in chaos.apps.iter().enumerate() {
            let limit = deadline.saturating_duration_since(Instant::now());
            if !all_answer(&[app], &made.token, 401, limit).await {
                lost.push(format!("{} on instance {i}", made.sub));
            }
        }
    }
    eprintln!(
        "revocation chaos (seed {seed}, faults {faults:?}, {:?}): {} revocations made, {} \
         lost, {} instances",
        started.elapsed(),
        chaos.made.len(),
        lost.len(),
        chaos.apps.len()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
}

//! The sync task: one connection's life after another. Per connection it
//! subscribes first, then syncs every live bucket (in the background, so
//! announcements keep being applied meanwhile), then loops: applies
//! announcements, stores this instance's new revocations (pending, and in
//! the spool, until Redis confirms them), retries what Redis refused, and
//! audits the buckets every few seconds.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix_rt::time::Instant;
use futures_util::StreamExt as _;
use redis::aio::MultiplexedConnection;
use redis::Client;
use tokio::sync::{mpsc, oneshot};

use crate::clock::unix_now;
use crate::revocation::codec::{decode_message, live_buckets, RedisNames};
use crate::revocation::list::{Revocation, RevocationList};
use crate::revocation::redis::buckets::{audit, sync, Synced};
use crate::revocation::redis::status::SyncStatus;
use crate::revocation::redis::store::{
    describe, is_connection_error, unix_millis, WriteError, Writer, COMMAND_TIMEOUT,
};
use crate::revocation::spool::Spool;
use crate::revocation::RedisUrl;

/// Connecting may take this long before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How often the connection is checked (a silent, half-open one is noticed
/// within this plus the timeout) and the buckets audited (a loss is noticed
/// within about this long).
const AUDIT_EVERY: Duration = Duration::from_secs(2);
/// Retries after a failure start here and double up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause between retries: a returning (or writable again) Redis is
/// caught up with within about this long.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

type Job = Pin<Box<dyn Future<Output = Result<Synced, WriteError>>>>;

/// Everything the sync task owns.
pub(super) struct SyncTask {
    pub url: RedisUrl,
    pub names: RedisNames,
    pub list: Arc<RevocationList>,
    pub inbox: mpsc::UnboundedReceiver<(String, Revocation)>,
    pub status: Arc<SyncStatus>,
    pub first_sync: Option<oneshot::Sender<()>>,
    pub spool: Arc<Spool>,
    /// This instance's revocations that Redis has not confirmed.
    pub pending: HashMap<String, Revocation>,
    pub writer: Arc<Writer>,
    /// Whether the current outage (or refusal) has been warned about.
    pub in_outage: bool,
}

/// What one connection is doing, beyond the socket.
struct Session {
    conn: MultiplexedConnection,
    job: Option<Job>,
    /// The first sync of this connection has completed.
    in_step: bool,
    /// Why Redis refused the last write, while it does.
    refusing: Option<String>,
    retry_at: Option<Instant>,
    retry_backoff: Duration,
    /// Bucket sizes seen by the last audit.
    sizes: HashMap<u64, usize>,
}

impl SyncTask {
    pub async fn run(mut self) {
        let mut backoff = MIN_BACKOFF;
        self.status
            .pending
            .store(self.pending.len(), Ordering::Release);
        loop {
            let error = self.session(&mut backoff).await;
            self.report(false, &error);
            self.draining(actix_rt::time::sleep(backoff)).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Says `up` in the status, and warns once per outage and once at its end.
    fn report(&mut self, up: bool, why: &str) {
        self.status.up.store(up, Ordering::Release);
        match (up, self.in_outage) {
            (true, true) => {
                self.in_outage = false;
                log::warn!(
                    "Redis at {} is back and storing writes; the revocation list is in step again",
                    self.url
                );
            }
            (false, false) => {
                self.in_outage = true;
                log::warn!(
                    "Redis at {} unavailable or refusing writes ({why}); revocations are \
                     enforced from memory, kept in {} until stored, and retried",
                    self.url,
                    self.spool.path().display()
                );
            }
            (false, true) => log::debug!("Redis at {} still down: {why}", self.url),
            (true, false) => {}
        }
    }

    /// One connection's life: returns why it ended.
    async fn session(&mut self, backoff: &mut Duration) -> String {
        let client = match Client::open(self.url.expose()) {
            Ok(client) => client,
            Err(e) => return describe(&e),
        };
        let channel = self.names.channel();
        let connected = async {
            let mut pubsub = client.get_async_pubsub().await?;
            // Subscribe first, then read: nothing announced in between is lost.
            pubsub.subscribe(&channel).await?;
            let conn = client.get_multiplexed_async_connection().await?;
            Ok::<_, redis::RedisError>((pubsub, conn))
        };
        let connected = actix_rt::time::timeout(CONNECT_TIMEOUT, connected);
        let (pubsub, conn) = match self.draining(connected).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(e)) => return describe(&e),
            Err(_) => return "connecting timed out".to_owned(),
        };
        let buckets = live_buckets(unix_now().unwrap_or(0)).collect();
        let mut session = Session {
            job: Some(self.sync_job(&conn, buckets)),
            conn,
            in_step: false,
            refusing: None,
            retry_at: None,
            retry_backoff: MIN_BACKOFF,
            sizes: HashMap::new(),
        };
        let (mut sink, mut messages) = pubsub.split();
        // Instances started together audit at different moments.
        let phase = AUDIT_EVERY.mul_f64(random_fraction());
        let mut audit_tick = actix_rt::time::interval_at(Instant::now() + phase, AUDIT_EVERY);
        loop {
            tokio::select! {
                message = messages.next() => {
                    let Some(message) = message else {
                        return "the subscription was closed".to_owned();
                    };
                    let payload: String = message.get_payload().unwrap_or_default();
                    self.apply_announcement(&payload);
                }
                outgoing = self.inbox.recv() => {
                    let Some((sub, revocation)) = outgoing else {
                        return "the server is stopping".to_owned();
                    };
                    self.add_pending(sub, revocation).await;
                    session.retry_at = Some(Instant::now());
                }
                () = sleep_until(session.retry_at), if session.retry_at.is_some() => {
                    if let Err(WriteError::Lost(e)) = self.retry(&mut session).await {
                        return e;
                    }
                }
                synced = run(&mut session.job) => {
                    session.job = None;
                    let synced = match synced {
                        Ok(synced) => synced,
                        Err(WriteError::Lost(e)) => return e,
                    };
                    self.confirm(&synced.confirmed).await;
                    if synced.written > 0 {
                        log::warn!(
                            "wrote back {} revocations Redis lacked (lost by eviction, a flush, \
                             or a restart)",
                            synced.written
                        );
                    }
                    self.refused(&mut session, synced.refused);
                    if !session.in_step {
                        session.in_step = true;
                        *backoff = MIN_BACKOFF;
                        self.status.synced_once.store(true, Ordering::Release);
                        if let Some(synced) = self.first_sync.take() {
                            let _ = synced.send(());
                            log::info!("revocations shared through Redis at {}", self.url);
                        }
                    }
                    self.report(session.is_up(), "");
                }
                _ = audit_tick.tick() => {
                    let pong = sink.ping::<redis::Value>();
                    match actix_rt::time::timeout(COMMAND_TIMEOUT, pong).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => return describe(&e),
                        Err(_) => return "no answer to PING".to_owned(),
                    }
                    if session.job.is_none() && session.refusing.is_none() && session.in_step {
                        if let Err(e) = self.audit(&mut session).await {
                            return e;
                        }
                    }
                }
            }
        }
    }

    /// Runs `future` while keeping (pending, spooled) the revocations made
    /// here meanwhile: between connections too, nothing waits unspooled.
    async fn draining<T>(&mut self, future: impl Future<Output = T>) -> T {
        let mut future = std::pin::pin!(future);
        let mut open = true;
        loop {
            tokio::select! {
                done = &mut future => return done,
                outgoing = self.inbox.recv(), if open => match outgoing {
                    Some((sub, revocation)) => self.add_pending(sub, revocation).await,
                    None => open = false,
                },
            }
        }
    }

    /// Starts syncing `buckets` in the background of the session loop.
    fn sync_job(&self, conn: &MultiplexedConnection, buckets: Vec<u64>) -> Job {
        Box::pin(sync(
            conn.clone(),
            self.names.clone(),
            Arc::clone(&self.writer),
            Arc::clone(&self.list),
            buckets,
        ))
    }

    /// Compares bucket sizes with the list; starts a sync of those that
    /// differ. Errors only when the connection is gone.
    async fn audit(&self, session: &mut Session) -> Result<(), String> {
        match audit(
            &mut session.conn,
            &self.names,
            &self.list,
            &mut session.sizes,
        )
        .await
        {
            Ok(differing) if differing.is_empty() => Ok(()),
            Ok(differing) => {
                log::debug!("buckets {differing:?} differ from Redis; syncing them");
                session.job = Some(self.sync_job(&session.conn, differing));
                Ok(())
            }
            Err(e) if is_connection_error(&e) => Err(describe(&e)),
            Err(e) => {
                log::warn!("Redis refused the revocation audit: {}", describe(&e));
                Ok(())
            }
        }
    }

    /// Stores what is pending; once Redis takes it all, and it had been
    /// refusing, audits, so that whatever a refused write-back left out is
    /// found again (the store is up again only once that sync is done).
    async fn retry(&mut self, session: &mut Session) -> Result<(), WriteError> {
        session.retry_at = None;
        if !self.pending.is_empty() {
            let entries: Vec<(String, Revocation)> = self
                .pending
                .iter()
                .map(|(sub, revocation)| (sub.clone(), *revocation))
                .collect();
            let written = self.writer.write(&mut session.conn, &entries).await?;
            self.confirm(&written.stored).await;
            if written.refused.is_some() {
                self.refused(session, written.refused);
                return Ok(());
            }
            if !self.pending.is_empty() {
                // Added while this write was under way.
                session.retry_at = Some(Instant::now());
            }
        }
        if session.refusing.is_some() && session.job.is_none() {
            self.audit(session).await.map_err(WriteError::Lost)?;
            if session.job.is_none() {
                self.refused(session, None);
            }
        }
        self.report(session.is_up(), "");
        Ok(())
    }

    /// Records whether Redis refused a write, and schedules the retry.
    fn refused(&mut self, session: &mut Session, refused: Option<String>) {
        match refused {
            Some(why) => {
                self.report(false, &format!("it refused a write: {why}"));
                session.refusing = Some(why);
                session.retry_at = Some(Instant::now() + session.retry_backoff);
                session.retry_backoff = (session.retry_backoff * 2).min(MAX_BACKOFF);
            }
            None => {
                session.refusing = None;
                session.retry_backoff = MIN_BACKOFF;
            }
        }
    }

    fn apply_announcement(&self, payload: &str) {
        let Some((sub, revocation, sent_ms)) = decode_message(payload, unix_now().unwrap_or(0))
        else {
            log::debug!("ignoring a malformed revocation announcement");
            return;
        };
        self.status
            .lag_ms
            .store(unix_millis().saturating_sub(sent_ms), Ordering::Relaxed);
        if let Err(full) = self.list.revoke(&sub, revocation, unix_now().unwrap_or(0)) {
            log::error!("revocation of sub={sub} from Redis: {full}");
        }
    }
}

impl Session {
    fn is_up(&self) -> bool {
        self.in_step && self.refusing.is_none()
    }
}

/// The job's outcome, or never when there is none.
async fn run(job: &mut Option<Job>) -> Result<Synced, WriteError> {
    match job {
        Some(job) => job.await,
        None => std::future::pending().await,
    }
}

/// A number in [0, 1), different in every call and process.
fn random_fraction() -> f64 {
    use std::hash::BuildHasher as _;
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => actix_rt::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

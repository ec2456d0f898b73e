//! The two triggers of a reload. Files are polled: every `POLL_INTERVAL`
//! each watched file is read through its path, so a write in place, an
//! editor's write-then-rename and a Kubernetes ConfigMap's symlink swap
//! all show as new content, with no platform watcher to miss a rename of a
//! directory it does not watch. A change is acted on once the content
//! holds still, and a refusal is not reported if the files moved again
//! while the reload read them, so a write caught halfway is not reported
//! as a broken configuration.

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, SystemTime};

use super::reloader::{Reloader, Trigger};

/// How often the watched files are read: a change is noticed within twice
/// this.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How long changed content must hold still before it is loaded.
const SETTLE: Duration = Duration::from_millis(100);

/// Each file's content (`None`: unreadable, or missing).
type Snapshot = Vec<(PathBuf, Option<Vec<u8>>)>;

fn snapshot(files: Vec<PathBuf>) -> Snapshot {
    files
        .into_iter()
        .map(|path| {
            let content = std::fs::read(&path).ok();
            (path, content)
        })
        .collect()
}

/// Each file's length and modification time (`None`: no such file).
fn stamps(paths: &[PathBuf]) -> Vec<Option<(u64, Option<SystemTime>)>> {
    paths
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()))
        })
        .collect()
}

/// Watches the reloader's files on a thread of its own, every `interval`,
/// and reloads on a change; no thread when there is no file. The thread
/// ends with the reloader (it holds it weakly), so a stopped server leaves
/// nothing polling.
pub fn watch_files(reloader: &Arc<Reloader>, interval: Duration) -> std::io::Result<()> {
    if reloader.files().is_empty() {
        return Ok(());
    }
    let weak = Arc::downgrade(reloader);
    let mut seen = snapshot(reloader.files());
    thread::Builder::new()
        .name("config-watch".to_owned())
        .spawn(move || loop {
            thread::sleep(interval);
            let Some(reloader) = weak.upgrade() else {
                return;
            };
            let mut now = snapshot(reloader.files());
            if now == seen {
                continue;
            }
            // Wait for the writer to finish.
            loop {
                thread::sleep(SETTLE);
                let again = snapshot(reloader.files());
                if again == now {
                    break;
                }
                now = again;
            }
            // The same paths again, not `reloader.files()`: a refusal adds
            // the files it names, which would count as a move. The stamps
            // catch a write of the content they held already.
            let paths: Vec<PathBuf> = now.iter().map(|(path, _)| path.clone()).collect();
            let before = stamps(&paths);
            reloader.reload_unless_moved(Trigger::FileChange, || {
                stamps(&paths) != before || snapshot(paths) != now
            });
            // What was loaded, not what is there now: a change landing
            // during the reload differs from it, and is loaded at the next
            // poll. (A reload naming other files differs too, once.)
            seen = now;
        })
        .map(drop)
}

/// Reloads on every `SIGHUP` (which would otherwise end the process), on
/// a blocking thread, for as long as the reloader lives. Call within the
/// server's runtime.
pub fn listen_for_sighup(reloader: Weak<Reloader>) -> std::io::Result<()> {
    use actix_rt::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    actix_rt::spawn(async move {
        while hangups.recv().await.is_some() {
            let Some(reloader) = reloader.upgrade() else {
                return;
            };
            let reloaded =
                actix_rt::task::spawn_blocking(move || reloader.reload(Trigger::Signal)).await;
            if reloaded.is_err() {
                log::error!("the reload on SIGHUP did not finish");
            }
        }
    });
    Ok(())
}

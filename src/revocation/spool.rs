//! The spool file (`REVOCATION_SPOOL`): revocations this instance made that
//! Redis has not stored yet, so that a restart while Redis is down (or
//! refusing writes) forgets none of them. It is read back at start, and an
//! entry leaves it once Redis has it.
//!
//! The file is small (only what Redis lacks) and rewritten whole, atomically:
//! a temporary file beside it is written, `fsync`ed, renamed over it, and the
//! directory `fsync`ed. A crash at any point leaves either the old file or
//! the new one, never a mix, so earlier entries are never lost or damaged.
//! Each line carries a CRC-32, so a file damaged from outside (a disk, an
//! editor) is noticed; a file that is not a spool at all is never
//! overwritten. A lock file beside it keeps two processes from sharing one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::revocation::codec::{decode, encode_value};
use crate::revocation::list::Revocation;

/// The first line of every spool file: what it is, and the format version.
const HEADER: &str = "cognito-guard revocation spool v1";

/// Why the spool cannot be used; each names the file, so the operator knows
/// what to look at (`REVOCATION_SPOOL`).
#[derive(Debug, Error)]
pub enum SpoolError {
    #[error("REVOCATION_SPOOL {path}: cannot be used: {source}")]
    Io { path: String, source: io::Error },
    #[error(
        "REVOCATION_SPOOL {path}: in use by another process (give each instance its own file)"
    )]
    Locked { path: String },
    #[error(
        "REVOCATION_SPOOL {path}: not a cognito-guard revocation spool (left untouched; point \
         REVOCATION_SPOOL elsewhere)"
    )]
    Foreign { path: String },
    #[error(
        "REVOCATION_SPOOL {path}: line {line} is damaged (checksum or format); the file was \
         changed from outside: move it aside to start without its revocations"
    )]
    Damaged { path: String, line: usize },
}

/// The spool of one process, locked for as long as it lives.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    temporary: PathBuf,
    directory: PathBuf,
    /// Held open (and locked) for the process's life.
    _lock: File,
}

impl Spool {
    /// Locks and reads the spool at `path` (none yet: empty), returning it
    /// with the live revocations it holds at `now`.
    pub fn open(path: &Path, now: u64) -> Result<(Spool, Vec<(String, Revocation)>), SpoolError> {
        let shown = path.display().to_string();
        let io_error = |source| SpoolError::Io {
            path: shown.clone(),
            source,
        };
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(with_suffix(path, ".lock"))
            .map_err(io_error)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(SpoolError::Locked { path: shown }),
            Err(TryLockError::Error(e)) => return Err(io_error(e)),
        }
        let entries = match std::fs::read(path) {
            Ok(bytes) => parse(&bytes, now).map_err(|problem| match problem {
                Problem::Foreign => SpoolError::Foreign {
                    path: shown.clone(),
                },
                Problem::Damaged(line) => SpoolError::Damaged {
                    path: shown.clone(),
                    line,
                },
            })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_error(e)),
        };
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let spool = Spool {
            path: path.to_path_buf(),
            temporary: with_suffix(path, ".tmp"),
            directory,
            _lock: lock,
        };
        Ok((spool, entries))
    }

    /// Replaces the spool's contents with `entries`, atomically.
    pub fn save(&self, entries: &[(String, Revocation)]) -> io::Result<()> {
        let mut text = String::with_capacity(HEADER.len() + 1 + entries.len() * 64);
        text.push_str(HEADER);
        text.push('\n');
        for (sub, revocation) in entries {
            text.push_str(&record(sub, *revocation));
            text.push('\n');
        }
        let mut file = File::create(&self.temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temporary, &self.path)?;
        // The rename itself is durable only once the directory is.
        File::open(&self.directory)?.sync_all()
    }

    /// The file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// One line: `<crc32 hex> <value> <sub>`, the checksum over `<value> <sub>`.
fn record(sub: &str, revocation: Revocation) -> String {
    let body = format!("{} {sub}", encode_value(revocation));
    format!("{:08x} {body}", crc32fast::hash(body.as_bytes()))
}

#[derive(Debug, PartialEq, Eq)]
enum Problem {
    Foreign,
    /// The 1-based line number.
    Damaged(usize),
}

/// The live revocations of a spool file's contents.
fn parse(bytes: &[u8], now: u64) -> Result<Vec<(String, Revocation)>, Problem> {
    if bytes.is_empty() {
        // Never written by us (we always write the header), and holding
        // nothing to lose: an operator's `touch`.
        return Ok(Vec::new());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Problem::Foreign)?;
    let mut lines = text.split('\n');
    if lines.next() != Some(HEADER) {
        return Err(Problem::Foreign);
    }
    let mut entries = Vec::new();
    for (index, line) in lines.enumerate() {
        let number = index + 2;
        if line.is_empty() {
            continue;
        }
        let (sum, body) = line.split_once(' ').ok_or(Problem::Damaged(number))?;
        let sum_ok = u32::from_str_radix(sum, 16)
            .is_ok_and(|sum| sum == crc32fast::hash(body.as_bytes()) && line.len() > 9);
        let (value, sub) = body.split_once(' ').ok_or(Problem::Damaged(number))?;
        // A value out of range was not written by this server either.
        let revocation = decode(value, now).ok_or(Problem::Damaged(number))?;
        if !sum_ok || sub.is_empty() {
            return Err(Problem::Damaged(number));
        }
        if revocation.until > now {
            entries.push((sub.to_owned(), revocation));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_000_000;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cg-spool-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn saved_entries_are_read_back_and_expired_ones_dropped() {
        let path = dir("round-trip").join("spool");
        let (spool, none) = Spool::open(&path, NOW).expect("opens");
        assert!(none.is_empty());
        let entries = vec![
            ("a".to_owned(), Revocation::deleted(NOW + 100)),
            ("b c".to_owned(), Revocation::signed_out(NOW - 5, NOW + 50)),
            ("old".to_owned(), Revocation::deleted(NOW - 1)),
        ];
        spool.save(&entries).expect("saved");
        drop(spool);
        let (_spool, read) = Spool::open(&path, NOW).expect("reopens");
        assert_eq!(read, entries[..2].to_vec());
    }

    #[test]
    fn a_second_process_cannot_share_the_file() {
        let path = dir("locked").join("spool");
        let (_first, _) = Spool::open(&path, NOW).expect("opens");
        let second = Spool::open(&path, NOW).expect_err("locked");
        assert!(matches!(second, SpoolError::Locked { .. }), "{second}");
        assert!(second.to_string().starts_with("REVOCATION_SPOOL "));
    }

    #[test]
    fn a_crash_mid_write_leaves_the_earlier_entries_whole() {
        let path = dir("crash").join("spool");
        let (spool, _) = Spool::open(&path, NOW).expect("opens");
        let entries = vec![("a".to_owned(), Revocation::deleted(NOW + 100))];
        spool.save(&entries).expect("saved");
        // A write that died half-way: only the temporary file has it.
        std::fs::write(
            with_suffix(&path, ".tmp"),
            "cognito-guard revocation spool v1\n0bad",
        )
        .expect("torn temporary file");
        drop(spool);
        let (spool, read) = Spool::open(&path, NOW).expect("reopens");
        assert_eq!(read, entries);
        // And the next save replaces the torn temporary file.
        spool.save(&[]).expect("saved");
        assert!(!with_suffix(&path, ".tmp").exists());
    }

    #[test]
    fn foreign_and_damaged_files_are_named_not_read() {
        assert_eq!(parse(b"PATH=/usr/bin\n", NOW), Err(Problem::Foreign));
        assert_eq!(parse(&[0xff, 0xfe], NOW), Err(Problem::Foreign));
        assert_eq!(parse(b"", NOW), Ok(Vec::new()));
        let good = record("a", Revocation::deleted(NOW + 10));
        let text = format!("{HEADER}\n{good}\n");
        assert_eq!(parse(text.as_bytes(), NOW).map(|e| e.len()), Ok(1));
        for damaged in [
            good.replace(" a", " b"),
            good.replace("D:0:", "D:1:").replacen(' ', "  ", 1),
            "nonsense".to_owned(),
            format!("00000000 D:0:{} a", NOW + 10),
            good[..good.len() - 2].to_owned(),
        ] {
            let text = format!("{HEADER}\n{good}\n{damaged}\n");
            assert_eq!(
                parse(text.as_bytes(), NOW),
                Err(Problem::Damaged(3)),
                "{damaged}"
            );
        }
        let path = dir("foreign").join("spool");
        std::fs::write(&path, "not ours\n").expect("written");
        let error = Spool::open(&path, NOW).expect_err("foreign");
        assert!(matches!(error, SpoolError::Foreign { .. }), "{error}");
        assert_eq!(std::fs::read(&path).expect("kept"), b"not ours\n");
    }
}

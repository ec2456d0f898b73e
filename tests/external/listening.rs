//! Race-free start-up of the external processes the tests run
//! (chromedriver, redis-server, moto, the SigV4 stand-in, …).
//!
//! The old way, "bind 127.0.0.1:0, drop the listener, pass the port to the
//! child", races: between the drop and the child's bind, any port-0 bind in
//! this binary (every in-process server of every test running beside) can
//! be handed the same port. chromedriver then exits ("IPv4 port not
//! available"), but a readiness check that merely connects reaches the
//! other server and declares chromedriver up; the WebDriver session then
//! talks to a stranger (`ConnectionReset` when that was redis-server or a
//! test server shutting down).
//!
//! [`spawn_listening`] closes both holes:
//! - ports come from outside the kernel's ephemeral range
//!   (`/proc/sys/net/ipv4/ip_local_port_range`), so no port-0 bind, here or
//!   in any other process, is ever handed one; they are random, and never
//!   handed out twice in this process;
//! - "up" means the child's own process group holds every socket listening
//!   on the port (socket inodes of `/proc/net/tcp{,6}` matched against the
//!   `/proc/<pid>/fd` links of the group), not that something answered.
//!
//! A lost race (the child exits, or another process listens there: another
//! test binary with the same scheme, a service of the machine) kills the
//! child and retries on a new port; only a child that never listens within
//! [`PATIENCE`] fails the test. Each child leads its own process group, and
//! [`Listening`] kills that whole group when stopped or dropped (nothing
//! else: no names, no `pkill`).

use std::collections::HashSet;
use std::hash::{BuildHasher as _, RandomState};
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::guard_process::kill_group;

/// How long a child may take to listen: generous, since the machine may be
/// busy compiling; a healthy start takes a fraction of it.
pub const PATIENCE: Duration = Duration::from_secs(60);
/// How often the start-up checks the child's sockets.
const POLL: Duration = Duration::from_millis(20);
/// A port stolen this many times in a row is not a race but a bug.
const ATTEMPTS: usize = 20;

/// A child process (and its process group) that owns a loopback port.
pub struct Listening {
    what: String,
    port: u16,
    child: Option<Child>,
}

/// Starts `what` from the command `command(port)` builds and returns once
/// the child's process group owns every socket listening on `port`.
///
/// `port` is fresh, random, outside the ephemeral range; stdin is null and
/// the child leads a new process group (stdout/stderr are the caller's to
/// set). When the child exits before listening, or someone else listens on
/// the port, the child's group is killed and a new port tried.
pub fn spawn_listening(what: &str, mut command: impl FnMut(u16) -> Command) -> Listening {
    let deadline = Instant::now() + PATIENCE;
    for _ in 0..ATTEMPTS {
        let port = fresh_port();
        let mut listening = Listening {
            what: what.to_owned(),
            port,
            child: None,
        };
        match listening.start(&mut command, deadline) {
            Start::Owned => return listening,
            Start::Lost => continue,
        }
    }
    panic!("{what}: {ATTEMPTS} ports in a row were taken by other processes");
}

enum Start {
    Owned,
    Lost,
}

impl Listening {
    /// The loopback port the child listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the child's whole process group and reaps the child.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child);
        }
    }

    /// Stops the child and starts `command(port)` again on the same port
    /// (a restart the test's clients must see at the address they know).
    /// The port stays ours while someone else briefly holds it: start-up
    /// retries until [`PATIENCE`] runs out.
    pub fn restart(&mut self, mut command: impl FnMut(u16) -> Command) {
        self.stop();
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Start::Owned = self.start(&mut command, deadline) {
                return;
            }
            std::thread::sleep(POLL);
        }
        panic!("{}: could not listen on {} again", self.what, self.port);
    }

    /// Spawns and waits for ownership of `self.port`.
    fn start(&mut self, command: &mut impl FnMut(u16) -> Command, deadline: Instant) -> Start {
        let mut child = command(self.port)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.what));
        loop {
            match owner(self.port, child.id()) {
                Owner::Child => {
                    self.child = Some(child);
                    return Start::Owned;
                }
                Owner::Stranger => {
                    kill_group(&mut child);
                    return Start::Lost;
                }
                Owner::Nobody => {}
            }
            if matches!(child.try_wait(), Ok(Some(_))) {
                // It exited (the port was taken when it tried): reap the
                // rest of its group too.
                kill_group(&mut child);
                return Start::Lost;
            }
            if Instant::now() >= deadline {
                kill_group(&mut child);
                panic!(
                    "{} did not listen on 127.0.0.1:{} within {PATIENCE:?}",
                    self.what, self.port
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Ports handed out in this process, and the state of its generator.
struct Ports {
    given: HashSet<u16>,
    state: u64,
}

static PORTS: Mutex<Option<Ports>> = Mutex::new(None);

/// A random port outside the ephemeral range, never returned before.
pub fn fresh_port() -> u16 {
    let (low, high) = ephemeral_range();
    let mut guard = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let ports = guard.get_or_insert_with(|| Ports {
        given: HashSet::new(),
        // Seeded per process: two test binaries start from different ports.
        state: RandomState::new().hash_one(std::process::id()) | 1,
    });
    loop {
        // xorshift64: random enough to spread binaries over the range.
        ports.state ^= ports.state << 13;
        ports.state ^= ports.state >> 7;
        ports.state ^= ports.state << 17;
        let candidate = 1024 + (ports.state % (65536 - 1024)) as u16;
        if (low..=high).contains(&candidate) || !ports.given.insert(candidate) {
            continue;
        }
        return candidate;
    }
}

/// The kernel's ephemeral range (the ports bind(0) and connect() use).
fn ephemeral_range() -> (u16, u16) {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .expect("/proc/sys/net/ipv4/ip_local_port_range (the tests run on Linux)");
    let mut bounds = text.split_whitespace().map(|n| n.parse::<u16>());
    match (bounds.next(), bounds.next()) {
        (Some(Ok(low)), Some(Ok(high))) if low <= high => (low, high),
        _ => panic!("unreadable ip_local_port_range: {text:?}"),
    }
}

/// Who listens on a port, as far as the child `pid` is concerned.
#[derive(Debug, PartialEq)]
enum Owner {
    /// No socket listens there (yet).
    Nobody,
    /// Every listening socket there belongs to the child's process group.
    Child,
    /// At least one listening socket there is someone else's.
    Stranger,
}

fn owner(port: u16, pid: u32) -> Owner {
    let listeners = listening_inodes(port);
    if listeners.is_empty() {
        return Owner::Nobody;
    }
    let ours = group_socket_inodes(pid);
    if listeners.iter().all(|inode| ours.contains(inode)) {
        Owner::Child
    } else {
        Owner::Stranger
    }
}

/// Inodes of the sockets in LISTEN state on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let local_port = local
                .rsplit_once(':')
                .and_then(|(_, hex)| u16::from_str_radix(hex, 16).ok());
            if local_port == Some(port) && *state == LISTEN {
                if let Ok(inode) = inode.parse() {
                    inodes.push(inode);
                }
            }
        }
    }
    inodes
}

/// Socket inodes open in any process of the group `group` leads.
fn group_socket_inodes(group: u32) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return inodes;
    };
    for entry in processes.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != group && process_group(pid) != Some(group) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(link) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let link = link.to_string_lossy();
            if let Some(inode) = link
                .strip_prefix("socket:[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|n| n.parse().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    inodes
}

/// The process group of `pid` (field 5 of `/proc/<pid>/stat`, after the
/// parenthesised command name, which may itself hold spaces).
fn process_group(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name: state, ppid, pgrp.
    after_name.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    //! The helper's own checks: ports, and ownership told apart.
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn fresh_ports_are_outside_the_ephemeral_range_and_never_repeat() {
        let (low, high) = ephemeral_range();
        let ports: Vec<u16> = (0..500).map(|_| fresh_port()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        assert!(ports
            .iter()
            .all(|p| *p >= 1024 && !(low..=high).contains(p)));
    }

    #[test]
    fn a_port_held_by_this_process_is_a_strangers_to_a_child() {
        let held = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = held.local_addr().expect("addr").port();
        let mut sleeper = Command::new("sleep").arg("30").spawn().expect("sleep");
        assert_eq!(owner(port, sleeper.id()), Owner::Stranger);
        assert_eq!(owner(port, std::process::id()), Owner::Child);
        drop(held);
        // Until then a child another test is forking may hold a copy of
        // the socket, for the instant before its exec closes it.
        let deadline = Instant::now() + Duration::from_secs(5);
        while owner(port, sleeper.id()) != Owner::Nobody {
            assert!(Instant::now() < deadline, "the socket outlived its drop");
            std::thread::sleep(POLL);
        }
        let _ = sleeper.kill();
        let _ = sleeper.wait();
    }

    /// A command that stays up without ever listening: what chromedriver
    /// looked like from outside when its port was taken (it exits, but a
    /// connect-only check had already reached the other server).
    fn pretender() -> Command {
        let mut command = Command::new("sleep");
        command.arg("60");
        command
    }

    /// A command that listens on `port` and stays up.
    fn python_listener(port: u16) -> Command {
        let script = format!(
            "import socket, time\n\
             s = socket.socket()\n\
             s.bind(('127.0.0.1', {port}))\n\
             s.listen()\n\
             time.sleep(60)\n"
        );
        let mut command = Command::new("python3");
        command.args(["-c", &script]);
        command
    }

    #[test]
    fn a_port_someone_else_listens_on_is_given_up_for_another() {
        let mut tried = Vec::new();
        let mut strangers = Vec::new();
        let server = spawn_listening("a listener", |port| {
            tried.push(port);
            if tried.len() == 1 {
                // Another server takes the port first (or had it already).
                strangers.extend(TcpListener::bind(("127.0.0.1", port)).ok());
                pretender()
            } else {
                python_listener(port)
            }
        });
        // Given up for the next port (or, should another process take that
        // one too, a later one).
        assert!(tried.len() >= 2, "{tried:?}");
        assert_eq!(Some(&server.port()), tried.last());
        assert_ne!(server.port(), tried[0]);
        assert_eq!(
            owner(server.port(), server.child.as_ref().map_or(0, Child::id)),
            Owner::Child
        );
    }

    #[test]
    fn a_child_that_exits_before_listening_is_retried_on_another_port() {
        let mut tried = Vec::new();
        let mut server = spawn_listening("a listener", |port| {
            tried.push(port);
            if tried.len() == 1 {
                Command::new("false")
            } else {
                python_listener(port)
            }
        });
        assert!(tried.len() >= 2, "{tried:?}");
        let port = server.port();
        assert_eq!(Some(&port), tried.last());
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        server.stop();
        assert_eq!(listening_inodes(port), Vec::<u64>::new(), "stop kills it");
    }
}

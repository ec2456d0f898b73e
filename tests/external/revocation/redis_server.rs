//! A real `redis-server` on a loopback port it owns (started race-free by
//! `listening.rs`), stopped by the test that owns it (its process group is
//! killed on drop; nothing else is touched).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::listening::{spawn_listening, Listening};
use crate::programs::require_program;

/// A `redis-server` child process without persistence: a restart comes back
/// empty, as a cache node that lost its memory would.
pub struct RedisServer {
    pub port: u16,
    password: Option<String>,
    /// Extra arguments (TLS, ACL users); with TLS, `port` is the TLS port.
    extra: Vec<String>,
    tls: bool,
    /// Its working directory: a replica writes the dump it receives there,
    /// and a server loads any dump it finds there at start.
    dir: std::path::PathBuf,
    listening: Option<Listening>,
}

impl RedisServer {
    /// Starts one on a free port and waits until it answers.
    pub fn start() -> RedisServer {
        Self::start_with_password(None)
    }

    /// As [`RedisServer::start`], with extra `redis-server` arguments.
    pub fn start_with_args(args: &[&str]) -> RedisServer {
        let mut server = RedisServer {
            port: 0,
            password: None,
            extra: args.iter().map(|a| (*a).to_owned()).collect(),
            tls: false,
            listening: None,
            dir: server_dir(),
        };
        server.spawn();
        server
    }

    /// As [`RedisServer::start`], requiring `password` (`requirepass`).
    pub fn start_with_password(password: Option<&str>) -> RedisServer {
        let mut server = RedisServer {
            port: 0,
            password: password.map(str::to_owned),
            extra: Vec::new(),
            tls: false,
            listening: None,
            dir: server_dir(),
        };
        server.spawn();
        server
    }

    /// A TLS-only server (certificate for `localhost` and 127.0.0.1 signed
    /// by a throwaway CA made with the openssl CLI in `dir`) whose only user
    /// is the ACL user `user` with `password`, limited to our keys and
    /// channel. Returns it with the CA certificate's path.
    pub fn start_tls_acl(
        dir: &std::path::Path,
        user: &str,
        password: &str,
    ) -> (RedisServer, std::path::PathBuf) {
        let openssl = require_program("openssl", None);
        let script = format!(
            "set -e; cd '{}'
\"$OPENSSL\" req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-ca 2>/dev/null
\"$OPENSSL\" req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext
\"$OPENSSL\" x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext 2>/dev/null",
            dir.display()
        );
        let made = Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("OPENSSL", openssl)
            .status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "openssl made the test certificates"
        );
        let file = |name: &str| dir.join(name).display().to_string();
        let extra = [
            "--port",
            "0",
            "--tls-cert-file",
            &file("server.crt"),
            "--tls-key-file",
            &file("server.key"),
            "--tls-ca-cert-file",
            &file("ca.crt"),
            "--tls-auth-clients",
            "no",
            "--user",
            user,
            "on",
            &format!(">{password}"),
            "~cognito-guard:*",
            "&cognito-guard:*",
            "+@all",
            "--user",
            "default",
            "off",
        ]
        .map(str::to_owned)
        .to_vec();
        let mut server = RedisServer {
            port: 0,
            password: None,
            extra,
            tls: true,
            listening: None,
            dir: server_dir(),
        };
        server.spawn();
        (server, dir.join("ca.crt"))
    }

    /// `redis://[:password@]127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        match &self.password {
            Some(password) => format!("redis://:{password}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    /// The command line of a server on `port`.
    fn command_line(&self, port: u16) -> Command {
        let mut command = Command::new(require_program("redis-server", None));
        // Empty at every start: no dump left by an earlier life as a replica.
        let _ = std::fs::remove_file(self.dir.join("dump.rdb"));
        command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        command.arg("--dir").arg(&self.dir);
        if self.tls {
            command.args(&self.extra);
            command.args(["--tls-port", &port.to_string()]);
        } else {
            command.args(["--port", &port.to_string()]);
            command.args(&self.extra);
        }
        if let Some(password) = &self.password {
            command.args(["--requirepass", password]);
        }
        command.stdout(Stdio::null()).stderr(Stdio::null());
        command
    }

    /// Starts it on a port of its own, or again on its port after a stop,
    /// and waits until it answers.
    fn spawn(&mut self) {
        match self.listening.take() {
            None => {
                let listening = spawn_listening("redis-server", |port| self.command_line(port));
                self.port = listening.port();
                self.listening = Some(listening);
            }
            Some(mut listening) => {
                listening.restart(|port| self.command_line(port));
                self.listening = Some(listening);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            assert!(Instant::now() < deadline, "redis-server did not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        if self.tls {
            // Listening is all a plain socket can tell of a TLS port.
            return true;
        }
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0u8; 64];
        stream.write_all(b"PING\r\n").is_ok() && stream.read(&mut reply).is_ok_and(|n| n > 0)
    }

    /// Runs one command and returns its reply: `+OK`, `-ERR …`, `:1`, a
    /// bulk string's contents, `(nil)`, or an array's elements one a line.
    pub fn command(&self, args: &[&str]) -> String {
        self.try_command(args).expect("redis answers")
    }

    /// As [`RedisServer::command`]; `None` when it does not answer.
    pub fn try_command(&self, args: &[&str]) -> Option<String> {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut request = Vec::new();
        if let Some(password) = &self.password {
            request.extend(encode_command(&["AUTH", password]));
        }
        request.extend(encode_command(args));
        (&stream).write_all(&request).ok()?;
        let mut reader = std::io::BufReader::new(&stream);
        if self.password.is_some() {
            read_reply(&mut reader)?;
        }
        read_reply(&mut reader)
    }

    /// Makes this server a replica of `primary` and waits until it has
    /// caught up (its link is up).
    pub fn replicate(&self, primary: &RedisServer) {
        let port = primary.port.to_string();
        assert_eq!(self.command(&["REPLICAOF", "127.0.0.1", &port]), "+OK");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self
            .command(&["INFO", "replication"])
            .contains("master_link_status:up")
        {
            assert!(Instant::now() < deadline, "the replica never caught up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Makes this server a primary again (`REPLICAOF NO ONE`).
    pub fn promote(&self) {
        assert_eq!(self.command(&["REPLICAOF", "NO", "ONE"]), "+OK");
    }

    /// `CONFIG SET maxmemory <bytes> maxmemory-policy <policy>`.
    pub fn limit_memory(&self, bytes: u64, policy: &str) {
        let bytes = bytes.to_string();
        assert_eq!(
            self.command(&[
                "CONFIG",
                "SET",
                "maxmemory",
                &bytes,
                "maxmemory-policy",
                policy
            ]),
            "+OK"
        );
    }

    /// Bytes of memory in use, as `INFO memory` says.
    pub fn used_memory(&self) -> u64 {
        self.command(&["INFO", "memory"])
            .lines()
            .find_map(|line| line.strip_prefix("used_memory:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("used_memory")
    }

    /// `ACL SETUSER <user> <rules…>` (split on white space).
    pub fn set_user(&self, user: &str, rules: &str) {
        let mut args = vec!["ACL", "SETUSER", user];
        args.extend(rules.split_whitespace());
        assert_eq!(self.command(&args), "+OK", "ACL SETUSER {user} {rules}");
    }

    /// `redis://<user>:<password>@127.0.0.1:<port>/`.
    pub fn url_as(&self, user: &str, password: &str) -> String {
        format!("redis://{user}:{password}@127.0.0.1:{}/", self.port)
    }

    /// Kills it; everything it held is gone.
    pub fn stop(&mut self) {
        if let Some(listening) = self.listening.as_mut() {
            listening.stop();
        }
    }

    /// Starts it again, empty, on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

/// A directory of its own for one server.
fn server_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cognito-guard-redis-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("redis-server directory");
    dir
}

fn encode_command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend(format!("${}\r\n", arg.len()).into_bytes());
        out.extend(arg.as_bytes());
        out.extend(b"\r\n");
    }
    out
}

/// One RESP2 reply, flattened to text (see [`RedisServer::command`]).
fn read_reply(reader: &mut impl std::io::BufRead) -> Option<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let line = line.trim_end_matches("\r\n").to_owned();
    let (kind, rest) = line.split_at(1);
    match kind {
        "$" => {
            let len: i64 = rest.parse().ok()?;
            if len < 0 {
                return Some("(nil)".to_owned());
            }
            let mut bulk = vec![0u8; usize::try_from(len).ok()? + 2];
            reader.read_exact(&mut bulk).ok()?;
            bulk.truncate(bulk.len() - 2);
            Some(String::from_utf8_lossy(&bulk).into_owned())
        }
        "*" => {
            let len: i64 = rest.parse().ok()?;
            let mut items = Vec::new();
            for _ in 0..len.max(0) {
                items.push(read_reply(reader)?);
            }
            Some(items.join("\n"))
        }
        _ => Some(line),
    }
}

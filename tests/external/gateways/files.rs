//! The example files as the tests run them: copied to a scratch directory
//! with the tests' own addresses, nothing else edited.

use std::path::{Path, PathBuf};

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

/// Copies `examples/policies/` into `dir`, beside a copied `guard.toml`
/// that names them.
pub fn copy_example_policies(dir: &Path) {
    let to = dir.join("policies");
    std::fs::create_dir_all(&to).expect("policies dir");
    for entry in std::fs::read_dir(examples().join("policies")).expect("examples/policies") {
        let from = entry.expect("entry").path();
        let name = from.file_name().expect("a file name");
        std::fs::copy(&from, to.join(name)).expect("copy a policy file");
    }
}

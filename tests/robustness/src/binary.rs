//! The `gatehouse` binary under test.
//!
//! Cargo sets `CARGO_BIN_EXE_gatehouse` only for the tests of the package that owns the
//! binary, so this package finds it beside its own test executable (`target/<profile>/`).
//! `cargo test --workspace` has built it there already (for the CLI's own tests); when it is
//! missing or older than a source file (`cargo test -p gatehouse-robustness` alone), Cargo
//! is asked to build it first. `GATEHOUSE_BIN` overrides both.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The path of an up-to-date `gatehouse` binary; panics with the reason if there is none.
pub fn gatehouse() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| locate().unwrap_or_else(|e| panic!("gatehouse binary: {e}")))
}

fn locate() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("GATEHOUSE_BIN") {
        return Ok(PathBuf::from(path));
    }
    // target/<profile>/deps/robustness-<hash> -> target/<profile>/gatehouse
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("no target directory above {}", exe.display()))?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("no target directory above {}", profile_dir.display()))?;
    let bin = profile_dir.join(format!("gatehouse{}", std::env::consts::EXE_SUFFIX));
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Ok(built) = bin.metadata().and_then(|m| m.modified())
        && newest_source(&workspace).is_some_and(|source| source <= built)
    {
        return Ok(bin);
    }
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let mut build = Command::new(env!("CARGO"));
    build
        .args([
            "build",
            "--quiet",
            "--package",
            "gatehouse",
            "--bin",
            "gatehouse",
        ])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir);
    if release {
        build.arg("--release");
    }
    let status = build
        .status()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --bin gatehouse failed ({status})"));
    }
    if !bin.is_file() {
        return Err(format!("{} not found after building it", bin.display()));
    }
    Ok(bin)
}

/// The newest modification time of the workspace's Rust sources, manifests and lock file
/// (what the binary is built from); `None` if none could be read.
fn newest_source(workspace: &Path) -> Option<std::time::SystemTime> {
    fn walk(dir: &Path, newest: &mut Option<std::time::SystemTime>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if path
                .extension()
                .is_some_and(|e| e == "rs" || e == "toml" || e == "json" || e == "sql")
                && let Ok(modified) = entry.metadata().and_then(|m| m.modified())
            {
                *newest = (*newest).max(Some(modified));
            }
        }
    }
    let mut newest = None;
    for file in ["Cargo.toml", "Cargo.lock"] {
        if let Ok(modified) = workspace.join(file).metadata().and_then(|m| m.modified()) {
            newest = newest.max(Some(modified));
        }
    }
    walk(&workspace.join("crates"), &mut newest);
    newest
}

//! The `gatehouse` binary under test.
//!
//! Cargo sets `CARGO_BIN_EXE_gatehouse` only for the tests of the package that owns the
//! binary, so this package finds it beside its own test executable (`target/<profile>/`)
//! and asks Cargo to build it first: `cargo test -p gatehouse-robustness` alone would
//! otherwise run against a stale or missing binary. `GATEHOUSE_BIN` overrides both.

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
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "--quiet", "--package", "gatehouse", "--bin", "gatehouse"])
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))
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
    let bin = profile_dir.join(format!("gatehouse{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        return Err(format!("{} not found after building it", bin.display()));
    }
    Ok(bin)
}

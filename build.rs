//! Build script: `NUMHEALTH_VERSION` is the package version, followed by the git commit
//! when the crate is built from a git checkout (`0.1.0 (a1b2c3d4e5)`), so
//! `numhealth --version` says which commit is running.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let full = match git(&["rev-parse", "--short=10", "HEAD"]) {
        Some(commit) if !commit.is_empty() => format!("{version} ({commit})"),
        _ => version.to_string(),
    };
    println!("cargo:rustc-env=NUMHEALTH_VERSION={full}");
    // Rebuild when HEAD moves (a worktree's .git is a file naming the real git dir).
    // Only files that exist: a missing one would rerun this script on every build.
    let mut watch = Vec::new();
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        watch.push(format!("{dir}/HEAD"));
    }
    if let (Some(common), Some(head)) = (
        git(&["rev-parse", "--git-common-dir"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        watch.push(format!("{common}/{head}"));
        watch.push(format!("{common}/packed-refs"));
    }
    for path in watch.iter().filter(|p| std::path::Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

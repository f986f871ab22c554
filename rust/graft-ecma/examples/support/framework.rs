//! Finding the installed .NET shared framework. Shared by the examples and
//! the tests (`tests/common`, graft-stages' `tests/rewrite.rs` and graft-cli's
//! `tests/cli.rs` include this file), which read real assemblies. A test
//! never passes without its prerequisites: [`require_dotnet`] and
//! [`require_shared_framework`] fail it, naming what is missing and how to
//! get it.
// Each includer uses only part of this.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Microsoft.NETCore.App folder of the newest installed runtime, from
/// `dotnet --list-runtimes`; `None` without dotnet or such a runtime.
pub fn shared_framework_dir() -> Option<PathBuf> {
    let out = Command::new("dotnet").arg("--list-runtimes").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter(|l| l.starts_with("Microsoft.NETCore.App "))
        .filter_map(|l| {
            let mut parts = l.splitn(3, ' ');
            parts.next();
            let ver = parts.next()?;
            let base = parts.next()?.trim_matches(|c| c == '[' || c == ']');
            Some(Path::new(base).join(ver))
        })
        .next_back()
}

/// Fails the calling test unless `dotnet` runs (`dotnet --version`, which
/// needs an SDK).
#[track_caller]
pub fn require_dotnet() {
    match Command::new("dotnet").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "dotnet --version failed ({}), so no .NET SDK is usable: install the .NET SDK 10 (see README quick start)\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("dotnet not found ({e}): install the .NET SDK 10 and put `dotnet` on PATH (see README quick start)"),
    }
}

/// [`shared_framework_dir`], or fails the calling test: dotnet missing, or
/// no Microsoft.NETCore.App runtime installed.
#[track_caller]
pub fn require_shared_framework() -> PathBuf {
    require_dotnet();
    match shared_framework_dir() {
        Some(dir) => dir,
        None => panic!(
            "no .NET shared framework: `dotnet --list-runtimes` lists no Microsoft.NETCore.App; install the .NET SDK 10, which brings the runtime (see README quick start)"
        ),
    }
}

/// The `.dll` files in `dir`, sorted; native ones included.
pub fn managed_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dll"))
        .collect();
    v.sort();
    v
}

//! Finding the installed .NET shared framework. Shared by the examples and
//! the tests (`tests/common` includes this file), which read real assemblies.
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

//! The built `graft` binary: help text, `inspect` and `patch` on the
//! installed shared framework, and errors printed as compiler diagnostics
//! with exit code 1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn graft(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_graft")).args(args).output().expect("run graft")
}

fn graft_str(args: &[&str]) -> Output {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    graft(&args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A ReadyToRun assembly of the newest installed shared framework.
fn framework_dll(name: &str) -> Option<PathBuf> {
    let out = Command::new("dotnet").arg("--list-runtimes").output().ok()?;
    let dir = text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Microsoft.NETCore.App "))
        .filter_map(|rest| {
            let (ver, base) = rest.split_once(' ')?;
            Some(Path::new(base.trim_matches(|c| c == '[' || c == ']')).join(ver))
        })
        .next_back();
    if dir.is_none() {
        eprintln!("note: no .NET shared framework installed; skipping");
    }
    Some(dir?.join(name))
}

#[test]
fn help_lists_every_stage() {
    let out = graft_str(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for stage in graft_stages::STAGES {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{stage} "))), "--help does not list '{stage}':\n{help}");
    }
    for sub in ["patch", "inspect"] {
        let out = graft_str(&[sub, "--help"]);
        assert!(out.status.success());
        assert!(text(&out.stdout).contains("GRAFT2001"), "{sub} --help names its error code");
    }
}

#[test]
fn inspect_prints_table_counts() {
    let Some(dll) = framework_dll("System.Collections.dll") else { return };
    let out = graft(&["inspect".as_ref(), dll.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("assembly: System.Collections"), "{s}");
    assert!(s.contains("ReadyToRun: v"), "{s}");
    assert!(s.contains("stream #Strings"), "{s}");
    let typedefs = s.lines().find(|l| l.trim_start().starts_with("TypeDef ")).unwrap_or_else(|| panic!("no TypeDef line:\n{s}"));
    let rows: u32 = typedefs.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(rows > 10, "{typedefs}");
    assert!(s.lines().any(|l| l.trim_start().starts_with("MethodDef ")), "{s}");
}

#[test]
fn inspect_of_a_malformed_file_prints_graft2001() {
    let Some(dll) = framework_dll("System.Collections.dll") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.dll");
    std::fs::write(&bad, &std::fs::read(&dll).unwrap()[..3000]).unwrap();
    let out = graft(&["inspect".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{}: error GRAFT2001: ", bad.display())), "{err}");
    assert!(err.contains("offset 0x"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn patch_round_trips() {
    let Some(dll) = framework_dll("System.Collections.dll") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("out/System.Collections.dll");
    let out = graft(&["patch".as_ref(), dll.as_os_str(), "-o".as_ref(), out_path.as_os_str(), "--json".as_ref()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&out_path).unwrap(), std::fs::read(&dll).unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["output"]["unchanged"], true);
    // The output reads back.
    let again = graft(&["inspect".as_ref(), out_path.as_os_str()]);
    assert!(again.status.success());
    // A missing input: GRAFT0002, exit 1, no output.
    let missing = tmp.path().join("missing.dll");
    let out = graft(&["patch".as_ref(), missing.as_os_str(), "-o".as_ref(), tmp.path().join("x.dll").as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error GRAFT0002"), "{}", text(&out.stderr));
    assert!(!tmp.path().join("x.dll").exists());
}

#[test]
fn link_with_a_missing_object_is_graft0002() {
    let tmp = tempfile::tempdir().unwrap();
    let obj = tmp.path().join("missing.o");
    let out = graft(&["link".as_ref(), "-o".as_ref(), tmp.path().join("k.elf").as_os_str(), obj.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error GRAFT0002"), "{err}");
    assert!(err.contains("missing.o"), "{err}");
}

#[test]
fn run_of_a_missing_image_is_graft0002() {
    let tmp = tempfile::tempdir().unwrap();
    let iso = tmp.path().join("missing.iso");
    let out = graft(&["run".as_ref(), iso.as_os_str(), "--timeout".as_ref(), "1".as_ref()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error GRAFT0002"), "{err}");
}

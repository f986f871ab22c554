//! ILC (NativeAOT) compiles a program against round-tripped copies of the
//! NativeAOT runtime pack's private SDK assemblies (System.Private.CoreLib
//! and friends, written with their metadata moved so every byte of the new
//! layout is exercised) and the program runs.

mod common;

use graft_ecma::Assembly;
use graft_ecma::edit::Editor;
use graft_ecma::write::{WriteOptions, write};
use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn ilc_compiles_round_tripped_corelib_into_a_running_program() {
    // Restored on demand when absent.
    let native = common::nativeaot::native_dir();
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ilc");
    let sdk = tmp.join("sdk");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&sdk).unwrap();
    let mut rewritten = 0;
    for e in std::fs::read_dir(native).unwrap() {
        let p = e.unwrap().path();
        let dest = sdk.join(p.file_name().unwrap());
        if p.extension().is_some_and(|x| x == "dll") {
            let bytes = std::fs::read(&p).unwrap();
            let a = Assembly::read(&bytes).unwrap();
            let w = write(&Editor::new(&a), &WriteOptions { force_new_section: true }).unwrap();
            assert!(w.metadata_moved);
            std::fs::write(&dest, &w.bytes).unwrap();
            rewritten += 1;
        } else {
            std::os::unix::fs::symlink(&p, &dest).unwrap();
        }
    }
    assert!(rewritten >= 4);
    let app = tmp.join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("app.csproj"),
        r#"<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
<PublishAot>true</PublishAot><RuntimeIdentifier>linux-x64</RuntimeIdentifier><InvariantGlobalization>true</InvariantGlobalization></PropertyGroup></Project>"#,
    )
    .unwrap();
    std::fs::write(
        app.join("Program.cs"),
        r#"using System; using System.Collections.Generic;
var d = new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 };
int s = 0; foreach (var kv in d) s += kv.Value;
try { throw new InvalidOperationException("boom"); } catch (Exception e) { Console.WriteLine($"aot {s} {e.Message} {typeof(List<int>).Name}"); }
"#,
    )
    .unwrap();
    let out = Command::new("dotnet")
        .args(["publish", "-c", "Release", "-nologo", "-v", "q"])
        .arg(format!("-p:IlcSdkPath={}/", sdk.display()))
        .current_dir(&app)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "publish failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // ILC really read our copies.
    let rsp = walk(&app.join("obj")).into_iter().find(|p| p.extension().is_some_and(|x| x == "rsp") && p.to_string_lossy().contains("ilc")).expect("ilc response file");
    let text = std::fs::read_to_string(&rsp).unwrap();
    assert!(text.contains(&format!("{}/System.Private.CoreLib.dll", sdk.display())), "ILC did not use the rewritten CoreLib:\n{text}");
    let exe = app.join("bin/Release/net10.0/linux-x64/publish/app");
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    assert_eq!(String::from_utf8_lossy(&run.stdout), "aot 3 boom List`1\n");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                v.extend(walk(&p));
            } else {
                v.push(p);
            }
        }
    }
    v
}

/// The restore helper reads the pack version and packages folder the SDK
/// chose, and orders versions numerically.
#[test]
fn reads_version_and_folder_from_assets() {
    let json = r#"{ "version": 3, "packageFolders": { "/tmp/np/": {} },
      "project": { "frameworks": { "net10.0": { "downloadDependencies": [
        { "name": "Microsoft.AspNetCore.App.Ref", "version": "[10.0.1, 10.0.1]" },
        { "name": "Microsoft.NETCore.App.Runtime.NativeAOT.linux-x64", "version": "[10.0.12, 10.0.12]" } ] } } } }"#;
    assert_eq!(common::nativeaot::assets_package_folder(json).as_deref(), Some("/tmp/np/"));
    assert_eq!(common::nativeaot::assets_pack_version(json).as_deref(), Some("10.0.12"));
    let mut v = [Path::new("10.0.9"), Path::new("10.0.12"), Path::new("10.0.12-rc.1"), Path::new("9.0.1")];
    v.sort_by_key(|p| common::nativeaot::version_key(p));
    assert_eq!(v, [Path::new("9.0.1"), Path::new("10.0.9"), Path::new("10.0.12-rc.1"), Path::new("10.0.12")]);
}

//! The `rewrite` and `inspect` stages through the JSON door, on an assembly
//! the real C# compiler builds at test time and on the installed shared
//! framework (ReadyToRun), and every error path they own. Without `dotnet`
//! or the shared framework the tests fail, saying what to install.

// graft-ecma's framework lookup, so that the stage tests find the same runtime.
#[path = "../../graft-ecma/examples/support/framework.rs"]
mod framework;

use framework::{require_dotnet, require_shared_framework};
use graft_diag::{Diagnostic, Severity};
use graft_ecma::raw::TableId;
use graft_ecma::Assembly;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A small C# library with a side-by-side portable PDB, built once per run
/// (`dotnet build` is incremental on reruns); fails the calling test without
/// dotnet.
#[track_caller]
fn library() -> &'static Path {
    static DLL: OnceLock<PathBuf> = OnceLock::new();
    require_dotnet();
    DLL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graft-stages-rewrite/Lib");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Lib.csproj"),
            r#"<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework>
<DebugType>portable</DebugType><Deterministic>true</Deterministic><ImplicitUsings>disable</ImplicitUsings></PropertyGroup></Project>"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("Lib.cs"),
            "namespace Lib { public static class Greeter { public static string Greet(string who) => \"hello \" + who; \
             public static int Sum(int[] xs) { int s = 0; foreach (var x in xs) s += x; return s; } } }\n",
        )
        .unwrap();
        let out = Command::new("dotnet")
            .args(["build", "-c", "Release", "-nologo", "-v", "q"])
            .arg(&dir)
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .env("DOTNET_NOLOGO", "1")
            .output()
            .expect("run dotnet build");
        assert!(out.status.success(), "dotnet build failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let dll = dir.join("bin/Release/net10.0/Lib.dll");
        assert!(dll.exists() && dll.with_extension("pdb").exists());
        dll
    })
}

fn stage(name: &str, request: Value) -> graft_stages::Response {
    graft_stages::run_json(name, &request.to_string(), None)
}

fn ok(r: graft_stages::Response) -> Value {
    assert!(r.ok, "stage failed: {:#?}", r.diagnostics);
    assert!(r.diagnostics.iter().all(|d| d.severity != Severity::Error), "{:#?}", r.diagnostics);
    r.output.expect("output")
}

/// The stage failed with exactly one error, of this code.
fn single_error(r: graft_stages::Response, code: &str) -> Diagnostic {
    assert!(!r.ok && r.output.is_none(), "stage succeeded: {:?}", r.output);
    let errors: Vec<_> = r.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "expected one {code}, got {errors:#?}");
    assert_eq!(errors[0].code, code, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn unchanged_patch_gives_identical_assembly_and_pdb() {
    let dll = library();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out/Lib.dll");
    let o = ok(stage("rewrite", json!({ "input": dll, "output": out })));
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(dll).unwrap(), "assembly bytes");
    assert_eq!(std::fs::read(out.with_extension("pdb")).unwrap(), std::fs::read(dll.with_extension("pdb")).unwrap(), "PDB bytes");
    assert_eq!(o["unchanged"], true);
    assert_eq!(o["ready_to_run_dropped"], false);
    assert_eq!(o["bytes_in"], o["bytes_out"]);
    assert_eq!(o["output_pdb"], json!(out.with_extension("pdb")));
    // Only the two outputs: no temporaries left behind.
    assert_eq!(files_in(&tmp.path().join("out")), ["Lib.dll", "Lib.pdb"]);

    // Named PDB paths in and out.
    let pdb_out = tmp.path().join("pdbs/renamed.pdb");
    let o = ok(stage("rewrite", json!({ "input": dll, "output": tmp.path().join("b.dll"), "pdb": dll.with_extension("pdb"), "output_pdb": pdb_out })));
    assert_eq!(o["output_pdb"], json!(pdb_out));
    assert_eq!(std::fs::read(&pdb_out).unwrap(), std::fs::read(dll.with_extension("pdb")).unwrap());

    // No PDB next to the input: none written.
    let alone = tmp.path().join("alone/Lib.dll");
    std::fs::create_dir_all(alone.parent().unwrap()).unwrap();
    std::fs::copy(dll, &alone).unwrap();
    let o = ok(stage("rewrite", json!({ "input": alone, "output": tmp.path().join("c/Lib.dll") })));
    assert_eq!(o["output_pdb"], Value::Null);
    assert_eq!(files_in(&tmp.path().join("c")), ["Lib.dll"]);

    // Patching in place is allowed.
    let o = ok(stage("rewrite", json!({ "input": alone, "output": alone })));
    assert_eq!(o["unchanged"], true);
    assert_eq!(std::fs::read(&alone).unwrap(), std::fs::read(dll).unwrap());
}

#[test]
fn framework_ready_to_run_assembly_patches_and_reads_back() {
    let fw = require_shared_framework();
    let tmp = tempfile::tempdir().unwrap();
    for name in ["System.Collections.dll", "System.Private.CoreLib.dll"] {
        let input = fw.join(name);
        let bytes = std::fs::read(&input).unwrap();
        assert!(Assembly::read(&bytes).unwrap().ready_to_run().is_some(), "{name} is ReadyToRun");
        let out = tmp.path().join(name);
        let o = ok(stage("rewrite", json!({ "input": input, "output": out })));
        let written = std::fs::read(&out).unwrap();
        let back = Assembly::read(&written).unwrap_or_else(|e| panic!("{name} read back: {e}"));
        assert_eq!(back.name(), Assembly::read(&bytes).unwrap().name());
        assert_eq!(o["bytes_out"], json!(written.len()));
        assert_eq!(o["unchanged"], json!(written == bytes));
        assert_eq!(o["ready_to_run_dropped"], json!(back.ready_to_run().is_none()));
        // The shared framework ships no PDBs.
        assert_eq!(o["output_pdb"], Value::Null);

        let i = ok(stage("inspect", json!({ "input": input })));
        let summary = i["summary"].as_str().unwrap();
        assert!(summary.contains("ReadyToRun: v"), "{summary}");
        assert!(summary.contains("TypeDef") && summary.contains("MethodDef"), "{summary}");
    }
}

#[test]
fn truncated_assembly_is_one_graft2001_and_leaves_no_output() {
    let fw = require_shared_framework();
    let bytes = std::fs::read(fw.join("System.Collections.dll")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let outdir = tmp.path().join("out");
    std::fs::create_dir_all(&outdir).unwrap();
    for len in [0x40, 0x200, bytes.len() / 2] {
        let input = tmp.path().join(format!("truncated-{len}.dll"));
        std::fs::write(&input, &bytes[..len]).unwrap();
        let d = single_error(stage("rewrite", json!({ "input": input, "output": outdir.join("x.dll") })), "GRAFT2001");
        assert!(d.message.contains("offset 0x"), "{d}");
        assert_eq!(d.file.as_deref(), Some(input.as_path()));
        assert!(d.to_string().contains("error GRAFT2001"), "{d}");
        assert!(files_in(&outdir).is_empty(), "left {:?}", files_in(&outdir));
        let d = single_error(stage("inspect", json!({ "input": input })), "GRAFT2001");
        assert!(d.message.contains("offset 0x"), "{d}");
    }
}

#[test]
fn corrupted_assembly_is_one_graft2001_naming_table_and_row() {
    let fw = require_shared_framework();
    let mut bytes = std::fs::read(fw.join("System.Collections.dll")).unwrap();
    // TypeDef row 2's Name points far past the end of #Strings.
    let at = {
        let a = Assembly::read(&bytes).unwrap();
        let md = &a.metadata;
        let stream = md.streams[md.tables_stream];
        let t = md.tables.table(TableId::TYPE_DEF).unwrap();
        assert!(t.rows >= 2);
        a.metadata_offset + stream.offset as usize + t.stream_offset as usize + t.layout.row_size as usize + t.layout.offsets[1] as usize
    };
    bytes[at] = 0xff;
    bytes[at + 1] = 0xff;
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("corrupt.dll");
    std::fs::write(&input, &bytes).unwrap();
    let outdir = tmp.path().join("out");
    let d = single_error(stage("rewrite", json!({ "input": input, "output": outdir.join("x.dll") })), "GRAFT2001");
    assert!(d.message.contains("table TypeDef, row 2"), "{d}");
    assert!(!outdir.exists() || files_in(&outdir).is_empty(), "an output was left");

    // A corrupted side-by-side PDB is reported against the PDB.
    let dll = library();
    let pdb = tmp.path().join("bad.pdb");
    let mut p = std::fs::read(dll.with_extension("pdb")).unwrap();
    p.truncate(p.len() / 3);
    std::fs::write(&pdb, &p).unwrap();
    let d = single_error(stage("rewrite", json!({ "input": dll, "output": outdir.join("y.dll"), "pdb": pdb })), "GRAFT2001");
    assert_eq!(d.file.as_deref(), Some(pdb.as_path()));
    assert!(d.message.contains("offset 0x") || d.message.contains("row"), "{d}");
    assert!(!outdir.exists() || files_in(&outdir).is_empty());
}

#[test]
fn missing_input_or_pdb_is_graft0002() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.dll");
    let d = single_error(stage("rewrite", json!({ "input": missing, "output": tmp.path().join("o.dll") })), "GRAFT0002");
    assert!(d.message.contains("nope.dll"), "{d}");
    single_error(stage("inspect", json!({ "input": missing })), "GRAFT0002");
    let fw = require_shared_framework();
    let d = single_error(
        stage("rewrite", json!({ "input": fw.join("System.Collections.dll"), "output": tmp.path().join("o.dll"), "pdb": tmp.path().join("none.pdb") })),
        "GRAFT0002",
    );
    assert!(d.message.contains("none.pdb"), "{d}");
    assert_eq!(files_in(tmp.path()), Vec::<String>::new());
}

#[test]
fn unwritable_output_is_graft0001() {
    let fw = require_shared_framework();
    let tmp = tempfile::tempdir().unwrap();
    // A folder cannot be created below a file, even by root.
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let d = single_error(stage("rewrite", json!({ "input": fw.join("System.Collections.dll"), "output": file.join("out.dll") })), "GRAFT0001");
    assert!(d.message.contains("a-file/out.dll"), "{d}");
    // The same for the PDB output: the assembly is not written either.
    let dll = library();
    let out = tmp.path().join("o/Lib.dll");
    single_error(stage("rewrite", json!({ "input": dll, "output": out, "output_pdb": file.join("Lib.pdb") })), "GRAFT0001");
    assert!(!out.exists());
}

#[test]
fn bad_requests_are_graft9003() {
    single_error(stage("rewrite", json!({ "input": "a.dll" })), "GRAFT9003");
    single_error(stage("rewrite", json!({ "input": "a.dll", "output": "b.dll", "plugs": [] })), "GRAFT9003");
}

//! The `patch` stage on plugs compiled by the real C# compiler at test time
//! (sources in tests/plugs/): Lib.dll patched with Plugs.cs (Graft's
//! attributes) and Gen3.cs (Cosmos gen3's, declared under their own
//! namespace), then App.dll run on .NET with the patched Lib.dll, printing
//! what each rule changed; and each plug error in tests/plugs/errors/ as
//! exactly one diagnostic with its code at the plug's file and line (the
//! line marked `// expect GRAFTnnnn`). Without dotnet the tests fail.

#[path = "../../graft-ecma/examples/support/framework.rs"]
mod framework;

use framework::{require_dotnet, require_shared_framework};
use graft_diag::Severity;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The fixture sources.
fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/plugs")
}

fn graft_attributes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/lib/Graft.Kernel/Plugs.cs")
}

/// The newest entry of a folder (SDK and pack versions).
fn newest(dir: &Path) -> PathBuf {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    v.sort();
    v.pop().unwrap_or_else(|| panic!("{} is empty", dir.display()))
}

struct Csc {
    csc: PathBuf,
    refs: Vec<PathBuf>,
    framework_version: String,
}

/// Roslyn's csc from the installed SDK and the reference pack it compiles against.
fn csc() -> &'static Csc {
    static C: OnceLock<Csc> = OnceLock::new();
    require_dotnet();
    C.get_or_init(|| {
        let fw = require_shared_framework();
        let root = fw.parent().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
        let csc = newest(&root.join("sdk")).join("Roslyn/bincore/csc.dll");
        assert!(csc.is_file(), "no csc at {}: install the .NET SDK", csc.display());
        let pack = newest(&root.join("packs/Microsoft.NETCore.App.Ref"));
        let refs = framework::managed_files(&pack.join("ref/net10.0"));
        assert!(!refs.is_empty(), "no reference assemblies under {}", pack.display());
        Csc { csc, refs, framework_version: fw.file_name().unwrap().to_string_lossy().into_owned() }
    })
}

/// Compiles C# files into `out` (with a portable PDB beside it).
fn compile(out: &Path, exe: bool, files: &[PathBuf], refs: &[&Path]) -> PathBuf {
    let c = csc();
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut cmd = Command::new("dotnet");
    cmd.arg(&c.csc).args(["-nologo", "-debug:portable", "-deterministic", "-langversion:latest", "-nullable:disable", "-warn:0"]);
    cmd.arg(if exe { "-target:exe" } else { "-target:library" });
    cmd.arg(format!("-out:{}", out.display()));
    for r in c.refs.iter().map(PathBuf::as_path).chain(refs.iter().copied()) {
        cmd.arg(format!("-r:{}", r.display()));
    }
    cmd.args(files);
    let o = cmd.env("DOTNET_CLI_TELEMETRY_OPTOUT", "1").output().expect("run csc");
    assert!(o.status.success(), "csc {} failed:\n{}{}", out.display(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    if exe {
        let config = json!({ "runtimeOptions": { "tfm": "net10.0", "framework": { "name": "Microsoft.NETCore.App", "version": c.framework_version } } });
        std::fs::write(out.with_extension("runtimeconfig.json"), config.to_string()).unwrap();
    }
    out.to_path_buf()
}

struct Built {
    dir: PathBuf,
    lib: PathBuf,
    app: PathBuf,
    plugs: PathBuf,
    gen3: PathBuf,
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugs");
        let _ = std::fs::remove_dir_all(&dir);
        let src = sources();
        let lib = compile(&dir.join("bin/Lib.dll"), false, &[src.join("Lib.cs")], &[]);
        let app = compile(&dir.join("bin/App.dll"), true, &[src.join("App.cs")], &[&lib]);
        let plugs = compile(&dir.join("bin/Plugs.dll"), false, &[src.join("Plugs.cs"), graft_attributes()], &[&lib]);
        let gen3 = compile(&dir.join("bin/Gen3.dll"), false, &[src.join("Gen3.cs")], &[&lib]);
        Built { dir, lib, app, plugs, gen3 }
    })
}

fn run_app(dir: &Path) -> String {
    let o = Command::new("dotnet").arg(dir.join("App.dll")).env("DOTNET_CLI_TELEMETRY_OPTOUT", "1").output().expect("run dotnet");
    assert!(o.status.success(), "App failed:\n{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn patch(assemblies: &[&Path], out: &Path) -> graft_stages::Response {
    graft_stages::run_json("patch", &json!({ "assemblies": assemblies, "output_dir": out }).to_string(), None)
}

const ORIGINAL: &str = "name a\nadd 1\nadd long -1\ncreated 1\nstatus original status\ndescribe original\necho 0\nbanner original cctor\n\
native missing\nextern BadImageFormatException\npoint 7\ninner inner\nversion 1.0\nbox box kind\ngen3 original hello 21\n";

/// Each line is one rule (see tests/plugs/Plugs.cs and Gen3.cs).
const PLUGGED: &str = "name a!\nadd 1010\nadd long -1\ncreated 100\nstatus plugged status 1 helper7!\ndescribe described 1010\necho 42\n\
banner plugged cctor!\nnative 42\nextern 42\npoint 12\ninner plugged inner\nversion plugged 7\nbox box of Int32 5 kind String s\ngen3 gen3 hello 42\n";

#[test]
fn plugs_patch_lib_and_the_app_runs_them_on_dotnet() {
    let b = built();
    let run = b.dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    for f in ["App.dll", "App.runtimeconfig.json", "Lib.dll"] {
        std::fs::copy(b.dir.join("bin").join(f), run.join(f)).unwrap();
    }
    assert_eq!(run_app(&run), ORIGINAL);

    let out = b.dir.join("patched");
    let r = patch(&[&b.app, &b.lib, &b.plugs, &b.gen3], &out);
    assert!(r.ok, "{:#?}", r.diagnostics);
    assert!(r.diagnostics.iter().all(|d| d.severity != Severity::Error));
    let o = r.output.unwrap();
    // Only the assembly holding targets is written.
    let patched = o["patched"].as_array().unwrap();
    assert_eq!(patched.len(), 1, "{o:#}");
    assert_eq!(patched[0]["input"], json!(b.lib));
    assert_eq!(patched[0]["output"], json!(out.join("Lib.dll")));
    assert_eq!(patched[0]["output_pdb"], json!(out.join("Lib.pdb")));
    let mut files: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, ["Lib.dll", "Lib.pdb"]);

    std::fs::copy(out.join("Lib.dll"), run.join("Lib.dll")).unwrap();
    assert_eq!(run_app(&run), PLUGGED);

    // Full names with signatures, target first.
    let applied: Vec<(String, String)> =
        o["applied"].as_array().unwrap().iter().map(|a| (a["target"].as_str().unwrap().to_string(), a["plug"].as_str().unwrap().to_string())).collect();
    let has = |target: &str, plug: &str| applied.iter().any(|(t, p)| t == target && p == plug);
    assert!(has("instance int32 Lib.Counter::Add(int32)", "int32 Plugs.CounterPlug::Add(Lib.Counter, int32)"), "{applied:#?}");
    assert!(has("instance void Lib.Counter::.ctor(string)", "void Plugs.CounterPlug::Ctor(Lib.Counter, string)"), "{applied:#?}");
    assert!(has("instance !!0 Lib.Counter::Echo<1>(!!0)", "!!0 Plugs.CounterPlug::Echo<1>(Lib.Counter, !!0)"), "{applied:#?}");
    assert!(has("int32 Lib.Counter::Calls (added instance field)", "int32& Plugs.CounterPlug::Calls(Lib.Counter)"), "{applied:#?}");
    assert!(has("instance string Lib.Box`1::Describe()", "string Plugs.BoxPlug`1::Describe(Lib.Box`1<!0>)"), "{applied:#?}");
    assert!(has("string Lib.Box`1::Kind(!0)", "string Plugs.BoxPlug`1::Kind(!0)"), "{applied:#?}");
    assert!(has("string Lib.Gen3Target::Hello()", "string Gen3Plugs.Gen3TargetPlug::Hello()"), "{applied:#?}");
    assert!(has("string Lib.Counter::Helper() (added method)", "string Plugs.CounterPlug::Helper()"), "{applied:#?}");
    assert!(has("void Lib.Natives::<Plugs.NativesPlug>cctor (added, called first by the static constructor)", "void Plugs.NativesPlug::.cctor()"), "{applied:#?}");
    assert!(has("int32 Lib.Counter::s_added (added static field)", "int32 Plugs.CounterPlug::s_added"), "{applied:#?}");
    let skipped: Vec<String> = o["skipped"].as_array().unwrap().iter().map(|s| s["plug"].as_str().unwrap().to_string()).collect();
    for s in ["Plugs.CounterArm64Plug", "Plugs.OptionalPlug", "Gen3Plugs.Gen3OptionalPlug"] {
        assert!(skipped.iter().any(|x| x == s), "{s} not skipped: {skipped:?}");
    }

    // The same plugs for arm64: the arm64 class now conflicts with the x64-free one.
    let r = graft_stages::run_json(
        "patch",
        &json!({ "assemblies": [&b.lib, &b.plugs], "output_dir": b.dir.join("arm64"), "architecture": "arm64" }).to_string(),
        None,
    );
    let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "GRAFT1007");
    assert!(errors[0].message.contains("CounterArm64Plug::Add") && errors[0].message.contains("CounterPlug::Add"), "{}", errors[0].message);
    assert!(!b.dir.join("arm64").exists(), "nothing is written on error");
}

/// Every file in tests/plugs/errors is one broken plug: exactly one error,
/// the code in its name, at its file and the line marked `// expect`; the
/// words after the code must be in the message.
#[test]
fn each_plug_error_is_one_diagnostic_at_the_plug_line() {
    let b = built();
    let dir = sources().join("errors");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "cs")).collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    let results: Vec<(PathBuf, graft_stages::Response, PathBuf)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|case| {
                s.spawn(move || {
                    let stem = case.file_stem().unwrap().to_string_lossy().into_owned();
                    let dll = compile(&b.dir.join(format!("errors/{stem}.dll")), false, &[case.clone(), graft_attributes()], &[&b.lib]);
                    let out = b.dir.join(format!("errors/{stem}-out"));
                    (case.clone(), patch(&[&b.lib, &dll], &out), out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (case, r, out) in results {
        let text = std::fs::read_to_string(&case).unwrap();
        let (line, expect) = text.lines().enumerate().find_map(|(i, l)| l.split_once("// expect ").map(|(_, e)| (i as u32 + 1, e.trim().to_string()))).unwrap();
        let (code, words) = expect.split_once(' ').unwrap_or((&expect, ""));
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(!r.ok, "{}: patched without error", case.display());
        assert_eq!(errors.len(), 1, "{}: {errors:#?}", case.display());
        let d = errors[0];
        assert_eq!(d.code, code, "{}: {d:#?}", case.display());
        let file = d.file.as_deref().and_then(|f| std::fs::canonicalize(f).ok());
        assert_eq!(file, std::fs::canonicalize(&case).ok(), "{}: {d:#?}", case.display());
        assert_eq!(d.line, Some(line), "{}: {d:#?}", case.display());
        assert!(d.message.contains(words), "{}: '{words}' not in: {}", case.display(), d.message);
        assert!(!out.exists(), "{}: nothing is written on error", case.display());
    }
}

/// A private dotnet root (muxer, host, the shared framework) with some
/// framework files replaced; returns its `dotnet`.
fn dotnet_root_with(name: &str, replaced: &[PathBuf]) -> PathBuf {
    let fw = require_shared_framework();
    let root = fw.parent().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dest);
    let copy_dir = |from: &Path, to: &Path| {
        let o = Command::new("cp").arg("-r").arg(from).arg(to).output().unwrap();
        assert!(o.status.success(), "cp -r {}: {}", from.display(), String::from_utf8_lossy(&o.stderr));
    };
    let fw_dest = dest.join("shared/Microsoft.NETCore.App").join(fw.file_name().unwrap());
    std::fs::create_dir_all(fw_dest.parent().unwrap()).unwrap();
    std::fs::copy(root.join("dotnet"), dest.join("dotnet")).unwrap();
    copy_dir(&root.join("host"), &dest.join("host"));
    copy_dir(&fw, &fw_dest);
    for r in replaced {
        std::fs::copy(r, fw_dest.join(r.file_name().unwrap())).unwrap();
    }
    dest.join("dotnet")
}

/// Plugs compiled against the reference assemblies (System.Runtime) patch
/// the shared framework's System.Private.CoreLib: targets found through
/// `typeof` names of forwarded types, plug bodies imported with their
/// references followed to CoreLib; the framework passed whole, as the SDK
/// does, and only CoreLib written. The program then runs on the patched
/// CoreLib (ReadyToRun code dropped, so the JIT compiles it).
#[test]
fn corelib_plugs_compiled_against_reference_assemblies_run_on_dotnet() {
    let b = built();
    let src = sources().join("corelib");
    let plugs = compile(&b.dir.join("corelib/CorePlugs.dll"), false, &[src.join("CorePlugs.cs"), graft_attributes()], &[]);
    let app = compile(&b.dir.join("corelib/App.dll"), true, &[src.join("App.cs")], &[]);
    let fw = require_shared_framework();
    let mut inputs: Vec<PathBuf> = framework::managed_files(&fw);
    inputs.push(plugs);
    inputs.push(app.clone());
    let refs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let out = b.dir.join("corelib/patched");
    let r = patch(&refs, &out);
    assert!(r.ok, "{:#?}", r.diagnostics);
    let o = r.output.unwrap();
    let patched: Vec<&str> = o["patched"].as_array().unwrap().iter().map(|p| p["output"].as_str().unwrap()).collect();
    assert_eq!(patched, [out.join("System.Private.CoreLib.dll").to_str().unwrap()], "{o:#}");
    let applied = o["applied"].as_array().unwrap();
    assert_eq!(applied.len(), 4, "{applied:#?}");
    let dotnet = dotnet_root_with("plugs-corelib-root", &[out.join("System.Private.CoreLib.dll")]);
    let run = Command::new(&dotnet).arg(&app).env("DOTNET_CLI_TELEMETRY_OPTOUT", "1").env_remove("DOTNET_ROOT").output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(stdout, "version plugged 1.2!\ntick True\nmax 304\n");
}

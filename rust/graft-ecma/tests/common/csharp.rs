//! C# inputs compiled by the real SDK at test time, once per test binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const TARGET_CS: &str = r#"
using System;
using System.Runtime.InteropServices;

public static class Target
{
    public static int Counter;
    public static int Answer() => 1;
    public static string Greet(string who) => "hello " + who;
    public static int Sum(int[] xs) => -1;
    public static string Catch() => "none";
    public static string Generic() => "none";
    [DllImport("graft-no-such-library")]
    public static extern int Native(int x);
    public static int UsesAdded() => 0;
}

public static class Program
{
    public static void Main()
    {
        Console.WriteLine(Target.Answer());
        Console.WriteLine(Target.Greet("world"));
        Console.WriteLine(Target.Sum(new[] { 1, 2, 3 }));
        Console.WriteLine(Target.Catch());
        Console.WriteLine(Target.Generic());
        try { Console.WriteLine(Target.Native(21)); } catch (DllNotFoundException) { Console.WriteLine("no native"); }
        Console.WriteLine(Target.UsesAdded());
        Console.WriteLine(new Version(1, 2).ToString());
    }
}
"#;

pub const PLUGS_CS: &str = r#"
using System;
using System.Collections.Generic;

public static class Plugs
{
    public static int Answer() => 42;
    public static string Greet(string who) => $"plugged {who}, counter={Target.Counter}";
    public static int Sum(int[] xs) { int s = 0; foreach (var x in xs) s += x; return s; }
    public static string Catch()
    {
        try { throw new InvalidOperationException("boom"); }
        catch (InvalidOperationException e) { Target.Counter++; return "caught " + e.Message; }
        finally { Target.Counter += 10; }
    }
    public static string Generic()
    {
        var list = new List<string>();
        list.Add("a");
        list.Add("b");
        var d = new Dictionary<string, int>();
        d["x"] = 7;
        int[] arr = new int[2];
        arr[0] = 5; arr[1] = 6;
        return string.Join("+", list) + ":" + d["x"] + ":" + Array.IndexOf<int>(arr, 6) + ":" + typeof(KeyValuePair<int, string>).Name;
    }
    public static int Native(int x) => x * 2;
    public static string VersionToString(Version v) => "patched " + v.Major + "." + v.Minor;
}
"#;

pub struct Fixture {
    pub dir: PathBuf,
    /// Output folder of the Target console app (Target.dll and its runtimeconfig).
    pub target_out: PathBuf,
    pub plugs_dll: PathBuf,
    /// Output folder of a console app whose PDB is embedded.
    pub emb_out: PathBuf,
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

fn build(proj: &Path) {
    let out = Command::new("dotnet")
        .args(["build", "-c", "Release", "-nologo", "-v", "q"])
        .arg(proj)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_NOLOGO", "1")
        .output()
        .expect("run dotnet build");
    assert!(out.status.success(), "dotnet build {} failed:\n{}\n{}", proj.display(), String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Builds the fixture projects once (dotnet build is incremental on reruns);
/// fails the calling test without dotnet.
#[track_caller]
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    super::require_dotnet();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graft-ecma-csharp");
        let props = r#"<Project><PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>disable</Nullable>
<Deterministic>true</Deterministic><DebugType>portable</DebugType><ImplicitUsings>disable</ImplicitUsings>
<AllowUnsafeBlocks>true</AllowUnsafeBlocks><TreatWarningsAsErrors>false</TreatWarningsAsErrors></PropertyGroup></Project>"#;
        write(&dir.join("Directory.Build.props"), props);
        write(&dir.join("Target/Target.cs"), TARGET_CS);
        write(&dir.join("Target/Target.csproj"), r#"<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType></PropertyGroup></Project>"#);
        write(&dir.join("Plugs/Plugs.cs"), PLUGS_CS);
        write(
            &dir.join("Plugs/Plugs.csproj"),
            r#"<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><ProjectReference Include="../Target/Target.csproj" /></ItemGroup></Project>"#,
        );
        write(&dir.join("Emb/Emb.cs"), "public static class Emb { public static int Value() => 1; public static void Main() => System.Console.WriteLine(Value()); }\n");
        write(&dir.join("Emb/Emb.csproj"), r#"<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><DebugType>embedded</DebugType></PropertyGroup></Project>"#);
        build(&dir.join("Plugs/Plugs.csproj"));
        build(&dir.join("Emb/Emb.csproj"));
        let target_out = dir.join("Target/bin/Release/net10.0");
        let plugs_dll = dir.join("Plugs/bin/Release/net10.0/Plugs.dll");
        assert!(target_out.join("Target.dll").exists() && plugs_dll.exists());
        let emb_out = dir.join("Emb/bin/Release/net10.0");
        Fixture { dir, target_out, plugs_dll, emb_out }
    })
}

/// Copies a directory tree (files only, no symlinks followed specially).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// Runs `dotnet <dll>` (optionally with another dotnet root) and returns stdout.
pub fn run_dll(dotnet: &Path, dll: &Path) -> (bool, String, String) {
    let out = Command::new(dotnet)
        .arg(dll)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env_remove("DOTNET_ROOT")
        .output()
        .expect("run dotnet");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The MetadataChecker (tests/ecma) run on a file or folder: whether it
/// accepted it, and its output.
#[track_caller]
pub fn metadata_check(path: &Path) -> (bool, String) {
    metadata_check_args(&[path.as_os_str()])
}

/// The MetadataChecker's `check` with arbitrary arguments; fails the calling
/// test when the checker's project or dotnet is missing.
#[track_caller]
pub fn metadata_check_args(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let proj = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ecma/MetadataChecker");
    assert!(
        proj.join("MetadataChecker.csproj").is_file(),
        "tests/ecma/MetadataChecker not found at {}: it is part of the repository (git checkout -- tests/ecma/MetadataChecker); scripts/test builds it before cargo test",
        proj.display()
    );
    super::require_dotnet();
    let out = Command::new("dotnet")
        .args(["run", "--project"])
        .arg(&proj)
        .args(["-c", "Release", "--", "check"])
        .args(args)
        .output()
        .expect("run dotnet run --project tests/ecma/MetadataChecker");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// Gives a framework file's new bytes (path, old bytes), or None to keep it.
pub type Transform<'a> = dyn Fn(&Path, &[u8]) -> Option<Vec<u8>> + 'a;

/// A private copy of the dotnet root (muxer, host, one shared framework)
/// whose managed assemblies pass through `transform` (None keeps a file).
/// Returns the copied `dotnet` executable.
pub fn dotnet_root_copy(name: &str, transform: &Transform<'_>) -> PathBuf {
    let fw = super::require_shared_framework();
    let root = fw.parent().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::copy(root.join("dotnet"), dest.join("dotnet")).unwrap();
    copy_dir(&root.join("host"), &dest.join("host"));
    let fw_dest = dest.join("shared/Microsoft.NETCore.App").join(fw.file_name().unwrap());
    std::fs::create_dir_all(&fw_dest).unwrap();
    for e in std::fs::read_dir(&fw).unwrap() {
        let p = e.unwrap().path();
        let t = fw_dest.join(p.file_name().unwrap());
        let bytes = std::fs::read(&p).unwrap();
        match transform(&p, &bytes) {
            Some(b) => std::fs::write(&t, b).unwrap(),
            None => std::fs::write(&t, &bytes).unwrap(),
        }
    }
    // Keep the file mode of the muxer.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dest.join("dotnet"), std::fs::Permissions::from_mode(0o755)).unwrap();
    dest.join("dotnet")
}

//! The NativeAOT runtime pack (`microsoft.netcore.app.runtime.nativeaot.linux-x64`),
//! restored on demand: on a fresh machine the pack is not in the NuGet
//! packages folder until some project publishes with PublishAot. When it is
//! missing, a tiny PublishAot console project is generated in a temporary
//! folder and `dotnet restore`d; the SDK picks the pack's version (none is
//! written here). One restore per test process (a `OnceLock`) and across
//! concurrently running test processes (a lock folder beside the packages).
//!
//! The packages folder is `$NUGET_PACKAGES` when set (dotnet honours it too),
//! else `~/.nuget/packages`; after a restore, the folder and version named
//! in the project's `obj/project.assets.json` win.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

pub const PACK_ID: &str = "Microsoft.NETCore.App.Runtime.NativeAOT.linux-x64";

/// Where NuGet keeps packages for this process's `dotnet`.
pub fn packages_dir() -> Option<PathBuf> {
    match std::env::var_os("NUGET_PACKAGES") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => Some(Path::new(&std::env::var_os("HOME")?).join(".nuget/packages")),
    }
}

/// The pack's `runtimes/linux-x64/native` folder (System.Private.CoreLib.dll
/// and the other private SDK assemblies), restoring the pack if needed.
/// Fails the calling test without dotnet or when the restore fails.
#[track_caller]
pub fn native_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    super::require_dotnet();
    DIR.get_or_init(|| {
        let packages = packages_dir().expect("neither NUGET_PACKAGES nor HOME is set");
        if let Some(dir) = find(&packages, None) {
            return dir;
        }
        let _lock = DirLock::acquire(&packages);
        // Another process may have restored while this one waited.
        if let Some(dir) = find(&packages, None) {
            return dir;
        }
        let (folder, version) = restore();
        let dir = find(&folder, version.as_deref()).or_else(|| find(&packages, None));
        dir.unwrap_or_else(|| panic!("dotnet restore did not bring {PACK_ID} (looked in {} and {})", folder.display(), packages.display()))
    })
}

fn pack_root(packages: &Path) -> PathBuf {
    packages.join(PACK_ID.to_ascii_lowercase())
}

fn native_of(version_dir: &Path) -> PathBuf {
    version_dir.join("runtimes/linux-x64/native")
}

/// The pack's native folder in `packages`: of `version` when given, else of
/// the highest version present. Only complete extractions count (CoreLib and
/// NuGet's `.nupkg.metadata` marker, written last, are there).
fn find(packages: &Path, version: Option<&str>) -> Option<PathBuf> {
    let root = pack_root(packages);
    let complete = |v: &Path| native_of(v).join("System.Private.CoreLib.dll").is_file() && v.join(".nupkg.metadata").is_file();
    if let Some(v) = version {
        let dir = root.join(v.to_ascii_lowercase());
        return complete(&dir).then(|| native_of(&dir));
    }
    let versions = std::fs::read_dir(&root).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| complete(p));
    versions.max_by(|a, b| version_key(a).cmp(&version_key(b))).map(|v| native_of(&v))
}

/// Orders `10.0.12` above `10.0.9` and a release above its previews.
pub fn version_key(dir: &Path) -> (Vec<u64>, bool, String) {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (core, pre) = name.split_once('-').map_or((name.as_str(), ""), |(c, p)| (c, p));
    let nums = core.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    (nums, pre.is_empty(), pre.to_string())
}

/// Restores a generated PublishAot project; returns the packages folder and
/// the pack version its `project.assets.json` names (when it names one).
fn restore() -> (PathBuf, Option<String>) {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&base).unwrap();
    let tmp = tempfile::Builder::new().prefix("nativeaot-restore.").tempdir_in(&base).unwrap();
    let proj = tmp.path().join("restore.csproj");
    std::fs::write(
        &proj,
        r#"<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <PublishAot>true</PublishAot>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
  </PropertyGroup>
</Project>
"#,
    )
    .unwrap();
    std::fs::write(tmp.path().join("Program.cs"), "System.Console.WriteLine(1);\n").unwrap();
    eprintln!("note: restoring {PACK_ID} (dotnet restore of a PublishAot project in {})", tmp.path().display());
    let out = Command::new("dotnet")
        .arg("restore")
        .arg(&proj)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_NOLOGO", "1")
        .output()
        .expect("run dotnet restore");
    assert!(
        out.status.success(),
        "dotnet restore of a PublishAot project failed (is nuget.org reachable?):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let assets = std::fs::read_to_string(tmp.path().join("obj/project.assets.json")).expect("obj/project.assets.json after restore");
    let folder = assets_package_folder(&assets).map(PathBuf::from).or_else(packages_dir).unwrap();
    (folder, assets_pack_version(&assets))
}

/// The first key of `"packageFolders"` (the global packages folder).
pub fn assets_package_folder(json: &str) -> Option<String> {
    let at = json.find("\"packageFolders\"")?;
    let rest = &json[at + "\"packageFolders\"".len()..];
    let rest = &rest[rest.find('{')? + 1..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].replace("\\\\", "\\"))
}

/// The pack's version in the restore's `downloadDependencies`
/// (`{"name": "<PACK_ID>", "version": "[10.0.x, 10.0.x]"}`).
pub fn assets_pack_version(json: &str) -> Option<String> {
    let lower = json.to_ascii_lowercase();
    let at = lower.find(&format!("\"{}\"", PACK_ID.to_ascii_lowercase()))?;
    let rest = &json[at..];
    let v = rest.find("\"version\"")?;
    let rest = &rest[v + "\"version\"".len()..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    let range = rest[start..end].trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')');
    let version = range.split(',').next()?.trim();
    (!version.is_empty()).then(|| version.to_string())
}

/// A lock shared by test processes: a folder created atomically, removed on
/// drop. A lock older than ten minutes is taken to be left by a killed run.
struct DirLock(PathBuf);

impl DirLock {
    fn acquire(packages: &Path) -> DirLock {
        std::fs::create_dir_all(packages).unwrap();
        let path = packages.join(".graft-nativeaot-restore.lock");
        let started = Instant::now();
        loop {
            match std::fs::create_dir(&path) {
                Ok(()) => return DirLock(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&path).and_then(|m| m.modified()).ok().and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|a| a > Duration::from_secs(600)) {
                        let _ = std::fs::remove_dir(&path);
                        continue;
                    }
                    assert!(started.elapsed() < Duration::from_secs(900), "waited 15 minutes for {}", path.display());
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(e) => panic!("cannot create the lock {}: {e}", path.display()),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

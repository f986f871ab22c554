//! The built `graft` binary: help text, `inspect` and `rewrite` on the
//! installed shared framework, and errors printed as compiler diagnostics
//! with exit code 1. Without a prerequisite (dotnet and its shared
//! framework; nasm, ld.lld, grub-mkimage, QEMU) a test fails, naming it.

// graft-ecma's framework lookup, so that the CLI tests find the same runtime.
#[path = "../../graft-ecma/examples/support/framework.rs"]
mod framework;

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

/// A ReadyToRun assembly of the newest installed shared framework; fails
/// the calling test without one.
#[track_caller]
fn framework_dll(name: &str) -> PathBuf {
    framework::require_shared_framework().join(name)
}

#[test]
fn help_lists_every_stage() {
    let out = graft_str(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for stage in graft_stages::STAGES {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{stage} "))), "--help does not list '{stage}':\n{help}");
    }
    for sub in ["patch", "rewrite", "inspect"] {
        let out = graft_str(&[sub, "--help"]);
        assert!(out.status.success());
        assert!(text(&out.stdout).contains("GRAFT2001"), "{sub} --help names its error code");
    }
}

#[test]
fn inspect_prints_table_counts() {
    let dll = framework_dll("System.Collections.dll");
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
    let dll = framework_dll("System.Collections.dll");
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
fn rewrite_round_trips() {
    let dll = framework_dll("System.Collections.dll");
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("out/System.Collections.dll");
    let out = graft(&["rewrite".as_ref(), dll.as_os_str(), "-o".as_ref(), out_path.as_os_str(), "--json".as_ref()]);
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
    let out = graft(&["rewrite".as_ref(), missing.as_os_str(), "-o".as_ref(), tmp.path().join("x.dll").as_os_str()]);
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

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn has_debug_info(object: &Path) -> bool {
    contains(&std::fs::read(object).unwrap(), b".debug_info")
}

/// compile-c's --opt-level, --code-model and --debug reach clang's command line (-v prints it).
#[test]
fn compile_c_flags_reach_clang() {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("triple.c");
    std::fs::write(&source, "int triple(int x) { return x * 3; }\n").unwrap();
    let out_dir = tmp.path().join("obj");
    let object = out_dir.join("triple.c.o");
    let compile = |flags: &[&str]| {
        let mut args = vec!["-v", "compile-c", "-o", out_dir.to_str().unwrap(), source.to_str().unwrap()];
        args.extend_from_slice(flags);
        let out = graft_str(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let command = text(&out.stderr).lines().find(|l| l.contains("clang") && l.contains(" -c ")).map(str::to_string);
        command.unwrap_or_else(|| panic!("-v shows no clang command:\n{}", text(&out.stderr)))
    };
    let plain = compile(&[]);
    assert!(plain.contains(" -O2 ") && !plain.contains("-mcmodel=kernel"), "{plain}");
    assert!(!has_debug_info(&object), "no --debug, yet {} has DWARF", object.display());
    let tuned = compile(&["--opt-level", "s", "--code-model", "kernel", "--debug"]);
    assert!(tuned.contains(" -Os ") && tuned.contains("-mcmodel=kernel") && !tuned.contains(" -O2 "), "{tuned}");
    assert!(has_debug_info(&object), "--debug, yet {} has no DWARF", object.display());
}

/// Fails the calling test unless every tool is on PATH; `tools` pairs each
/// with the Debian/Ubuntu package that brings it.
#[track_caller]
fn require_tools(tools: &[(&str, &str)]) {
    let missing: Vec<&(&str, &str)> = tools.iter().filter(|(t, _)| which(t).is_none()).collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|(t, _)| *t).collect();
        let packages: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
        panic!("{} not found on PATH: sudo apt-get install {} (see README quick start)", names.join(", "), packages.join(" "));
    }
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(tool)).find(|p| p.is_file())
}

/// The whole pipeline on tests/kernels/hello_asm, each stage with flags only
/// the CLI's typed requests pass on: assemble --debug, link --linker-arg,
/// image --volume-id and --timeout, run --no-echo and --mark.
#[test]
fn new_flags_reach_each_stage() {
    require_tools(&[("nasm", "nasm"), ("ld.lld", "lld"), ("grub-mkimage", "grub-common"), ("qemu-system-x86_64", "qemu-system-x86")]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/kernels/hello_asm/main.asm");
    let step = |args: &[&std::ffi::OsStr]| {
        let out = graft(args);
        assert!(out.status.success(), "graft {args:?}:\n{}", text(&out.stderr));
        out
    };
    let os = |s: &str| std::ffi::OsString::from(s);

    step(&[&os("assemble"), &os("--debug"), &os("-o"), dir.as_os_str(), source.as_os_str()]);
    let object = dir.join("main.asm.o");
    assert!(has_debug_info(&object), "assemble --debug, yet {} has no DWARF", object.display());

    let kernel = dir.join("Kernel.elf");
    let map = dir.join("Kernel.map");
    let map_arg = os(&format!("-Map={}", map.display()));
    step(&[&os("link"), &os("-o"), kernel.as_os_str(), object.as_os_str(), &os("--linker-arg"), &map_arg]);
    let map_text = std::fs::read_to_string(&map).unwrap_or_else(|e| panic!("--linker-arg=-Map made no {}: {e}", map.display()));
    assert!(map_text.contains("_start"), "{map_text}");

    let iso = dir.join("Kernel.iso");
    step(&[&os("image"), &os("-o"), iso.as_os_str(), kernel.as_os_str(), &os("--volume-id"), &os("CLI_VOLUME"), &os("--timeout"), &os("0")]);
    let bytes = std::fs::read(&iso).unwrap();
    // The primary volume descriptor is block 16; its volume identifier sits at byte 40, 32 bytes padded with spaces.
    let volume_id = &bytes[16 * 2048 + 40..16 * 2048 + 72];
    assert_eq!(text(volume_id).trim_end(), "CLI_VOLUME");
    let with_menu = dir.join("Menu.iso");
    step(&[&os("image"), &os("-o"), with_menu.as_os_str(), kernel.as_os_str(), &os("--timeout"), &os("7")]);
    let menu = std::fs::read(&with_menu).unwrap();
    assert!(contains(&menu, b"set timeout=7\n"), "--timeout 7 is not in grub.cfg");
    assert!(contains(&bytes, b"set timeout=0\n"), "--timeout 0 is not in grub.cfg");

    // With --no-echo, stdout holds the JSON result and nothing the kernel printed.
    let out = graft(&[&os("run"), iso.as_os_str(), &os("--no-echo"), &os("--mark"), &os("hello from asm"), &os("--json")]);
    // hello_asm writes 0x11 to the exit port.
    assert_eq!(out.status.code(), Some(0x11), "{}", text(&out.stderr));
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}:\n{}", text(&out.stdout)));
    assert!(result["output"]["serial"].as_str().unwrap().contains("hello from asm"), "{result}");
    assert!(result["output"]["mark_ms"].is_u64(), "--mark was not timed: {result}");
}

/// `graft request` passes the file to the stage as written: an unknown field is the stage's GRAFT9003.
#[test]
fn request_replays_the_file_as_is() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("link.json");
    std::fs::write(&file, r#"{"objects": ["a.o"], "output": "k.elf", "extra_arg": ["-s"]}"#).unwrap();
    let out = graft(&["request".as_ref(), "link".as_ref(), file.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error GRAFT9003") && err.contains("extra_arg"), "{err}");
}

/// `graft symbolize` reads a serial log on stdin and names each `[0x..]`
/// frame: here the address of a label on a known line of a clang-built ELF.
#[test]
fn symbolize_names_the_function_and_line_of_a_frame() {
    require_tools(&[("clang", "clang"), ("ld.lld", "lld")]);
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("crash.c");
    std::fs::write(&source, "int entry(void) {\n    int y = 3;\n    __asm__ volatile(\".globl probe\\nprobe: nop\");\n    return y;\n}\n").unwrap();
    let elf = dir.path().join("crash.elf");
    let built = Command::new("clang")
        .args(["-g", "-O0", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld", "-Wl,-e,entry", "-o"])
        .arg(&elf)
        .arg(&source)
        .status()
        .unwrap();
    assert!(built.success());
    let nm = Command::new("nm").arg(&elf).output().expect("nm (binutils)");
    let probe = text(&nm.stdout).lines().find_map(|l| l.strip_suffix(" T probe").map(str::to_string)).expect("probe in nm");
    let probe = u64::from_str_radix(&probe, 16).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_graft"))
        .arg("symbolize")
        .arg(&elf)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    write!(child.stdin.take().unwrap(), "before\n  at [0x{probe:x}]\nafter\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.first().map(String::as_str), Some("before"), "{lines:?}");
    assert!(lines[1].contains("entry") && lines[1].ends_with("crash.c:line 3"), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("after"), "{lines:?}");
}

/// A `graft run` that is killed (as `dotnet watch` does on a restart) takes
/// its QEMU with it: here a machine with nothing to boot, which would spin in
/// the firmware until its time limit.
#[test]
fn qemu_ends_with_a_killed_graft_run() {
    require_tools(&[("qemu-system-x86_64", "qemu-system-x86"), ("pgrep", "procps")]);
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("nothing-to-boot.iso");
    std::fs::write(&image, vec![0u8; 1 << 20]).unwrap();
    // QEMU's command line, not graft's (which names the image too).
    let pattern = format!("qemu-system-x86_64 .*{}", image.display());
    let qemu_running = || Command::new("pgrep").arg("-f").arg(&pattern).output().unwrap().status.success();
    let mut run = Command::new(env!("CARGO_BIN_EXE_graft"))
        .arg("run")
        .arg(&image)
        .args(["--iso", "--timeout", "120", "--no-echo"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !qemu_running() {
        assert!(started.elapsed().as_secs() < 30, "QEMU did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    let killed = std::time::Instant::now();
    while qemu_running() {
        assert!(killed.elapsed().as_secs() < 10, "QEMU still runs after graft run was killed");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

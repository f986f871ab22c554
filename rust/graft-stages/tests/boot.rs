//! Boot tests: every kernel under `tests/kernels/` is built with Graft's own
//! stages (assemble, compile-c, link, image: the same JSON requests the C ABI
//! takes), then booted in QEMU in each mode its `graft-test: boot` line names:
//! the image through firmware and GRUB, or (`direct`) the ELF itself through
//! QEMU's `-kernel` and the PVH entry.
//! A boot passes only when the serial output holds every `expect-serial` text
//! AND QEMU's exit status is `expect-exit`. Kernels marked
//! `expect-runner-failure` must be judged failed with that code: they prove
//! the runner can fail. The header format is in tests/kernels/README.md.

use std::path::{Path, PathBuf};

use graft_stages::run::{Outcome, Output as RunOutput};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The expectations in a kernel's `main.*` header.
#[derive(Debug, Default)]
struct Expect {
    sdk_boot: bool,
    serial: Vec<String>,
    exit: Option<i32>,
    modes: Vec<String>,
    cmdline: String,
    runner_failure: Option<String>,
    timeout: Option<f64>,
}

fn quoted(rest: &str) -> String {
    rest.trim().trim_matches('"').to_string()
}

fn parse_expect(main: &Path) -> Expect {
    let text = std::fs::read_to_string(main).unwrap();
    let mut e = Expect::default();
    for line in text.lines() {
        let Some(directive) = line.split_once("graft-test:").map(|(_, d)| d.trim()) else { continue };
        let (word, rest) = directive.split_once(' ').unwrap_or((directive, ""));
        match word {
            "sdk-boot" => e.sdk_boot = true,
            "expect-serial" => e.serial.push(quoted(rest)),
            "expect-exit" => {
                let r = rest.trim();
                e.exit = Some(r.strip_prefix("0x").map_or_else(|| r.parse().unwrap(), |h| i32::from_str_radix(h, 16).unwrap()));
            }
            "boot" => e.modes = rest.split_whitespace().map(String::from).collect(),
            "cmdline" => e.cmdline = quoted(rest),
            "expect-runner-failure" => e.runner_failure = Some(rest.trim().to_string()),
            "timeout" => e.timeout = Some(rest.trim().parse().unwrap()),
            other => panic!("{}: unknown graft-test directive '{other}'", main.display()),
        }
    }
    assert!(!e.modes.is_empty(), "{}: no `graft-test: boot` line", main.display());
    e
}

/// Runs one stage through the same JSON door as the C ABI; panics with the
/// diagnostics when it fails.
fn stage(name: &str, request: Value) -> Value {
    let log = |_: graft_diag::Severity, m: &str| eprintln!("  [{name}] {m}");
    let response = graft_stages::run_json(name, &request.to_string(), Some(&log));
    assert!(response.ok, "{name} failed: {:#?}\nrequest: {request}", response.diagnostics);
    response.output.unwrap()
}

fn sources(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| exts.contains(&x.to_str().unwrap())))
        .collect();
    found.sort();
    found
}

fn objects(output: &Value) -> Vec<PathBuf> {
    output["objects"].as_array().unwrap().iter().map(|o| PathBuf::from(o["object"].as_str().unwrap())).collect()
}

/// Builds `tests/kernels/<name>` into a kernel and an image with Graft's
/// stages; returns (Kernel.elf, Kernel.iso).
fn build(name: &str, expect: &Expect) -> (PathBuf, PathBuf) {
    build_in(name, name, expect)
}

/// The same into `boot-tests/<folder>`: tests that run at once build apart.
fn build_in(name: &str, folder: &str, expect: &Expect) -> (PathBuf, PathBuf) {
    let repo = repo();
    let dir = repo.join("tests/kernels").join(name);
    let boot = repo.join("sdk/boot");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("boot-tests").join(folder);
    let obj = out.join("obj");

    let mut asm = sources(&dir, &["asm", "nasm", "s", "S"]);
    let mut c = sources(&dir, &["c"]);
    let mut include_dirs = vec![dir.clone()];
    if expect.sdk_boot {
        // Every boot source, as the SDK builds them (kernel/boot/*.asm, *.c).
        asm.extend(sources(&boot, &["asm"]));
        c.extend(sources(&boot, &["c"]));
        include_dirs.push(boot.clone());
    }
    let mut objs = Vec::new();
    if !asm.is_empty() {
        objs.extend(objects(&stage("assemble", json!({ "sources": asm, "output_dir": obj, "include_dirs": include_dirs }))));
    }
    if !c.is_empty() {
        objs.extend(objects(&stage("compile-c", json!({ "sources": c, "output_dir": obj, "include_dirs": include_dirs }))));
    }
    let elf = out.join("Kernel.elf");
    stage("link", json!({ "objects": objs, "output": elf }));
    let iso = out.join("Kernel.iso");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grub-cache");
    stage("image", json!({ "kernel": elf, "output": iso, "command_line": expect.cmdline, "cache_dir": cache }));
    (elf, iso)
}

/// Why a boot did not pass, with the code a user would see.
#[derive(Debug)]
struct Failure {
    code: &'static str,
    message: String,
}

fn judge(expect: &Expect, run: &RunOutput) -> Result<(), Failure> {
    match run.outcome {
        Outcome::TimedOut => return Err(Failure { code: "GRAFT6003", message: "the kernel did not exit in time".into() }),
        Outcome::Reset => return Err(Failure { code: "GRAFT6005", message: "the machine reset without an exit code".into() }),
        Outcome::Exited => {}
    }
    let missing: Vec<&String> = expect.serial.iter().filter(|s| !run.serial.contains(s.as_str())).collect();
    if !missing.is_empty() {
        return Err(Failure { code: "serial", message: format!("serial output lacks {missing:?}") });
    }
    if run.qemu_status != expect.exit {
        return Err(Failure { code: "exit", message: format!("QEMU exited with {:?}, expected {:?}", run.qemu_status, expect.exit) });
    }
    Ok(())
}

fn boot((elf, iso): (&Path, &Path), mode: &str, expect: &Expect) -> RunOutput {
    let (file, firmware, media) = match mode {
        "bios-cd" => (iso, "bios", "cdrom"),
        "uefi-cd" => (iso, "uefi", "cdrom"),
        "bios-disk" => (iso, "bios", "disk"),
        "uefi-disk" => (iso, "uefi", "disk"),
        // The ELF itself: the run stage boots it with -kernel and -append.
        "direct" => (elf, "bios", "cdrom"),
        other => panic!("unknown boot mode {other}"),
    };
    let request = json!({ "image": file, "firmware": firmware, "media": media, "timeout_secs": expect.timeout.unwrap_or(60.0),
                           "mark": expect.serial.first(), "command_line": expect.cmdline });
    let log = |_: graft_diag::Severity, _: &str| {};
    let response = graft_stages::run_json("run", &request.to_string(), Some(&log));
    assert!(response.ok, "run failed: {:#?}", response.diagnostics);
    serde_json::from_value(response.output.unwrap()).unwrap()
}

/// Builds the kernel once and boots it in every mode it names.
fn boot_test(name: &str) {
    let main = sources(&repo().join("tests/kernels").join(name), &["c", "asm", "nasm", "S", "s"])
        .into_iter()
        .find(|p| p.file_stem().unwrap() == "main")
        .expect("a main.* source");
    let expect = parse_expect(&main);
    let (elf, iso) = build(name, &expect);
    let mut problems = Vec::new();
    for mode in &expect.modes {
        let run = boot((&elf, &iso), mode, &expect);
        if mode == "direct" {
            assert!(run.command.contains(" -kernel "), "{name} [direct] did not boot the ELF: {}", run.command);
        }
        eprintln!("{name} [{mode}]: {}", run.command);
        eprintln!(
            "{name} [{mode}]: {:?} status {:?}; serial from {:?} ms, kernel's first line at {:?} ms, {} ms in all",
            run.outcome, run.qemu_status, run.first_serial_ms, run.mark_ms, run.duration_ms
        );
        let verdict = judge(&expect, &run);
        match (&expect.runner_failure, verdict) {
            (None, Ok(())) => {}
            (None, Err(f)) => problems.push(format!("{mode}: {} ({}); serial:\n{}", f.message, f.code, run.serial)),
            (Some(code), Err(f)) if f.code == code => {
                // Still demand the text it printed first: it did boot.
                let missing: Vec<&String> = expect.serial.iter().filter(|s| !run.serial.contains(s.as_str())).collect();
                if !missing.is_empty() {
                    problems.push(format!("{mode}: failed as expected ({code}) but serial lacks {missing:?}"));
                }
            }
            (Some(code), Err(f)) => problems.push(format!("{mode}: expected the runner to report {code}, it reported {} ({})", f.code, f.message)),
            (Some(code), Ok(())) => problems.push(format!("{mode}: a kernel that must fail ({code}) passed: the runner is broken")),
        }
    }
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
}

#[test]
fn hello_c() {
    boot_test("hello_c");
}

#[test]
fn hello_asm() {
    boot_test("hello_asm");
}

#[test]
fn gas_serial() {
    boot_test("gas_serial");
}

#[test]
fn cmdline() {
    boot_test("cmdline");
}

#[test]
fn triple_fault_is_reported_as_a_reset() {
    boot_test("triple_fault");
}

#[test]
fn hang_is_reported_as_a_timeout() {
    boot_test("hang");
}

/// A kernel ELF boots directly only with a PVH entry note and on a BIOS
/// machine: else the run stage says so (GRAFT6006) before starting QEMU.
#[test]
fn direct_boot_needs_a_pvh_note_and_bios() {
    let refused = |kernel: &Path, firmware: &str, media: &str| {
        let request = json!({ "image": kernel, "firmware": firmware, "media": media, "timeout_secs": 10.0 });
        let response = graft_stages::run_json("run", &request.to_string(), None);
        assert!(!response.ok, "{kernel:?} ({firmware}, {media}) was booted");
        assert!(response.diagnostics.iter().any(|d| d.code == "GRAFT6006"), "{:#?}", response.diagnostics);
    };
    // hello_asm brings its own Multiboot2 header and no PVH note.
    let asm = repo().join("tests/kernels/hello_asm");
    let (plain, _) = build_in("hello_asm", "no-pvh-note", &parse_expect(&asm.join("main.asm")));
    refused(&plain, "bios", "cdrom");
    let hello_c = repo().join("tests/kernels/hello_c");
    let (elf, _) = build_in("hello_c", "direct-refused", &parse_expect(&hello_c.join("main.c")));
    refused(&elf, "uefi", "cdrom");
    refused(&elf, "bios", "disk");
}

/// Every folder under tests/kernels has a test above.
#[test]
fn every_kernel_has_a_test() {
    let this = std::fs::read_to_string(file!()).or_else(|_| std::fs::read_to_string(repo().join("rust/graft-stages/tests/boot.rs"))).unwrap();
    for entry in std::fs::read_dir(repo().join("tests/kernels")).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            let name = entry.file_name().into_string().unwrap();
            assert!(this.contains(&format!("boot_test(\"{name}\")")), "tests/kernels/{name} has no boot test");
        }
    }
}

//! The assemble, compile-c and link stages on real inputs (nasm, yasm, clang,
//! ld.lld), read back with the `object` crate, and every error path they own.
//!
//! The test kernels under tests/kernels are built here too (each must link
//! into a checked kernel); booting them is tests/boot.rs's job.

mod common;

use common::{MULTIBOOT2_HEADER, kernel_source};
use graft_diag::{Diagnostic, Session, Severity};
use graft_stages::{assemble, compile_c, link};
use object::{Object, ObjectSection, ObjectSymbol};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sdk_boot() -> PathBuf {
    repo().join("sdk/boot")
}

fn kernel_dir(name: &str) -> PathBuf {
    repo().join("tests/kernels").join(name)
}

/// Runs a stage with a session whose progress lines are kept.
struct Run<T> {
    result: Result<T, graft_diag::Failed>,
    diagnostics: Vec<Diagnostic>,
    progress: Vec<String>,
}

impl<T: std::fmt::Debug> Run<T> {
    fn ok(self) -> T {
        match self.result {
            Ok(v) => {
                assert!(
                    self.diagnostics.iter().all(|d| d.severity != Severity::Error),
                    "succeeded with errors: {:#?}",
                    self.diagnostics
                );
                v
            }
            Err(_) => panic!("stage failed: {:#?}", self.diagnostics),
        }
    }

    /// The stage failed; returns its error diagnostics.
    fn errors(self) -> Vec<Diagnostic> {
        assert!(self.result.is_err(), "stage succeeded: {:?}", self.result);
        let errors: Vec<_> = self.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(!errors.is_empty(), "failed without an error diagnostic");
        errors
    }

    /// The stage failed with exactly one error, of this code.
    fn single_error(self, code: &str) -> Diagnostic {
        let errors = self.errors();
        assert_eq!(errors.len(), 1, "expected one {code}, got {errors:#?}");
        assert_eq!(errors[0].code, code, "{errors:#?}");
        errors.into_iter().next().unwrap()
    }
}

fn run_stage<Req, T>(request: &Req, stage: fn(&Req, &mut Session<'_>) -> graft_diag::StageResult<T>) -> Run<T> {
    let progress = Mutex::new(Vec::new());
    let log = |severity: Severity, message: &str| {
        if severity == Severity::Info {
            progress.lock().unwrap().push(message.to_string());
        }
    };
    let mut session = Session::new(Some(&log));
    let result = stage(request, &mut session);
    let diagnostics = session.into_diagnostics();
    Run { result, diagnostics, progress: progress.into_inner().unwrap() }
}

fn assemble_req(sources: &[PathBuf], out: &Path) -> assemble::Request {
    serde_json::from_value(serde_json::json!({ "sources": sources, "output_dir": out })).unwrap()
}

fn compile_req(sources: &[PathBuf], out: &Path) -> compile_c::Request {
    serde_json::from_value(serde_json::json!({
        "sources": sources, "output_dir": out, "include_dirs": [sdk_boot()]
    }))
    .unwrap()
}

fn link_req(objects: &[PathBuf], output: &Path) -> link::Request {
    serde_json::from_value(serde_json::json!({ "objects": objects, "output": output })).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The objects the assemble stage makes of `sources` (which must assemble).
fn assembled(sources: &[PathBuf], out: &Path) -> Vec<PathBuf> {
    run_stage(&assemble_req(sources, out), assemble::run).ok().objects.into_iter().map(|o| o.object).collect()
}

/// The objects the compile-c stage makes of `sources` (which must compile).
fn compiled(sources: &[PathBuf], out: &Path) -> Vec<PathBuf> {
    run_stage(&compile_req(sources, out), compile_c::run).ok().objects.into_iter().map(|o| o.object).collect()
}

/// Builds tests/kernels/<name> the way its README says (sdk-boot directive,
/// every .asm/.S/.c in the folder) and returns the kernel and the link result.
fn build_kernel(name: &str, work: &Path) -> (PathBuf, link::Output) {
    let dir = kernel_dir(name);
    let mut asm = Vec::new();
    let mut c = Vec::new();
    let mut sdk_boot_wanted = false;
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        match path.extension().and_then(|e| e.to_str()) {
            Some("asm" | "nasm" | "s" | "S") => asm.push(path.clone()),
            Some("c") => c.push(path.clone()),
            _ => continue,
        }
        if path.file_stem().unwrap() == "main" {
            sdk_boot_wanted = std::fs::read_to_string(&path).unwrap().contains("graft-test: sdk-boot");
        }
    }
    if sdk_boot_wanted {
        asm.insert(0, sdk_boot().join("multiboot2_entry.asm"));
        c.insert(0, sdk_boot().join("serial.c"));
    }
    let objects_dir = work.join("obj");
    let mut objects = Vec::new();
    if !asm.is_empty() {
        objects.extend(assembled(&asm, &objects_dir));
    }
    if !c.is_empty() {
        objects.extend(compiled(&c, &objects_dir));
    }
    let kernel = work.join(format!("{name}.elf"));
    let result = run_stage(&link_req(&objects, &kernel), link::run).ok();
    (kernel, result)
}

fn symbol_address(file: &object::File<'_>, name: &str) -> Option<u64> {
    file.symbols().find(|s| s.name() == Ok(name) && s.is_definition()).map(|s| s.address())
}

/// Objects `a.asm.o` and `b.asm.o` that each call `missing_one` and
/// `missing_two`; `a` also holds a Multiboot2 header and `_start`.
fn objects_with_undefined(dir: &Path) -> Vec<PathBuf> {
    let header = std::fs::read_to_string(kernel_dir("hello_asm").join("main.asm")).unwrap();
    let header: String = header
        .lines()
        .skip_while(|l| !l.starts_with("MB2_MAGIC"))
        .take_while(|l| !l.starts_with("section .text"))
        .collect::<Vec<_>>()
        .join("\n");
    let a = write(
        dir,
        "a.asm",
        &format!(
            "{header}\nsection .text\nglobal _start\nextern missing_one\nextern missing_two\n_start:\n call missing_one\n call missing_two\n hlt\n"
        ),
    );
    let b = write(
        dir,
        "b.asm",
        "section .text\nglobal helper\nextern missing_one\nextern missing_two\nhelper:\n call missing_two\n jmp missing_one\n",
    );
    assembled(&[a, b], &dir.join("obj"))
}

// ---------------------------------------------------------------------------
// assemble

#[test]
fn assemble_nasm_source_to_elf_object() {
    let work = tempfile::tempdir().unwrap();
    let source = sdk_boot().join("multiboot2_entry.asm");
    let run = run_stage(&assemble_req(std::slice::from_ref(&source), work.path()), assemble::run);
    assert_eq!(run.progress.len(), 1, "{:?}", run.progress);
    let out = run.ok();
    assert_eq!(out.objects.len(), 1);
    assert_eq!(out.objects[0].object, work.path().join("multiboot2_entry.asm.o"));
    let data = std::fs::read(&out.objects[0].object).unwrap();
    let file = object::File::parse(&*data).unwrap();
    assert_eq!(file.architecture(), object::Architecture::X86_64);
    assert!(file.section_by_name(".multiboot2").is_some());
    let start = file.symbols().find(|s| s.name() == Ok("_start")).expect("_start");
    assert!(start.is_global() && start.is_definition());
    let main = file.symbols().find(|s| s.name() == Ok("graft_kernel_main")).expect("graft_kernel_main");
    assert!(main.is_undefined());
    // Nothing but the object is left in the folder.
    let names: Vec<_> = std::fs::read_dir(work.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("multiboot2_entry.asm.o")]);
}

#[test]
fn nothing_to_build() {
    let work = tempfile::tempdir().unwrap();
    assert!(run_stage(&assemble_req(&[], work.path()), assemble::run).ok().objects.is_empty());
    let out = run_stage(&compile_req(&[], work.path()), compile_c::run).ok();
    assert!(out.objects.is_empty() && out.compiler.is_none());
    run_stage(&link_req(&[], &work.path().join("k.elf")), link::run).single_error("GRAFT9003");
}

#[test]
fn assemble_with_yasm_by_name() {
    let work = tempfile::tempdir().unwrap();
    let mut request = assemble_req(&[sdk_boot().join("multiboot2_entry.asm")], work.path());
    request.assembler = Some("yasm".into());
    let out = run_stage(&request, assemble::run).ok();
    let data = std::fs::read(&out.objects[0].object).unwrap();
    let file = object::File::parse(&*data).unwrap();
    assert!(file.symbols().any(|s| s.name() == Ok("_start") && s.is_definition()));
}

#[test]
fn assemble_gnu_source_with_clang() {
    let work = tempfile::tempdir().unwrap();
    let source = kernel_dir("gas_serial").join("serial_gas.S");
    let out = run_stage(&assemble_req(&[source], work.path()), assemble::run).ok();
    assert_eq!(out.objects[0].object, work.path().join("serial_gas.S.o"));
    let data = std::fs::read(&out.objects[0].object).unwrap();
    let file = object::File::parse(&*data).unwrap();
    for name in ["gas_serial_write", "gas_sum"] {
        assert!(file.symbols().any(|s| s.name() == Ok(name) && s.is_global() && s.is_definition()), "{name}");
    }
}

#[test]
fn assemble_passes_include_dirs_and_defines() {
    let work = tempfile::tempdir().unwrap();
    let inc = work.path().join("inc");
    std::fs::create_dir(&inc).unwrap();
    write(&inc, "value.inc", "VALUE equ 7\n");
    let nasm = write(
        work.path(),
        "d.asm",
        "%include \"value.inc\"\n%ifndef WANTED\n%error WANTED is not defined\n%endif\nsection .text\nglobal from_nasm\nfrom_nasm: mov eax, VALUE + EXTRA\n ret\n",
    );
    write(&inc, "gnu.h", "#define GNU_VALUE 9\n");
    let gnu = write(
        work.path(),
        "d.S",
        "#include \"gnu.h\"\n#ifndef WANTED\n#error WANTED is not defined\n#endif\n.globl from_gnu\nfrom_gnu: mov $GNU_VALUE, %eax\n ret\n",
    );
    let request: assemble::Request = serde_json::from_value(serde_json::json!({
        "sources": [nasm, gnu], "output_dir": work.path().join("obj"),
        "include_dirs": [inc], "defines": ["WANTED", "EXTRA=1"], "debug": true
    }))
    .unwrap();
    let out = run_stage(&request, assemble::run).ok();
    // a.asm and a.S do not clash: the extension stays in the object's name.
    let names: Vec<_> =
        out.objects.iter().map(|o| o.object.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["d.asm.o", "d.S.o"]);
    for object in &out.objects {
        let data = std::fs::read(&object.object).unwrap();
        let file = object::File::parse(&*data).unwrap();
        assert!(file.section_by_name(".debug_info").is_some(), "debug: true gives DWARF in {:?}", object.object);
    }
}

#[test]
fn assembler_error_points_at_file_and_line() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "bad.asm", "section .text\nmov eax, 1\nmovx eax, ebx\nret\n");
    let errors =
        run_stage(&assemble_req(std::slice::from_ref(&source), &work.path().join("obj")), assemble::run).errors();
    assert!(errors.iter().all(|d| d.code == "GRAFT3002"), "{errors:#?}");
    assert!(errors.iter().all(|d| d.file.as_deref() == Some(source.as_path()) && d.line == Some(3)), "{errors:#?}");
    assert!(!work.path().join("obj/bad.asm.o").exists());
}

#[test]
fn yasm_error_points_at_file_and_line() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "bad.asm", "section .text\nmov eax, 1\nmovx eax, ebx\nret\n");
    let mut request = assemble_req(std::slice::from_ref(&source), work.path());
    request.assembler = Some("yasm".into());
    let errors = run_stage(&request, assemble::run).errors();
    assert!(errors.iter().all(|d| d.code == "GRAFT3002" && d.line == Some(3)), "{errors:#?}");
}

#[test]
fn gnu_assembler_error_points_at_file_line_and_column() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "bad.s", ".text\nnop\n  movq %rax, %bogus\n");
    let error =
        run_stage(&assemble_req(std::slice::from_ref(&source), work.path()), assemble::run).single_error("GRAFT3002");
    assert_eq!(error.file.as_deref(), Some(source.as_path()));
    assert_eq!(error.line, Some(3));
    assert!(error.column.is_some(), "{error:?}");
}

#[test]
fn every_failing_source_is_reported() {
    let work = tempfile::tempdir().unwrap();
    let a = write(work.path(), "a.asm", "bogus1 eax, 1\n");
    let good = write(work.path(), "good.asm", "section .text\nret\n");
    let b = write(work.path(), "b.asm", "\n\nbogus2 eax\n");
    let errors = run_stage(&assemble_req(&[a.clone(), good, b.clone()], work.path()), assemble::run).errors();
    assert!(errors.iter().any(|d| d.file.as_deref() == Some(a.as_path()) && d.line == Some(1)), "{errors:#?}");
    assert!(errors.iter().any(|d| d.file.as_deref() == Some(b.as_path()) && d.line == Some(3)), "{errors:#?}");
}

#[test]
fn unknown_source_extension() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "main.c", "int x;\n");
    let error =
        run_stage(&assemble_req(std::slice::from_ref(&source), work.path()), assemble::run).single_error("GRAFT3003");
    assert_eq!(error.file.as_deref(), Some(source.as_path()));
}

#[test]
fn missing_assembly_source() {
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("nowhere.asm");
    let error =
        run_stage(&assemble_req(std::slice::from_ref(&source), work.path()), assemble::run).single_error("GRAFT0002");
    assert!(error.message.contains("nowhere.asm"), "{error:?}");
}

#[test]
fn missing_assembler_at_explicit_path() {
    let work = tempfile::tempdir().unwrap();
    let mut request = assemble_req(&[sdk_boot().join("multiboot2_entry.asm")], work.path());
    request.assembler = Some("/opt/none/bin/nasm".into());
    let error = run_stage(&request, assemble::run).single_error("GRAFT3001");
    assert!(
        error.message.contains("/opt/none/bin/nasm") && error.message.contains("apt-get install nasm"),
        "{error:?}"
    );

    let mut request = assemble_req(&[kernel_dir("gas_serial").join("serial_gas.S")], work.path());
    request.clang = Some("/opt/none/bin/clang".into());
    let error = run_stage(&request, assemble::run).single_error("GRAFT3001");
    assert!(error.message.contains("apt-get install clang"), "{error:?}");
}

#[test]
fn assemble_into_unwritable_folder() {
    let work = tempfile::tempdir().unwrap();
    let file = write(work.path(), "a-file", "");
    let error = run_stage(&assemble_req(&[sdk_boot().join("multiboot2_entry.asm")], &file.join("obj")), assemble::run)
        .single_error("GRAFT0001");
    assert!(error.message.contains("a-file"), "{error:?}");
}

#[test]
fn request_rejects_unknown_fields() {
    let response = graft_stages::run_json("assemble", r#"{"sources": [], "output_dir": "x", "nasm": "y"}"#, None);
    assert!(!response.ok);
    assert_eq!(response.diagnostics[0].code, "GRAFT9003");
    let response = graft_stages::run_json("link", r#"{"objects": [], "output": "x", "script": "y"}"#, None);
    assert_eq!(response.diagnostics[0].code, "GRAFT9003");
}

// ---------------------------------------------------------------------------
// compile-c

#[test]
fn compile_c_to_freestanding_object() {
    let work = tempfile::tempdir().unwrap();
    let sources = [sdk_boot().join("serial.c"), kernel_dir("hello_c").join("main.c")];
    let run = run_stage(&compile_req(&sources, work.path()), compile_c::run);
    assert_eq!(run.progress.len(), 2, "{:?}", run.progress);
    let out = run.ok();
    assert_eq!(out.objects[1].object, work.path().join("main.c.o"));
    let data = std::fs::read(&out.objects[1].object).unwrap();
    let file = object::File::parse(&*data).unwrap();
    assert_eq!(file.architecture(), object::Architecture::X86_64);
    assert!(symbol_address(&file, "graft_kernel_main").is_some());
    assert!(file.symbols().any(|s| s.name() == Ok("serial_write") && s.is_undefined()));
    // No stack protector, no PIC: nothing from a C library or a GOT is needed.
    for symbol in file.symbols().filter(|s| s.is_undefined()) {
        let name = symbol.name().unwrap();
        assert!(!name.contains("stack_chk") && !name.contains("GLOBAL_OFFSET_TABLE"), "{name}");
    }
}

#[test]
fn compile_c_without_sse_keeps_xmm_registers_out() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "f.c", "double twice(double x) { return x * 2; }\n");
    // -mgeneral-regs-only: floating point becomes soft-float calls, no XMM...
    let undefined = |object: &Path| -> Vec<String> {
        let data = std::fs::read(object).unwrap();
        let file = object::File::parse(&*data).unwrap();
        file.symbols()
            .filter(|s| s.is_undefined())
            .filter_map(|s| s.name().ok().map(str::to_string))
            .filter(|n| !n.is_empty())
            .collect()
    };
    let out = run_stage(&compile_req(std::slice::from_ref(&source), &work.path().join("gpr")), compile_c::run).ok();
    assert!(undefined(&out.objects[0].object).iter().any(|n| n.starts_with("__")), "expected a soft-float helper call");
    // ...and with sse: true the code uses SSE itself.
    let mut request = compile_req(std::slice::from_ref(&source), &work.path().join("sse"));
    request.sse = true;
    let out = run_stage(&request, compile_c::run).ok();
    assert_eq!(undefined(&out.objects[0].object), Vec::<String>::new());
}

#[test]
fn compile_c_passes_defines_flags_and_code_model() {
    let work = tempfile::tempdir().unwrap();
    let source = write(
        work.path(),
        "m.c",
        "#if !defined(WANTED) || VALUE != 3\n#error defines missing\n#endif\n#ifndef __OPTIMIZE__\n#error not optimised\n#endif\nint m(void) { return VALUE; }\n",
    );
    let request: compile_c::Request = serde_json::from_value(serde_json::json!({
        "sources": [source], "output_dir": work.path(), "defines": ["WANTED", "VALUE=3"],
        "flags": ["-Werror"], "opt_level": "s", "code_model": "kernel", "debug": true
    }))
    .unwrap();
    let out = run_stage(&request, compile_c::run).ok();
    let data = std::fs::read(&out.objects[0].object).unwrap();
    let file = object::File::parse(&*data).unwrap();
    assert!(file.section_by_name(".debug_info").is_some(), "debug: true gives DWARF");
    let large = serde_json::from_value::<compile_c::Request>(
        serde_json::json!({ "sources": [], "output_dir": "x", "code_model": "large" }),
    );
    assert!(large.is_err(), "code_model 'large' must be rejected");
    let default: compile_c::Request =
        serde_json::from_value(serde_json::json!({ "sources": [], "output_dir": "x" })).unwrap();
    assert_eq!(
        (default.code_model, default.opt_level.as_str(), default.sse),
        (compile_c::CodeModel::Small, "2", false)
    );
}

/// Both code models link at Graft's default address (1 MiB: within the low
/// 2 GiB that `small` needs, and a positive 32-bit value that `kernel`'s
/// sign-extended addresses can reach).
#[test]
fn both_code_models_link_at_one_mib() {
    for model in ["small", "kernel"] {
        let work = tempfile::tempdir().unwrap();
        let mut objects = assembled(&[sdk_boot().join("multiboot2_entry.asm")], work.path());
        let request: compile_c::Request = serde_json::from_value(serde_json::json!({
            "sources": [sdk_boot().join("serial.c"), kernel_dir("hello_c").join("main.c")],
            "output_dir": work.path(), "include_dirs": [sdk_boot()], "code_model": model
        }))
        .unwrap();
        let c = run_stage(&request, compile_c::run).ok();
        objects.extend(c.objects.into_iter().map(|o| o.object));
        let out = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).ok();
        assert!(out.entry_address >= 0x100000, "{model}: {out:?}");
    }
}

#[test]
fn c_error_points_at_file_line_and_column() {
    let work = tempfile::tempdir().unwrap();
    let source = write(
        work.path(),
        "broken.c",
        "int ok(void) { return 0; }\n\nint broken(void) {\n    return undefined_name;\n}\n",
    );
    let error =
        run_stage(&compile_req(std::slice::from_ref(&source), work.path()), compile_c::run).single_error("GRAFT3005");
    assert_eq!(error.file.as_deref(), Some(source.as_path()));
    assert_eq!(error.line, Some(4));
    assert_eq!(error.column, Some(12));
    assert!(error.message.contains("undefined_name"), "{error:?}");
    assert!(!work.path().join("broken.c.o").exists());
}

#[test]
fn c_warnings_are_warnings() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "w.c", "int w(void) { int unused; return 0; }\n");
    let run = run_stage(&compile_req(std::slice::from_ref(&source), work.path()), compile_c::run);
    let warning = run.diagnostics.iter().find(|d| d.severity == Severity::Warning).cloned();
    run.ok();
    let warning = warning.expect("an unused-variable warning");
    assert_eq!((warning.code.as_str(), warning.line), ("GRAFT3005", Some(1)));
}

#[test]
fn missing_c_compiler_and_source() {
    let work = tempfile::tempdir().unwrap();
    let mut request = compile_req(&[kernel_dir("hello_c").join("main.c")], work.path());
    request.clang = Some("/opt/none/bin/clang".into());
    let error = run_stage(&request, compile_c::run).single_error("GRAFT3004");
    assert!(
        error.message.contains("/opt/none/bin/clang") && error.message.contains("apt-get install clang"),
        "{error:?}"
    );

    let error =
        run_stage(&compile_req(&[work.path().join("gone.c")], work.path()), compile_c::run).single_error("GRAFT0002");
    assert!(error.message.contains("gone.c"));
}

// ---------------------------------------------------------------------------
// missing tools on an empty PATH (the search runs in a child process, since
// PATH is process-wide)

#[test]
fn missing_tools_on_empty_path() {
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "empty_path_child", "--nocapture", "--test-threads=1"])
        .env("PATH", "")
        .status()
        .unwrap();
    assert!(status.success(), "the child run with PATH='' failed");
}

#[test]
#[ignore = "run by missing_tools_on_empty_path with PATH emptied"]
fn empty_path_child() {
    assert_eq!(std::env::var_os("PATH").unwrap_or_default(), "", "run through missing_tools_on_empty_path");
    let work = tempfile::tempdir().unwrap();
    let error = run_stage(&assemble_req(&[sdk_boot().join("multiboot2_entry.asm")], work.path()), assemble::run)
        .single_error("GRAFT3001");
    assert!(
        error.message.contains("looked for nasm, yasm") && error.message.contains("apt-get install nasm"),
        "{error:?}"
    );
    let error = run_stage(&assemble_req(&[kernel_dir("gas_serial").join("serial_gas.S")], work.path()), assemble::run)
        .single_error("GRAFT3001");
    assert!(error.message.contains("apt-get install clang"), "{error:?}");
    let error = run_stage(&compile_req(&[kernel_dir("hello_c").join("main.c")], work.path()), compile_c::run)
        .single_error("GRAFT3004");
    assert!(error.message.contains("apt-get install clang"), "{error:?}");
    let object = write(work.path(), "x.o", "");
    let error = run_stage(&link_req(&[object], &work.path().join("k.elf")), link::run).single_error("GRAFT4001");
    assert!(error.message.contains("ld.lld") && error.message.contains("apt-get install lld"), "{error:?}");
}

// ---------------------------------------------------------------------------
// link

#[test]
fn link_hello_c_and_check_the_kernel() {
    let work = tempfile::tempdir().unwrap();
    let (kernel, out) = build_kernel("hello_c", work.path());
    assert_eq!(out.output, kernel);
    assert_eq!(out.entry, "_start");
    assert_eq!(out.undefined_symbols, 0);
    let data = std::fs::read(&kernel).unwrap();
    assert_eq!(out.size, data.len() as u64);
    let file = object::File::parse(&*data).unwrap();
    assert_eq!(file.architecture(), object::Architecture::X86_64);
    assert_eq!(file.entry(), out.entry_address);
    assert_eq!(symbol_address(&file, "_start"), Some(out.entry_address));
    assert!(symbol_address(&file, "graft_kernel_main").is_some());

    // The Multiboot2 header: first, 8-byte aligned, early in the file, valid.
    let offset = out.multiboot2_header_offset as usize;
    assert!(offset.is_multiple_of(8) && offset + 24 <= 32 * 1024, "{offset:#x}");
    let word = |o: usize| u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
    assert_eq!(word(offset), 0xE852_50D6);
    assert_eq!(word(offset + 4), 0);
    assert_eq!(
        word(offset).wrapping_add(word(offset + 4)).wrapping_add(word(offset + 8)).wrapping_add(word(offset + 12)),
        0
    );
    let header = file.section_by_name(".multiboot2").unwrap();
    assert_eq!(header.address(), 0x100000);
    assert_eq!(header.file_range().unwrap().0, offset as u64);

    // The default layout: text, rodata, data, bss, page aligned, in that order.
    let mut last = 0;
    for name in [".text", ".rodata", ".data", ".bss"] {
        let section = file.section_by_name(name).unwrap_or_else(|| panic!("{name}"));
        assert!(section.address() >= last && section.address() % 0x1000 == 0, "{name} at {:#x}", section.address());
        last = section.address();
    }
    let bss_start = symbol_address(&file, "__bss_start").unwrap();
    let bss_end = symbol_address(&file, "__bss_end").unwrap();
    assert!(bss_end - bss_start >= 64 * 1024 + 6 * 4096, "stack and page tables live in .bss");
}

#[test]
fn every_test_kernel_links() {
    for name in ["hello_c", "hello_asm", "gas_serial", "cmdline", "triple_fault", "hang"] {
        let work = tempfile::tempdir().unwrap();
        let (_, out) = build_kernel(name, work.path());
        assert!(out.multiboot2_header_offset < 32 * 1024, "{name}");
    }
}

/// The sections a NativeAOT object brings are kept, even when nothing refers
/// to them, with the start/end symbols the runtime layer needs.
#[test]
fn default_script_keeps_nativeaot_sections() {
    let work = tempfile::tempdir().unwrap();
    let aot = write(
        work.path(),
        "aot.asm",
        "section __modules progbits alloc noexec write align=8\n dq 0x1111, 0x2222\n\
         section __managedcode progbits alloc exec nowrite align=16\n ret\n ret\n\
         section __unbox progbits alloc exec nowrite align=16\n ret\n\
         section .dotnet_eh_table progbits alloc noexec write align=8\n dq 0x3333\n\
         section .data\nglobal gc_statics\nextern __start___modules, __stop___modules\n\
         gc_statics: dq 0\nbootstrap_view: dq __start___modules, __stop___modules\n",
    );
    let objects = assembled(&[kernel_dir("hello_asm").join("main.asm"), aot], &work.path().join("o"));
    let kernel = work.path().join("aot.elf");
    run_stage(&link_req(&objects, &kernel), link::run).ok();
    let data = std::fs::read(&kernel).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let start = symbol_address(&file, "__modules_start").unwrap();
    let end = symbol_address(&file, "__modules_end").unwrap();
    assert_eq!(end - start, 16, "both module pointers between __modules_start and __modules_end");
    // NativeAOT's bootstrapper names for the same range.
    assert_eq!(symbol_address(&file, "__start___modules"), Some(start));
    assert_eq!(symbol_address(&file, "__stop___modules"), Some(end));
    let data_section = file.section_by_name(".data").unwrap();
    let range = data_section.address()..data_section.address() + data_section.size();
    assert!(range.contains(&start), "__modules is in writable .data");
    assert_eq!(data_section.kind(), object::SectionKind::Data, ".data is writable");
    for (from, to) in [("__managedcode_start", "__managedcode_end"), ("__unbox_start", "__unbox_end")] {
        let (a, b) = (symbol_address(&file, from).unwrap(), symbol_address(&file, to).unwrap());
        assert!(b > a, "{from}..{to} is empty");
    }
    let text = file.section_by_name(".text").unwrap();
    assert!(text.address() <= symbol_address(&file, "__managedcode_start").unwrap());
    // .dotnet_eh_table's contents made it into .data.
    let contents = data_section.data().unwrap();
    assert!(contents.windows(8).any(|w| w == 0x3333u64.to_le_bytes()));
}

#[test]
fn undefined_symbols_are_one_error_naming_symbols_and_objects() {
    let work = tempfile::tempdir().unwrap();
    let objects = objects_with_undefined(work.path());
    let error = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).single_error("GRAFT4003");
    for needle in ["2 undefined symbols", "missing_one", "missing_two", "a.asm.o", "b.asm.o"] {
        assert!(error.message.contains(needle), "'{needle}' not in: {}", error.message);
    }
    // Each symbol is listed once, with both objects.
    assert_eq!(error.message.matches("missing_one (referenced by").count(), 1, "{}", error.message);
    let line = error.message.split(" | ").find(|l| l.starts_with("missing_two")).unwrap();
    assert!(line.contains("a.asm.o") && line.contains("b.asm.o"), "{line}");
    assert!(!work.path().join("k.elf").exists());
}

#[test]
fn undefined_symbols_are_caught_even_when_the_linker_ignores_them() {
    let work = tempfile::tempdir().unwrap();
    let objects = objects_with_undefined(work.path());
    let mut request = link_req(&objects, &work.path().join("k.elf"));
    request.extra_args = vec!["--unresolved-symbols=ignore-all".into()];
    let error = run_stage(&request, link::run).single_error("GRAFT4003");
    assert!(error.message.contains("missing_one") && error.message.contains("b.asm.o"), "{}", error.message);
    assert!(!work.path().join("k.elf").exists());
}

#[test]
fn bad_linker_script_points_at_its_line() {
    let work = tempfile::tempdir().unwrap();
    let (_, _) = build_kernel("hello_asm", work.path());
    let script =
        write(work.path(), "bad.ld", "ENTRY(_start)\nSECTIONS\n{\n    . = 0x100000 +;\n    .text : { *(.text) }\n}\n");
    let mut request = link_req(&[work.path().join("obj/main.asm.o")], &work.path().join("k.elf"));
    request.linker_script = Some(script.clone());
    let error = run_stage(&request, link::run).single_error("GRAFT4002");
    assert_eq!(error.file.as_deref(), Some(script.as_path()));
    assert_eq!(error.line, Some(4), "{error:?}");
    assert!(!work.path().join("k.elf").exists());
}

#[test]
fn own_linker_script_and_entry() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "k.asm", &kernel_source(MULTIBOOT2_HEADER, "my_entry"));
    let script = write(
        work.path(),
        "own.ld",
        "ENTRY(my_entry)\nSECTIONS\n{\n  . = 2M;\n  .multiboot2 : { KEEP(*(.multiboot2)) }\n  .text : { *(.text) }\n}\n",
    );
    let objects = assembled(&[source], work.path());
    let mut request = link_req(&objects, &work.path().join("k.elf"));
    request.linker_script = Some(script.clone());
    let out = run_stage(&request, link::run).ok();
    assert_eq!(out.entry, "my_entry");
    assert!(out.entry_address > 0x200000);

    // An entry the kernel lacks.
    let mut request = link_req(&objects, &work.path().join("k2.elf"));
    request.linker_script = Some(script);
    request.entry = Some("not_there".into());
    let error = run_stage(&request, link::run).single_error("GRAFT4006");
    assert!(error.message.contains("not_there"), "{error:?}");
    assert!(!work.path().join("k2.elf").exists());
}

#[test]
fn missing_entry_symbol() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "k.asm", &kernel_source(MULTIBOOT2_HEADER, "start_here"));
    let objects = assembled(&[source], work.path());
    let error = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).single_error("GRAFT4006");
    assert!(error.message.contains("'_start'"), "{error:?}");
}

#[test]
fn missing_multiboot2_header() {
    let work = tempfile::tempdir().unwrap();
    let source = write(work.path(), "k.asm", "section .text\nglobal _start\n_start: hlt\n");
    let objects = assembled(&[source], work.path());
    let error = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).single_error("GRAFT4004");
    assert!(error.message.contains("first 32 KiB"), "{error:?}");
    assert!(!work.path().join("k.elf").exists());
}

#[test]
fn multiboot2_header_beyond_32_kib() {
    let work = tempfile::tempdir().unwrap();
    let source = write(
        work.path(),
        "k.asm",
        &format!(
            "section .text\nglobal _start\n_start: hlt\n times 40000 db 0x90\n\
             section .rodata align=8\nh: {MULTIBOOT2_HEADER}"
        ),
    );
    let objects = assembled(&[source], work.path());
    let error = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).single_error("GRAFT4004");
    assert!(error.message.contains("beyond the first 32 KiB"), "{error:?}");
}

#[test]
fn invalid_multiboot2_header() {
    let cases = [
        ("checksum", "dd 0xE85250D6, 0, 24, 0x12345678\n dw 0, 0\n dd 8\n", "checksum"),
        (
            "architecture",
            "dd 0xE85250D6, 4, 24, 0x100000000 - (0xE85250D6 + 4 + 24)\n dw 0, 0\n dd 8\n",
            "architecture 4",
        ),
        ("end tag", "dd 0xE85250D6, 0, 24, 0x100000000 - (0xE85250D6 + 24)\n dw 5, 0\n dd 8\n", "end tag"),
        ("alignment", &format!("dd 0\n {MULTIBOOT2_HEADER}"), "not 8-byte aligned"),
    ];
    for (what, header, needle) in cases {
        let work = tempfile::tempdir().unwrap();
        let source = write(work.path(), "k.asm", &kernel_source(header, "_start"));
        let objects = assembled(&[source], work.path());
        let error = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).single_error("GRAFT4005");
        assert!(error.message.contains(needle), "{what}: {error:?}");
    }
}

#[test]
fn output_that_is_not_an_elf() {
    let work = tempfile::tempdir().unwrap();
    let (_, _) = build_kernel("hello_asm", work.path());
    let mut request = link_req(&[work.path().join("obj/main.asm.o")], &work.path().join("k.bin"));
    request.extra_args = vec!["--oformat=binary".into()];
    run_stage(&request, link::run).single_error("GRAFT4007");
    assert!(!work.path().join("k.bin").exists());
}

#[test]
fn missing_object_script_and_linker() {
    let work = tempfile::tempdir().unwrap();
    let gone = work.path().join("gone.o");
    let error = run_stage(&link_req(std::slice::from_ref(&gone), &work.path().join("k.elf")), link::run)
        .single_error("GRAFT0002");
    assert_eq!(error.file.as_deref(), Some(gone.as_path()));

    let (_, _) = build_kernel("hello_asm", work.path());
    let object = work.path().join("obj/main.asm.o");
    let mut request = link_req(std::slice::from_ref(&object), &work.path().join("k.elf"));
    request.linker_script = Some(work.path().join("nowhere.ld"));
    let error = run_stage(&request, link::run).single_error("GRAFT4008");
    assert!(error.message.contains("nowhere.ld"), "{error:?}");

    let mut request = link_req(std::slice::from_ref(&object), &work.path().join("k.elf"));
    request.linker = Some("/opt/none/bin/ld.lld".into());
    let error = run_stage(&request, link::run).single_error("GRAFT4001");
    assert!(
        error.message.contains("/opt/none/bin/ld.lld") && error.message.contains("apt-get install lld"),
        "{error:?}"
    );
}

#[test]
fn unwritable_output() {
    let work = tempfile::tempdir().unwrap();
    let (_, _) = build_kernel("hello_asm", work.path());
    // Tests run as root, so permissions do not stop a write: put the output below a file.
    let file = write(work.path(), "not-a-folder", "");
    let output = file.join("Kernel.elf");
    let error =
        run_stage(&link_req(&[work.path().join("obj/main.asm.o")], &output), link::run).single_error("GRAFT0001");
    assert!(error.message.contains("not-a-folder"), "{error:?}");
}

#[test]
fn failed_link_keeps_the_previous_kernel_and_leaves_no_temporary() {
    let work = tempfile::tempdir().unwrap();
    let (_, _) = build_kernel("hello_asm", work.path());
    let out_dir = work.path().join("out");
    let kernel = out_dir.join("Kernel.elf");
    let run = run_stage(&link_req(&[work.path().join("obj/main.asm.o")], &kernel), link::run);
    assert_eq!(run.progress.len(), 3, "one line per step: {:?}", run.progress);
    run.ok();
    let good = std::fs::read(&kernel).unwrap();

    let objects = objects_with_undefined(work.path());
    run_stage(&link_req(&objects, &kernel), link::run).single_error("GRAFT4003");
    assert_eq!(std::fs::read(&kernel).unwrap(), good, "the previous kernel was clobbered");
    let names: Vec<_> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("Kernel.elf")], "a temporary was left behind");
}

#[test]
fn default_script_is_the_shipped_file() {
    let shipped = std::fs::read_to_string(repo().join("sdk/linker/graft-kernel.ld")).unwrap();
    assert_eq!(link::DEFAULT_LINKER_SCRIPT, shipped);
}

#[test]
fn undefined_symbols_name_the_functions_that_use_them() {
    let work = tempfile::tempdir().unwrap();
    let c = write(
        work.path(),
        "uses.c",
        "int missing_c(int);\nint first_user(int x) { return missing_c(x) + 1; }\nint second_user(void) { return missing_c(2); }\n",
    );
    let objects = compiled(&[c], &work.path().join("obj"));
    let error = run_stage(&link_req(&objects, &work.path().join("k.elf")), link::run).single_error("GRAFT4003");
    let line = error.message.split(" | ").find(|l| l.starts_with("missing_c")).unwrap();
    assert!(line.contains("uses.c.o in functions first_user, second_user"), "{line}");
}

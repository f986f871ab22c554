//! Stage `compile-c`: freestanding C sources in, one ELF object per source out.
//!
//! The command comes from the `cc` crate used as a library (clang, target
//! `x86_64-unknown-none`, no PIC), plus Graft's kernel flags:
//! `-ffreestanding -fno-builtin -nostdlib -mno-red-zone -fno-pic -fno-pie
//! -fno-stack-protector`, `-mgeneral-regs-only` unless `sse` is set (code
//! that runs in interrupt handlers must not touch SSE state the kernel does
//! not save), and `-mcmodel=small` (default: fits Graft's default link
//! address, 1 MiB) or `-mcmodel=kernel` (higher-half kernels, top 2 GiB).
//! The request's `flags` come last, so they win. Graft runs the command once
//! per source itself, so that each source's errors come back with file, line
//! and column. Each object lands in `output_dir` as `<file name>.o`
//! (`main.c` -> `main.c.o`), written atomically.
//!
//! Codes: GRAFT3004 (no clang), GRAFT3005 (the compiler rejected a source:
//! one diagnostic per error), GRAFT0002 (missing source), GRAFT0001 (output
//! not writable).

use crate::objects::{CLANG, ObjectFile, build_object, object_paths};
use graft_diag::{Code, Diagnostic, Session, StageResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `.c` files.
    pub sources: Vec<PathBuf>,
    /// Where the objects go (created when missing).
    pub output_dir: PathBuf,
    /// clang: a path, or a name looked up on PATH. Default: clang, then
    /// clang-19 .. clang-14, on PATH.
    #[serde(default)]
    pub clang: Option<PathBuf>,
    #[serde(default)]
    pub include_dirs: Vec<PathBuf>,
    /// `NAME` or `NAME=VALUE`, passed as `-D`.
    #[serde(default)]
    pub defines: Vec<String>,
    /// Extra compiler flags, after Graft's own (so they can override them).
    #[serde(default)]
    pub flags: Vec<String>,
    /// `0`, `1`, `2`, `3`, `s` or `z`. Default `2`.
    #[serde(default = "default_opt_level")]
    pub opt_level: String,
    /// Allow SSE registers in compiled code (drops `-mgeneral-regs-only`).
    #[serde(default)]
    pub sse: bool,
    #[serde(default)]
    pub code_model: CodeModel,
    /// Emit debug information (DWARF).
    #[serde(default)]
    pub debug: bool,
}

/// Where the kernel is linked, as the compiler needs to know it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeModel {
    /// Code and data in the low 2 GiB (Graft's default script links at 1 MiB).
    #[default]
    Small,
    /// Code and data in the top 2 GiB (higher-half kernels).
    Kernel,
}

/// The optimisation level used when the request gives none (clang's `-O2`).
pub const DEFAULT_OPT_LEVEL: &str = "2";

fn default_opt_level() -> String {
    DEFAULT_OPT_LEVEL.to_string()
}

#[derive(Debug, Serialize)]
pub struct Output {
    /// One per source, in request order.
    pub objects: Vec<ObjectFile>,
    /// The compiler used (absent when there was nothing to compile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiler: Option<PathBuf>,
}

/// Graft's kernel flags (see the module doc).
const KERNEL_FLAGS: &[&str] = &[
    "-ffreestanding",
    "-fno-builtin",
    "-nostdlib",
    "-mno-red-zone",
    "-fno-pic",
    "-fno-pie",
    "-fno-stack-protector",
    "-fno-color-diagnostics",
];

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    // Validate.
    let mut bad = false;
    for source in &request.sources {
        if !source.is_file() {
            session.report(
                Diagnostic::error(Code::INPUT_NOT_READABLE, format!("C source '{}' does not exist", source.display()))
                    .at(source, None, None),
            );
            bad = true;
        }
    }
    if !matches!(request.opt_level.as_str(), "0" | "1" | "2" | "3" | "s" | "z") {
        session.report(Diagnostic::error(
            Code::INVALID_REQUEST,
            format!("opt_level '{}' is not one of 0, 1, 2, 3, s, z", request.opt_level),
        ));
        bad = true;
    }
    if bad {
        return Err(graft_diag::Failed);
    }
    let objects = object_paths(&request.output_dir, &request.sources, session)?;
    if request.sources.is_empty() {
        return Ok(Output { objects: Vec::new(), compiler: None });
    }

    // Find clang and let cc assemble the command line.
    let clang = CLANG.find(request.clang.as_deref()).map_err(|m| session.error(Code::C_COMPILER_NOT_FOUND, m))?;
    let tool = compiler_command(request, &clang, session)?;

    // Compile each source; keep going so that every file's errors show.
    let mut ok = true;
    let mut output = Vec::new();
    for (source, object) in request.sources.iter().zip(objects) {
        session.progress(&format!("compile-c: {} -> {}", source.display(), object.display()));
        let mut command = tool.to_command();
        command.arg("-c");
        if build_object(session, source, &object, command, Code::C_COMPILE_ERROR, Code::C_COMPILER_NOT_FOUND).is_ok() {
            output.push(ObjectFile { source: source.clone(), object });
        } else {
            ok = false;
        }
    }
    if ok { Ok(Output { objects: output, compiler: Some(clang) }) } else { Err(graft_diag::Failed) }
}

/// The compiler command cc makes for this request. cc probes the compiler
/// (three runs of clang, about a second on a slow machine), so the result is
/// kept for the life of the process, keyed by everything that shapes it.
fn compiler_command(request: &Request, clang: &Path, session: &mut Session<'_>) -> StageResult<cc::Tool> {
    static CACHE: OnceLock<Mutex<HashMap<String, cc::Tool>>> = OnceLock::new();
    let modified = std::fs::metadata(clang).and_then(|m| m.modified()).ok();
    let key = format!(
        "{}|{modified:?}|{}|{}|{:?}|{}|{:?}|{:?}|{:?}",
        clang.display(),
        request.opt_level,
        request.sse,
        request.code_model,
        request.debug,
        request.include_dirs,
        request.defines,
        request.flags
    );
    let cache = CACHE.get_or_init(Default::default);
    if let Some(tool) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(tool.clone());
    }
    let probe_dir = tempfile::tempdir().map_err(|e| {
        session.error(Code::OUTPUT_NOT_WRITABLE, format!("cannot create a temporary folder for the compiler: {e}"))
    })?;
    let tool = configure(request, clang, probe_dir.path()).try_get_compiler().map_err(|e| {
        session.error(Code::C_COMPILER_NOT_FOUND, format!("cannot set up '{}' as the C compiler: {e}", clang.display()))
    })?;
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, tool.clone());
    Ok(tool)
}

/// The cc build for this request. Nothing comes from Cargo's environment:
/// target, host, optimisation and debug level are all set here.
fn configure(request: &Request, clang: &Path, probe_dir: &Path) -> cc::Build {
    let mut build = cc::Build::new();
    build
        .compiler(clang)
        .target("x86_64-unknown-none")
        .host(host_triple())
        .opt_level_str(&request.opt_level)
        .debug(request.debug)
        .pic(false)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .cargo_output(false)
        .emit_rerun_if_env_changed(false)
        .inherit_rustflags(false)
        .warnings(true)
        .extra_warnings(false)
        .out_dir(probe_dir);
    for flag in KERNEL_FLAGS {
        build.flag(flag);
    }
    if !request.sse {
        build.flag("-mgeneral-regs-only");
    }
    build.flag(match request.code_model {
        CodeModel::Small => "-mcmodel=small",
        CodeModel::Kernel => "-mcmodel=kernel",
    });
    for dir in &request.include_dirs {
        build.include(dir);
    }
    for define in &request.defines {
        match define.split_once('=') {
            Some((name, value)) => build.define(name, value),
            None => build.define(define, None),
        };
    }
    for flag in &request.flags {
        build.flag(flag);
    }
    build
}

/// The triple of the machine Graft runs on, for cc's cross-compilation logic.
fn host_triple() -> &'static str {
    match (std::env::consts::ARCH, std::env::consts::OS) {
        ("x86_64", "windows") => "x86_64-pc-windows-msvc",
        ("aarch64", "windows") => "aarch64-pc-windows-msvc",
        ("x86_64", "macos") => "x86_64-apple-darwin",
        ("aarch64", "macos") => "aarch64-apple-darwin",
        ("aarch64", _) => "aarch64-unknown-linux-gnu",
        _ => "x86_64-unknown-linux-gnu",
    }
}

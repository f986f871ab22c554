//! Stage `assemble`: assembly sources in, one ELF object per source out.
//!
//! NASM-syntax sources (`.asm`, `.nasm`) go through nasm or yasm with
//! `-felf64`; GNU sources (`.s`, and `.S` which is preprocessed first) go
//! through clang with `--target=x86_64-unknown-none -c`. Each object lands in
//! `output_dir` as `<file name>.o` (`boot.asm` -> `boot.asm.o`, so that
//! `boot.asm` and `boot.c` do not collide), written atomically.
//!
//! Codes: GRAFT3001 (no assembler), GRAFT3002 (the assembler rejected a
//! source: one diagnostic per error line, with file and line), GRAFT3003
//! (unknown extension), GRAFT0002 (missing source), GRAFT0001 (output not
//! writable).

use crate::tool::{self, ToolSpec};
use graft_diag::{Code, Diagnostic, PendingOutput, Session, Severity, StageResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// `.asm`/`.nasm` (NASM syntax) and `.s`/`.S` (GNU syntax) files.
    pub sources: Vec<PathBuf>,
    /// Where the objects go (created when missing).
    pub output_dir: PathBuf,
    /// `-I` directories, for both syntaxes.
    #[serde(default)]
    pub include_dirs: Vec<PathBuf>,
    /// `NAME` or `NAME=VALUE`, passed as `-D`.
    #[serde(default)]
    pub defines: Vec<String>,
    /// The NASM-syntax assembler: a path, or a name looked up on PATH
    /// ("yasm"). Default: nasm, else yasm, on PATH.
    #[serde(default)]
    pub assembler: Option<PathBuf>,
    /// clang for GNU-syntax sources: a path or a name. Default: clang on PATH.
    #[serde(default)]
    pub clang: Option<PathBuf>,
    /// Emit debug information (DWARF).
    #[serde(default)]
    pub debug: bool,
}

#[derive(Debug, Serialize)]
pub struct Output {
    /// One per source, in request order.
    pub objects: Vec<ObjectFile>,
}

/// A source and the object made from it.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectFile {
    pub source: PathBuf,
    pub object: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    Nasm,
    Gnu,
}

const NASM: ToolSpec<'static> = ToolSpec {
    role: "assembler",
    names: &["nasm", "yasm"],
    packages: "nasm (or yasm)",
    setting: "the request's `assembler` (MSBuild: GraftAssembler)",
};

pub(crate) const CLANG: ToolSpec<'static> = ToolSpec {
    role: "clang",
    names: &["clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14"],
    packages: "clang",
    setting: "the request's `clang` (MSBuild: GraftClang)",
};

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    // Validate: every source exists and has a known syntax.
    let mut jobs = Vec::new();
    let mut bad = false;
    for source in &request.sources {
        let syntax = match syntax_of(source) {
            Some(s) => s,
            None => {
                session.report(
                    Diagnostic::error(
                        Code::UNKNOWN_SOURCE_KIND,
                        format!(
                            "'{}' is not an assembly source: use .asm or .nasm for NASM syntax, .s or .S for GNU syntax (C goes to compile-c)",
                            source.display()
                        ),
                    )
                    .at(source, None, None),
                );
                bad = true;
                continue;
            }
        };
        if !source.is_file() {
            session.report(
                Diagnostic::error(
                    Code::INPUT_NOT_READABLE,
                    format!("assembly source '{}' does not exist", source.display()),
                )
                .at(source, None, None),
            );
            bad = true;
            continue;
        }
        jobs.push((source, syntax));
    }
    if bad {
        return Err(graft_diag::Failed);
    }
    let objects = object_paths(&request.output_dir, &request.sources, session)?;

    // Find the tools the sources need, and only those.
    let nasm = if jobs.iter().any(|(_, s)| *s == Syntax::Nasm) {
        Some(NASM.find(request.assembler.as_deref()).map_err(|m| session.error(Code::ASSEMBLER_NOT_FOUND, m))?)
    } else {
        None
    };
    let clang = if jobs.iter().any(|(_, s)| *s == Syntax::Gnu) {
        Some(CLANG.find(request.clang.as_deref()).map_err(|m| session.error(Code::ASSEMBLER_NOT_FOUND, m))?)
    } else {
        None
    };

    // Assemble each source; keep going after a failure so that every error shows.
    let mut ok = true;
    let mut output = Vec::new();
    for ((source, syntax), object) in jobs.into_iter().zip(objects) {
        let (tool, args): (&Path, Vec<OsString>) = match syntax {
            Syntax::Nasm => (nasm.as_deref().expect("found above"), nasm_args(request)),
            Syntax::Gnu => (clang.as_deref().expect("found above"), clang_args(request)),
        };
        let name = tool.file_name().unwrap_or(tool.as_os_str()).to_string_lossy();
        session.progress(&format!("assemble: {} -> {} ({name})", source.display(), object.display()));
        let mut command = Command::new(tool);
        command.args(args);
        if build_object(session, source, &object, command, Code::ASSEMBLER_ERROR, Code::ASSEMBLER_NOT_FOUND).is_ok() {
            output.push(ObjectFile { source: source.clone(), object });
        } else {
            ok = false;
        }
    }
    if ok { Ok(Output { objects: output }) } else { Err(graft_diag::Failed) }
}

fn syntax_of(source: &Path) -> Option<Syntax> {
    match source.extension()?.to_str()? {
        "asm" | "nasm" | "ASM" => Some(Syntax::Nasm),
        "s" | "S" | "sx" => Some(Syntax::Gnu),
        _ => None,
    }
}

fn nasm_args(request: &Request) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["-felf64".into()];
    if request.debug {
        args.push("-g".into());
        args.push("-Fdwarf".into());
    }
    for dir in &request.include_dirs {
        // nasm glues the file name onto the -I text: make sure a separator ends it.
        let mut dir = dir.as_os_str().to_owned();
        if !dir.to_string_lossy().ends_with(['/', '\\']) {
            dir.push("/");
        }
        let mut arg = OsString::from("-I");
        arg.push(dir);
        args.push(arg);
    }
    args.extend(request.defines.iter().map(|d| OsString::from(format!("-D{d}"))));
    args
}

fn clang_args(request: &Request) -> Vec<OsString> {
    let mut args: Vec<OsString> =
        vec!["--target=x86_64-unknown-none".into(), "-fno-color-diagnostics".into(), "-c".into()];
    if request.debug {
        args.push("-g".into());
    }
    for dir in &request.include_dirs {
        args.push("-I".into());
        args.push(dir.into());
    }
    args.extend(request.defines.iter().map(|d| OsString::from(format!("-D{d}"))));
    args
}

/// `<output_dir>/<file name>.o` for each source; two sources with the same
/// file name would overwrite each other's object, so that is an error.
pub(crate) fn object_paths(
    output_dir: &Path,
    sources: &[PathBuf],
    session: &mut Session<'_>,
) -> StageResult<Vec<PathBuf>> {
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    let mut objects = Vec::new();
    for source in sources {
        let mut name = source.file_name().unwrap_or_default().to_owned();
        name.push(".o");
        let object = output_dir.join(name);
        if let Some(first) = seen.insert(object.clone(), source) {
            return Err(session.error(
                Code::INVALID_REQUEST,
                format!(
                    "'{}' and '{}' would both produce '{}'; rename one of them or build them in separate steps",
                    first.display(),
                    source.display(),
                    object.display()
                ),
            ));
        }
        objects.push(object);
    }
    Ok(objects)
}

/// Runs `command` (all arguments but the source and `-o`) on `source`, writing `object`
/// atomically. The tool's errors become `error_code` diagnostics with file and
/// line; its warnings become warnings.
pub(crate) fn build_object(
    session: &mut Session<'_>,
    source: &Path,
    object: &Path,
    mut command: Command,
    error_code: Code,
    not_found_code: Code,
) -> Result<(), ()> {
    let pending = match PendingOutput::new(object) {
        Ok(p) => p,
        Err(e) => {
            session.report(Diagnostic::error(
                Code::OUTPUT_NOT_WRITABLE,
                format!("cannot write '{}': {e}; check that the output folder is writable", object.display()),
            ));
            return Err(());
        }
    };
    command.arg(source).arg("-o").arg(pending.path());
    let program = PathBuf::from(command.get_program());
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    session.debug(&tool::describe(&program, &args));
    let out = match command.output() {
        Ok(out) => out,
        Err(e) => {
            session.report(Diagnostic::error(
                not_found_code,
                format!(
                    "cannot start '{}': {e}; check that it is an executable compiler or assembler",
                    program.display()
                ),
            ));
            return Err(());
        }
    };
    // nasm prints to stdout on some versions; clang and yasm to stderr.
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    let messages = tool::parse_messages(&text);
    for m in &messages {
        let severity = if m.is_error { Severity::Error } else { Severity::Warning };
        session.report(Diagnostic::new(error_code, severity, m.text.clone()).at(&m.file, Some(m.line), m.column));
    }
    if !out.status.success() {
        if !messages.iter().any(|m| m.is_error) {
            let name = program.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let detail = text.trim();
            let detail = if detail.is_empty() { format!("exit status {}", out.status) } else { detail.to_string() };
            session.report(
                Diagnostic::error(error_code, format!("{name} failed on '{}': {detail}", source.display()))
                    .at(source, None, None),
            );
        }
        return Err(());
    }
    if let Err(e) = pending.commit() {
        session.report(Diagnostic::error(
            Code::OUTPUT_NOT_WRITABLE,
            format!("cannot move the object into place at '{}': {e}", object.display()),
        ));
        return Err(());
    }
    Ok(())
}

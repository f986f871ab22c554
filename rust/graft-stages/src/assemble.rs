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

use crate::objects::{CLANG, build_object, object_paths};
use crate::tool::ToolSpec;
use graft_diag::{Code, Diagnostic, Session, StageResult};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Kept at this path: compile-c's output names the same type.
pub use crate::objects::ObjectFile;

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

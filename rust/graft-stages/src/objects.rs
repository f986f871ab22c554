//! What the `assemble` and `compile-c` stages share: each turns sources
//! into one ELF object per source, named `<file name>.o` in the output
//! folder, by running a tool (nasm, yasm or clang) whose messages become
//! diagnostics with file and line, and writes each object atomically.
//!
//! Codes: the calling stage's own for a tool that cannot start and for the
//! tool's messages (GRAFT3001/3002 for assemble, GRAFT3004/3005 for
//! compile-c), GRAFT0001 (object not writable), GRAFT9003 (two sources that
//! would make one object).

use crate::tool::{self, ToolSpec};
use graft_diag::{Code, Diagnostic, PendingOutput, Session, Severity, StageResult};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A source and the object made from it.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectFile {
    pub source: PathBuf,
    pub object: PathBuf,
}

/// clang, for GNU-syntax assembly and for C.
pub(crate) const CLANG: ToolSpec<'static> = ToolSpec {
    role: "clang",
    names: &["clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14"],
    packages: "clang",
    setting: "the request's `clang` (MSBuild: GraftClang)",
};

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

//! ld.lld and what it reads: finding the tool, the linker script (the
//! caller's, or Graft's default written to a temporary file), and the
//! command line that links the objects into the output's temporary file.
//!
//! Codes: GRAFT4001 (no ld.lld, or it cannot start), GRAFT4008 (the
//! caller's script cannot be read), GRAFT0001 (the default script cannot be
//! written out).

use super::{DEFAULT_LINKER_SCRIPT, Request};
use crate::tool::{self, ToolSpec};
use graft_diag::{Code, Diagnostic, Session, StageResult};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

/// How the default script is named in messages.
pub(super) const DEFAULT_SCRIPT_NAME: &str = "graft-kernel.ld (Graft's default linker script)";

const LLD: ToolSpec<'static> = ToolSpec {
    role: "linker ld.lld",
    names: &["ld.lld", "ld.lld-19", "ld.lld-18", "ld.lld-17", "ld.lld-16", "ld.lld-15", "ld.lld-14"],
    packages: "lld",
    setting: "the request's `linker` (MSBuild: GraftLinker)",
};

/// The request's ld.lld, else the first one found on PATH.
pub(super) fn find(request: &Request, session: &mut Session<'_>) -> StageResult<PathBuf> {
    LLD.find(request.linker.as_deref()).map_err(|m| session.error(Code::LINKER_NOT_FOUND, m))
}

/// The linker script ld.lld reads: the caller's, or the default written to a
/// temporary file that lives as long as this value.
pub(super) struct Script {
    pub path: PathBuf,
    pub text: String,
    pub temp: Option<tempfile::TempPath>,
}

impl Script {
    /// The script's name in messages.
    pub fn display_name(&self) -> String {
        if self.temp.is_some() { DEFAULT_SCRIPT_NAME.to_string() } else { self.path.display().to_string() }
    }
}

/// The request's linker script, or the default written to a temporary file.
pub(super) fn load_script(request: &Request, session: &mut Session<'_>) -> StageResult<Script> {
    if let Some(path) = &request.linker_script {
        let text = std::fs::read_to_string(path).map_err(|e| {
            session.fail(
                Diagnostic::error(
                    Code::LINKER_SCRIPT_NOT_FOUND,
                    format!("cannot read linker script '{}': {e}", path.display()),
                )
                .at(path, None, None),
            )
        })?;
        return Ok(Script { path: path.clone(), text, temp: None });
    }
    let write = || -> std::io::Result<tempfile::TempPath> {
        let mut file = tempfile::Builder::new().prefix("graft-kernel.").suffix(".ld").tempfile()?;
        file.write_all(DEFAULT_LINKER_SCRIPT.as_bytes())?;
        file.flush()?;
        Ok(file.into_temp_path())
    };
    let temp = write().map_err(|e| {
        session.error(
            Code::OUTPUT_NOT_WRITABLE,
            format!("cannot write the default linker script to a temporary file: {e}"),
        )
    })?;
    Ok(Script { path: temp.to_path_buf(), text: DEFAULT_LINKER_SCRIPT.to_string(), temp: Some(temp) })
}

/// The symbol named by the script's `ENTRY(...)`.
pub(super) fn script_entry(script: &str) -> Option<String> {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| regex::Regex::new(r"\bENTRY\s*\(\s*([^\s)]+)\s*\)").expect("valid regex"));
    // Skip commented-out text.
    let code = strip_comments(script);
    pattern.captures(&code).map(|c| c[1].to_string())
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = match rest[start + 2..].find("*/") {
            Some(end) => &rest[start + 2 + end + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Runs ld.lld on the request's objects with `script`, writing `output`.
/// Its exit status and what it printed are for `messages` to read.
pub(super) fn link(
    linker: &Path,
    script: &Script,
    request: &Request,
    output: &Path,
    session: &mut Session<'_>,
) -> StageResult<Output> {
    let mut args: Vec<OsString> = vec![
        "-T".into(),
        script.path.clone().into(),
        "-nostdlib".into(),
        "-static".into(),
        "-z".into(),
        "max-page-size=0x1000".into(),
        "--no-pie".into(),
        "--error-limit=0".into(),
        "--no-demangle".into(),
        "--color-diagnostics=never".into(),
    ];
    if let Some(entry) = &request.entry {
        args.push(format!("--entry={entry}").into());
    }
    args.push("-o".into());
    args.push(output.into());
    args.extend(request.objects.iter().map(|o| o.clone().into_os_string()));
    args.extend(request.extra_args.iter().map(Into::into));
    session.debug(&tool::describe(linker, &args));
    tool::run(linker, &args).map_err(|m| session.error(Code::LINKER_NOT_FOUND, m))
}

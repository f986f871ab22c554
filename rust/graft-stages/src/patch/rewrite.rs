//! Stages `rewrite` and `inspect`: one .NET assembly through Graft's
//! ECMA-335 engine (`graft-ecma`), with no plugs.
//!
//! `rewrite` reads the assembly (and its side-by-side portable PDB, when there
//! is one) and writes it back. The engine gives back the input's bytes, so
//! the output is byte-identical to the input and the PDB is copied as it is:
//! the lossless round trip the engine's tests and `graft rewrite` rely on.
//! Outputs are written to temporary files beside their targets and renamed
//! into place only when everything succeeded, so a failure leaves no output.
//!
//! `inspect` prints the engine's summary of an assembly: PE sections, CLI
//! header, ReadyToRun, streams, table row counts, bodies, resources, debug
//! directory.

use super::{check_portable_pdb, engine_diagnostic, fill, not_writable, pending, read_input, Phase};
use graft_diag::{Session, StageResult};
use graft_ecma::edit::Editor;
use graft_ecma::read::Assembly;
use graft_ecma::write::{self, WriteOptions};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewriteRequest {
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
pub struct RewriteOutput {
    pub output: PathBuf,
    /// The PDB written next to the output, if the input had one.
    pub output_pdb: Option<PathBuf>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// The output's bytes are the input's.
    pub unchanged: bool,
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

pub fn rewrite(request: &RewriteRequest, session: &mut Session<'_>) -> StageResult<RewriteOutput> {
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
        "rewrite: {} ({} bytes{}) -> {}",
        request.input.display(),
        input.len(),
        pdb_path.as_ref().map(|p| format!(", PDB {}", p.display())).unwrap_or_default(),
        request.output.display()
    ));

    let asm = Assembly::read(&input).map_err(|e| session.fail(engine_diagnostic(Phase::Read, &request.input, &e)))?;
    // The PDB is copied as it is, but only when it is one.
    if let (Some(p), Some(b)) = (&pdb_path, &pdb_bytes) {
        check_portable_pdb(p, b, session)?;
    }
    let embedded = asm.debug_entries().map(|d| d.iter().any(|d| d.kind == graft_ecma::raw::pe::debug::TYPE_EMBEDDED_PORTABLE_PDB)).unwrap_or(false);

    let editor = Editor::new(&asm);
    let written =
        write::write(&editor, &WriteOptions::default()).map_err(|e| session.fail(engine_diagnostic(Phase::Write, &request.output, &e)))?;
    let unchanged = written.bytes[..] == input[..];
    if written.dropped_ready_to_run {
        session.progress("rewrite: ReadyToRun code dropped (the runtime compiles the IL instead)");
    }

    // Write both files beside their targets, then rename them into place.
    let out = pending(&request.output, session)?;
    fill(&out, &written.bytes, session)?;
    let output_pdb = match &pdb_bytes {
        Some(original) => {
            let path = request.output_pdb.clone().unwrap_or_else(|| request.output.with_extension("pdb"));
            let p = pending(&path, session)?;
            fill(&p, original, session)?;
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
        "rewrite: {} bytes -> {} ({})",
        written.bytes.len(),
        request.output.display(),
        if unchanged { "unchanged" } else { "rewritten" }
    ));
    Ok(RewriteOutput {
        output: request.output.clone(),
        output_pdb,
        bytes_in: input.len() as u64,
        bytes_out: written.bytes.len() as u64,
        unchanged,
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


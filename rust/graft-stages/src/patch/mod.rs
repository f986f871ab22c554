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

mod apply;
mod gather;
mod names;
mod rewrite;

pub use rewrite::{inspect, rewrite, InspectOutput, InspectRequest, RewriteOutput, RewriteRequest};

use graft_diag::{Code, Diagnostic, PendingOutput, Session, StageResult};
use graft_ecma::edit::{Editor, Resolver};
use graft_ecma::raw::TableId;
use graft_ecma::read::{Assembly, Metadata};
use std::collections::HashMap;
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

/// Where a plug is in its source: file, line and column (the plug
/// assembly's path alone when it has no PDB).
pub(crate) type Located = (PathBuf, Option<u32>, Option<u32>);

/// The input assemblies by simple name, for following type forwarders.
pub(crate) struct InputSet<'a, 'd> {
    asms: &'a [Assembly<'d>],
    by_name: HashMap<String, usize>,
}

impl Resolver for InputSet<'_, '_> {
    fn resolve(&self, name: &str) -> Option<&Assembly<'_>> {
        self.by_name.get(&name.to_ascii_lowercase()).map(|&i| &self.asms[i])
    }
}

/// What planning and applying share: the inputs, the plug assemblies'
/// PDBs (for locations), and what has been found so far.
pub(crate) struct Context<'a, 'd> {
    pub asms: &'a [Assembly<'d>],
    pub set: &'a InputSet<'a, 'd>,
    paths: &'a [PathBuf],
    pdbs: &'a [Option<Metadata<'a>>],
    pub arch: gather::Arch,
    diagnostics: Vec<Diagnostic>,
    skipped: Vec<SkippedPlug>,
    /// Target methods already replaced: (assembly, row) -> the plug's text.
    pub claimed: HashMap<(usize, u32), String>,
}

impl Context<'_, '_> {
    pub fn error(&mut self, code: Code, at: Located, message: String) {
        self.diagnostics.push(Diagnostic::error(code, message).at(at.0, at.1, at.2));
    }

    pub fn skip(&mut self, plug: &str, target: &str, reason: &str) {
        self.skipped.push(SkippedPlug { plug: plug.to_string(), target: target.to_string(), reason: reason.to_string() });
    }

    /// A method's first source line; its class's when it has none.
    pub fn method_location(&self, asm: usize, method: u32, type_row: u32) -> Located {
        match self.source_line(asm, method) {
            Some(l) => l,
            None => self.type_location(asm, type_row),
        }
    }

    /// A type's location: its first method with a source line.
    pub fn type_location(&self, asm: usize, type_row: u32) -> Located {
        apply::methods_of(&self.asms[asm].metadata, type_row)
            .find_map(|m| self.source_line(asm, m))
            .unwrap_or_else(|| (self.paths[asm].clone(), None, None))
    }

    fn source_line(&self, asm: usize, method: u32) -> Option<Located> {
        let pdb = self.pdbs[asm].as_ref()?;
        let l = graft_ecma::pdb::method_source_line(pdb, method).ok()??;
        Some((PathBuf::from(l.document), Some(l.line), Some(l.column)))
    }
}

/// An input's bytes: mapped (the pages are the file's, shared with the page
/// cache, not a copy on the heap), or read when the file cannot be mapped.
pub(crate) enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

/// Maps a file. Inputs are build outputs that nothing rewrites while the
/// stage runs (outputs are written to temporaries and renamed).
fn map_file(path: &Path) -> std::io::Result<Bytes> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the map is read only; see above for why the file does not change under it.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(m) => Ok(Bytes::Mapped(m)),
        Err(_) => std::fs::read(path).map(Bytes::Read),
    }
}

/// The portable PDB of an assembly: beside it, or embedded.
fn pdb_bytes_of(path: &Path, asm: &Assembly) -> Option<Bytes> {
    if let Ok(b) = map_file(&path.with_extension("pdb")) {
        return Some(b);
    }
    let entry = asm.debug_entries().ok()?.into_iter().find(|d| d.kind == graft_ecma::raw::pe::debug::TYPE_EMBEDDED_PORTABLE_PDB)?;
    entry.embedded_pdb(graft_ecma::pdb::MAX_EMBEDDED_PDB)?.ok().map(Bytes::Read)
}

/// Where a plug's target type was found.
enum Found {
    One(usize, u32),
    Nowhere,
    /// Defined by several inputs and the name does not say which (their indexes).
    Several(Vec<usize>),
}

/// Finds a plug's target type among the inputs: `Name` or `Name, Assembly,
/// ...` (what `typeof` serializes); nested types as `Outer+Inner`. The named
/// assembly is looked in first; a type forwarded from it (a reference
/// assembly's name, such as System.Runtime) is found where it is defined,
/// the public definition winning over internal copies of the same name.
/// A name several inputs define (internal helpers such as System.SR live in
/// many framework assemblies) is never resolved by input order.
fn find_target(asms: &[Assembly], by_name: &HashMap<String, usize>, written: &str) -> Found {
    let (type_name, assembly) = match written.split_once(',') {
        Some((t, rest)) => (t.trim(), rest.split(',').next().map(|a| a.trim().to_ascii_lowercase())),
        None => (written.trim(), None),
    };
    let (ns, name) = match type_name.split_once('+') {
        Some((outer, nested)) => {
            let (ns, o) = outer.rsplit_once('.').unwrap_or(("", outer));
            (ns, format!("{o}/{}", nested.replace('+', "/")))
        }
        None => {
            let (ns, n) = type_name.rsplit_once('.').unwrap_or(("", type_name));
            (ns, n.to_string())
        }
    };
    let named = assembly.as_ref().and_then(|a| by_name.get(a).copied());
    if let Some(i) = named {
        if let Some(row) = Editor::new(&asms[i]).find_type(ns, &name) {
            return Found::One(i, row);
        }
    }
    // (input, row, public): every other definition of the name.
    let matches: Vec<(usize, u32, bool)> = (0..asms.len())
        .filter(|&i| Some(i) != named)
        .filter_map(|i| {
            let e = Editor::new(&asms[i]);
            let row = e.find_type(ns, &name)?;
            // TypeAttributes.VisibilityMask: Public 1, NestedPublic 2.
            Some((i, row, matches!(e.get(TableId::TYPE_DEF, row, 0) & 7, 1 | 2)))
        })
        .collect();
    let public: Vec<_> = matches.iter().filter(|m| m.2).collect();
    match (matches.as_slice(), public.as_slice()) {
        ([], _) => Found::Nowhere,
        ([(i, row, _)], _) => Found::One(*i, *row),
        // Forwarded from the named assembly: only a public type can be forwarded.
        (_, [(i, row, _)]) if assembly.is_some() => Found::One(*i, *row),
        _ => Found::Several(matches.iter().map(|m| m.0).collect()),
    }
}

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    // Read and parse every input; a duplicate file name would make two outputs collide.
    let mut bytes = Vec::with_capacity(request.assemblies.len());
    for path in &request.assemblies {
        bytes.push(read_input(path, "assembly", session)?);
    }
    let mut asms = Vec::with_capacity(bytes.len());
    for (path, b) in request.assemblies.iter().zip(&bytes) {
        asms.push(Assembly::read(b).map_err(|e| session.fail(engine_diagnostic(Phase::Read, path, &e)))?);
    }
    let mut by_name = HashMap::new();
    for (i, a) in asms.iter().enumerate() {
        if let Some(n) = a.name() {
            by_name.entry(n.to_ascii_lowercase()).or_insert(i);
        }
    }
    let arch = match request.architecture {
        KernelArchitecture::X64 => gather::Arch::X64,
        KernelArchitecture::Arm64 => gather::Arch::Arm64,
    };

    // Plug classes, from the assemblies that name the attributes.
    let holders: Vec<usize> = (0..asms.len()).filter(|&i| gather::may_hold_plugs(&asms[i].metadata)).collect();
    let pdb_bytes: Vec<Option<Bytes>> =
        (0..asms.len()).map(|i| if holders.contains(&i) { pdb_bytes_of(&request.assemblies[i], &asms[i]) } else { None }).collect();
    let pdbs: Vec<Option<Metadata>> = pdb_bytes.iter().map(|b| b.as_deref().and_then(|b| Metadata::parse(b).ok())).collect();
    let set = InputSet { asms: &asms, by_name: by_name.clone() };
    let mut cx = Context {
        asms: &asms,
        set: &set,
        paths: &request.assemblies,
        pdbs: &pdbs,
        arch,
        diagnostics: Vec::new(),
        skipped: Vec::new(),
        claimed: HashMap::new(),
    };
    let mut classes = Vec::new();
    for &i in &holders {
        match gather::plug_classes(&asms[i].metadata, i) {
            Ok(c) => classes.extend(c),
            Err((row, why)) => {
                let at = cx.type_location(i, row);
                cx.error(Code::PLUG_INVALID, at, why);
            }
        }
    }
    session.progress(&format!(
        "patch: {} plug classes in {} of {} assemblies, for {}",
        classes.len(),
        holders.len(),
        asms.len(),
        arch.name()
    ));

    // Each class to its target type, by target assembly (input order).
    let mut by_target: Vec<Vec<(usize, u32)>> = vec![Vec::new(); asms.len()];
    for (ci, c) in classes.iter().enumerate() {
        let at = cx.type_location(c.asm, c.type_row);
        if !c.gen3 && c.args.arch != gather::Arch::Any && c.args.arch != arch {
            cx.skip(&c.name, &c.args.target, &format!("limited to {}; the kernel is {}", c.args.arch.name(), arch.name()));
            continue;
        }
        let flags = asms[c.asm].metadata.tables.get(graft_ecma::raw::TableId::TYPE_DEF, c.type_row, 0);
        if !c.gen3 && flags & 0x180 != 0x180 {
            cx.error(Code::PLUG_CLASS_NOT_STATIC, at, format!("{} is marked [Plug] but is not a static class; declare it 'static class'", c.name));
            continue;
        }
        if c.args.replace_base {
            cx.error(Code::PLUG_INVALID, at, format!("{}: replaceBase is not supported by Graft's patcher; plug the base type's members instead", c.name));
            continue;
        }
        if c.args.target.is_empty() {
            cx.error(Code::PLUG_INVALID, at, format!("{}: [Plug] names no target type", c.name));
            continue;
        }
        match find_target(&asms, &by_name, &c.args.target) {
            Found::One(ta, tt) => by_target[ta].push((ci, tt)),
            Found::Several(inputs) => {
                let names: Vec<&str> = inputs.iter().map(|&i| asms[i].name().unwrap_or("?")).collect();
                let message = format!(
                    "{}: the target type '{}' is defined by {} assemblies the kernel compiles ({}); name the one to plug after a comma, as '{}, {}'",
                    c.name,
                    c.args.target,
                    names.len(),
                    names.join(", "),
                    c.args.target.split(',').next().unwrap_or("").trim(),
                    names[0]
                );
                cx.error(Code::PLUG_TARGET_AMBIGUOUS, at, message);
            }
            Found::Nowhere if c.args.optional => cx.skip(&c.name, &c.args.target, "optional target type not found"),
            Found::Nowhere => {
                let message = format!(
                    "{}: the target type '{}' is in none of the {} assemblies the kernel compiles (nested types as Outer+Inner, generic ones as Name`1)",
                    c.name,
                    c.args.target,
                    asms.len()
                );
                cx.error(Code::PLUG_TARGET_TYPE_NOT_FOUND, at, message);
            }
        }
    }

    // Plan every class (every mismatch is reported), then apply per target.
    let mut plans: Vec<Vec<apply::Plan>> = Vec::new();
    for (ta, targets) in by_target.iter().enumerate() {
        let mut p = Vec::new();
        for &(ci, tt) in targets {
            if let Some(plan) = cx.plan(&classes[ci], ta, tt) {
                p.push(plan);
            }
        }
        plans.push(p);
    }
    if cx.diagnostics.iter().any(|d| d.severity == graft_diag::Severity::Error) {
        let diagnostics = std::mem::take(&mut cx.diagnostics);
        let mut last = None;
        for d in diagnostics {
            last = Some(session.fail(d));
        }
        return Err(last.expect("an error was found"));
    }

    let mut applied = Vec::new();
    let mut pending_files = Vec::new();
    let mut patched = Vec::new();
    for (ta, p) in plans.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        let edits: usize = p.iter().map(|x| x.applied.len()).sum();
        if edits == 0 {
            continue;
        }
        let mut editor = Editor::new(&asms[ta]);
        let sources = cx.apply(&mut editor, ta, p).map_err(|why| {
            let c = p[0].class;
            let at = cx.type_location(c.asm, c.type_row);
            session.fail(Diagnostic::error(Code::PLUG_INVALID, why).at(at.0, at.1, at.2))
        })?;
        for plan in p {
            for (target, plug) in &plan.applied {
                session.progress(&format!("patch: {target} <- {plug}"));
                applied.push(AppliedPlug { target: target.clone(), plug: plug.clone() });
            }
        }
        let image = write_patched(&request.assemblies[ta], &asms[ta], &mut editor, &sources, &pdbs, session)?;
        // Written to temporaries now (the bytes are dropped before the next
        // assembly), renamed into place only when every assembly succeeded.
        let (image, pdb) = image;
        let input = &request.assemblies[ta];
        let output = request.output_dir.join(input.file_name().unwrap_or_default());
        let out = pending(&output, session)?;
        fill(&out, &image, session)?;
        pending_files.push((out, output.clone()));
        let output_pdb = match pdb {
            Some(pdb) => {
                let path = output.with_extension("pdb");
                let p = pending(&path, session)?;
                fill(&p, &pdb, session)?;
                pending_files.push((p, path.clone()));
                Some(path)
            }
            None => None,
        };
        patched.push(PatchedAssembly { input: input.clone(), output, output_pdb, edits });
    }
    for (p, path) in pending_files {
        p.commit().map_err(|e| not_writable(&path, &e, session))?;
    }
    for s in &cx.skipped {
        session.progress(&format!("patch: skipped {} -> {}: {}", s.plug, s.target, s.reason));
    }
    Ok(Output { patched, applied, skipped: cx.skipped })
}

/// The patched image and its rewritten side-by-side PDB (when the input
/// has one); an embedded PDB is rewritten inside the image.
fn write_patched(
    path: &Path,
    asm: &Assembly,
    editor: &mut Editor,
    sources: &[apply::BodySource],
    pdbs: &[Option<Metadata>],
    session: &mut Session<'_>,
) -> StageResult<(Vec<u8>, Option<Vec<u8>>)> {
    let mut method_sources = Vec::new();
    for s in sources {
        if let Some(pdb) = pdbs[s.plug_asm].as_ref() {
            method_sources.push(graft_ecma::pdb::MethodSource {
                target_row: s.target_row,
                source_pdb: pdb,
                source_row: s.plug_row,
                local_sig_row: s.local_sig_row,
                code_size: s.code_size,
            });
        }
    }
    let embedded = graft_ecma::pdb::rewrite_embedded(asm, editor, &method_sources)
        .map_err(|e| session.fail(engine_diagnostic(Phase::Edit, path, &e)))?;
    let mut written = graft_ecma::write::write(editor, &graft_ecma::write::WriteOptions::default())
        .map_err(|e| session.fail(engine_diagnostic(Phase::Write, path, &e)))?;
    let pdb_path = path.with_extension("pdb");
    let side = match map_file(&pdb_path) {
        Ok(b) => {
            check_portable_pdb(&pdb_path, &b, session)?;
            let md = Metadata::parse(&b).map_err(|e| session.fail(engine_diagnostic(Phase::Read, &pdb_path, &e)))?;
            Some(graft_ecma::pdb::rewrite(&md, editor, &method_sources).map_err(|e| session.fail(engine_diagnostic(Phase::Edit, &pdb_path, &e)))?)
        }
        Err(_) => None,
    };
    for rewritten in side.iter().chain(embedded.iter()) {
        graft_ecma::pdb::update_debug_directory(&mut written.bytes, asm, rewritten)
            .map_err(|e| session.fail(engine_diagnostic(Phase::Write, path, &e)))?;
    }
    Ok((written.bytes, side.map(|p| p.bytes)))
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

fn read_input(path: &Path, what: &str, session: &mut Session<'_>) -> StageResult<Bytes> {
    map_file(path).map_err(|e| {
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

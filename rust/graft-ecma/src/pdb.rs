//! Portable PDB rewriting to match an edited assembly: MethodDebugInformation
//! gains empty rows for added methods, MethodDef/Field references follow
//! moved rows, replaced bodies take their sequence points (and documents)
//! from their source method's PDB, and the PDB gets a new content id that
//! the assembly's CodeView and PdbChecksum entries are updated to.

use crate::edit::{Editor, TableData};
use crate::raw::TableId;
use crate::read::{Assembly, Error, Metadata};
use crate::sig::{Reader, put_compressed};
use sha2::{Digest, Sha256};

/// A replaced body whose sequence points come from another PDB.
pub struct MethodSource<'s> {
    /// MethodDef row in the edited assembly (current numbering).
    pub target_row: u32,
    pub source_pdb: &'s Metadata<'s>,
    /// MethodDef row of the source method in its own assembly.
    pub source_row: u32,
    /// StandAloneSig row of the new body's locals in the target, 0 if none.
    pub local_sig_row: u32,
    /// Code size of the new body (local scopes are fitted to it).
    pub code_size: u32,
}

pub struct RewrittenPdb {
    pub bytes: Vec<u8>,
    /// PDB id: GUID (16 bytes) then stamp (4 bytes).
    pub id: [u8; 20],
    /// SHA-256 of the PDB with its id zeroed (the PdbChecksum value).
    pub checksum: [u8; 32],
}

/// Rewrites `pdb` (portable PDB metadata) for the edits in `asm`.
pub fn rewrite(pdb: &Metadata, asm: &Editor, sources: &[MethodSource]) -> Result<RewrittenPdb, Error> {
    let ps = pdb.pdb.ok_or(Error::at("not a portable PDB: no #Pdb stream", 0))?;
    let mut e = Editor::for_metadata(pdb);
    let orig_methods = asm.md.tables.row_count(TableId::METHOD_DEF);
    let new_methods = asm.rows(TableId::METHOD_DEF);

    // MethodDebugInformation is parallel to MethodDef: rebuild it by row.
    let mdi = TableId::METHOD_DEBUG_INFORMATION;
    if e.rows(mdi) != 0 {
        if e.rows(mdi) != orig_methods {
            return Err(Error::row("MethodDebugInformation does not parallel MethodDef", mdi, e.rows(mdi)));
        }
        let mut cells = vec![0u32; new_methods as usize * 2];
        for old in 1..=orig_methods {
            let new = asm.map_original_token(TableId::METHOD_DEF.token(old)).map_or(old, |t| t & 0xFF_FFFF);
            let i = (new as usize - 1) * 2;
            cells[i] = e.get(mdi, old, 0);
            cells[i + 1] = e.get(mdi, old, 1);
        }
        e.tables[mdi.0 as usize] = TableData::Owned(cells);
    }
    for t in [TableId::METHOD_DEF, TableId::FIELD] {
        let moved = |r: u32| asm.map_original_token(t.token(r)).map_or(r, |n| n & 0xFF_FFFF);
        let has_moves = if t == TableId::METHOD_DEF { asm.method_map.is_some() } else { asm.field_map.is_some() };
        if has_moves {
            e.remap_refs(t, false, &moved);
        }
    }
    e.sort_tables();

    // Replaced bodies: documents and sequence points from their source PDB.
    for s in sources {
        let sp = s.source_pdb;
        let smdi = sp.tables.table(mdi).ok_or(Error::at("source PDB has no MethodDebugInformation", 0))?;
        let doc = smdi.get(s.source_row, 0);
        let blob = sp.blobs.get(smdi.get(s.source_row, 1))?;
        let mut docs = std::collections::HashMap::new();
        let mut map_doc = |e: &mut Editor, d: u32| -> Result<u32, Error> {
            if let Some(&n) = docs.get(&d) {
                return Ok(n);
            }
            let n = import_document(e, sp, d)?;
            docs.insert(d, n);
            Ok(n)
        };
        let new_doc = if doc != 0 { map_doc(&mut e, doc)? } else { 0 };
        let new_blob = if blob.is_empty() { Vec::new() } else { remap_sequence_points(blob, doc == 0, s.local_sig_row, &mut |d| map_doc(&mut e, d))? };
        let b = e.blobs.add(&new_blob);
        e.set(mdi, s.target_row, 0, new_doc);
        e.set(mdi, s.target_row, 1, b);
        // Old local scopes described the old IL: fit them to the new body.
        for r in 1..=e.rows(TableId::LOCAL_SCOPE) {
            if e.get(TableId::LOCAL_SCOPE, r, 0) == s.target_row {
                e.set(TableId::LOCAL_SCOPE, r, 4, 0);
                e.set(TableId::LOCAL_SCOPE, r, 5, s.code_size);
            }
        }
    }

    // #Pdb stream with the new row counts and entry point; id zero for hashing.
    // Every non-empty type-system table is referenced (tables that gained
    // their first rows join the mask).
    let mut mask = ps.referenced_tables;
    let mut rows = [0u32; 64];
    for (i, r) in rows.iter_mut().enumerate().take(0x30) {
        *r = asm.rows(TableId(i as u8));
        if *r != 0 {
            mask |= 1 << i;
        }
    }
    for (i, r) in rows.iter_mut().enumerate() {
        if mask & (1 << i) == 0 {
            *r = 0;
        }
    }
    let mut stream = vec![0u8; 20];
    stream.extend_from_slice(&asm.map_original_token(ps.entry_point).unwrap_or(ps.entry_point).to_le_bytes());
    stream.extend_from_slice(&mask.to_le_bytes());
    for (i, r) in rows.iter().enumerate() {
        if mask & (1 << i) != 0 {
            stream.extend_from_slice(&r.to_le_bytes());
        }
    }
    let mut bytes = crate::write::metadata::build_with(&e, &[], Some((&stream, rows)))?;
    let checksum: [u8; 32] = Sha256::digest(&bytes).into();
    let mut id = [0u8; 20];
    id.copy_from_slice(&checksum[..20]);
    // Mark the GUID as version 4 / RFC variant, as deterministic compilers do.
    id[7] = (id[7] & 0x0F) | 0x40;
    id[8] = (id[8] & 0x3F) | 0x80;
    let back = Metadata::parse(&bytes)?;
    let off = back.stream(b"#Pdb").ok_or(Error::at("rewritten PDB lost its #Pdb stream", 0))?.offset as usize;
    bytes[off..off + 20].copy_from_slice(&id);
    Ok(RewrittenPdb { bytes, id, checksum })
}

/// Copies Document row `d` of `src` into the edited PDB (reusing an equal
/// one). Name blobs hold blob indexes of their parts, so they are rebuilt.
fn import_document(e: &mut Editor, src: &Metadata, d: u32) -> Result<u32, Error> {
    let t = src.tables.table(TableId::DOCUMENT).ok_or(Error::row("no such document", TableId::DOCUMENT, d))?;
    if d == 0 || d > t.rows {
        return Err(Error::row("no such document", TableId::DOCUMENT, d));
    }
    let name = src.blobs.get(t.get(d, 0))?;
    let mut r = Reader::new(name);
    let sep = r.u8()?;
    let mut new_name = vec![sep];
    while !r.at_end() {
        let part = src.blobs.get(r.compressed()?)?;
        put_compressed(&mut new_name, e.blobs.add(part));
    }
    let name_idx = e.blobs.add(&new_name);
    if let Some(existing) = (1..=e.rows(TableId::DOCUMENT)).find(|&x| e.get(TableId::DOCUMENT, x, 0) == name_idx) {
        return Ok(existing);
    }
    let guid = |i: u32| -> Result<Vec<u8>, Error> { Ok(src.guids.get(i)?.map(|g| g.to_vec()).unwrap_or_default()) };
    let hash_alg = match guid(t.get(d, 1))? { g if g.is_empty() => 0, g => e.guids.add(&g) };
    let hash = e.blobs.add(src.blobs.get(t.get(d, 2))?);
    let lang = match guid(t.get(d, 3))? { g if g.is_empty() => 0, g => e.guids.add(&g) };
    e.push_row(TableId::DOCUMENT, &[name_idx, hash_alg, hash, lang])
}

/// Rewrites a SequencePoints blob: new local signature row and document
/// rows; line and column deltas are copied as they are.
fn remap_sequence_points(
    blob: &[u8],
    has_initial_document: bool,
    local_sig_row: u32,
    map_doc: &mut dyn FnMut(u32) -> Result<u32, Error>,
) -> Result<Vec<u8>, Error> {
    let mut r = Reader::new(blob);
    let mut out = Vec::with_capacity(blob.len() + 4);
    r.compressed()?;
    put_compressed(&mut out, local_sig_row);
    if has_initial_document {
        let d = r.compressed()?;
        put_compressed(&mut out, map_doc(d)?);
    }
    let mut first = true;
    let mut first_visible = true;
    while !r.at_end() {
        let start = r.pos;
        let delta_il = r.compressed()?;
        if !first && delta_il == 0 {
            let d = r.compressed()?;
            out.push(0);
            put_compressed(&mut out, map_doc(d)?);
            continue;
        }
        first = false;
        let dl = r.compressed()?;
        let dc = if dl == 0 { r.compressed()? as i64 } else { r.compressed_i32()? as i64 };
        if !(dl == 0 && dc == 0) {
            if first_visible {
                r.compressed()?;
                r.compressed()?;
                first_visible = false;
            } else {
                r.compressed_i32()?;
                r.compressed_i32()?;
            }
        }
        out.extend_from_slice(&blob[start..r.pos]);
    }
    Ok(out)
}

/// Points the assembly's CodeView and PdbChecksum entries at a rewritten
/// PDB. The entries keep their place and size, so this patches `image`
/// (the written output of `asm`'s edit) in place.
pub fn update_debug_directory(image: &mut [u8], asm: &Assembly, pdb: &RewrittenPdb) -> Result<(), Error> {
    for d in asm.debug_entries()? {
        let o = d.data_offset as usize;
        if d.codeview().is_some() && o + 20 <= image.len() {
            image[o + 4..o + 20].copy_from_slice(&pdb.id[..16]);
            image[d.entry_offset + 4..d.entry_offset + 8].copy_from_slice(&pdb.id[16..20]);
        }
        if let Some((alg, sum)) = d.pdb_checksum()
            && alg == "SHA256"
            && sum.len() == 32
        {
            let at = o + alg.len() + 1;
            image[at..at + 32].copy_from_slice(&pdb.checksum);
        }
    }
    Ok(())
}

/// Largest embedded PDB we inflate (bounds memory on hostile input).
pub const MAX_EMBEDDED_PDB: usize = 256 << 20;

/// Rewrites the assembly's embedded portable PDB, if it has one, and hands
/// the new compressed entry to the editor's writer. Call after all other
/// edits and before `write`; then [`update_debug_directory`] on the output.
pub fn rewrite_embedded(asm: &Assembly, e: &mut Editor, sources: &[MethodSource]) -> Result<Option<RewrittenPdb>, Error> {
    let Some(entry) = asm.debug_entries()?.into_iter().find(|d| d.kind == crate::raw::pe::debug::TYPE_EMBEDDED_PORTABLE_PDB) else {
        return Ok(None);
    };
    let raw = entry.embedded_pdb(MAX_EMBEDDED_PDB).unwrap_or(Err(Error::at("bad embedded PDB", entry.data_offset as u64)))?;
    let md = Metadata::parse(&raw)?;
    let new = rewrite(&md, e, sources)?;
    let mut blob = Vec::with_capacity(new.bytes.len() / 2 + 8);
    blob.extend_from_slice(&crate::raw::pe::debug::EMBEDDED_PDB_MPDB.to_le_bytes());
    blob.extend_from_slice(&(new.bytes.len() as u32).to_le_bytes());
    blob.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(&new.bytes, 6));
    e.debug_data.push((entry.entry_offset, blob));
    e.dirty = true;
    Ok(Some(new))
}

/// Where a method starts in its source, from a portable PDB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLine {
    /// The document's path as the compiler recorded it.
    pub document: String,
    /// 1-based line and column of the method's first visible sequence point.
    pub line: u32,
    pub column: u32,
}

/// The first visible sequence point of MethodDef `method_row`, `None` when
/// the method has no sequence points (no body, or compiled without them).
pub fn method_source_line(pdb: &Metadata, method_row: u32) -> Result<Option<SourceLine>, Error> {
    let mdi = TableId::METHOD_DEBUG_INFORMATION;
    let Some(t) = pdb.tables.table(mdi) else { return Ok(None) };
    if method_row == 0 || method_row > t.rows {
        return Ok(None);
    }
    let mut doc = t.get(method_row, 0);
    let blob = pdb.blobs.get(t.get(method_row, 1)).map_err(|e| e.with_row(mdi, method_row))?;
    if blob.is_empty() {
        return Ok(None);
    }
    let mut r = Reader::new(blob);
    r.compressed()?; // local signature
    if doc == 0 {
        doc = r.compressed()?;
    }
    let mut first = true;
    while !r.at_end() {
        let delta_il = r.compressed()?;
        if !first && delta_il == 0 {
            doc = r.compressed()?;
            continue;
        }
        first = false;
        let dl = r.compressed()?;
        let dc = if dl == 0 { r.compressed()? as i64 } else { r.compressed_i32()? as i64 };
        if dl == 0 && dc == 0 {
            continue; // hidden
        }
        // The first visible point carries absolute line and column.
        let line = r.compressed()?;
        let column = r.compressed()?;
        return Ok(Some(SourceLine { document: document_name(pdb, doc)?, line, column }));
    }
    Ok(None)
}

/// A Document row's name: its parts joined by the stored separator.
pub fn document_name(pdb: &Metadata, d: u32) -> Result<String, Error> {
    let t = pdb.tables.table(TableId::DOCUMENT).ok_or(Error::row("no such document", TableId::DOCUMENT, d))?;
    if d == 0 || d > t.rows {
        return Err(Error::row("no such document", TableId::DOCUMENT, d));
    }
    let name = pdb.blobs.get(t.get(d, 0))?;
    let mut r = Reader::new(name);
    let sep = r.u8()?;
    let mut out = Vec::new();
    let mut first = true;
    while !r.at_end() {
        if !first && sep != 0 {
            out.push(sep);
        }
        first = false;
        out.extend_from_slice(pdb.blobs.get(r.compressed()?)?);
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

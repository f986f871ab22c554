//! Serialises the metadata root, streams, heaps and tables. Untouched heaps
//! are copied (appended entries follow), untouched tables whose column
//! layout did not change are copied as slices; the rest is re-encoded.

use crate::edit::{Editor, Heap, PENDING_BODY, TableData};
use crate::le::align_up;
use crate::raw::cli::{HEAP_BLOB_WIDE, HEAP_GUID_WIDE, HEAP_STRINGS_WIDE, METADATA_SIGNATURE};
use crate::raw::TableId;
use crate::read::{Error, Layout};
use crate::read::tables_num::NUM_TABLES;

/// Builds the metadata. `body_rvas[i]` is the RVA assigned to pending body `i`.
pub fn build(e: &Editor, body_rvas: &[u32]) -> Result<Vec<u8>, Error> {
    build_with(e, body_rvas, None)
}

/// As [`build`], with a replacement `#Pdb` stream (a portable PDB whose
/// type-system row counts changed); its row counts decide index widths.
pub fn build_with(e: &Editor, body_rvas: &[u32], pdb: Option<(&[u8], [u32; NUM_TABLES])>) -> Result<Vec<u8>, Error> {
    let md = e.md;
    let tables = tables_stream(e, body_rvas, pdb.map(|p| p.1))?;
    // Each stream as the slices it is made of (the original heap and its
    // added entries, untouched streams straight from the input) and its
    // size in the header: nothing is copied until the output is assembled.
    let mut streams: Vec<(&[u8], Vec<&[u8]>, usize)> = Vec::with_capacity(md.streams.len() + 3);
    // Heaps are padded to 4 bytes inside their size.
    fn heap_parts<'h>(h: &'h Heap<'_>) -> (Vec<&'h [u8]>, usize) {
        (vec![h.orig, &h.added[..]], align_up(h.orig.len() + h.added.len(), 4))
    }
    let mut seen = [false; 4];
    for (i, s) in md.streams.iter().enumerate() {
        let (parts, size) = if i == md.tables_stream {
            (vec![&tables[..]], tables.len())
        } else {
            match s.name {
                b"#Strings" => { seen[0] = true; heap_parts(&e.strings) }
                b"#US" => { seen[1] = true; heap_parts(&e.user_strings) }
                b"#Blob" => { seen[2] = true; heap_parts(&e.blobs) }
                b"#GUID" => { seen[3] = true; heap_parts(&e.guids) }
                b"#Pdb" if pdb.is_some() => {
                    let p = pdb.map(|p| p.0).unwrap_or_default();
                    (vec![p], p.len())
                }
                _ => {
                    let raw = &md.data[s.offset as usize..(s.offset + s.size) as usize];
                    (vec![raw], raw.len())
                }
            }
        };
        streams.push((s.name, parts, size));
    }
    // A heap that did not exist but received entries gets a stream.
    let missing: [(&[u8], &Heap); 4] =
        [(b"#Strings", &e.strings), (b"#US", &e.user_strings), (b"#Blob", &e.blobs), (b"#GUID", &e.guids)];
    for (k, (name, h)) in missing.into_iter().enumerate() {
        if !seen[k] && h.changed() {
            streams.push((name, vec![&h.added[..]], align_up(h.added.len(), 4)));
        }
    }

    let header_len = 16 + md.version_field.len() + 4
        + streams.iter().map(|(n, _, _)| 8 + align_up(n.len() + 1, 4)).sum::<usize>();
    let total = header_len + streams.iter().map(|(_, _, size)| align_up(*size, 4)).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&METADATA_SIGNATURE.to_le_bytes());
    out.extend_from_slice(&md.major.to_le_bytes());
    out.extend_from_slice(&md.minor.to_le_bytes());
    out.extend_from_slice(&md.reserved.to_le_bytes());
    out.extend_from_slice(&(md.version_field.len() as u32).to_le_bytes());
    out.extend_from_slice(md.version_field);
    out.extend_from_slice(&md.flags.to_le_bytes());
    out.extend_from_slice(&(streams.len() as u16).to_le_bytes());
    let mut off = header_len;
    for (name, _, size) in &streams {
        out.extend_from_slice(&(off as u32).to_le_bytes());
        out.extend_from_slice(&(*size as u32).to_le_bytes());
        out.extend_from_slice(name);
        out.resize(out.len() + align_up(name.len() + 1, 4) - name.len(), 0);
        off += align_up(*size, 4);
    }
    debug_assert_eq!(out.len(), header_len, "metadata header size was reserved exactly");
    for (_, parts, size) in &streams {
        let start = out.len();
        for p in parts {
            out.extend_from_slice(p);
        }
        out.resize(start + align_up(*size, 4), 0);
    }
    debug_assert_eq!(out.len(), total);
    Ok(out)
}

fn tables_stream(e: &Editor, body_rvas: &[u32], ext_rows: Option<[u32; NUM_TABLES]>) -> Result<Vec<u8>, Error> {
    let md = e.md;
    let orig = &md.tables;
    let mut heap_sizes = orig.heap_sizes;
    if e.strings.len() > 0xFFFF {
        heap_sizes |= HEAP_STRINGS_WIDE;
    }
    if e.blobs.len() > 0xFFFF {
        heap_sizes |= HEAP_BLOB_WIDE;
    }
    if e.guids.len() / 16 > 0xFFFF {
        heap_sizes |= HEAP_GUID_WIDE;
    }
    let mut rows = [0u32; NUM_TABLES];
    let mut valid = 0u64;
    for (i, r) in rows.iter_mut().enumerate() {
        *r = e.rows(TableId(i as u8));
        let was_valid_empty = orig.valid & (1 << i) != 0 && orig.rows[i] == 0;
        if *r > 0 || was_valid_empty {
            valid |= 1 << i;
        }
    }
    let mut width_rows = rows;
    if let Some(ext) = ext_rows.or(md.pdb.map(|p| p.type_system_rows)) {
        for i in 0..NUM_TABLES {
            if rows[i] == 0 {
                width_rows[i] = ext[i];
            }
        }
    }
    let all_wide = md.stream(b"#JTD").is_some();
    let layout = Layout::new(heap_sizes, &width_rows, all_wide);
    let body: usize = (0..NUM_TABLES).map(|i| rows[i] as usize * layout.tables[i].row_size as usize).sum();
    let mut out = Vec::with_capacity(24 + 4 * 64 + 4 + body + 4);
    out.extend_from_slice(&orig.data[0..4]);
    out.extend_from_slice(&[orig.major, orig.minor, heap_sizes, orig.data[7]]);
    out.extend_from_slice(&valid.to_le_bytes());
    out.extend_from_slice(&orig.sorted.to_le_bytes());
    for (i, count) in rows.iter().enumerate() {
        if valid & (1 << i) != 0 {
            out.extend_from_slice(&count.to_le_bytes());
        }
    }
    if let Some(x) = orig.extra {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for (i, &count) in rows.iter().enumerate() {
        let t = TableId(i as u8);
        let tl = layout.tables[i];
        match &e.tables[i] {
            TableData::Empty => {}
            TableData::Raw(raw) if raw.layout == tl => out.extend_from_slice(raw.data),
            data => {
                let n = tl.ncols as usize;
                for r in 1..=count {
                    for c in 0..n {
                        let mut v = data.get(t, r, c);
                        if t == TableId::METHOD_DEF && c == 0 && v & PENDING_BODY != 0 {
                            v = *body_rvas
                                .get((v & !PENDING_BODY) as usize)
                                .ok_or(Error::row("pending body index out of range", t, r))?;
                        }
                        if tl.widths[c] == 2 {
                            if v > 0xFFFF {
                                return Err(Error::row("value does not fit a 2-byte column", t, r));
                            }
                            out.extend_from_slice(&(v as u16).to_le_bytes());
                        } else {
                            out.extend_from_slice(&v.to_le_bytes());
                        }
                    }
                }
            }
        }
    }
    // Keep whatever followed the rows (S.R.M. writes a terminating zero
    // byte before aligning), so an untouched stream stays byte-identical.
    out.extend_from_slice(orig.data.get(orig.rows_end as usize..).unwrap_or(&[]));
    out.resize(align_up(out.len(), 4), 0);
    Ok(out)
}

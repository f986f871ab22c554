//! A human-readable summary of an assembly (for `graft inspect`).

use crate::raw::tables::all_tables;
use crate::read::{Assembly, Result};
use std::fmt::Write;

pub fn inspect(bytes: &[u8]) -> Result<String> {
    let a = Assembly::read(bytes)?;
    let md = &a.metadata;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "file: {} bytes, {}, machine 0x{:04x}", bytes.len(), if a.pe.pe32_plus { "PE32+" } else { "PE32" }, a.pe.machine);
    if let Some(name) = a.name() {
        let _ = writeln!(w, "assembly: {name}");
    }
    for s in &a.pe.sections {
        let name = String::from_utf8_lossy(&s.name);
        let _ = writeln!(
            w,
            "section {:8} rva 0x{:08x} vsize 0x{:08x} file 0x{:08x} size 0x{:08x}",
            name.trim_end_matches('\0'), s.virtual_address, s.virtual_size, s.raw_offset, s.raw_size
        );
    }
    let _ = writeln!(w, "cli: runtime {}.{}, flags 0x{:08x}, entry point 0x{:08x}", a.cli.major, a.cli.minor, a.cli.flags, a.cli.entry_point);
    match a.ready_to_run() {
        Some(r) => {
            let _ = writeln!(w, "ReadyToRun: v{}.{} header at rva 0x{:x}", r.major, r.minor, r.header.rva);
        }
        None => {
            let _ = writeln!(w, "ReadyToRun: no");
        }
    }
    let _ = writeln!(w, "strong name signature: {}", if a.is_strong_name_signed() { "signed" } else { "none" });
    let _ = writeln!(w, "metadata: {} bytes at file offset 0x{:x}, version {}", md.data.len(), a.metadata_offset, md.version());
    for st in &md.streams {
        let _ = writeln!(w, "  stream {:10} offset 0x{:08x} size {}", String::from_utf8_lossy(st.name), st.offset, st.size);
    }
    let t = &md.tables;
    let _ = writeln!(w, "tables: schema {}.{}, heap sizes 0x{:02x}", t.major, t.minor, t.heap_sizes);
    for id in all_tables() {
        if let Some(tab) = t.table(id) {
            let _ = writeln!(w, "  {:24} {:8} rows x {:2} bytes", id.name(), tab.rows, tab.layout.row_size);
        }
    }
    let bodies = (1..=t.row_count(crate::raw::TableId::METHOD_DEF))
        .filter(|&r| t.get(crate::raw::TableId::METHOD_DEF, r, 0) != 0)
        .count();
    let _ = writeln!(w, "method bodies: {bodies}");
    for r in a.resources()? {
        let _ = writeln!(w, "resource {}: {} bytes", r.name, r.data.len());
    }
    for d in a.debug_entries()? {
        let kind = match d.kind {
            2 => "CodeView",
            16 => "Reproducible",
            17 => "EmbeddedPortablePdb",
            19 => "PdbChecksum",
            _ => "other",
        };
        let _ = write!(w, "debug {kind} (type {}) {} bytes", d.kind, d.data.len());
        if let Some((guid, age, path)) = d.codeview() {
            let _ = write!(w, ": pdb id {} age {age} path {path}", hex(&guid));
        }
        if let Some((alg, sum)) = d.pdb_checksum() {
            let _ = write!(w, ": {alg} {}", hex(sum));
        }
        let _ = writeln!(w);
    }
    Ok(s)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

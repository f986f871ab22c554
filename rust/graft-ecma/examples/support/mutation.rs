//! Seeded mutation of real assemblies: each case must end in an error or in
//! output that reads back; never a panic or a hang. Shared by the CI test
//! (`tests/mutate.rs`) and the long run (`examples/mutate.rs`).

use graft_ecma::edit::Editor;
use graft_ecma::write::{WriteOptions, write};
use graft_ecma::Assembly;

/// xorshift64*: small, seedable, reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

#[derive(Default, Debug)]
pub struct Tally {
    pub cases: u64,
    pub read_errors: u64,
    pub written: u64,
    pub write_errors: u64,
    /// Cases where a method was added (rows moved, IL remapped).
    pub edited: u64,
}

/// Produces mutant `i` of `base` (deterministic in `seed` and `i`).
pub fn mutant(base: &[u8], seed: u64, i: u64, hot: &[(usize, usize)]) -> Vec<u8> {
    let mut r = Rng(seed ^ (i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
    let mut b = base.to_vec();
    match r.below(10) {
        0 => {
            // Truncation.
            let n = r.below(b.len());
            b.truncate(n);
        }
        1 => {
            // A run of random bytes somewhere.
            let at = r.below(b.len());
            let n = 1 + r.below(64);
            for k in at..(at + n).min(b.len()) {
                b[k] = r.next() as u8;
            }
        }
        _ => {
            // A few byte/word changes, mostly inside headers and metadata
            // (`hot` ranges), where the parser makes decisions.
            let k = 1 + r.below(8);
            for _ in 0..k {
                let at = if !hot.is_empty() && r.below(4) != 0 {
                    let (s, len) = hot[r.below(hot.len())];
                    s + r.below(len.max(1))
                } else {
                    r.below(b.len())
                };
                if at >= b.len() {
                    continue;
                }
                match r.below(4) {
                    0 => b[at] ^= 1 << r.below(8),
                    1 => b[at] = r.next() as u8,
                    2 => b[at] = [0x00, 0xFF, 0x7F, 0x80][r.below(4)],
                    _ => {
                        let v = [0u32, 0xFFFF_FFFF, 0x8000_0000, 0x0001_0000, 0xFFFF][r.below(5)].to_le_bytes();
                        for (j, x) in v.iter().enumerate() {
                            if at + j < b.len() {
                                b[at + j] = *x;
                            }
                        }
                    }
                }
            }
        }
    }
    b
}

/// Ranges worth mutating: PE headers, CLI header, metadata header and tables.
pub fn hot_ranges(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut v = vec![(0, 0x400.min(bytes.len()))];
    if let Ok(a) = Assembly::read(bytes) {
        v.push((a.cli.offset, 72));
        let md = &a.metadata;
        v.push((a.metadata_offset, 0x100.min(md.data.len())));
        let ts = md.tables_stream_header();
        v.push((a.metadata_offset + ts.offset as usize, ts.size as usize));
        for s in &md.streams {
            v.push((a.metadata_offset + s.offset as usize, (s.size as usize).min(4096)));
        }
    }
    v
}

/// Runs one case through every reader and the writer.
pub fn exercise(bytes: &[u8], t: &mut Tally) {
    t.cases += 1;
    let a = match Assembly::read(bytes) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.to_string();
            t.read_errors += 1;
            return;
        }
    };
    if t.cases.is_multiple_of(16) {
        let _ = graft_ecma::inspect(bytes);
    }
    let _ = a.resources();
    if let Ok(d) = a.debug_entries() {
        for e in d {
            let _ = e.embedded_pdb(1 << 24);
        }
    }
    let md = &a.metadata;
    let nm = md.tables.row_count(graft_ecma::raw::TableId::METHOD_DEF);
    for r in 1..=nm.min(300) {
        if let Ok(Some(b)) = a.method_body(r) {
            for i in graft_ecma::il::Instrs::new(b.code) {
                if i.is_err() {
                    break;
                }
            }
        }
        let sig = md.tables.get(graft_ecma::raw::TableId::METHOD_DEF, r, 4);
        if let Ok(blob) = md.blobs.get(sig) {
            let _ = graft_ecma::sig::Signature::parse(blob);
        }
    }
    let mut e = Editor::new(&a);
    // Every third case also edits: a body replaced, a method and a field
    // added to the first type with members, which moves rows and remaps IL.
    if t.cases.is_multiple_of(3) {
        let types = e.rows(graft_ecma::raw::TableId::TYPE_DEF);
        if types > 0 {
            let ty = types.min(2);
            let _ = e.replace_body(1, graft_ecma::il::NewBody { max_stack: 1, code: vec![0x2A], ..Default::default() });
            let _ = e.add_field(ty, 0x16, "F", &[0x06, 0x08]);
            let added = e.add_method(ty, graft_ecma::edit::NewMethod {
                flags: 0x96,
                name: "M".into(),
                signature: vec![0, 0, 1],
                body: Some(graft_ecma::il::NewBody { max_stack: 1, code: vec![0x2A], ..Default::default() }),
                ..Default::default()
            });
            t.edited += added.is_ok() as u64;
        }
    }
    // Alternate in-place and moved metadata between cases.
    {
        let force = t.cases.is_multiple_of(2);
        match write(&e, &WriteOptions { force_new_section: force }) {
            Ok(w) => {
                t.written += 1;
                if let Err(err) = Assembly::read(&w.bytes) {
                    panic!("written output does not read back: {err}");
                }
            }
            Err(_) => t.write_errors += 1,
        }
    }
}

/// Small real assemblies from the shared framework, smallest first.
pub fn bases(framework: &std::path::Path, count: usize) -> Vec<Vec<u8>> {
    let mut files: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(framework)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "dll"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .filter(|(len, _)| (8_000..48_000).contains(len))
        .collect();
    files.sort();
    let step = (files.len() / count.max(1)).max(1);
    files
        .iter()
        .step_by(step)
        .take(count)
        .filter_map(|(_, p)| std::fs::read(p).ok())
        .filter(|b| Assembly::read(b).is_ok())
        .collect()
}

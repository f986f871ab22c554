//! Append-only heap builders: existing bytes keep their offsets, new entries
//! go at the end, and equal entries are reused.

use crate::read::heaps_compressed;
use crate::sig::put_compressed;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapKind {
    Strings,
    Blob,
    UserString,
    Guid,
}

#[derive(Clone, Debug)]
pub struct Heap<'data> {
    pub kind: HeapKind,
    pub orig: &'data [u8],
    pub added: Vec<u8>,
    /// The original entries (bytes without length prefix or NUL, borrowed
    /// from the input) to their index; built on the first lookup so a
    /// no-change rewrite never pays for it.
    index: Option<HashMap<&'data [u8], u32>>,
    /// Entries added since, to their index.
    added_index: HashMap<Vec<u8>, u32>,
}

impl<'data> Heap<'data> {
    pub fn new(kind: HeapKind, orig: &'data [u8]) -> Self {
        Heap { kind, orig, added: Vec::new(), index: None, added_index: HashMap::new() }
    }

    pub fn len(&self) -> usize {
        self.orig.len() + self.added.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn changed(&self) -> bool {
        !self.added.is_empty()
    }

    /// Byte at an absolute heap offset, across original and added parts.
    pub fn slice_from(&self, off: usize) -> &[u8] {
        if off < self.orig.len() { &self.orig[off..] } else { self.added.get(off - self.orig.len()..).unwrap_or(&[]) }
    }

    fn build_index(&mut self) {
        if self.index.is_some() {
            return;
        }
        let data: &'data [u8] = self.orig;
        // About one entry per 16 bytes in compiler output: one allocation up front.
        let mut map = HashMap::with_capacity(data.len() / 16);
        match self.kind {
            HeapKind::Strings => {
                let mut start = 0usize;
                for (i, &b) in data.iter().enumerate() {
                    if b == 0 {
                        map.entry(&data[start..i]).or_insert(start as u32);
                        start = i + 1;
                    }
                }
            }
            HeapKind::Blob | HeapKind::UserString => {
                let mut o = 0usize;
                while o < data.len() {
                    let Some((len, n)) = heaps_compressed(data, o) else { break };
                    let Some(entry) = data.get(o + n..o + n + len as usize) else { break };
                    map.entry(entry).or_insert(o as u32);
                    o += n + len as usize;
                }
            }
            HeapKind::Guid => {
                for (i, g) in data.chunks_exact(16).enumerate() {
                    map.entry(g).or_insert(i as u32 + 1);
                }
            }
        }
        self.index = Some(map);
    }

    /// Adds (or finds) an entry and returns its heap index: an offset for
    /// strings/blobs/user strings, a 1-based number for GUIDs.
    pub fn add(&mut self, entry: &[u8]) -> u32 {
        if entry.is_empty() && matches!(self.kind, HeapKind::Strings | HeapKind::Blob) {
            return 0;
        }
        self.build_index();
        if let Some(&o) = self.index.as_ref().and_then(|m| m.get(entry)).or_else(|| self.added_index.get(entry)) {
            return o;
        }
        if self.is_empty() && self.kind != HeapKind::Guid {
            // Offset 0 is the empty entry in a heap that starts out missing.
            self.added.push(0);
        }
        let pos = self.len() as u32;
        let idx = match self.kind {
            HeapKind::Strings => {
                self.added.extend_from_slice(entry);
                self.added.push(0);
                pos
            }
            HeapKind::Blob | HeapKind::UserString => {
                put_compressed(&mut self.added, entry.len() as u32);
                self.added.extend_from_slice(entry);
                pos
            }
            HeapKind::Guid => {
                self.added.extend_from_slice(entry);
                pos / 16 + 1
            }
        };
        self.added_index.insert(entry.to_vec(), idx);
        idx
    }

    /// Adds a user string: UTF-16LE plus the trailing flag byte (II.24.2.4).
    pub fn add_user_string(&mut self, s: &str) -> u32 {
        let mut b: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let special = s.encode_utf16().any(|u| u >= 0x80 || matches!(u, 0x01..=0x08 | 0x0E..=0x1F | 0x27 | 0x2D | 0x7F));
        b.push(special as u8);
        self.add(&b)
    }
}

//! Signatures (ECMA-335 II.23.2) and custom attribute blobs (II.23.3).

pub mod attr;
mod types;

pub use types::*;

use crate::read::Error;

/// Appends a compressed unsigned integer; values above 0x1FFF_FFFF do not
/// exist in valid metadata and are clamped to the 4-byte form's maximum.
pub fn put_compressed(out: &mut Vec<u8>, v: u32) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v < 0x4000 {
        out.extend_from_slice(&[0x80 | (v >> 8) as u8, v as u8]);
    } else {
        let v = v.min(0x1FFF_FFFF);
        out.extend_from_slice(&[0xC0 | (v >> 24) as u8, (v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
}

/// Signed compressed integer (II.23.2, used in array lower bounds).
pub fn put_compressed_i32(out: &mut Vec<u8>, v: i32) {
    let (bits, max) = if (-0x40..0x40).contains(&v) {
        (7, 0x7F)
    } else if (-0x2000..0x2000).contains(&v) {
        (14, 0x3FFF)
    } else {
        (29, 0x1FFF_FFFF)
    };
    let _ = bits;
    let rot = (v as u32).rotate_left(1) & max;
    put_compressed(out, rot);
}

/// A cursor over a signature blob.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn err(&self, what: &'static str) -> Error {
        Error::at(what, self.pos as u64)
    }

    pub fn u8(&mut self) -> Result<u8, Error> {
        let b = *self.data.get(self.pos).ok_or(self.err("signature truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    pub fn peek(&self) -> Result<u8, Error> {
        self.data.get(self.pos).copied().ok_or(self.err("signature truncated"))
    }

    pub fn compressed(&mut self) -> Result<u32, Error> {
        let (v, n) = crate::read::heaps_compressed(self.data, self.pos).ok_or(self.err("bad compressed integer in signature"))?;
        self.pos += n;
        Ok(v)
    }

    pub fn compressed_i32(&mut self) -> Result<i32, Error> {
        let start = self.pos;
        let v = self.compressed()?;
        let n = self.pos - start;
        let bits = match n {
            1 => 7,
            2 => 14,
            _ => 29,
        };
        let neg = v & 1 != 0;
        let mag = (v >> 1) as i32;
        Ok(if neg { mag - (1 << (bits - 1)) } else { mag })
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let s = self.data.get(self.pos..self.pos.checked_add(n).ok_or(self.err("length overflow"))?).ok_or(self.err("signature truncated"))?;
        self.pos += n;
        Ok(s)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }
}

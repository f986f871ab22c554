//! The four metadata heaps (ECMA-335 II.24.2.3-II.24.2.5).

use super::error::{Error, Result};

/// Reads a compressed unsigned integer (II.23.2); returns (value, bytes used).
#[inline]
pub fn compressed_u32(b: &[u8], off: usize) -> Option<(u32, usize)> {
    let b0 = *b.get(off)? as u32;
    if b0 & 0x80 == 0 {
        Some((b0, 1))
    } else if b0 & 0xC0 == 0x80 {
        let b1 = *b.get(off + 1)? as u32;
        Some((((b0 & 0x3F) << 8) | b1, 2))
    } else if b0 & 0xE0 == 0xC0 {
        let s = b.get(off + 1..off + 4)?;
        Some((((b0 & 0x1F) << 24) | (s[0] as u32) << 16 | (s[1] as u32) << 8 | s[2] as u32, 4))
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct StringHeap<'data> {
    pub data: &'data [u8],
}

impl<'data> StringHeap<'data> {
    /// The NUL-terminated bytes at `offset`, without the NUL.
    pub fn get_bytes(&self, offset: u32) -> Result<&'data [u8]> {
        let rest = self.data.get(offset as usize..).ok_or(Error::at("#Strings offset out of range", offset as u64))?;
        let end = rest.iter().position(|&c| c == 0).ok_or(Error::at("unterminated #Strings entry", offset as u64))?;
        Ok(&rest[..end])
    }

    pub fn get(&self, offset: u32) -> Result<&'data str> {
        std::str::from_utf8(self.get_bytes(offset)?).map_err(|_| Error::at("#Strings entry is not UTF-8", offset as u64))
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct BlobHeap<'data> {
    pub data: &'data [u8],
}

impl<'data> BlobHeap<'data> {
    pub fn get(&self, offset: u32) -> Result<&'data [u8]> {
        let o = offset as usize;
        let (len, n) = compressed_u32(self.data, o).ok_or(Error::at("bad #Blob length", offset as u64))?;
        self.data
            .get(o + n..o + n + len as usize)
            .ok_or(Error::at("#Blob entry runs past the heap", offset as u64))
    }
}

/// `#US`: blobs of UTF-16 code units plus one trailing flag byte.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserStringHeap<'data> {
    pub data: &'data [u8],
}

impl<'data> UserStringHeap<'data> {
    /// The raw UTF-16LE bytes (trailing flag byte removed).
    pub fn get_raw(&self, offset: u32) -> Result<&'data [u8]> {
        let b = BlobHeap { data: self.data }.get(offset).map_err(|e| Error { what: "bad #US entry", ..e })?;
        Ok(if b.len() % 2 == 1 { &b[..b.len() - 1] } else { b })
    }

    pub fn get(&self, offset: u32) -> Result<String> {
        let raw = self.get_raw(offset)?;
        let units: Vec<u16> = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        Ok(String::from_utf16_lossy(&units))
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct GuidHeap<'data> {
    pub data: &'data [u8],
}

impl<'data> GuidHeap<'data> {
    /// 1-based index; 0 means "no GUID".
    pub fn get(&self, index: u32) -> Result<Option<[u8; 16]>> {
        if index == 0 {
            return Ok(None);
        }
        let o = (index as usize - 1) * 16;
        let s = self.data.get(o..o + 16).ok_or(Error::at("#GUID index out of range", index as u64))?;
        Ok(Some(s.try_into().unwrap_or_default()))
    }

    pub fn len(&self) -> u32 {
        (self.data.len() / 16) as u32
    }

    pub fn is_empty(&self) -> bool {
        self.data.len() < 16
    }
}

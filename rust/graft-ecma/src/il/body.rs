//! Method body headers and exception-handling sections (II.25.4).

use crate::le::*;
use crate::read::Error;

type Result<T> = std::result::Result<T, Error>;

const TINY: u8 = 0x2;
const FAT: u16 = 0x3;
const MORE_SECTS: u16 = 0x8;
const INIT_LOCALS: u16 = 0x10;
const SECT_EH: u8 = 0x1;
const SECT_FAT: u8 = 0x40;
const SECT_MORE: u8 = 0x80;

pub const EH_CATCH: u32 = 0;
pub const EH_FILTER: u32 = 1;
pub const EH_FINALLY: u32 = 2;
pub const EH_FAULT: u32 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EhClause {
    pub flags: u32,
    pub try_offset: u32,
    pub try_length: u32,
    pub handler_offset: u32,
    pub handler_length: u32,
    /// Class token for a catch clause, filter offset for a filter clause.
    pub class_or_filter: u32,
}

/// A parsed body that borrows its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodBody<'data> {
    /// File offset of the header.
    pub offset: usize,
    pub fat: bool,
    pub max_stack: u16,
    pub init_locals: bool,
    pub local_sig: u32,
    pub code: &'data [u8],
    pub eh: Vec<EhClause>,
    /// Header, code and sections: the bytes to copy to move this body.
    pub raw: &'data [u8],
}

impl<'data> MethodBody<'data> {
    /// `bytes` runs from the header to the end of its section.
    pub fn parse(bytes: &'data [u8], offset: usize) -> Result<Self> {
        let err = |what, o: usize| Error::at(what, (offset + o) as u64);
        let b0 = *bytes.first().ok_or(err("empty method body", 0))?;
        if b0 & 0x3 == TINY {
            let size = (b0 >> 2) as usize;
            let code = bytes.get(1..1 + size).ok_or(err("tiny method body runs past its section", 0))?;
            return Ok(MethodBody {
                offset, fat: false, max_stack: 8, init_locals: false, local_sig: 0, code, eh: Vec::new(),
                raw: &bytes[..1 + size],
            });
        }
        let flags = u16_at(bytes, 0).ok_or(err("fat method header truncated", 0))?;
        if flags & 0x3 != FAT {
            return Err(err("method body header is neither tiny nor fat", 0));
        }
        let header_size = ((flags >> 12) as usize) * 4;
        if header_size < 12 {
            return Err(err("fat method header size below 12 bytes", 0));
        }
        let max_stack = u16_at(bytes, 2).ok_or(err("fat method header truncated", 2))?;
        let code_size = u32_at(bytes, 4).ok_or(err("fat method header truncated", 4))? as usize;
        let local_sig = u32_at(bytes, 8).ok_or(err("fat method header truncated", 8))?;
        let code_end = header_size.checked_add(code_size).ok_or(err("code size overflows", 4))?;
        let code = bytes.get(header_size..code_end).ok_or(err("method code runs past its section", 4))?;
        let mut eh = Vec::new();
        let mut end = code_end;
        let mut more = flags & MORE_SECTS != 0;
        while more {
            let s = align_up(end, 4);
            let kind = *bytes.get(s).ok_or(err("method data section truncated", s))?;
            let (size, clause_size, hdr) = if kind & SECT_FAT != 0 {
                let sz = u32_at(bytes, s).ok_or(err("method data section truncated", s))? >> 8;
                (sz as usize, 24usize, 4usize)
            } else {
                (*bytes.get(s + 1).ok_or(err("method data section truncated", s))? as usize, 12, 4)
            };
            if size < hdr {
                return Err(err("method data section smaller than its header", s));
            }
            let data = bytes.get(s + hdr..s + size).ok_or(err("method data section runs past its section", s))?;
            if kind & SECT_EH != 0 {
                // Bounded by the section size, which is bounded by the input.
                for c in data.chunks_exact(clause_size) {
                    eh.push(if clause_size == 24 {
                        EhClause {
                            flags: u32_at(c, 0).unwrap_or(0),
                            try_offset: u32_at(c, 4).unwrap_or(0),
                            try_length: u32_at(c, 8).unwrap_or(0),
                            handler_offset: u32_at(c, 12).unwrap_or(0),
                            handler_length: u32_at(c, 16).unwrap_or(0),
                            class_or_filter: u32_at(c, 20).unwrap_or(0),
                        }
                    } else {
                        EhClause {
                            flags: u16_at(c, 0).unwrap_or(0) as u32,
                            try_offset: u16_at(c, 2).unwrap_or(0) as u32,
                            try_length: c[4] as u32,
                            handler_offset: u16_at(c, 5).unwrap_or(0) as u32,
                            handler_length: c[7] as u32,
                            class_or_filter: u32_at(c, 8).unwrap_or(0),
                        }
                    });
                }
            }
            more = kind & SECT_MORE != 0;
            end = s + size;
        }
        Ok(MethodBody {
            offset, fat: true, max_stack, init_locals: flags & INIT_LOCALS != 0, local_sig, code, eh,
            raw: &bytes[..end],
        })
    }

    pub fn to_new(&self) -> NewBody {
        NewBody {
            max_stack: self.max_stack,
            init_locals: self.init_locals,
            local_sig: self.local_sig,
            code: self.code.to_vec(),
            eh: self.eh.clone(),
        }
    }
}

/// An owned body to be written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewBody {
    pub max_stack: u16,
    pub init_locals: bool,
    /// StandAloneSig token of the locals signature, 0 for none.
    pub local_sig: u32,
    pub code: Vec<u8>,
    pub eh: Vec<EhClause>,
}

impl NewBody {
    /// Encodes header, code and EH section; tiny when the standard allows.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let tiny = self.code.len() < 64 && self.max_stack <= 8 && self.local_sig == 0 && self.eh.is_empty() && !self.init_locals;
        if tiny {
            out.push(((self.code.len() as u8) << 2) | TINY);
            out.extend_from_slice(&self.code);
            return;
        }
        let mut flags = FAT | (3 << 12);
        if !self.eh.is_empty() {
            flags |= MORE_SECTS;
        }
        if self.init_locals {
            flags |= INIT_LOCALS;
        }
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&self.max_stack.to_le_bytes());
        out.extend_from_slice(&(self.code.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.local_sig.to_le_bytes());
        out.extend_from_slice(&self.code);
        if self.eh.is_empty() {
            return;
        }
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        let small = self.eh.len() * 12 + 4 <= 0xFF
            && self.eh.iter().all(|c| {
                c.try_offset <= 0xFFFF && c.try_length <= 0xFF && c.handler_offset <= 0xFFFF && c.handler_length <= 0xFF
            });
        if small {
            out.push(SECT_EH);
            out.push((self.eh.len() * 12 + 4) as u8);
            out.extend_from_slice(&[0, 0]);
            for c in &self.eh {
                out.extend_from_slice(&(c.flags as u16).to_le_bytes());
                out.extend_from_slice(&(c.try_offset as u16).to_le_bytes());
                out.push(c.try_length as u8);
                out.extend_from_slice(&(c.handler_offset as u16).to_le_bytes());
                out.push(c.handler_length as u8);
                out.extend_from_slice(&c.class_or_filter.to_le_bytes());
            }
        } else {
            let size = (self.eh.len() * 24 + 4) as u32;
            out.extend_from_slice(&((size << 8) | (SECT_EH | SECT_FAT) as u32).to_le_bytes());
            for c in &self.eh {
                for v in [c.flags, c.try_offset, c.try_length, c.handler_offset, c.handler_length, c.class_or_filter] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    }
}

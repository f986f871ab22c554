//! The PE/COFF container: headers, sections, data directories.

use super::error::{Error, ReadError, Result};
use crate::le::*;
use crate::raw::pe::{self, coff, opt, section};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub name: [u8; 8],
    pub virtual_size: u32,
    pub virtual_address: u32,
    pub raw_size: u32,
    pub raw_offset: u32,
    pub characteristics: u32,
}

impl Section {
    /// Bytes of the section present in the file (virtual size may be larger
    /// or smaller than the raw size).
    fn file_span(&self) -> u32 {
        if self.virtual_size == 0 { self.raw_size } else { self.raw_size.min(self.virtual_size) }
    }
}

/// A parsed PE image; every offset is a file offset into `data`.
#[derive(Clone, Debug)]
pub struct PeFile<'data> {
    pub data: &'data [u8],
    pub coff_offset: usize,
    pub opt_offset: usize,
    pub pe32_plus: bool,
    pub machine: u16,
    pub section_table_offset: usize,
    pub sections: Vec<Section>,
    pub dirs_offset: usize,
    pub dirs: Vec<(u32, u32)>,
    pub section_alignment: u32,
    pub file_alignment: u32,
    pub size_of_headers: u32,
}

impl<'data> PeFile<'data> {
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        if u16_at(data, 0) != Some(pe::DOS_MAGIC) {
            return Err(Error::at("not a PE file: missing MZ signature", 0));
        }
        let lfanew = u32_at(data, pe::DOS_LFANEW).read_error("truncated DOS header", pe::DOS_LFANEW)? as usize;
        if u32_at(data, lfanew) != Some(pe::PE_SIGNATURE) {
            return Err(Error::at("missing PE signature", lfanew as u64));
        }
        let coff_offset = lfanew + 4;
        let machine = u16_at(data, coff_offset + coff::MACHINE).read_error("truncated COFF header", coff_offset)?;
        let nsections = u16_at(data, coff_offset + coff::NUMBER_OF_SECTIONS).read_error("truncated COFF header", coff_offset)? as usize;
        let opt_size = u16_at(data, coff_offset + coff::SIZE_OF_OPTIONAL_HEADER).read_error("truncated COFF header", coff_offset)? as usize;
        let opt_offset = coff_offset + coff::SIZE;
        let magic = u16_at(data, opt_offset).read_error("truncated optional header", opt_offset)?;
        let pe32_plus = match magic {
            pe::MAGIC_PE32 => false,
            pe::MAGIC_PE32_PLUS => true,
            _ => return Err(Error::at("unknown optional header magic", opt_offset as u64)),
        };
        let nrva_off = opt_offset + if pe32_plus { opt::NUMBER_OF_RVA_AND_SIZES_64 } else { opt::NUMBER_OF_RVA_AND_SIZES_32 };
        let ndirs = u32_at(data, nrva_off).read_error("truncated optional header", nrva_off)?;
        let dirs_offset = nrva_off + 4;
        if ndirs > 16 || dirs_offset + ndirs as usize * 8 > opt_offset + opt_size {
            return Err(Error::at("data directory count does not fit the optional header", nrva_off as u64));
        }
        let mut dirs = Vec::with_capacity(16);
        for i in 0..ndirs as usize {
            let o = dirs_offset + i * 8;
            let rva = u32_at(data, o).read_error("truncated data directory", o)?;
            let size = u32_at(data, o + 4).read_error("truncated data directory", o)?;
            dirs.push((rva, size));
        }
        let section_table_offset = opt_offset + opt_size;
        if section_table_offset + nsections * section::SIZE > data.len() {
            return Err(Error::at("section table runs past the end of the file", section_table_offset as u64));
        }
        let mut sections = Vec::with_capacity(nsections);
        for i in 0..nsections {
            let o = section_table_offset + i * section::SIZE;
            let s = Section {
                name: data[o..o + 8].try_into().unwrap_or_default(),
                virtual_size: u32_at(data, o + section::VIRTUAL_SIZE).unwrap_or(0),
                virtual_address: u32_at(data, o + section::VIRTUAL_ADDRESS).unwrap_or(0),
                raw_size: u32_at(data, o + section::SIZE_OF_RAW_DATA).unwrap_or(0),
                raw_offset: u32_at(data, o + section::POINTER_TO_RAW_DATA).unwrap_or(0),
                characteristics: u32_at(data, o + section::CHARACTERISTICS).unwrap_or(0),
            };
            if s.raw_size != 0 && (s.raw_offset as u64 + s.raw_size as u64) > data.len() as u64 {
                return Err(Error::at("section raw data runs past the end of the file", o as u64));
            }
            sections.push(s);
        }
        let section_alignment = u32_at(data, opt_offset + opt::SECTION_ALIGNMENT).read_error("truncated optional header", opt_offset)?;
        let file_alignment = u32_at(data, opt_offset + opt::FILE_ALIGNMENT).read_error("truncated optional header", opt_offset)?;
        let size_of_headers = u32_at(data, opt_offset + opt::SIZE_OF_HEADERS).read_error("truncated optional header", opt_offset)?;
        Ok(PeFile {
            data, coff_offset, opt_offset, pe32_plus, machine, section_table_offset, sections, dirs_offset, dirs,
            section_alignment, file_alignment, size_of_headers,
        })
    }

    pub fn dir(&self, index: usize) -> (u32, u32) {
        self.dirs.get(index).copied().unwrap_or((0, 0))
    }

    /// File offset of an RVA, if it lies in a section's raw data.
    pub fn rva_to_offset(&self, rva: u32) -> Option<usize> {
        for s in &self.sections {
            let span = s.file_span();
            if rva >= s.virtual_address && rva - s.virtual_address < span {
                return Some((s.raw_offset + (rva - s.virtual_address)) as usize);
            }
        }
        None
    }

    /// `size` bytes at `rva`, which must all be backed by the file.
    pub fn slice_at(&self, rva: u32, size: u32, what: &'static str) -> Result<&'data [u8]> {
        let off = self.rva_to_offset(rva).ok_or(Error::at(what, rva as u64))?;
        let end = off.checked_add(size as usize).ok_or(Error::at(what, rva as u64))?;
        // The slice must stay within the one section it starts in.
        let s = self.section_of(rva).ok_or(Error::at(what, rva as u64))?;
        if end > (s.raw_offset as usize + s.file_span() as usize) {
            return Err(Error::at(what, off as u64));
        }
        self.data.get(off..end).ok_or(Error::at(what, off as u64))
    }

    /// Everything from `rva` to the end of its section's raw data.
    pub fn rest_at(&self, rva: u32, what: &'static str) -> Result<&'data [u8]> {
        let s = self.section_of(rva).ok_or(Error::at(what, rva as u64))?;
        let off = (s.raw_offset + (rva - s.virtual_address)) as usize;
        let end = s.raw_offset as usize + s.file_span() as usize;
        self.data.get(off..end).ok_or(Error::at(what, off as u64))
    }

    pub fn section_of(&self, rva: u32) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| rva >= s.virtual_address && rva - s.virtual_address < s.file_span())
    }
}

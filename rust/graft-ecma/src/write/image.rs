//! PE image output: reserve (sizes, RVAs, file offsets), then write in the
//! same order, asserting each piece lands where it was reserved.

use crate::edit::{Editor, PENDING_BODY};
use crate::le::*;
use crate::raw::cli::{self, header as ch};
use crate::raw::pe::{self, coff, dir, opt, section};
use crate::raw::TableId;
use crate::read::{Assembly, Error};
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    /// Put the metadata in a new section even when it fits in place (tests
    /// use it to exercise the moved-metadata path on every input).
    pub force_new_section: bool,
}

#[derive(Clone, Debug)]
pub struct Written {
    pub bytes: Vec<u8>,
    /// Output differs from the input.
    pub changed: bool,
    pub metadata_moved: bool,
    pub dropped_ready_to_run: bool,
    pub cleared_strong_name: bool,
    pub removed_certificate: bool,
}

const NEW_SECTION_NAME: [u8; 8] = *b".graft\0\0";

enum DebugPlace {
    /// File offset of the old data, overwritten.
    InPlace(usize),
    /// Offset within the new bytes.
    New(usize),
}

/// Where the new bytes (bodies, moved metadata) go.
struct NewBytes {
    rva: u32,
    raw_off: usize,
    content: usize,
    /// Index of the last section when it is grown instead of adding one.
    extend: Option<usize>,
}

/// What the reserve pass decided.
struct Plan {
    /// Bodies, then debug data that did not fit in place.
    bodies: Vec<u8>,
    debug_place: Vec<DebugPlace>,
    metadata: Vec<u8>,
    metadata_in_place: bool,
    section: Option<NewBytes>,
    metadata_section_offset: usize,
    keep_len: usize,
    removed_certificate: bool,
}

pub fn write(e: &Editor, opts: &WriteOptions) -> Result<Written, Error> {
    let asm = e.asm.ok_or(Error::at("writing a PE image needs an editor made from an assembly", 0))?;
    let data = asm.data;
    let pe_file = &asm.pe;

    // Reserve: the new section's RVA, body placement, metadata, file layout.
    let salign = pe_file.section_alignment as usize;
    let falign = pe_file.file_alignment as usize;
    // PE/COFF limits; they also bound how much padding the layout can add.
    if !falign.is_power_of_two() || !(0x200..=0x1_0000).contains(&falign) || !salign.is_power_of_two() || salign > 0x10_0000 {
        return Err(Error::at("FileAlignment/SectionAlignment outside the PE/COFF limits", pe_file.opt_offset as u64));
    }
    // Where new bytes go: a new section when the headers have room for
    // one more section header, else the end of the last section, grown.
    // (ReadyToRun images fill their headers exactly.)
    let table_end = pe_file.section_table_offset + (pe_file.sections.len() + 1) * section::SIZE;
    let first_raw = pe_file.sections.iter().filter(|s| s.raw_size != 0).map(|s| s.raw_offset as usize).min().unwrap_or(usize::MAX);
    let room = table_end <= pe_file.size_of_headers as usize && table_end <= first_raw;
    let vend = |s: &crate::read::Section| s.virtual_address as usize + s.virtual_size.max(s.raw_size) as usize;
    let image_end = pe_file.sections.iter().map(vend).max().unwrap_or(0);
    let extend = if room {
        None
    } else {
        let (i, last) = pe_file
            .sections
            .iter()
            .enumerate()
            .max_by_key(|(_, s)| s.raw_offset as usize + s.raw_size as usize)
            .ok_or(Error::at("image has no sections", pe_file.section_table_offset as u64))?;
        if vend(last) != image_end {
            return Err(Error::at("no room for a new section header and the last section in the file is not last in memory", pe_file.section_table_offset as u64));
        }
        let x = align_up(last.virtual_size.max(last.raw_size) as usize, 16);
        if x > last.raw_size as usize + 0x10_0000 {
            return Err(Error::at("last section's virtual size is far beyond its file size", pe_file.section_table_offset as u64));
        }
        Some((i, x))
    };
    let sect_rva = match extend {
        None => align_up(image_end, salign),
        Some((i, x)) => pe_file.sections[i].virtual_address as usize + x,
    };
    // RVAs are 32-bit and the writer marks pending bodies with the top bit.
    if sect_rva >= PENDING_BODY as usize {
        return Err(Error::at("image too large to add a section", pe_file.section_table_offset as u64));
    }
    if let Some(t) = asm.metadata.tables.table(TableId::METHOD_DEF)
        && let Some(r) = (1..=t.rows).find(|&r| t.get(r, 0) >= PENDING_BODY)
    {
        return Err(Error::row("method RVA beyond the 2 GiB image limit", TableId::METHOD_DEF, r));
    }
    let mut bodies = Vec::new();
    let mut body_rvas = Vec::with_capacity(e.bodies.len());
    for b in &e.bodies {
        bodies.resize(align_up(bodies.len(), 4), 0);
        body_rvas.push((sect_rva + bodies.len()) as u32);
        b.encode(&mut bodies);
    }
    // Replaced debug data: in place when it fits, else after the bodies.
    let mut debug_place = Vec::with_capacity(e.debug_data.len());
    for (entry, blob) in &e.debug_data {
        let old_size = u32_at(data, entry + 16).unwrap_or(0) as usize;
        let old_ptr = u32_at(data, entry + 24).unwrap_or(0) as usize;
        if *entry + crate::raw::pe::debug::ENTRY_SIZE > data.len() {
            return Err(Error::at("debug directory entry outside the file", *entry as u64));
        }
        if blob.len() <= old_size && old_ptr + old_size <= data.len() && old_ptr != 0 {
            debug_place.push(DebugPlace::InPlace(old_ptr));
        } else {
            bodies.resize(align_up(bodies.len(), 4), 0);
            debug_place.push(DebugPlace::New(bodies.len()));
            bodies.extend_from_slice(blob);
        }
    }
    if sect_rva + bodies.len() >= PENDING_BODY as usize {
        return Err(Error::at("image too large to add a section", pe_file.section_table_offset as u64));
    }
    let metadata = super::metadata::build(e, &body_rvas)?;
    let orig_md = &data[asm.metadata_offset..asm.metadata_offset + asm.cli.metadata.size as usize];
    let md_changed = metadata != orig_md;
    let remaps = e.method_map.is_some() || e.field_map.is_some();
    let changed = md_changed || !bodies.is_empty() || remaps || e.entry_point != asm.cli.entry_point || !e.debug_data.is_empty();
    if !changed && !opts.force_new_section {
        return Ok(Written {
            bytes: data.to_vec(),
            changed: false,
            metadata_moved: false,
            dropped_ready_to_run: false,
            cleared_strong_name: false,
            removed_certificate: false,
        });
    }
    let metadata_in_place = !opts.force_new_section && metadata.len() <= orig_md.len();
    let mut content = bodies.len();
    let mut metadata_section_offset = 0;
    if !metadata_in_place {
        metadata_section_offset = align_up(content, 4);
        content = metadata_section_offset + metadata.len();
    }
    let (cert_off, cert_size) = pe_file.dir(dir::SECURITY);
    let removed_certificate = cert_size != 0;
    let sections_end = pe_file.sections.iter().map(|s| (s.raw_offset + s.raw_size) as usize).max().unwrap_or(0);
    // The certificate is cut off only when it is the file's tail, after
    // every section; elsewhere its bytes stay and only the directory goes.
    let cert_end = cert_off as usize + cert_size as usize;
    let keep_len = if removed_certificate && cert_end >= data.len() && (cert_off as usize) >= sections_end && (cert_off as usize) <= data.len() {
        cert_off as usize
    } else {
        data.len()
    };
    let section = if content > 0 {
        let raw_off = match extend {
            None => align_up(keep_len.max(sections_end), falign),
            Some((i, x)) => {
                let last = &pe_file.sections[i];
                if (last.raw_offset + last.raw_size) as usize != sections_end || keep_len < sections_end {
                    return Err(Error::at("last section is followed by data that cannot move", pe_file.section_table_offset as u64));
                }
                last.raw_offset as usize + x
            }
        };
        Some(NewBytes { rva: sect_rva as u32, raw_off, content, extend: extend.map(|(i, _)| i) })
    } else {
        None
    };
    let plan = Plan {
        bodies, debug_place, metadata, metadata_in_place, section, metadata_section_offset, keep_len, removed_certificate,
    };
    emit(e, asm, plan, md_changed)
}

fn emit(e: &Editor, asm: &Assembly, plan: Plan, md_changed: bool) -> Result<Written, Error> {
    let data = asm.data;
    let pe_file = &asm.pe;
    let falign = pe_file.file_alignment.max(1) as usize;
    let salign = pe_file.section_alignment.max(1) as usize;
    let total = plan.section.as_ref().map_or(plan.keep_len, |n| align_up(n.raw_off + n.content, falign));
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&data[..plan.keep_len]);
    let cli_off = asm.cli.offset;
    // The signature no longer matches: zero it first, so that every later
    // patch wins over a directory that overlaps other structures.
    let cleared_strong_name = asm.cli.flags & cli::FLAG_STRONGNAMESIGNED != 0;
    if cleared_strong_name {
        let sn = asm.cli.strong_name_signature;
        // Only a signature wholly inside one original section is zeroed, so
        // a bad directory cannot reach the bytes written above.
        if sn.size != 0
            && pe_file.slice_at(sn.rva, sn.size, "").is_ok()
            && let Some(o) = pe_file.rva_to_offset(sn.rva)
            && o + sn.size as usize <= plan.keep_len
            && !overlaps(o, sn.size as usize, cli_off, ch::SIZE)
            && !overlaps(o, sn.size as usize, asm.metadata_offset, asm.cli.metadata.size as usize)
        {
            out[o..o + sn.size as usize].fill(0);
        }
    }

    // Metadata: in place, or with the new bytes.
    if plan.metadata_in_place && md_changed {
        let o = asm.metadata_offset;
        let old = asm.cli.metadata.size as usize;
        out[o..o + plan.metadata.len()].copy_from_slice(&plan.metadata);
        out[o + plan.metadata.len()..o + old].fill(0);
        put_u32(&mut out, cli_off + ch::METADATA + 4, plan.metadata.len() as u32);
    }
    if let Some(n) = &plan.section {
        out.resize(n.raw_off, 0);
        out.extend_from_slice(&plan.bodies);
        if !plan.metadata_in_place {
            out.resize(n.raw_off + plan.metadata_section_offset, 0);
            out.extend_from_slice(&plan.metadata);
            put_u32(&mut out, cli_off + ch::METADATA, n.rva + plan.metadata_section_offset as u32);
            put_u32(&mut out, cli_off + ch::METADATA + 4, plan.metadata.len() as u32);
        }
        debug_assert_eq!(out.len(), n.raw_off + n.content, "new bytes as reserved");
        out.resize(total, 0);
        let raw_end = total;
        let virt_end = n.rva as usize + n.content;
        let o = pe_file.opt_offset;
        let (sh, added_raw) = match n.extend {
            None => {
                let sh = pe_file.section_table_offset + pe_file.sections.len() * section::SIZE;
                out[sh..sh + section::SIZE].fill(0);
                out[sh..sh + 8].copy_from_slice(&NEW_SECTION_NAME);
                put_u32(&mut out, sh + section::VIRTUAL_ADDRESS, n.rva);
                put_u32(&mut out, sh + section::POINTER_TO_RAW_DATA, n.raw_off as u32);
                put_u32(&mut out, sh + section::CHARACTERISTICS, section::CNT_INITIALIZED_DATA | section::MEM_READ);
                put_u16(&mut out, pe_file.coff_offset + coff::NUMBER_OF_SECTIONS, pe_file.sections.len() as u16 + 1);
                (sh, raw_end - n.raw_off)
            }
            Some(i) => {
                let s = &pe_file.sections[i];
                (pe_file.section_table_offset + i * section::SIZE, raw_end - (s.raw_offset + s.raw_size) as usize)
            }
        };
        let sect_va = u32_at(&out, sh + section::VIRTUAL_ADDRESS).unwrap_or(0) as usize;
        let sect_raw = u32_at(&out, sh + section::POINTER_TO_RAW_DATA).unwrap_or(0) as usize;
        put_u32(&mut out, sh + section::VIRTUAL_SIZE, (virt_end - sect_va) as u32);
        put_u32(&mut out, sh + section::SIZE_OF_RAW_DATA, (raw_end - sect_raw) as u32);
        put_u32(&mut out, o + opt::SIZE_OF_IMAGE, align_up(virt_end, salign) as u32);
        let init = u32_at(&out, o + opt::SIZE_OF_INITIALIZED_DATA).unwrap_or(0);
        put_u32(&mut out, o + opt::SIZE_OF_INITIALIZED_DATA, init.saturating_add(added_raw as u32));
    }
    debug_assert_eq!(out.len(), total, "output size as reserved");

    for ((entry, blob), place) in e.debug_data.iter().zip(&plan.debug_place) {
        let (ptr, rva) = match *place {
            DebugPlace::InPlace(off) => {
                let old = u32_at(data, entry + 16).unwrap_or(0) as usize;
                out[off..off + old].fill(0);
                out[off..off + blob.len()].copy_from_slice(blob);
                (off, u32_at(data, entry + 20).unwrap_or(0) as usize)
            }
            DebugPlace::New(o) => {
                let n = plan.section.as_ref().ok_or(Error::at("debug data placed without new bytes", *entry as u64))?;
                (n.raw_off + o, n.rva as usize + o)
            }
        };
        put_u32(&mut out, entry + 16, blob.len() as u32);
        put_u32(&mut out, entry + 20, rva as u32);
        put_u32(&mut out, entry + 24, ptr as u32);
    }
    if e.entry_point != asm.cli.entry_point {
        put_u32(&mut out, cli_off + ch::ENTRY_POINT, e.entry_point);
    }
    remap_untouched_bodies(e, asm, &mut out)?;

    // The image changed: drop what would now be wrong.
    let mut flags = asm.cli.flags;
    let dropped_ready_to_run = asm.cli.managed_native_header.rva != 0 && asm.ready_to_run().is_some();
    if dropped_ready_to_run {
        put_u32(&mut out, cli_off + ch::MANAGED_NATIVE_HEADER, 0);
        put_u32(&mut out, cli_off + ch::MANAGED_NATIVE_HEADER + 4, 0);
        flags &= !cli::FLAG_IL_LIBRARY;
        let m = pe_file.machine;
        if let Some(x) = pe::R2R_OS_MACHINE_XOR.iter().find(|&&x| matches!(m ^ x, pe::MACHINE_AMD64 | pe::MACHINE_ARM64 | pe::MACHINE_I386 | pe::MACHINE_ARMNT)) {
            put_u16(&mut out, pe_file.coff_offset + coff::MACHINE, m ^ x);
        }
    }
    if cleared_strong_name {
        flags &= !cli::FLAG_STRONGNAMESIGNED;
    }
    put_u32(&mut out, cli_off + ch::FLAGS, flags);
    if plan.removed_certificate {
        let d = pe_file.dirs_offset + dir::SECURITY * 8;
        put_u32(&mut out, d, 0);
        put_u32(&mut out, d + 4, 0);
    }
    let ck = pe_file.opt_offset + opt::CHECKSUM;
    if u32_at(data, ck).unwrap_or(0) != 0 {
        let sum = pe_checksum(&out, ck);
        put_u32(&mut out, ck, sum);
    }
    Ok(Written {
        bytes: out,
        changed: true,
        metadata_moved: !plan.metadata_in_place,
        dropped_ready_to_run,
        cleared_strong_name,
        removed_certificate: plan.removed_certificate,
    })
}

/// Patches MethodDef/Field tokens in bodies left in place when rows moved.
fn remap_untouched_bodies(e: &Editor, asm: &Assembly, out: &mut [u8]) -> Result<(), Error> {
    if e.method_map.is_none() && e.field_map.is_none() {
        return Ok(());
    }
    let mut done = HashSet::new();
    for row in 1..=e.rows(TableId::METHOD_DEF) {
        let rva = e.get(TableId::METHOD_DEF, row, 0);
        if rva == 0 || rva & PENDING_BODY != 0 || !done.insert(rva) {
            continue;
        }
        let bytes = asm.pe.rest_at(rva, "method body RVA outside the image").map_err(|er| er.with_row(TableId::METHOD_DEF, row))?;
        let body = crate::il::MethodBody::parse(bytes, 0).map_err(|er| er.with_row(TableId::METHOD_DEF, row))?;
        let start = body.code.as_ptr() as usize - data_ptr(asm.data);
        let code = &mut out[start..start + body.code.len()];
        crate::il::decode::remap_tokens(code, |t, _| Ok(e.map_original_token(t))).map_err(|er| er.with_row(TableId::METHOD_DEF, row))?;
    }
    Ok(())
}

fn overlaps(a: usize, alen: usize, b: usize, blen: usize) -> bool {
    a < b + blen && b < a + alen
}

fn data_ptr(d: &[u8]) -> usize {
    d.as_ptr() as usize
}

/// The PE image checksum (16-bit one's-complement-style sum plus length).
/// Summed in a u64 and folded once: 2^48 bytes would be needed to overflow.
pub fn pe_checksum(b: &[u8], checksum_offset: usize) -> u32 {
    let mut sum: u64 = 0;
    let mut chunks = b.chunks_exact(2);
    for w in &mut chunks {
        sum += u16::from_le_bytes([w[0], w[1]]) as u64;
    }
    if let [last] = chunks.remainder() {
        sum += *last as u64;
    }
    // The checksum field itself counts as zero.
    if checksum_offset.is_multiple_of(2)
        && let Some(f) = b.get(checksum_offset..checksum_offset + 4)
    {
        sum -= u16::from_le_bytes([f[0], f[1]]) as u64 + u16::from_le_bytes([f[2], f[3]]) as u64;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    (sum as u32).wrapping_add(b.len() as u32)
}

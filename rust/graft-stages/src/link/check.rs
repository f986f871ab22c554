//! Checking the linked kernel before it replaces the output, with the
//! `object` crate: an x86-64 ELF (GRAFT4007), a valid Multiboot2 header
//! 8-byte aligned within the first 32 KiB of the file (GRAFT4004 when a boot
//! loader would find none, GRAFT4005 when it is invalid or misaligned), a
//! defined entry symbol that is the ELF's entry point (GRAFT4006), and no
//! undefined symbols (GRAFT4003, for those extra_args let ld.lld pass).

use super::messages::report_undefined;
use graft_diag::{Code, Diagnostic, Session, StageResult};
use object::{Object, ObjectSymbol};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The Multiboot2 header's magic, and how far into the file boot loaders look for it.
const MB2_MAGIC: u32 = 0xE852_50D6;
const MB2_SEARCH_LIMIT: usize = 32 * 1024;

/// What the checks found.
pub(super) struct Checked {
    pub entry_address: u64,
    /// The Multiboot2 header's file offset.
    pub header_offset: u64,
}

/// The checks on the linked kernel; every failed one is reported.
pub(super) fn kernel(data: &[u8], entry: &str, objects: &[PathBuf], session: &mut Session<'_>) -> StageResult<Checked> {
    let file = match object::File::parse(data) {
        Ok(f)
            if f.format() == object::BinaryFormat::Elf
                && f.architecture() == object::Architecture::X86_64
                && f.is_64() =>
        {
            f
        }
        Ok(f) => {
            return Err(session.error(
                Code::NOT_AN_ELF,
                format!(
                    "the linked kernel is a {:?} {:?} file, not an x86-64 ELF; check the linker script's OUTPUT_FORMAT and the objects",
                    f.format(),
                    f.architecture()
                ),
            ));
        }
        Err(e) => {
            return Err(session.error(Code::NOT_AN_ELF, format!("the linked kernel is not a readable ELF file: {e}")));
        }
    };
    let mut ok = true;

    let header_offset = match find_multiboot2_header(data) {
        Ok(offset) => offset as u64,
        Err(problem) => {
            let code = if problem.missing { Code::MULTIBOOT2_HEADER_MISSING } else { Code::MULTIBOOT2_HEADER_INVALID };
            session.report(Diagnostic::error(code, problem.message));
            ok = false;
            0
        }
    };

    let entry_address = file.entry();
    let symbol = file.symbols().find(|s| s.name() == Ok(entry) && s.is_definition());
    match symbol {
        None => {
            session.report(Diagnostic::error(
                Code::ENTRY_SYMBOL_MISSING,
                format!(
                    "the entry symbol '{entry}' is not defined in the kernel; define it (sdk/boot/multiboot2_entry.asm defines _start) or name the right one in the linker script's ENTRY or the request's `entry`"
                ),
            ));
            ok = false;
        }
        Some(s) if s.address() != entry_address => {
            session.report(Diagnostic::error(
                Code::ENTRY_SYMBOL_MISSING,
                format!(
                    "the kernel's entry point {entry_address:#x} is not the entry symbol '{entry}' ({:#x}); make the linker script's ENTRY and the request's `entry` agree",
                    s.address()
                ),
            ));
            ok = false;
        }
        Some(_) => {}
    }

    // ld.lld fails on undefined symbols unless told otherwise (extra_args):
    // a kernel cannot resolve anything at run time, so catch those too.
    let undefined: BTreeSet<String> = file
        .symbols()
        .filter(|s| s.is_undefined() && s.is_global() && !s.is_weak())
        .filter_map(|s| s.name().ok().filter(|n| !n.is_empty()).map(str::to_string))
        .collect();
    if !undefined.is_empty() {
        report_undefined(&undefined, objects, session);
        ok = false;
    }

    if ok { Ok(Checked { entry_address, header_offset }) } else { Err(graft_diag::Failed) }
}

struct HeaderProblem {
    missing: bool,
    message: String,
}

/// The file offset of the first valid Multiboot2 header, found as a boot
/// loader finds it: at an 8-byte aligned offset within the first 32 KiB.
fn find_multiboot2_header(data: &[u8]) -> Result<usize, HeaderProblem> {
    let u32_at = |offset: usize| -> Option<u32> {
        data.get(offset..offset + 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    };
    let limit = data.len().min(MB2_SEARCH_LIMIT);
    let mut first_problem: Option<String> = None;
    let mut offset = 0;
    while offset + 16 <= limit {
        if u32_at(offset) == Some(MB2_MAGIC) {
            match validate_header(data, offset) {
                Ok(()) => return Ok(offset),
                Err(problem) => {
                    first_problem.get_or_insert(format!("the Multiboot2 header at file offset {offset:#x} {problem}"));
                }
            }
        }
        offset += 8;
    }
    if let Some(message) = first_problem {
        return Err(HeaderProblem { missing: false, message });
    }
    // Say where a header that a boot loader would not find sits.
    let misplaced = (0..data.len().saturating_sub(4)).step_by(4).find(|&o| u32_at(o) == Some(MB2_MAGIC));
    Err(match misplaced {
        Some(o) if o < MB2_SEARCH_LIMIT => HeaderProblem {
            missing: false,
            message: format!(
                "the Multiboot2 header at file offset {o:#x} is not 8-byte aligned; align its section to 8 (`align 8` / ALIGN(8))"
            ),
        },
        Some(o) => HeaderProblem {
            missing: true,
            message: format!(
                "the Multiboot2 header is at file offset {o:#x}, beyond the first 32 KiB where boot loaders look; put its section (.multiboot2) first in the linker script"
            ),
        },
        None => HeaderProblem {
            missing: true,
            message: "no Multiboot2 header (magic 0xE85250D6) in the first 32 KiB of the kernel file; link sdk/boot/multiboot2_entry.asm or another object with a KEEP'd .multiboot2 section".to_string(),
        },
    })
}

/// Checks the header at `offset`: architecture, length, checksum, tags.
fn validate_header(data: &[u8], offset: usize) -> Result<(), String> {
    let u32_at = |o: usize| -> u32 { u32::from_le_bytes(data[o..o + 4].try_into().expect("4 bytes")) };
    let (magic, arch, length) = (u32_at(offset), u32_at(offset + 4), u32_at(offset + 8));
    let checksum = u32_at(offset + 12);
    if magic.wrapping_add(arch).wrapping_add(length).wrapping_add(checksum) != 0 {
        return Err(format!(
            "has a wrong checksum {checksum:#x} (magic + architecture + header_length + checksum must be 0 mod 2^32; expected {:#x})",
            0u32.wrapping_sub(magic.wrapping_add(arch).wrapping_add(length))
        ));
    }
    if arch != 0 {
        return Err(format!(
            "names architecture {arch}, not 0 (i386 protected mode, the one GRUB starts x86 kernels in)"
        ));
    }
    let length = length as usize;
    if length < 24 || !length.is_multiple_of(8) || offset + length > data.len() {
        return Err(format!("has a header_length of {length} bytes, which cannot hold its tags and the end tag"));
    }
    // Tags: {u16 type, u16 flags, u32 size}, each 8-byte aligned, ending with type 0 size 8.
    let mut tag = offset + 16;
    while tag + 8 <= offset + length {
        let kind = u16::from_le_bytes([data[tag], data[tag + 1]]);
        let size = u32_at(tag + 4) as usize;
        if kind == 0 {
            return if size == 8 { Ok(()) } else { Err(format!("has an end tag of size {size}, not 8")) };
        }
        if size < 8 {
            return Err(format!("has a tag of type {kind} with size {size}"));
        }
        tag += size.div_ceil(8) * 8;
    }
    Err("has no end tag (type 0, size 8) within header_length".to_string())
}

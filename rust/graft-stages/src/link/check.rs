//! Checking the linked kernel before it replaces the output, with the
//! `object` crate: an x86-64 ELF (GRAFT4007), a valid Multiboot2 header
//! 8-byte aligned within the first 32 KiB of the file (GRAFT4004 when a boot
//! loader would find none, GRAFT4005 when it is invalid or misaligned), a
//! defined entry symbol that is the ELF's entry point (GRAFT4006), no
//! undefined symbols (GRAFT4003, for those extra_args let ld.lld pass), and,
//! when the kernel has one, a PVH entry note a PVH loader (QEMU `-kernel`)
//! can use (GRAFT4009): a `Xen` note of type XEN_ELFNOTE_PHYS32_ENTRY in a
//! PT_NOTE segment, laid out so that every QEMU reads it alike, naming a
//! 32-bit address inside an executable loaded segment.

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

    match pvh_entry(&file, data) {
        Ok(PvhNote::Entry(pvh)) => session.debug(&format!("link: PVH entry note: 32-bit entry at {pvh:#x}")),
        Ok(PvhNote::Absent) => session.debug("link: no PVH entry note: the kernel boots through Multiboot2 only"),
        // Still a good Multiboot2 kernel: only a direct boot (graft run Kernel.elf) cannot start it.
        Ok(PvhNote::Hidden(message)) => session.report(Diagnostic::warning(Code::PVH_NOTE_INVALID, message)),
        Err(message) => {
            session.report(Diagnostic::error(Code::PVH_NOTE_INVALID, message));
            ok = false;
        }
    }

    if ok { Ok(Checked { entry_address, header_offset }) } else { Err(graft_diag::Failed) }
}

/// XEN_ELFNOTE_PHYS32_ENTRY: a `Xen` note whose descriptor is the 32-bit
/// physical address a PVH loader starts the kernel at.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;

/// The PVH entry a kernel ELF's note names (`run` asks before a direct
/// boot): `None` without a note QEMU would find; Err: a malformed note.
pub(crate) fn pvh_entry_of(data: &[u8]) -> Result<Option<u64>, String> {
    let file = object::File::parse(data).map_err(|e| format!("not a readable ELF file: {e}"))?;
    Ok(match pvh_entry(&file, data)? {
        PvhNote::Entry(entry) => Some(entry),
        PvhNote::Absent | PvhNote::Hidden(_) => None,
    })
}

/// What [`pvh_entry`] found.
#[derive(Debug, PartialEq, Eq)]
enum PvhNote {
    /// No PVH entry note: a Multiboot2-only kernel.
    Absent,
    /// A good note and the 32-bit entry it names.
    Entry(u64),
    /// A .note.Xen section that no PT_NOTE segment shows (a linker script
    /// without one): a warning, the kernel only cannot boot directly.
    Hidden(String),
}

/// The PVH entry the kernel's note names, checked as QEMU's loader reads it:
/// from the notes in PT_NOTE segments. Older QEMUs read an ELF64 note's
/// descriptor as 8 bytes and align the name to the segment's p_align rather
/// than 4; the note must read the same either way. Err: a malformed note.
fn pvh_entry(file: &object::File<'_>, data: &[u8]) -> Result<PvhNote, String> {
    let file = match file {
        object::File::Elf64(elf) => elf,
        _ => return Ok(PvhNote::Absent),
    };
    use object::read::elf::{FileHeader, ProgramHeader};
    use object::ObjectSection;
    let endian = file.endian();
    let segments = file.elf_header().program_headers(endian, data).map_err(|e| format!("the kernel's program headers are unreadable: {e}"))?;
    let u32_at = |b: &[u8], o: usize| b.get(o..o + 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")));

    let mut found = None;
    for segment in segments.iter().filter(|s| s.p_type(endian) == object::elf::PT_NOTE) {
        let align = (segment.p_align(endian) as usize).max(4);
        let notes = segment.data(endian, data).map_err(|()| "a PT_NOTE segment lies outside the kernel file".to_string())?;
        let mut at = 0;
        while at + 12 <= notes.len() {
            let (namesz, descsz, kind) = (u32_at(notes, at).unwrap() as usize, u32_at(notes, at + 4).unwrap() as usize, u32_at(notes, at + 8).unwrap());
            let Some(name) = notes.get(at + 12..at + 12 + namesz) else { break };
            let desc = (at + 12 + namesz).next_multiple_of(align);
            if name == b"Xen\0" && kind == XEN_ELFNOTE_PHYS32_ENTRY && found.is_none() {
                found = Some((segment, desc, descsz, at, namesz, notes));
            }
            at = (desc + descsz).next_multiple_of(align);
        }
    }
    let Some((segment, desc, descsz, note_at, namesz, notes)) = found else {
        let section = file.sections().find(|s| s.name() == Ok(".note.Xen"));
        return Ok(match section {
            Some(_) => PvhNote::Hidden("the kernel has a .note.Xen section but no PT_NOTE segment holds a PVH entry note, so it cannot boot directly (graft run Kernel.elf, dotnet run); give .note.Xen a PT_NOTE segment in the linker script (`note PT_NOTE;` in PHDRS and `:text :note` on the section, as sdk/linker/graft-kernel.ld does)".to_string()),
            None => PvhNote::Absent,
        });
    };
    let align = segment.p_align(endian) as usize;
    if align > 4 && note_at + 12 + namesz.next_multiple_of(align) != desc {
        return Err(format!(
            "the PT_NOTE segment holding the PVH entry note is aligned to {align} bytes, so QEMU would read the entry from the wrong place; align the .note.Xen section to 4"
        ));
    }
    let entry = match (descsz, notes.get(desc..desc + descsz)) {
        (4, Some(d)) => u64::from(u32_at(d, 0).unwrap()),
        (8, Some(d)) => u64::from_le_bytes(d.try_into().expect("8 bytes")),
        (4 | 8, None) => return Err("the PVH entry note is cut off by the end of its PT_NOTE segment".to_string()),
        (n, _) => return Err(format!("the PVH entry note's descriptor is {n} bytes, not 4 or 8 (the entry's 32-bit physical address)")),
    };
    if entry == 0 || entry > u64::from(u32::MAX) {
        return Err(format!(
            "the PVH entry note names {entry:#x}, not a 32-bit physical address; a PVH loader starts the kernel there in 32-bit protected mode (as an 8-byte value its upper half must be 0)"
        ));
    }
    let loaded = segments.iter().any(|s| {
        s.p_type(endian) == object::elf::PT_LOAD
            && s.p_flags(endian).0 & object::elf::PF_X.0 != 0
            && (s.p_paddr(endian)..s.p_paddr(endian) + s.p_filesz(endian)).contains(&entry)
    });
    if !loaded {
        return Err(format!(
            "the PVH entry note names {entry:#x}, which is not inside an executable loaded segment; point it at the 32-bit PVH entry code (sdk/boot's pvh_start)"
        ));
    }
    Ok(PvhNote::Entry(entry))
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

#[cfg(test)]
mod tests {
    use super::{pvh_entry, PvhNote};

    /// A minimal ELF64: the header, a PT_LOAD (R X) of 0x1000 bytes at file
    /// offset 0 and physical 0x100000, and a PT_NOTE over `notes` (placed at
    /// file offset 0x100) with the given alignment.
    fn elf(notes: &[u8], note_align: u64) -> Vec<u8> {
        let mut data = vec![0u8; 0x1000];
        let put = |d: &mut Vec<u8>, at: usize, bytes: &[u8]| d[at..at + bytes.len()].copy_from_slice(bytes);
        put(&mut data, 0, b"\x7fELF\x02\x01\x01");
        put(&mut data, 16, &2u16.to_le_bytes()); // ET_EXEC
        put(&mut data, 18, &62u16.to_le_bytes()); // EM_X86_64
        put(&mut data, 20, &1u32.to_le_bytes());
        put(&mut data, 24, &0x100010u64.to_le_bytes()); // e_entry
        put(&mut data, 32, &64u64.to_le_bytes()); // e_phoff
        put(&mut data, 52, &64u16.to_le_bytes()); // e_ehsize
        put(&mut data, 54, &56u16.to_le_bytes()); // e_phentsize
        put(&mut data, 56, &2u16.to_le_bytes()); // e_phnum
        put(&mut data, 58, &64u16.to_le_bytes()); // e_shentsize
        let phdr = |kind: u32, flags: u32, offset: u64, addr: u64, size: u64, align: u64| {
            [kind.to_le_bytes().as_slice(), &flags.to_le_bytes(), &offset.to_le_bytes(), &addr.to_le_bytes(), &addr.to_le_bytes(), &size.to_le_bytes(), &size.to_le_bytes(), &align.to_le_bytes()].concat()
        };
        put(&mut data, 64, &phdr(1, 5, 0, 0x100000, 0x1000, 0x1000));
        put(&mut data, 120, &phdr(4, 4, 0x100, 0x100100, notes.len() as u64, note_align));
        put(&mut data, 0x100, notes);
        data
    }

    /// One note: name, type and descriptor, padded to `align`.
    fn note(name: &[u8], kind: u32, desc: &[u8], align: usize) -> Vec<u8> {
        let mut n = [(name.len() as u32).to_le_bytes(), (desc.len() as u32).to_le_bytes(), kind.to_le_bytes()].concat();
        n.extend_from_slice(name);
        n.resize(n.len().next_multiple_of(align), 0);
        n.extend_from_slice(desc);
        n.resize(n.len().next_multiple_of(align), 0);
        n
    }

    fn check(data: &[u8]) -> Result<PvhNote, String> {
        pvh_entry(&object::File::parse(data).unwrap(), data)
    }

    #[test]
    fn a_good_note_gives_its_entry_in_4_or_8_bytes() {
        assert_eq!(check(&elf(&note(b"Xen\0", 18, &0x100010u32.to_le_bytes(), 4), 4)), Ok(PvhNote::Entry(0x100010)));
        assert_eq!(check(&elf(&note(b"Xen\0", 18, &0x100010u64.to_le_bytes(), 4), 4)), Ok(PvhNote::Entry(0x100010)));
        // Behind another note in the same segment.
        let notes = [note(b"GNU\0", 3, &[1, 2, 3, 4, 5], 4), note(b"Xen\0", 18, &0x100020u64.to_le_bytes(), 4)].concat();
        assert_eq!(check(&elf(&notes, 4)), Ok(PvhNote::Entry(0x100020)));
    }

    #[test]
    fn no_note_is_no_pvh_entry() {
        assert_eq!(check(&elf(&note(b"GNU\0", 3, &[0; 4], 4), 4)), Ok(PvhNote::Absent));
        assert_eq!(check(&elf(&note(b"Xen\0", 5, &[0; 8], 4), 4)), Ok(PvhNote::Absent));
    }

    /// A .note.Xen section (PROGBITS, as yasm makes it) that no PT_NOTE shows:
    /// the notes segment here holds only a GNU note.
    #[test]
    fn a_note_section_outside_pt_note_is_hidden() {
        let mut data = elf(&note(b"GNU\0", 3, &[0; 4], 4), 4);
        let put = |d: &mut Vec<u8>, at: usize, bytes: &[u8]| d[at..at + bytes.len()].copy_from_slice(bytes);
        put(&mut data, 0x200, b"\0.note.Xen\0.shstrtab\0");
        let shdr = |name: u32, kind: u32, offset: u64, size: u64| {
            [name.to_le_bytes().as_slice(), &kind.to_le_bytes(), &2u64.to_le_bytes(), &0u64.to_le_bytes(), &offset.to_le_bytes(), &size.to_le_bytes(), &[0u8; 8], &4u64.to_le_bytes(), &0u64.to_le_bytes()].concat()
        };
        let table = [vec![0u8; 64], shdr(1, 1, 0x300, 24), shdr(11, 3, 0x200, 21)].concat();
        put(&mut data, 0x400, &table);
        put(&mut data, 40, &0x400u64.to_le_bytes()); // e_shoff
        put(&mut data, 60, &3u16.to_le_bytes()); // e_shnum
        put(&mut data, 62, &2u16.to_le_bytes()); // e_shstrndx
        match check(&data) {
            Ok(PvhNote::Hidden(message)) => assert!(message.contains("no PT_NOTE segment"), "{message}"),
            other => panic!("expected a hidden note, got {other:?}"),
        }
    }

    #[test]
    fn malformed_notes_are_errors() {
        let bad = |notes: Vec<u8>, align: u64, says: &str| {
            let message = check(&elf(&notes, align)).unwrap_err();
            assert!(message.contains(says), "expected '{says}' in: {message}");
        };
        bad(note(b"Xen\0", 18, &[0x10, 0, 0x10], 4), 4, "3 bytes, not 4 or 8");
        bad(note(b"Xen\0", 18, &0x1_0010_0010u64.to_le_bytes(), 4), 4, "not a 32-bit physical address");
        bad(note(b"Xen\0", 18, &0u32.to_le_bytes(), 4), 4, "not a 32-bit physical address");
        bad(note(b"Xen\0", 18, &0x200000u32.to_le_bytes(), 4), 4, "not inside an executable loaded segment");
        // 8-aligned: QEMU would read the entry 4 bytes too far.
        bad(note(b"Xen\0", 18, &0x100010u64.to_le_bytes(), 8), 8, "aligned to 8 bytes");
        let mut cut = note(b"Xen\0", 18, &0x100010u64.to_le_bytes(), 4);
        cut.truncate(20);
        bad(cut, 4, "cut off");
    }
}

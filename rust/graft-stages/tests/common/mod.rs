//! Fixtures the stage tests and examples share: the hand-written Multiboot2
//! header, and a kernel nasm writes whole around it for the image stage.
// Each test crate (and examples/image_bench.rs) uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// The smallest valid Multiboot2 header, in NASM syntax: magic,
/// architecture 0 (i386), header_length 24, the checksum that makes the four
/// sum to 0 mod 2^32, then the end tag (type 0, flags 0, size 8).
pub const MULTIBOOT2_HEADER: &str = "dd 0xE85250D6, 0, 24, 0x100000000 - (0xE85250D6 + 24)\n dw 0, 0\n dd 8\n";

/// An assembly source for the link stage: `header` (say
/// [`MULTIBOOT2_HEADER`]) in an 8-byte aligned `.multiboot2` section, and a
/// global `entry` that halts.
pub fn kernel_source(header: &str, entry: &str) -> String {
    format!("section .multiboot2 align=8\n{header}section .text\nglobal {entry}\n{entry}: hlt\n")
}

/// A kernel without a linker, for `nasm -f bin`: an ELF32 header, one
/// PT_LOAD of the whole file at 1 MiB, [`MULTIBOOT2_HEADER`] 8-byte aligned,
/// then `code` from `_start` on, in 32-bit protected mode with EBX pointing
/// at the Multiboot2 information.
pub fn flat_kernel_source(code: &str) -> String {
    format!(
        r#"
bits 32
org 0x100000
ehdr:
  db 0x7f, "ELF", 1, 1, 1, 0
  times 8 db 0
  dw 2, 3                               ; ET_EXEC, EM_386
  dd 1, _start, phdr - ehdr, 0, 0
  dw 52, 32, 1, 0, 0, 0
phdr:                                   ; one PT_LOAD: the whole file at 1 MiB
  dd 1, 0, ehdr, ehdr, file_end - ehdr, file_end - ehdr, 5, 0x1000
align 8                                 ; the Multiboot2 header, end tag only
  {MULTIBOOT2_HEADER}
_start:
{code}
file_end:
"#
    )
}

/// Writes [`flat_kernel_source`] of `code` beside `elf` (as `<elf>.asm`) and
/// assembles it into `elf`.
pub fn build_flat_kernel(code: &str, elf: &Path) {
    let asm = elf.with_extension("asm");
    std::fs::write(&asm, flat_kernel_source(code)).unwrap();
    let status = Command::new("nasm").args(["-f", "bin", "-o"]).arg(elf).arg(&asm).status().expect("nasm (sudo apt-get install nasm; see README quick start)");
    assert!(status.success(), "nasm failed on {}", asm.display());
}

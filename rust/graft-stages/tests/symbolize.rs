//! The crash-report symboliser on small ELF files clang builds here, with
//! lines known from the source; real kernels are proven by tests/sdk/run
//! (test_crash_reports_are_symbolised) and build-kernel-by-hand --checks.

use std::path::{Path, PathBuf};
use std::process::Command;

use graft_stages::symbolize::{EchoFilter, Symbolizer};

/// `leaf` with a global label `probe_here` on line 3, and `entry` calling
/// `leaf` on line 7.
const SOURCE: &str = "int leaf(int x) {
    int y = x * 3;
    __asm__ volatile(\".globl probe_here\\nprobe_here: nop\");
    return y + 1;
}
int entry(void) {
    return leaf(7);
}
";

/// Builds SOURCE into a static ELF (`-g` when `debug`).
fn build(dir: &Path, debug: bool) -> PathBuf {
    let source = dir.join("crash.c");
    std::fs::write(&source, SOURCE).unwrap();
    let elf = dir.join(if debug { "crash.elf" } else { "crash-nodebug.elf" });
    let status = Command::new("clang")
        .args(if debug { &["-g"][..] } else { &[][..] })
        .args(["-O0", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld", "-Wl,-e,entry", "-o"])
        .arg(&elf)
        .arg(&source)
        .status()
        .expect("clang (sudo apt-get install clang lld; see README quick start)");
    assert!(status.success(), "clang failed");
    elf
}

/// A symbol's address, from the ELF's symbol table.
fn address_of(elf: &Path, name: &str) -> u64 {
    use object::{Object, ObjectSymbol};
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*data).unwrap();
    file.symbols().find(|s| s.name() == Ok(name)).unwrap_or_else(|| panic!("{name} in {}", elf.display())).address()
}

/// The address of `entry`'s call instruction (opcode E8 at -O0).
fn call_in_entry(elf: &Path) -> u64 {
    use object::{Object, ObjectSection};
    let data = std::fs::read(elf).unwrap();
    let file = object::File::parse(&*data).unwrap();
    let text = file.section_by_name(".text").unwrap();
    let entry = address_of(elf, "entry");
    let bytes = &text.data().unwrap()[(entry - text.address()) as usize..];
    entry + bytes.iter().position(|&b| b == 0xE8).expect("a call in entry") as u64
}

#[test]
fn addresses_map_to_their_function_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let elf = build(dir.path(), true);
    let (symbolizer, warnings) = Symbolizer::open(&elf).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");

    let probe = address_of(&elf, "probe_here");
    let leaf = address_of(&elf, "leaf");
    let at = symbolizer.lookup(probe).unwrap();
    // The label inside `leaf` does not hide it.
    assert_eq!((at.function.as_str(), at.offset, at.line), ("leaf", probe - leaf, Some(3)));
    assert!(at.file.as_deref().unwrap().ends_with("crash.c"), "{at:?}");

    // A caller's frame: the call instruction, line 7 of `entry`.
    let call = call_in_entry(&elf);
    let at = symbolizer.lookup(call).unwrap();
    assert_eq!((at.function.as_str(), at.line), ("entry", Some(7)));

    // Nothing covers an address below the code.
    assert_eq!(symbolizer.lookup(0x1000), None);
}

#[test]
fn both_line_forms_are_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let elf = build(dir.path(), true);
    let (symbolizer, _) = Symbolizer::open(&elf).unwrap();
    let file = dir.path().join("crash.c").display().to_string();
    let (probe, call) = (address_of(&elf, "probe_here"), call_in_entry(&elf));

    // A fault report's frame names no function: the symboliser's name goes in.
    let fault = format!("  at [{probe:#x}]");
    assert_eq!(symbolizer.symbolize_line(&fault), format!("  at leaf in {file}:line 3"));
    // A managed trace line keeps CoreLib's name; offset and address go.
    let trace = format!("   at Program.Entry() + 0x9 [{call:#x}]\n");
    assert_eq!(symbolizer.symbolize_line(&trace), format!("   at Program.Entry() in {file}:line 7\n"));
    // Other text, and addresses nothing covers, pass unchanged.
    for line in ["graft: CPU exception 14 (#PF page fault) at RIP 0x201177", "  at [0x10]", "[0x] at 0x201177"] {
        assert_eq!(symbolizer.symbolize_line(line), line);
    }
    // Two frames on one line each get theirs.
    let two = format!("[{probe:#x}] [{call:#x}]");
    assert_eq!(symbolizer.symbolize_line(&two), format!("leaf in {file}:line 3 entry in {file}:line 7"));
}

#[test]
fn echo_filter_symbolises_lines_split_across_reads_and_passes_other_text_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let elf = build(dir.path(), true);
    let (symbolizer, _) = Symbolizer::open(&elf).unwrap();
    let probe = address_of(&elf, "probe_here");
    let serial = format!("boot\n> \ngraft: CPU exception\n  at [{probe:#x}]\n   at Program.Main() + 0x1 [{probe:#x}]\nprompt> ");
    let expected = symbolizer.symbolize_text(&serial);
    assert!(expected.contains("  at leaf in ") && expected.ends_with("prompt> "), "{expected}");
    // Every split point, byte by byte.
    let mut filter = EchoFilter::new(symbolizer);
    let mut shown = Vec::new();
    for b in serial.as_bytes() {
        shown.extend(filter.push(std::slice::from_ref(b)));
    }
    // A prompt shows before its line ends; a frame line waits for its end.
    assert!(String::from_utf8_lossy(&shown).ends_with("prompt> "));
    shown.extend(filter.finish());
    assert_eq!(String::from_utf8(shown).unwrap(), expected);
}

#[test]
fn a_kernel_without_debug_info_is_a_warning_and_still_names_functions() {
    let dir = tempfile::tempdir().unwrap();
    let elf = build(dir.path(), false);
    let (symbolizer, warnings) = Symbolizer::open(&elf).unwrap();
    let codes: Vec<String> = warnings.iter().map(|w| w.code.clone()).collect();
    assert_eq!(codes, ["GRAFT6008"]);
    let probe = address_of(&elf, "probe_here");
    let leaf = address_of(&elf, "leaf");
    assert_eq!(symbolizer.symbolize_line(&format!("  at [{probe:#x}]")), format!("  at leaf + {:#x}", probe - leaf));
}

#[test]
fn a_missing_or_foreign_file_is_graft6007() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("serial.log");
    std::fs::write(&text, "not an ELF").unwrap();
    for path in [text, dir.path().join("missing.elf")] {
        let error = Symbolizer::open(&path).err().unwrap();
        assert_eq!(error.code, "GRAFT6007", "{error:?}");
        assert!(error.message.contains(&path.display().to_string()), "{}", error.message);
    }
}

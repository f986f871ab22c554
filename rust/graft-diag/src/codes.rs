//! The one table of diagnostic codes. Codes are never renumbered or reused.
//! Blocks: 0xxx files and requests common to all stages, 1xxx plugs and
//! patcher, 2xxx metadata, 3xxx assembler and C, 4xxx link and ELF checks,
//! 5xxx image, 6xxx run and boot, 7xxx the SDK (ILC, MSBuild settings),
//! 8xxx kernel tests (Graft.Testing's source generator), 9xxx internal and ABI.
//!
//! `docs/diagnostics.md` lists the same codes; a test keeps the two in step.

use std::fmt;

/// A diagnostic code; prints as `GRAFTnnnn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(pub u16);

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GRAFT{:04}", self.0)
    }
}

/// One row of the code table.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    pub code: Code,
    /// The constant's name in [`Code`]'s associated constants.
    pub name: &'static str,
    /// What the code means, in a few words.
    pub summary: &'static str,
}

macro_rules! codes {
    ($($name:ident = $num:literal, $summary:literal;)*) => {
        impl Code {
            $(#[doc = $summary] pub const $name: Code = Code($num);)*
        }
        /// Every code, in numeric order.
        pub const CODES: &[CodeInfo] = &[
            $(CodeInfo { code: Code($num), name: stringify!($name), summary: $summary },)*
        ];
    };
}

codes! {
    OUTPUT_NOT_WRITABLE = 1, "an output file or its folder cannot be written";
    INPUT_NOT_READABLE = 2, "an input file is missing or cannot be read";

    PLUG_TARGET_TYPE_NOT_FOUND = 1001, "a plug's target type is not in any assembly the kernel compiles (the name as written is quoted)";
    PLUG_MEMBER_NOT_FOUND = 1002, "a plug member's target member does not exist on the target type (the closest candidates are named with their full signatures)";
    PLUG_ATHIS_MISSING = 1003, "a plug for an instance member lacks the first parameter `aThis` that receives the object";
    PLUG_ATHIS_WRONG_TYPE = 1004, "a plug's `aThis` parameter is not of the target type (or object, or a pointer for a value type)";
    PLUG_SIGNATURE_MISMATCH = 1005, "a plug member's signature differs from its target's (parameters, return type, static or instance, generic arity)";
    PLUG_CLASS_NOT_STATIC = 1006, "a class marked [Plug] is not static";
    PLUG_CONFLICT = 1007, "two plugs replace the same target member (both plug members are named)";
    PLUG_ARCHITECTURE_MISMATCH = 1008, "a plug limited to one architecture is applied to a kernel built for another";
    PLUG_INVALID = 1009, "a [Plug] or [PlugMember] attribute is malformed or a plug is shaped in a way the patcher cannot apply (what and why are said)";
    PLUG_UNPLUGGED_NATIVE_CALL = 1010, "this call reaches a framework member with no body in a kernel (extern, InternalCall or P/Invoke) that no plug covers";
    PLUG_ADDED_MEMBER_EXISTS = 1011, "a plug class member without [PlugMember] is added to the target, which already has a member of that name and signature";
    PLUG_TARGET_AMBIGUOUS = 1012, "a plug's target type, named without an assembly, is defined by several assemblies the kernel compiles (they are named; add ', Assembly' to the name)";

    MALFORMED_ASSEMBLY = 2001, "a .NET assembly or portable PDB is malformed (the table, row and offset are named)";
    ASSEMBLY_WRITE_FAILED = 2002, "the ECMA-335 engine could not lay out the rewritten assembly";
    UNSUPPORTED_METADATA = 2003, "an edit the ECMA-335 engine does not support on this metadata (for instance adding members where FieldPtr/MethodPtr tables exist)";

    ASSEMBLER_NOT_FOUND = 3001, "the assembler (nasm, yasm or clang) is not installed or not where it was said to be";
    ASSEMBLER_ERROR = 3002, "the assembler rejected a source file (file and line given)";
    UNKNOWN_SOURCE_KIND = 3003, "a source file's extension names no known assembler syntax";
    C_COMPILER_NOT_FOUND = 3004, "no C compiler (clang) is installed or where it was said to be";
    C_COMPILE_ERROR = 3005, "the C compiler rejected a source file (file and line given)";

    LINKER_NOT_FOUND = 4001, "ld.lld is not installed or not where it was said to be";
    LINK_FAILED = 4002, "ld.lld failed (for instance a bad linker script)";
    UNDEFINED_SYMBOLS = 4003, "symbols are referenced but defined nowhere (all listed in one error)";
    MULTIBOOT2_HEADER_MISSING = 4004, "no Multiboot2 header in the first 32 KiB of the kernel file";
    MULTIBOOT2_HEADER_INVALID = 4005, "the Multiboot2 header is misaligned or its checksum is wrong";
    ENTRY_SYMBOL_MISSING = 4006, "the entry symbol is not defined in the linked kernel";
    NOT_AN_ELF = 4007, "an input or output is not a readable x86-64 ELF file";
    LINKER_SCRIPT_NOT_FOUND = 4008, "the linker script named in the request does not exist";
    PVH_NOTE_INVALID = 4009, "the PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) is malformed or not where a PVH loader looks";

    GRUB_TOOL_NOT_FOUND = 5001, "grub-mkimage is not installed";
    GRUB_PLATFORM_MISSING = 5002, "GRUB's modules for a boot platform (i386-pc or x86_64-efi) are not installed";
    GRUB_MKIMAGE_FAILED = 5003, "grub-mkimage failed to build a boot image";
    IMAGE_TOO_LARGE = 5004, "a file or the image exceeds what the image format can hold";
    IMAGE_WRITE_FAILED = 5005, "the ISO image could not be laid out or written";
    GRUB_IMAGES_UNUSABLE = 5006, "the prebuilt GRUB boot images named by `grub_images` are missing, unreadable or were made for another GRUB configuration";

    QEMU_NOT_FOUND = 6001, "qemu-system-x86_64 is not installed";
    FIRMWARE_NOT_FOUND = 6002, "the UEFI firmware (OVMF) is not installed";
    BOOT_TIMEOUT = 6003, "the kernel did not exit before the time limit";
    QEMU_FAILED = 6004, "QEMU could not start or ended abnormally";
    KERNEL_RESET = 6005, "the machine reset without writing an exit code (a triple fault?)";
    DIRECT_BOOT_UNSUPPORTED = 6006, "a kernel ELF cannot boot directly this way (no PVH entry note, or UEFI or disk asked for)";
    KERNEL_SYMBOLS_UNREADABLE = 6007, "the kernel ELF named for symbolising crash reports is missing or not an ELF (the report stays as the kernel printed it)";
    KERNEL_DEBUG_INFO_MISSING = 6008, "the kernel has no symbols or no DWARF line information (built without -g / GraftDebugInfo): crash reports name fewer functions or no source lines";
    GDB_NOT_FOUND = 6009, "gdb is not installed or not where it was said to be (graft debug)";
    GDB_STUB_UNREACHABLE = 6010, "nothing listens on the GDB port graft debug connects to: the kernel was not started with graft run --debug (or on another port)";
    TEST_FAILED = 6011, "a kernel test failed: an assertion or an exception the test did not catch (at the assertion's file and line)";
    TEST_SUITE_NOT_STARTED = 6012, "a test kernel never printed its suite line (`graft-test: suite`): not a test project, or it failed before its tests";
    TEST_PROTOCOL_GARBLED = 6013, "a `graft-test:` line that does not parse or does not follow the lines before it, or an end line that does not match the results or the exit code";
    TEST_CRASHED = 6014, "a kernel test crashed the kernel (a fault report, a triple fault, an exit) before its result; the runner boots again after it";
    TEST_HUNG = 6015, "a kernel test did not finish before the boot's time limit; the runner boots again after it";
    TEST_NONE_FOUND = 6016, "the test kernel has no tests, or none that the filter matches";
    TEST_INPUT_UNUSABLE = 6017, "graft test cannot boot what it was given in a mode asked for (no kernel ELF for direct, no image for the others, not a project, ELF or image)";
    TEST_PROJECT_BUILD_FAILED = 6018, "`dotnet build` of the test project failed (graft test on a project)";
    TEST_SUITE_STOPPED = 6019, "the suite stopped outside any test and booting again from the next test got no further";
    ILCOMPILER_NOT_RESOLVED = 7001, "the NativeAOT ILCompiler package or runtime pack was not restored (PublishAot, RuntimeIdentifier)";
    ILCOMPILER_VERSION_UNSUPPORTED = 7002, "the ILCompiler version is not one Graft's kernel runtime was written for";
    ILC_FAILED = 7003, "ILC failed to compile the kernel's IL to native code";
    UNSUPPORTED_PROJECT_SETTING = 7004, "a project setting Graft cannot build a kernel with (the property to change is named)";

    TEST_NOT_STATIC = 8001, "a [Test] method is an instance method: the generated Main calls each test without an object";
    TEST_HAS_PARAMETERS = 8002, "a [Test] method takes parameters: the runner passes none";
    TEST_IS_GENERIC = 8003, "a [Test] method has type parameters, or a class around it has";
    TEST_NOT_VOID = 8004, "a [Test] method returns a value or is async: a test is a plain void method";
    TEST_NOT_ACCESSIBLE = 8005, "a [Test] method, or a class around it, is private, protected or file-local: the generated Main cannot call it";
    TEST_DUPLICATE_NAME = 8006, "two [Test] methods have the same name Class.Method (overloads, or one class name in two namespaces): both methods are named";
    TEST_PROJECT_HAS_MAIN = 8007, "a test kernel (IsTestProject) declares a Main: its Main is generated from its [Test] methods";

    INTERNAL_PANIC = 9001, "an internal error (a bug in Graft): please report it with the request";
    ABI_MISMATCH = 9002, "the native library's ABI version differs from the host's";
    INVALID_REQUEST = 9003, "the request is not valid UTF-8 JSON of the stage's shape";
    UNKNOWN_STAGE = 9004, "the request names a stage the library does not have";
    NULL_POINTER = 9005, "a required pointer argument was null";
    HOST_CALLBACK_FAILED = 9006, "the host's log callback threw; reported after the stage returned";
    NATIVE_LIBRARY_NOT_LOADED = 9007, "the host could not find or load the native library libgraft";
}

impl Code {
    pub fn info(self) -> Option<&'static CodeInfo> {
        CODES.iter().find(|c| c.code == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_and_unique() {
        for pair in CODES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} then {}", pair[0].code, pair[1].code);
        }
    }

    /// docs/diagnostics.md has one row `| GRAFTnnnn | NAME | summary |` per code.
    #[test]
    fn docs_table_matches_code_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/diagnostics.md");
        let text = std::fs::read_to_string(path).expect("docs/diagnostics.md");
        let rows: Vec<(String, String, String)> = text
            .lines()
            .filter(|l| l.starts_with("| GRAFT"))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
                (cells[0].to_string(), cells[1].trim_matches('`').to_string(), cells[2].to_string())
            })
            .collect();
        let expected: Vec<(String, String, String)> =
            CODES.iter().map(|c| (c.code.to_string(), c.name.to_string(), c.summary.to_string())).collect();
        assert_eq!(rows, expected, "update docs/diagnostics.md to match graft-diag's code table");
    }
}

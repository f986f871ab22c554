//! PE/COFF container shapes (PE32 and PE32+), as offsets and constants.

pub const DOS_MAGIC: u16 = 0x5A4D;
/// Offset of `e_lfanew` in the DOS header.
pub const DOS_LFANEW: usize = 0x3C;
pub const PE_SIGNATURE: u32 = 0x0000_4550;

/// COFF file header (20 bytes), field offsets.
pub mod coff {
    pub const SIZE: usize = 20;
    pub const MACHINE: usize = 0;
    pub const NUMBER_OF_SECTIONS: usize = 2;
    pub const TIME_DATE_STAMP: usize = 4;
    pub const SIZE_OF_OPTIONAL_HEADER: usize = 16;
    pub const CHARACTERISTICS: usize = 18;
}

pub const MAGIC_PE32: u16 = 0x10B;
pub const MAGIC_PE32_PLUS: u16 = 0x20B;

/// Optional header field offsets shared by PE32 and PE32+.
pub mod opt {
    pub const MAGIC: usize = 0;
    pub const SIZE_OF_CODE: usize = 4;
    pub const SIZE_OF_INITIALIZED_DATA: usize = 8;
    pub const ADDRESS_OF_ENTRY_POINT: usize = 16;
    pub const SECTION_ALIGNMENT: usize = 32;
    pub const FILE_ALIGNMENT: usize = 36;
    pub const SIZE_OF_IMAGE: usize = 56;
    pub const SIZE_OF_HEADERS: usize = 60;
    pub const CHECKSUM: usize = 64;
    pub const DLL_CHARACTERISTICS: usize = 70;
    /// `NumberOfRvaAndSizes`, then the data directories, differ by format.
    pub const NUMBER_OF_RVA_AND_SIZES_32: usize = 92;
    pub const NUMBER_OF_RVA_AND_SIZES_64: usize = 108;
}

/// Data directory indexes.
pub mod dir {
    pub const EXPORT: usize = 0;
    pub const IMPORT: usize = 1;
    pub const RESOURCE: usize = 2;
    pub const EXCEPTION: usize = 3;
    /// File offset, not an RVA: the Authenticode certificate table.
    pub const SECURITY: usize = 4;
    pub const BASE_RELOC: usize = 5;
    pub const DEBUG: usize = 6;
    pub const IAT: usize = 12;
    pub const CLR_RUNTIME_HEADER: usize = 14;
}

/// Section header (40 bytes), field offsets.
pub mod section {
    pub const SIZE: usize = 40;
    pub const NAME: usize = 0;
    pub const VIRTUAL_SIZE: usize = 8;
    pub const VIRTUAL_ADDRESS: usize = 12;
    pub const SIZE_OF_RAW_DATA: usize = 16;
    pub const POINTER_TO_RAW_DATA: usize = 20;
    pub const CHARACTERISTICS: usize = 36;

    pub const CNT_INITIALIZED_DATA: u32 = 0x0000_0040;
    pub const MEM_READ: u32 = 0x4000_0000;
}

pub const MACHINE_I386: u16 = 0x014C;
pub const MACHINE_AMD64: u16 = 0x8664;
pub const MACHINE_ARM64: u16 = 0xAA64;
pub const MACHINE_ARMNT: u16 = 0x01C4;

/// ReadyToRun images for non-Windows targets XOR the machine with an OS
/// value (dotnet/runtime `TargetOS` handling in crossgen2).
pub const R2R_OS_MACHINE_XOR: [u16; 5] = [0x7B79 /* Linux */, 0x4644 /* Apple */, 0xADC4 /* FreeBSD */, 0x1993 /* NetBSD */, 0x1992 /* SunOS */];

/// Debug directory entry (28 bytes).
pub mod debug {
    pub const ENTRY_SIZE: usize = 28;
    pub const TYPE_CODEVIEW: u32 = 2;
    pub const TYPE_REPRODUCIBLE: u32 = 16;
    pub const TYPE_EMBEDDED_PORTABLE_PDB: u32 = 17;
    pub const TYPE_PDB_CHECKSUM: u32 = 19;
    pub const CODEVIEW_RSDS: u32 = 0x5344_5352;
    pub const EMBEDDED_PDB_MPDB: u32 = 0x4244_504D;
}

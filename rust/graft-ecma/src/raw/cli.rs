//! The CLI header (ECMA-335 II.25.3.3) and metadata root (II.24.2.1).

/// CLI header field offsets; the header is 72 bytes.
pub mod header {
    pub const SIZE: usize = 72;
    pub const CB: usize = 0;
    pub const METADATA: usize = 8;
    pub const FLAGS: usize = 16;
    pub const ENTRY_POINT: usize = 20;
    pub const RESOURCES: usize = 24;
    pub const STRONG_NAME_SIGNATURE: usize = 32;
    pub const CODE_MANAGER_TABLE: usize = 40;
    pub const VTABLE_FIXUPS: usize = 48;
    pub const EXPORT_ADDRESS_TABLE_JUMPS: usize = 56;
    pub const MANAGED_NATIVE_HEADER: usize = 64;
}

pub const FLAG_ILONLY: u32 = 0x0000_0001;
pub const FLAG_32BITREQUIRED: u32 = 0x0000_0002;
/// Set on ReadyToRun images (the header's `ManagedNativeHeader` points at
/// the READYTORUN_HEADER).
pub const FLAG_IL_LIBRARY: u32 = 0x0000_0004;
pub const FLAG_STRONGNAMESIGNED: u32 = 0x0000_0008;
pub const FLAG_NATIVE_ENTRYPOINT: u32 = 0x0000_0010;

pub const METADATA_SIGNATURE: u32 = 0x424A_5342;
/// READYTORUN_HEADER signature "RTR".
pub const READYTORUN_SIGNATURE: u32 = 0x0052_5452;

/// Heap-size flags in the tables stream header.
pub const HEAP_STRINGS_WIDE: u8 = 0x01;
pub const HEAP_GUID_WIDE: u8 = 0x02;
pub const HEAP_BLOB_WIDE: u8 = 0x04;
/// A 4-byte value follows the row counts (seen in some ENC metadata).
pub const HEAP_EXTRA_DATA: u8 = 0x40;

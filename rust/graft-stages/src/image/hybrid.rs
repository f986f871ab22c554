//! The MBR that lets the ISO boot when written raw to a disk or USB stick.
//!
//! - BIOS: the boot code is GRUB's `boot_hybrid.img` (its first 440 bytes).
//!   It loads one 512-byte sector whose 64-bit address sits at byte 0x1b0:
//!   the El Torito BIOS image's sector + 4, i.e. diskboot, right after the
//!   2048-byte cdboot. diskboot then loads the rest of the core from the
//!   sector stored at byte 2548 of the image (its sector + 5, written by
//!   [`super::iso`] as `BootInfo::Grub2`). This is the layout of
//!   `xorriso --grub2-mbr` with `--grub2-boot-info`.
//! - UEFI: partition 2, type 0xEF, over the FAT image that El Torito's UEFI
//!   entry also points at; firmware boots its `/EFI/BOOT/BOOTX64.EFI`.
//! - Partition 1 covers the whole image, marked active, of type 0x00 as
//!   `xorriso --protective-msdos-label` writes it: active for BIOSes that
//!   want one, and ignored by UEFI firmware, which rejects an MBR whose
//!   partitions overlap (partition 2 lies inside the image).

use super::iso::{Layout, Place};
use super::{Error, Result};

/// Where diskboot starts inside GRUB's `i386-pc-eltorito` image: after cdboot.
pub(super) const CORE_OFFSET: usize = 2048;

const SECTOR: u64 = 512;
const CODE_LEN: usize = 440;
/// The 64-bit sector address `boot_hybrid.img` loads first.
const KERNEL_SECTOR_AT: usize = 0x1b0;
const SIGNATURE_AT: usize = 440;
const TABLE_AT: usize = 446;

const TYPE_EMPTY: u8 = 0x00;
const TYPE_EFI_SYSTEM: u8 = 0xef;
const ACTIVE: u8 = 0x80;

/// The MBR for the image `layout` describes, whose first sector is zero.
pub(super) fn mbr(layout: &Layout, boot_hybrid: &[u8], disk_signature: u32) -> Result<[u8; 512]> {
    if boot_hybrid.len() < CODE_LEN {
        return Err(Error::WriteFailed(format!(
            "GRUB's boot_hybrid.img is {} bytes, not the 512 of an MBR; reinstall grub-pc-bin",
            boot_hybrid.len()
        )));
    }
    let sectors = |bytes: u64| u32::try_from(bytes.div_ceil(SECTOR));
    let (Ok(total_sectors), Ok(esp_start), Ok(esp_sectors)) =
        (sectors(layout.size), sectors(layout.esp.offset), sectors(layout.esp.len))
    else {
        return Err(Error::TooLarge(format!(
            "an image of {} bytes is past what an MBR can describe (2 TiB)",
            layout.size
        )));
    };
    let mut mbr = [0u8; SECTOR as usize];
    mbr[..CODE_LEN].copy_from_slice(&boot_hybrid[..CODE_LEN]);
    let core = layout.bios_image.offset / SECTOR + (CORE_OFFSET as u64) / SECTOR;
    mbr[KERNEL_SECTOR_AT..KERNEL_SECTOR_AT + 8].copy_from_slice(&core.to_le_bytes());
    mbr[SIGNATURE_AT..SIGNATURE_AT + 4].copy_from_slice(&disk_signature.to_le_bytes());
    mbr[TABLE_AT..TABLE_AT + 16].copy_from_slice(&entry(ACTIVE, TYPE_EMPTY, 0, total_sectors));
    mbr[TABLE_AT + 16..TABLE_AT + 32].copy_from_slice(&entry(0, TYPE_EFI_SYSTEM, esp_start, esp_sectors));
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    check(&mbr, layout)?;
    Ok(mbr)
}

/// One 16-byte partition entry, with CHS fields for 255 heads and 63
/// sectors per track (clamped to 1023/254/63 past 8 GiB, as is customary).
fn entry(status: u8, kind: u8, start: u32, count: u32) -> [u8; 16] {
    let mut e = [0u8; 16];
    e[0] = status;
    e[1..4].copy_from_slice(&chs(start));
    e[4] = kind;
    e[5..8].copy_from_slice(&chs(start + count.max(1) - 1));
    e[8..12].copy_from_slice(&start.to_le_bytes());
    e[12..16].copy_from_slice(&count.to_le_bytes());
    e
}

fn chs(lba: u32) -> [u8; 3] {
    const HEADS: u32 = 255;
    const SECTORS: u32 = 63;
    let cylinder = lba / (HEADS * SECTORS);
    if cylinder > 1023 {
        return [254, 0xff, 0xff];
    }
    let head = (lba / SECTORS) % HEADS;
    let sector = lba % SECTORS + 1;
    [head as u8, (sector as u8) | (((cylinder >> 8) as u8) << 6), cylinder as u8]
}

/// Reads the sector back: the boot code's pointer and the partitions.
fn check(mbr: &[u8; 512], layout: &Layout) -> Result<()> {
    let read_u32 = |at: usize| u64::from(u32::from_le_bytes(mbr[at..at + 4].try_into().expect("4 bytes")));
    let esp = Place { offset: read_u32(TABLE_AT + 16 + 8) * SECTOR, len: read_u32(TABLE_AT + 16 + 12) * SECTOR };
    let whole = read_u32(TABLE_AT + 12) * SECTOR;
    let core = u64::from_le_bytes(mbr[KERNEL_SECTOR_AT..KERNEL_SECTOR_AT + 8].try_into().expect("8 bytes"));
    let ok = mbr[510..] == [0x55, 0xaa]
        && whole == layout.size
        && esp.offset == layout.esp.offset
        && esp.len >= layout.esp.len
        && esp.offset + esp.len <= layout.size
        && core * SECTOR == layout.bios_image.offset + CORE_OFFSET as u64
        && layout.bios_image.len > (CORE_OFFSET as u64) + SECTOR;
    if ok {
        Ok(())
    } else {
        Err(Error::WriteFailed("the hybrid MBR does not match the image layout (a bug in Graft)".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chs_of_small_and_large_addresses() {
        assert_eq!(chs(0), [0, 1, 0]);
        assert_eq!(chs(63), [1, 1, 0]);
        assert_eq!(chs(255 * 63), [0, 1, 1]);
        assert_eq!(chs(u32::MAX), [254, 0xff, 0xff]);
    }
}

//! The ISO 9660 volume, written by hadris-iso: the primary tree with Rock
//! Ridge (GRUB reads the real names) and Joliet, and an El Torito catalog
//! with two entries:
//!
//! - default, BIOS: GRUB's eltorito image, no emulation, 4 sectors loaded,
//!   with the boot info table (bytes 8..64: PVD block, image block, length,
//!   checksum) that GRUB's cdboot reads, and at byte 2548 the 512-byte
//!   sector of the core after cdboot and diskboot (`BootInfo::Grub2`, as
//!   `xorriso --grub2-boot-info` writes it), which diskboot reads when the
//!   image boots from a raw disk;
//! - UEFI (platform 0xEF): the FAT image of [`super::esp`].
//!
//! hadris-iso leaves the system area (the first 32 KiB) zero here;
//! [`super::hybrid`] writes the MBR there, because hadris-iso's MBR
//! patches the boot code the isolinux way (image sector, not GRUB's +4) and
//! lists an appended EFI partition only in a GPT.

use super::{Error, Result, BIOS_IMAGE_PATH, CATALOG_PATH, CONFIG_PATH, ESP_IMAGE_PATH, KERNEL_PATH};
use hadris_fs::{Content, DateTime, ErrorKind, Node, PathError, Tree};
use hadris_iso::{BootEntry, BootInfo, ElTorito, IsoId, IsoOptions};
use hadris_storage::{BlockSize, MemDevice};

/// What goes on the ISO.
pub(super) struct Files {
    pub kernel: Vec<u8>,
    pub config: Vec<u8>,
    pub bios_image: Vec<u8>,
    pub esp: Vec<u8>,
}

/// A file's place in the image, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Place {
    pub offset: u64,
    pub len: u64,
}

/// The written volume and where its boot images went.
pub(super) struct Layout {
    pub bytes: Vec<u8>,
    pub bios_image: Place,
    pub esp: Place,
}

/// Lays out and writes the volume in memory.
pub(super) fn write(files: Files, volume_id: &str, time: DateTime) -> Result<Layout> {
    let fail = |e: PathError| {
        let what = e.path().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default();
        match e.kind() {
            ErrorKind::FileTooLarge | ErrorKind::LimitExceeded => {
                Error::TooLarge(format!("{what} is too large for an ISO 9660 image: {e}"))
            }
            _ => Error::WriteFailed(format!("cannot lay out the ISO 9660 image ({what}): {e}")),
        }
    };
    let mut tree = Tree::new();
    for (path, bytes) in [
        (KERNEL_PATH, files.kernel),
        (CONFIG_PATH, files.config),
        (BIOS_IMAGE_PATH, files.bios_image),
        (ESP_IMAGE_PATH, files.esp),
    ] {
        tree.insert(path, Node::file(Content::bytes(bytes))).map_err(fail)?;
    }
    let el_torito = ElTorito::new()
        .with_entry(BootEntry::bios(BIOS_IMAGE_PATH).with_load_size(4).with_boot_info(BootInfo::Grub2))
        .with_entry(BootEntry::uefi(ESP_IMAGE_PATH))
        .with_catalog_path(CATALOG_PATH);
    let options = IsoOptions::new()
        .with_id(IsoId::Volume, volume_id)
        .with_id(IsoId::Application, "GRAFT")
        .with_rock_ridge()
        .with_joliet()
        .with_el_torito(el_torito)
        .with_time(time);

    let size = hadris_iso::plan(&tree, &options).map_err(fail)?.size();
    let size = usize::try_from(size).map_err(|_| Error::TooLarge(format!("an image of {size} bytes")))?;
    let mut dev = MemDevice::new(vec![0u8; size], BlockSize::new(2048).expect("2048-byte blocks"));
    let report = hadris_iso::sync::write(&mut dev, &tree, &options).map_err(fail)?;
    debug_assert_eq!(report.size(), size as u64);
    // Nothing here should be dropped (no symlinks, no special files).
    if let Some(warning) = report.warnings().first() {
        return Err(Error::WriteFailed(format!("the ISO 9660 writer reported: {warning}")));
    }
    let place = |path: &str| {
        let extents = report.extents(path).unwrap_or_default();
        match extents {
            [one] => Ok(Place { offset: one.offset(), len: one.len() }),
            _ => Err(Error::WriteFailed(format!("{path} is not stored in one piece ({} extents)", extents.len()))),
        }
    };
    let bios_image = place(BIOS_IMAGE_PATH)?;
    let esp = place(ESP_IMAGE_PATH)?;
    Ok(Layout { bytes: dev.into_inner(), bios_image, esp })
}

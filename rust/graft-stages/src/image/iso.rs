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
//!
//! The volume streams straight into the output's temporary file through
//! [`OutputFile`]: no image-sized buffer, and the kernel is read from its
//! file while it is written.

use super::common::{BIOS_IMAGE_PATH, CATALOG_PATH, CONFIG_PATH, ESP_IMAGE_PATH, KERNEL_PATH};
use super::{Error, Result};
use hadris_fs::{Content, DateTime, ErrorKind, Node, PathError, Tree};
use hadris_iso::{BootEntry, BootInfo, ElTorito, IsoId, IsoOptions};
use hadris_storage::{BlockIndex, BlockSize};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// What goes on the ISO.
pub(super) struct Files<'a> {
    pub kernel: &'a Path,
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

/// Where the written volume's boot images went.
pub(super) struct Layout {
    /// The image's size in bytes.
    pub size: u64,
    pub bios_image: Place,
    pub esp: Place,
}

/// Lays out the volume and writes it into `out`, which must be empty;
/// `out_path` names it in messages.
pub(super) fn write(files: Files<'_>, volume_id: &str, time: DateTime, out: &File, out_path: &Path) -> Result<Layout> {
    let fail = |e: PathError| {
        let what = e.path().map(|p| String::from_utf8_lossy(p).into_owned());
        match (e.kind(), what) {
            (ErrorKind::FileTooLarge | ErrorKind::LimitExceeded, what) => {
                Error::TooLarge(format!("{} is too large for an ISO 9660 image: {e}", what.unwrap_or_default()))
            }
            // A device error without a tree path: writing the output failed.
            (ErrorKind::Io, None) => Error::OutputNotWritable {
                path: out_path.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            },
            (_, what) => Error::WriteFailed(format!(
                "cannot write the ISO 9660 image ({}): {e}",
                what.unwrap_or_default()
            )),
        }
    };
    let kernel = hadris_fs::host::file(files.kernel).map_err(|e| Error::KernelNotReadable {
        path: files.kernel.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut tree = Tree::new();
    for (path, content) in [
        (KERNEL_PATH, kernel),
        (CONFIG_PATH, Content::bytes(files.config)),
        (BIOS_IMAGE_PATH, Content::bytes(files.bios_image)),
        (ESP_IMAGE_PATH, Content::bytes(files.esp)),
    ] {
        tree.insert(path, Node::file(content)).map_err(fail)?;
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

    let report = hadris_iso::sync::write(OutputFile(out), &tree, &options).map_err(fail)?;
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
    let size = report.size();
    if out.metadata().map(|m| m.len()).ok() != Some(size) {
        return Err(Error::WriteFailed(format!("the ISO 9660 writer planned {size} bytes but wrote another size")));
    }
    Ok(Layout { size, bios_image, esp })
}

/// The output file as a device of 2048-byte blocks that grows as it is
/// written. Unlike hadris-storage's `FileDevice` its flush does not fsync
/// (see `write_output` in the stage module for why).
struct OutputFile<'a>(&'a File);

const BLOCK: u64 = 2048;

impl hadris_io::ErrorType for OutputFile<'_> {
    type Error = std::io::Error;
}

impl hadris_storage::sync::BlockDevice for OutputFile<'_> {
    fn block_size(&self) -> BlockSize {
        BlockSize::new(BLOCK as u32).expect("2048-byte blocks")
    }

    fn block_count(&self) -> u64 {
        self.0.metadata().map_or(0, |m| m.len() / BLOCK)
    }

    fn max_block_count(&self) -> u64 {
        // ISO 9660 counts blocks in 32 bits.
        u64::from(u32::MAX)
    }

    fn writable(&self) -> bool {
        true
    }

    fn read_blocks(&mut self, first: BlockIndex, buf: &mut [u8]) -> Result<(), hadris_io::Error<std::io::Error>> {
        self.0
            .read_exact_at(buf, first.get() * BLOCK)
            .map_err(|e| hadris_io::Error::device(e, "reading the image failed"))
    }

    fn write_blocks(&mut self, first: BlockIndex, buf: &[u8]) -> Result<(), hadris_io::Error<std::io::Error>> {
        self.0
            .write_all_at(buf, first.get() * BLOCK)
            .map_err(|e| hadris_io::Error::device(e, "writing the image failed"))
    }
}

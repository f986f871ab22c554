//! The EFI system partition image: a FAT volume holding
//! `/EFI/BOOT/BOOTX64.EFI`, the path UEFI firmware boots from removable
//! media. The same bytes serve El Torito (platform 0xEF) and the MBR's
//! partition of type 0xEF. Written with hadris-fat: dates from the request,
//! the serial from `seed`, so the same inputs give the same bytes. With a
//! cache folder the image is kept there, keyed by BOOTX64.EFI's build key,
//! the date and the seed.

use super::common::{content_digest, hex};
use super::{Error, Result};
use hadris_fat::{FatOptions, VolumeLabel};
use hadris_fs::{Content, DateTime, ErrorKind, Node, Tree};
use hadris_storage::{BlockSize, MemDevice};
use std::path::Path;

/// Bump when the way the image is made changes, to retire old cache entries.
const CACHE_VERSION: &str = "graft-image-esp-1";

/// The FAT image holding `efi`, from `cache_dir` when it is there.
/// `efi_key` identifies `efi` (see `grub::Images`).
pub(super) fn build(efi: &[u8], efi_key: &str, time: DateTime, seed: u64, cache_dir: Option<&Path>) -> Result<Vec<u8>> {
    let Some(dir) = cache_dir else {
        return format(efi, time, seed);
    };
    let key = content_digest(&[
        CACHE_VERSION.as_bytes(),
        efi_key.as_bytes(),
        &time.unix_seconds().to_le_bytes(),
        &seed.to_le_bytes(),
    ]);
    let path = dir.join(format!("esp-{}.img", hex(&key[..16])));
    if let Ok(image) = std::fs::read(&path)
        && !image.is_empty()
    {
        return Ok(image);
    }
    let image = format(efi, time, seed)?;
    // A cache that cannot be written only costs time next run.
    let _ = graft_diag::write_atomic(&path, |f| std::io::Write::write_all(f, &image));
    Ok(image)
}

const BOOT_PATH: &str = "EFI/BOOT/BOOTX64.EFI";
const LABEL: &str = "GRAFT_EFI";

/// Room for the boot sector, two FATs, the root directory and the two
/// folders, on top of the file itself.
const SLACK: u64 = 64 * 1024;

/// Formats the FAT image holding `efi` as `/EFI/BOOT/BOOTX64.EFI`.
fn format(efi: &[u8], time: DateTime, seed: u64) -> Result<Vec<u8>> {
    let mut tree = Tree::new();
    tree.insert(BOOT_PATH, Node::file(Content::bytes(efi.to_vec())))
        .map_err(|e| Error::WriteFailed(format!("cannot lay out the EFI system partition: {e}")))?;
    let label = VolumeLabel::new(LABEL).expect("a valid FAT label");
    // Sized from the file, in 64 KiB steps; grown if the cluster size the
    // formatter picks needs more room.
    let mut slack = SLACK;
    loop {
        let size = (efi.len() as u64 + slack).div_ceil(SLACK) * SLACK;
        if size > MAX_SIZE {
            return Err(Error::TooLarge(format!(
                "BOOTX64.EFI ({} bytes) does not fit an EFI system partition El Torito can load ({} MiB at most)",
                efi.len(),
                MAX_SIZE >> 20
            )));
        }
        let options = FatOptions::new().with_size(size).with_label(label).with_time(time).with_seed(seed);
        let mut dev = MemDevice::new(vec![0u8; size as usize], BlockSize::new(512).expect("512-byte blocks"));
        match hadris_fat::sync::write(&mut dev, &tree, &options) {
            Ok(_) => return Ok(dev.into_inner()),
            Err(e) if e.kind() == ErrorKind::NoSpace => slack *= 2,
            Err(e) => return Err(Error::WriteFailed(format!("cannot write the EFI system partition: {e}"))),
        }
    }
}

/// An El Torito entry counts 512-byte sectors in 16 bits.
const MAX_SIZE: u64 = 65535 * 512;

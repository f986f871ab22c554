//! What the image stage's parts share: where each file sits on the ISO
//! (GRUB's config and the volume must agree), and the hashing that keys the
//! caches and derives the serial numbers.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Where the ISO keeps each file. GRUB's early config searches for `KERNEL_PATH`.
pub(super) const KERNEL_PATH: &str = "/boot/kernel.elf";
pub(super) const CONFIG_PATH: &str = "/boot/grub/grub.cfg";
pub(super) const BIOS_IMAGE_PATH: &str = "/boot/grub/bios.img";
pub(super) const ESP_IMAGE_PATH: &str = "/boot/grub/efi.img";
pub(super) const CATALOG_PATH: &str = "/boot/grub/boot.cat";

/// A file's length and SHA-256, read in pieces.
pub(super) fn hash_file(path: &Path) -> std::io::Result<(u64, [u8; 32])> {
    let mut file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hash.update(&buf[..n]);
                len += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((len, hash.finalize().into()))
}

/// SHA-256 over the parts, each preceded by its length.
pub(super) fn content_digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().into()
}

/// The `n`th 64-bit word of a digest.
pub(super) fn seed(digest: &[u8; 32], n: usize) -> u64 {
    u64::from_le_bytes(digest[n * 8..n * 8 + 8].try_into().expect("8 bytes"))
}

/// Lowercase hexadecimal.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` for messages.
pub(super) fn shown(path: &Path) -> String {
    path.display().to_string()
}

//! Stage `image`: packs `Kernel.elf` into a bootable hybrid `Kernel.iso`.
//!
//! In: the kernel (Multiboot2 ELF), the output path, the kernel command line,
//! where the host's GRUB lives, and optionally a cache folder, a timestamp
//! and a volume name ([`Request`]). Out: the image's path, its size and the
//! ways it boots ([`Output`]). Codes: GRAFT5001..5006, plus GRAFT0001/0002
//! for the output and the kernel and GRAFT9003 for a bad command line,
//! volume name or date: one `Error` variant each, which the parts return.
//!
//! One image boots four ways:
//!
//! | mode        | firmware reads                         | then                            |
//! |-------------|----------------------------------------|---------------------------------|
//! | BIOS, CD    | El Torito default entry (no emulation) | GRUB's `i386-pc-eltorito` image |
//! | UEFI, CD    | El Torito entry for platform 0xEF      | FAT image, `/EFI/BOOT/BOOTX64.EFI` |
//! | BIOS, disk  | MBR code (GRUB's `boot_hybrid.img`)    | the same eltorito image, from its 5th sector |
//! | UEFI, disk  | MBR partition of type 0xEF             | the same FAT image              |
//!
//! Both GRUB images embed a small config that finds the ISO by
//! `/boot/kernel.elf` and reads `/boot/grub/grub.cfg`, which loads the kernel
//! by Multiboot2. The steps, each in its own module:
//!
//! 1. validate the request, read the kernel;
//! 2. [`grub`]: build (or take from the cache) the two GRUB images with `grub-mkimage`,
//!    or read them from a folder of prebuilt ones (`grub_images`, as the package ships);
//! 3. [`esp`]: the FAT EFI system partition image;
//! 4. [`iso`]: the ISO 9660 volume with El Torito boot catalog (hadris-iso);
//! 5. [`hybrid`]: the MBR in the system area, for raw-disk boot;
//! 6. stream it into a temporary file beside the output, then rename it over the output.
//!
//! What the parts share (where each file sits on the ISO, the hashing behind
//! the caches and serials) is in `common`, so that no part reaches into this
//! module for more than the stage's `Error`.
//!
//! Everything is deterministic: every date comes from `source_date_epoch`
//! (the caller reads `SOURCE_DATE_EPOCH`; this stage reads no environment)
//! or a constant, serial numbers derive from a hash of the content, and the
//! layout depends on nothing but the inputs.

mod common;
mod esp;
mod grub;
mod hybrid;
mod iso;

use common::{content_digest, hash_file, seed};
use graft_diag::{Code, Diagnostic, Session, StageResult};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// The date used when the request gives no `source_date_epoch`:
/// 1980-01-01T00:00:00Z, the earliest date FAT can store.
pub const DEFAULT_EPOCH: u64 = 315_532_800;

/// The ISO volume name used when the request gives none.
pub const DEFAULT_VOLUME_ID: &str = "GRAFT";

/// What the image stage needs.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Request {
    /// The Multiboot2 kernel, usually `Kernel.elf`.
    pub kernel: PathBuf,
    /// The image to write, usually `Kernel.iso`.
    pub output: PathBuf,
    /// Passed to the kernel (Multiboot2 command line tag). Words are split
    /// on white space and quoted for GRUB, so the kernel sees them joined by
    /// single spaces.
    #[serde(default)]
    pub command_line: String,
    /// `grub-mkimage` to use; default: looked up on PATH.
    #[serde(default)]
    pub grub_mkimage: Option<PathBuf>,
    /// The folder holding GRUB's `i386-pc/` and `x86_64-efi/`; default `/usr/lib/grub`.
    #[serde(default)]
    pub grub_dir: Option<PathBuf>,
    /// A folder where built GRUB images are kept between runs, keyed by a
    /// hash of everything that goes into them.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// A folder of prebuilt GRUB images (`i386-pc/eltorito.img`,
    /// `i386-pc/boot_hybrid.img`, `x86_64-efi/BOOTX64.EFI`, `grub-images.json`),
    /// as `grub_images_out` writes it: used instead of running `grub-mkimage`,
    /// so `grub_mkimage` and `grub_dir` are not used. The image is the same,
    /// byte for byte, as one built with the `grub-mkimage` that made them.
    #[serde(default)]
    pub grub_images: Option<PathBuf>,
    /// Also write the GRUB images this run used, with their manifest, into
    /// this folder, for `grub_images` (`scripts/pack` makes the package's so).
    #[serde(default)]
    pub grub_images_out: Option<PathBuf>,
    /// Seconds since 1970 for every date in the image; default [`DEFAULT_EPOCH`].
    #[serde(default)]
    pub source_date_epoch: Option<u64>,
    /// The ISO volume name: up to 32 of `A-Z 0-9 _`; default [`DEFAULT_VOLUME_ID`].
    #[serde(default)]
    pub volume_id: Option<String>,
    /// Seconds GRUB shows its menu before booting; default 0.
    #[serde(default)]
    pub timeout: u32,
}

/// A way the image boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BootMode {
    /// BIOS, from optical media (El Torito).
    BiosCd,
    /// UEFI, from optical media (El Torito, platform 0xEF).
    UefiCd,
    /// BIOS, written raw to a disk or USB stick (MBR).
    BiosDisk,
    /// UEFI, written raw to a disk or USB stick (MBR partition of type 0xEF).
    UefiDisk,
}

/// What the image stage made.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Output {
    pub output: PathBuf,
    /// The image's size in bytes.
    pub size: u64,
    pub boot_modes: Vec<BootMode>,
    /// Whether both GRUB images came from `cache_dir` (no `grub-mkimage` run).
    pub grub_cached: bool,
    /// Whether the GRUB images came from `grub_images` (no `grub-mkimage` run).
    pub grub_prebuilt: bool,
}

/// Why the stage failed; one variant per code.
#[derive(Debug, thiserror::Error)]
enum Error {
    #[error("cannot write the image {}: {source}; check that its folder can be written", path.display())]
    OutputNotWritable { path: PathBuf, source: std::io::Error },
    #[error("cannot write the GRUB image {}: {source}; check that `grub_images_out` can be written", path.display())]
    GrubImageNotWritable { path: PathBuf, source: std::io::Error },
    #[error("cannot read the kernel {}: {source}; build it first (graft link) or correct `kernel`", path.display())]
    KernelNotReadable { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    GrubToolNotFound(String),
    #[error(
        "GRUB's {platform} files are not installed: {} is missing; install them (Debian/Ubuntu: apt-get install {package}) or set `grub_dir` to the folder holding {platform}/",
        missing.display()
    )]
    GrubPlatformMissing { platform: &'static str, package: &'static str, missing: PathBuf },
    #[error("{0}")]
    GrubMkimageFailed(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    WriteFailed(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    GrubImagesUnusable(String),
}

impl Error {
    fn code(&self) -> Code {
        match self {
            Error::OutputNotWritable { .. } | Error::GrubImageNotWritable { .. } => Code::OUTPUT_NOT_WRITABLE,
            Error::KernelNotReadable { .. } => Code::INPUT_NOT_READABLE,
            Error::GrubToolNotFound(_) => Code::GRUB_TOOL_NOT_FOUND,
            Error::GrubPlatformMissing { .. } => Code::GRUB_PLATFORM_MISSING,
            Error::GrubMkimageFailed(_) => Code::GRUB_MKIMAGE_FAILED,
            Error::TooLarge(_) => Code::IMAGE_TOO_LARGE,
            Error::WriteFailed(_) => Code::IMAGE_WRITE_FAILED,
            Error::InvalidRequest(_) => Code::INVALID_REQUEST,
            Error::GrubImagesUnusable(_) => Code::GRUB_IMAGES_UNUSABLE,
        }
    }

    fn into_diagnostic(self) -> Diagnostic {
        let file = match &self {
            Error::OutputNotWritable { path, .. }
            | Error::GrubImageNotWritable { path, .. }
            | Error::KernelNotReadable { path, .. } => Some(path.clone()),
            _ => None,
        };
        let diagnostic = Diagnostic::error(self.code(), self.to_string());
        match file {
            Some(f) => diagnostic.at(f, None, None),
            None => diagnostic,
        }
    }
}

type Result<T, E = Error> = std::result::Result<T, E>;

/// Builds the image the request describes.
pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    build(request, session).map_err(|e| session.fail(e.into_diagnostic()))
}

fn build(request: &Request, session: &Session<'_>) -> Result<Output> {
    // 1. Validate; read the kernel once, for the hash that serials derive from.
    let settings = Settings::from_request(request)?;
    let (kernel_len, kernel_digest) = hash_file(&request.kernel)
        .map_err(|source| Error::KernelNotReadable { path: request.kernel.clone(), source })?;
    session.progress(&format!("image: kernel {} ({kernel_len} bytes)", request.kernel.display()));

    // 2. GRUB's boot images.
    let config = grub::menu_config(&request.command_line, request.timeout);
    let grub = grub::build(&settings.grub, request.cache_dir.as_deref(), session)?;
    session.progress(&format!(
        "image: GRUB images: BIOS {} bytes, UEFI {} bytes ({})",
        grub.bios.len(),
        grub.efi.len(),
        if grub.prebuilt {
            "prebuilt"
        } else if grub.cached {
            "from the cache"
        } else {
            "built with grub-mkimage"
        }
    ));
    if let Some(dir) = &request.grub_images_out {
        grub::write_prebuilt(&settings.grub, &grub, dir, session)?;
    }

    // 3. The EFI system partition; its serial derives from what it holds.
    let epoch = settings.epoch.unix_seconds().to_le_bytes();
    let esp_digest = content_digest(&[grub.efi_key.as_bytes(), settings.volume_id.as_bytes(), &epoch]);
    let esp = esp::build(&grub.efi, &grub.efi_key, settings.epoch, seed(&esp_digest, 0), request.cache_dir.as_deref())?;
    session.progress(&format!("image: EFI system partition, FAT, {} KiB", esp.len() / 1024));

    // 4. The ISO 9660 volume with its El Torito catalog, streamed into a
    // temporary file beside the output.
    let digest = content_digest(&[
        &kernel_digest,
        config.as_bytes(),
        grub.bios_key.as_bytes(),
        &esp_digest,
        settings.volume_id.as_bytes(),
    ]);
    let not_writable = |source| Error::OutputNotWritable { path: request.output.clone(), source };
    let pending = graft_diag::PendingOutput::new(&request.output).map_err(not_writable)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .truncate(true)
        .open(pending.path())
        .map_err(not_writable)?;
    let files = iso::Files { kernel: &request.kernel, config: config.into_bytes(), bios_image: grub.bios, esp };
    let layout = iso::write(files, &settings.volume_id, settings.epoch, &file, &request.output)?;
    session.progress(&format!("image: ISO 9660 with El Torito (BIOS and UEFI), {} bytes", layout.size));

    // 5. The MBR for raw-disk boot, into the (zero) first sector.
    let mbr = hybrid::mbr(&layout, &grub.boot_hybrid, seed(&digest, 0) as u32)?;
    file.write_all_at(&mbr, 0).map_err(not_writable)?;
    session.progress("image: hybrid MBR (GRUB boot_hybrid code, EFI system partition entry)");

    // 6. Whole or not at all: rename over the output. No fsync: flushing
    // 3 MB costs 10-15 ms here, most of the stage's time, and ext4
    // (auto_da_alloc), XFS and btrfs flush a file that replaces another by
    // rename before committing the rename.
    drop(file);
    pending.commit().map_err(not_writable)?;
    session.progress(&format!("image: wrote {} ({} bytes)", request.output.display(), layout.size));

    Ok(Output {
        output: request.output.clone(),
        size: layout.size,
        boot_modes: vec![BootMode::BiosCd, BootMode::UefiCd, BootMode::BiosDisk, BootMode::UefiDisk],
        grub_cached: grub.cached,
        grub_prebuilt: grub.prebuilt,
    })
}

/// The request, checked and with defaults filled in.
struct Settings {
    grub: grub::Source,
    volume_id: String,
    epoch: hadris_fs::DateTime,
}

impl Settings {
    fn from_request(request: &Request) -> Result<Settings> {
        if request.command_line.contains(['\n', '\r', '\0']) {
            return Err(Error::InvalidRequest(
                "`command_line` must be one line without NUL characters".to_string(),
            ));
        }
        let volume_id = request.volume_id.clone().unwrap_or_else(|| DEFAULT_VOLUME_ID.to_string());
        if volume_id.is_empty()
            || volume_id.len() > 32
            || !volume_id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(Error::InvalidRequest(format!(
                "`volume_id` '{volume_id}' must be 1 to 32 characters of A-Z, 0-9 and _"
            )));
        }
        let seconds = request.source_date_epoch.unwrap_or(DEFAULT_EPOCH);
        let epoch = i64::try_from(seconds)
            .ok()
            .and_then(|s| hadris_fs::DateTime::from_unix_seconds(s).ok())
            .ok_or_else(|| Error::InvalidRequest(format!("`source_date_epoch` {seconds} is out of range")))?;
        let grub = match &request.grub_images {
            Some(dir) => grub::Source::Prebuilt(dir.clone()),
            None => grub::Source::Host(grub::Host::find(request.grub_mkimage.as_deref(), request.grub_dir.as_deref())?),
        };
        Ok(Settings { grub, volume_id, epoch })
    }
}

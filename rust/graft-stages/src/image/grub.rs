//! GRUB's two boot images, built with the host's `grub-mkimage`, and the
//! menu config the ISO carries.
//!
//! Each image embeds the modules it needs and an early config that finds
//! the ISO's file system by `/boot/kernel.elf` and reads `/boot/grub/grub.cfg`.
//! Neither depends on the kernel or the command line, so they are cached in
//! `cache_dir` under a hash of everything `grub-mkimage` reads: the tool
//! itself, the platform's module files, the module list and the early config.
//! `grub-mkimage` is deterministic (same inputs, same bytes), so a cached
//! image equals a fresh one.
//!
//! Prebuilt images: `grub_images_out` writes the images a run used into a
//! folder ([`PREBUILT_FILES`] and a manifest, [`MANIFEST`]); `grub_images`
//! reads such a folder instead of running `grub-mkimage` (the Graft.Sdk
//! package ships one, made by `scripts/pack`, so a user needs no GRUB). The
//! manifest keeps each image's build key, which the ISO's serials derive
//! from, so an ISO from prebuilt images is bit-identical to one built with
//! the `grub-mkimage` that made them; and the recipe (what Graft bakes in:
//! the early config, the prefix, the formats and modules), so images made
//! for another configuration are refused (GRAFT5006) rather than booting
//! into the wrong config.

use super::common::{content_digest, hex, shown, CONFIG_PATH, KERNEL_PATH};
use super::{Error, Result};
use crate::tool::ToolSpec;
use graft_diag::Session;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DEFAULT_GRUB_DIR: &str = "/usr/lib/grub";

/// `-p`: where GRUB looks for modules and its config on the ISO.
const PREFIX: &str = "/boot/grub";

/// Bump when the way images are built changes, to retire old cache entries.
const CACHE_VERSION: &str = "graft-image-grub-1";

/// The embedded config: find the ISO (on a CD, or on the whole disk when
/// the image was written raw) and hand over to its grub.cfg.
fn early_config() -> String {
    format!(
        "search --no-floppy --file --set=root {KERNEL_PATH}\n\
         set prefix=($root){PREFIX}\n\
         configfile ($root){CONFIG_PATH}\n"
    )
}

/// `/boot/grub/grub.cfg`: one menu entry, booted after `timeout` seconds.
pub(super) fn menu_config(command_line: &str, timeout: u32) -> String {
    let mut args = String::new();
    for word in command_line.split_whitespace() {
        args.push(' ');
        args.push_str(&quote(word));
    }
    format!(
        "set timeout={timeout}\n\
         set default=0\n\
         menuentry \"Graft kernel\" {{\n\
         \x20   multiboot2 {KERNEL_PATH}{args}\n\
         \x20   boot\n\
         }}\n"
    )
}

/// A word as GRUB's shell reads it back unchanged: bare when it holds only
/// safe characters, else in single quotes (no escapes inside them; a quote
/// itself is closed, escaped and reopened).
fn quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c);
    if word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The two GRUB platforms an image carries.
#[derive(Clone, Copy, Debug)]
enum Platform {
    Bios,
    Efi,
}

impl Platform {
    /// The folder under the GRUB directory.
    fn dir(self) -> &'static str {
        match self {
            Platform::Bios => "i386-pc",
            Platform::Efi => "x86_64-efi",
        }
    }

    /// `grub-mkimage -O`.
    fn format(self) -> &'static str {
        match self {
            Platform::Bios => "i386-pc-eltorito",
            Platform::Efi => "x86_64-efi",
        }
    }

    /// The Debian/Ubuntu package holding the platform's files.
    fn package(self) -> &'static str {
        match self {
            Platform::Bios => "grub-pc-bin",
            Platform::Efi => "grub-efi-amd64-bin",
        }
    }

    /// The modules embedded in the image (their dependencies come along).
    /// `normal` runs grub.cfg's menu, `configfile` loads it, `search` finds
    /// the ISO, the partition maps let GRUB look past the MBR on a raw disk.
    fn modules(self) -> &'static [&'static str] {
        match self {
            Platform::Bios => &[
                "biosdisk", "part_msdos", "part_gpt", "iso9660", "search", "configfile", "normal", "multiboot2",
            ],
            Platform::Efi => &["part_msdos", "part_gpt", "iso9660", "search", "configfile", "normal", "multiboot2"],
        }
    }

    /// Files `grub-mkimage` reads besides modules; for BIOS also the MBR code.
    fn images(self) -> &'static [&'static str] {
        match self {
            Platform::Bios => &["kernel.img", "cdboot.img", "diskboot.img", "lzma_decompress.img", "boot_hybrid.img"],
            Platform::Efi => &["kernel.img"],
        }
    }
}

/// Where an image's GRUB boot images come from.
pub(super) enum Source {
    /// Built with the host's `grub-mkimage` (or taken from the cache).
    Host(Host),
    /// Read from a folder of prebuilt images (`grub_images`).
    Prebuilt(PathBuf),
}

/// The host's GRUB: the tool and the folder with the platforms' files.
pub(super) struct Host {
    mkimage: PathBuf,
    dir: PathBuf,
}

impl Host {
    /// Finds `grub-mkimage` and checks that both platform folders exist.
    pub(super) fn find(mkimage: Option<&Path>, dir: Option<&Path>) -> Result<Host> {
        let spec = ToolSpec {
            role: "grub-mkimage",
            names: &["grub-mkimage", "grub2-mkimage"],
            packages: "grub-common grub-pc-bin grub-efi-amd64-bin",
            setting: "grub_mkimage",
        };
        let mkimage = spec.find(mkimage).map_err(Error::GrubToolNotFound)?;
        let dir = dir.map_or_else(|| PathBuf::from(DEFAULT_GRUB_DIR), Path::to_path_buf);
        for platform in [Platform::Bios, Platform::Efi] {
            let folder = dir.join(platform.dir());
            if !folder.is_dir() {
                return Err(missing(platform, folder));
            }
        }
        Ok(Host { mkimage, dir })
    }
}

fn missing(platform: Platform, path: PathBuf) -> Error {
    Error::GrubPlatformMissing { platform: platform.dir(), package: platform.package(), missing: path }
}

/// The images an ISO needs.
pub(super) struct Images {
    /// `i386-pc-eltorito`: cdboot (2048 bytes), diskboot (512), the core.
    pub bios: Vec<u8>,
    /// `BOOTX64.EFI`.
    pub efi: Vec<u8>,
    /// GRUB's MBR code for raw-disk BIOS boot (`boot_hybrid.img`).
    pub boot_hybrid: Vec<u8>,
    /// Both images came from the cache.
    pub cached: bool,
    /// The images came from a prebuilt folder (`grub_images`).
    pub prebuilt: bool,
    /// Hashes of everything each image is built from: equal keys, equal images.
    pub bios_key: String,
    pub efi_key: String,
}

/// Both images: read from the prebuilt folder, or built (or taken from `cache_dir`).
pub(super) fn build(source: &Source, cache_dir: Option<&Path>, session: &Session<'_>) -> Result<Images> {
    match source {
        Source::Host(host) => build_with(host, cache_dir, session),
        Source::Prebuilt(dir) => prebuilt(dir),
    }
}

/// Builds both images with `grub-mkimage`, or takes them from `cache_dir`.
fn build_with(host: &Host, cache_dir: Option<&Path>, session: &Session<'_>) -> Result<Images> {
    let config = early_config();
    let tool = std::fs::read(&host.mkimage).map_err(|e| {
        Error::GrubToolNotFound(format!("cannot read grub-mkimage at {}: {e}", shown(&host.mkimage)))
    })?;
    let bios = Job::new(host, Platform::Bios, &tool, &config)?;
    let efi = Job::new(host, Platform::Efi, &tool, &config)?;
    let boot_hybrid = bios.files.iter().find(|(name, _)| name == "boot_hybrid.img").map(|(_, b)| b.clone());
    let boot_hybrid = boot_hybrid.expect("boot_hybrid.img is among the BIOS files");

    let cached_bios = cache_dir.and_then(|d| bios.cached(d));
    let cached_efi = cache_dir.and_then(|d| efi.cached(d));
    let cached = cached_bios.is_some() && cached_efi.is_some();

    let (bios_image, efi_image) = match (cached_bios, cached_efi) {
        (Some(b), Some(e)) => (b, e),
        (cached_bios, cached_efi) => {
            // What is not cached is built, both platforms at once.
            let scratch = tempfile::tempdir()
                .map_err(|e| Error::GrubMkimageFailed(format!("cannot make a temporary folder: {e}")))?;
            let config_path = scratch.path().join("early.cfg");
            std::fs::write(&config_path, &config)
                .map_err(|e| Error::GrubMkimageFailed(format!("cannot write {}: {e}", shown(&config_path))))?;
            let (b, e) = std::thread::scope(|s| {
                let b = s.spawn(|| match cached_bios {
                    Some(image) => Ok(image),
                    None => bios.run(host, &config_path, scratch.path(), session),
                });
                let e = match cached_efi {
                    Some(image) => Ok(image),
                    None => efi.run(host, &config_path, scratch.path(), session),
                };
                (b.join().expect("grub-mkimage thread"), e)
            });
            (b?, e?)
        }
    };

    if let Some(dir) = cache_dir.filter(|_| !cached) {
        // A cache that cannot be written only costs time next run.
        for (job, image) in [(&bios, &bios_image), (&efi, &efi_image)] {
            let path = job.cache_path(dir);
            if !path.is_file()
                && let Err(e) = graft_diag::write_atomic(&path, |f| std::io::Write::write_all(f, image))
            {
                session.debug(&format!("image: cannot store {} in the cache: {e}", shown(&path)));
            }
        }
    }
    Ok(Images {
        bios: bios_image,
        efi: efi_image,
        boot_hybrid,
        cached,
        prebuilt: false,
        bios_key: bios.key,
        efi_key: efi.key,
    })
}

/// One `grub-mkimage` run: its arguments and the files it reads.
struct Job {
    platform: Platform,
    modules: Vec<String>,
    /// Every file the run reads from the platform folder, by name, sorted.
    files: Vec<(String, Vec<u8>)>,
    key: String,
}

impl Job {
    fn new(host: &Host, platform: Platform, tool: &[u8], config: &str) -> Result<Job> {
        let folder = host.dir.join(platform.dir());
        let read = |name: &str| {
            let path = folder.join(name);
            std::fs::read(&path).map_err(|_| missing(platform, path))
        };
        let moddep = read("moddep.lst")?;
        let modules: Vec<String> = platform.modules().iter().map(|m| m.to_string()).collect();
        let mut names: BTreeSet<String> = platform.images().iter().map(|n| n.to_string()).collect();
        names.insert("moddep.lst".to_string());
        for module in closure(&modules, &String::from_utf8_lossy(&moddep)) {
            names.insert(format!("{module}.mod"));
        }
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let bytes = if name == "moddep.lst" { moddep.clone() } else { read(&name)? };
            files.push((name, bytes));
        }

        let mut parts: Vec<&[u8]> = vec![CACHE_VERSION.as_bytes(), tool, platform.format().as_bytes(), PREFIX.as_bytes(), config.as_bytes()];
        parts.extend(modules.iter().map(|m| m.as_bytes()));
        for (name, bytes) in &files {
            parts.extend([name.as_bytes(), bytes.as_slice()]);
        }
        let key = hex(&content_digest(&parts)[..16]);
        Ok(Job { platform, modules, files, key })
    }

    fn cache_path(&self, dir: &Path) -> PathBuf {
        dir.join(format!("grub-{}-{}.img", self.platform.dir(), self.key))
    }

    fn cached(&self, dir: &Path) -> Option<Vec<u8>> {
        std::fs::read(self.cache_path(dir)).ok().filter(|b| !b.is_empty())
    }

    fn run(&self, host: &Host, config: &Path, scratch: &Path, session: &Session<'_>) -> Result<Vec<u8>> {
        let out = scratch.join(format!("{}.img", self.platform.dir()));
        let mut args: Vec<std::ffi::OsString> = vec![
            "-d".into(),
            host.dir.join(self.platform.dir()).into(),
            "-O".into(),
            self.platform.format().into(),
            "-o".into(),
            out.clone().into(),
            "-p".into(),
            PREFIX.into(),
            "-c".into(),
            config.into(),
        ];
        args.extend(self.modules.iter().map(Into::into));
        session.debug(&crate::tool::describe(&host.mkimage, &args));
        let result = crate::tool::run(&host.mkimage, &args).map_err(Error::GrubMkimageFailed)?;
        if !result.status.success() {
            return Err(Error::GrubMkimageFailed(format!(
                "grub-mkimage -O {} failed ({}): {}; check the GRUB installation in {}",
                self.platform.format(),
                result.status,
                String::from_utf8_lossy(&result.stderr).trim(),
                shown(&host.dir)
            )));
        }
        let image = std::fs::read(&out)
            .map_err(|e| Error::GrubMkimageFailed(format!("grub-mkimage wrote no {}: {e}", shown(&out))))?;
        if matches!(self.platform, Platform::Bios) && image.len() < super::hybrid::CORE_OFFSET + 512 {
            return Err(Error::GrubMkimageFailed(format!(
                "grub-mkimage -O {} made an image of only {} bytes",
                self.platform.format(),
                image.len()
            )));
        }
        Ok(image)
    }
}

/// The prebuilt folder's description of its images.
pub(super) const MANIFEST: &str = "grub-images.json";

/// The prebuilt images, by path in the folder: the `i386-pc-eltorito` image,
/// GRUB's MBR code, the UEFI image.
pub(super) const PREBUILT_FILES: [&str; 3] = ["i386-pc/eltorito.img", "i386-pc/boot_hybrid.img", "x86_64-efi/BOOTX64.EFI"];

/// `grub-images.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// What Graft bakes into the images ([`recipe`]): another configuration's images are refused.
    recipe: String,
    /// The images' build keys (see [`Images`]), as `grub-mkimage`'s run computed them.
    bios_key: String,
    efi_key: String,
    /// SHA-256 of each of [`PREBUILT_FILES`], in that order.
    sha256: Vec<String>,
    /// `grub-mkimage --version` of the tool that made them.
    made_by: String,
}

/// A hash of everything Graft decides about the images: the early config,
/// the prefix, each platform's format and modules. Not the tool or GRUB's
/// module files: which GRUB made them is the packer's choice (`made_by`).
fn recipe() -> String {
    let config = early_config();
    let mut parts: Vec<&[u8]> = vec![CACHE_VERSION.as_bytes(), PREFIX.as_bytes(), config.as_bytes()];
    for platform in [Platform::Bios, Platform::Efi] {
        parts.push(platform.format().as_bytes());
        parts.extend(platform.modules().iter().map(|m| m.as_bytes()));
    }
    hex(&content_digest(&parts)[..16])
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The images of a prebuilt folder, checked against its manifest.
fn prebuilt(dir: &Path) -> Result<Images> {
    let unusable = |what: String| {
        Error::GrubImagesUnusable(format!(
            "{what}; `grub_images` ({}) must be a folder written by `grub_images_out` (graft image --grub-images-out) of this Graft version: repack the SDK with scripts/pack, or leave `grub_images` empty to build the images with grub-mkimage",
            shown(dir)
        ))
    };
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| unusable(format!("cannot read {}: {e}", shown(&manifest_path))))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| unusable(format!("{} is not a GRUB images manifest: {e}", shown(&manifest_path))))?;
    if manifest.recipe != recipe() {
        return Err(unusable(format!(
            "the images in it were made for another GRUB configuration (recipe {}, this Graft's is {})",
            manifest.recipe,
            recipe()
        )));
    }
    let mut files = Vec::with_capacity(PREBUILT_FILES.len());
    for (i, name) in PREBUILT_FILES.iter().enumerate() {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| unusable(format!("cannot read {}: {e}", shown(&path))))?;
        if manifest.sha256.get(i) != Some(&sha256_hex(&bytes)) {
            return Err(unusable(format!("{} is not the file its manifest describes (its SHA-256 differs)", shown(&path))));
        }
        files.push(bytes);
    }
    let [bios, boot_hybrid, efi]: [Vec<u8>; 3] = files.try_into().expect("three files");
    if bios.len() < super::hybrid::CORE_OFFSET + 512 || boot_hybrid.len() < 512 {
        return Err(unusable("its BIOS images are too short to be GRUB's".to_string()));
    }
    Ok(Images {
        bios,
        efi,
        boot_hybrid,
        cached: false,
        prebuilt: true,
        bios_key: manifest.bios_key,
        efi_key: manifest.efi_key,
    })
}

/// Writes `images` with their manifest into `dir` (`grub_images_out`), each
/// file whole or not at all, the manifest last.
pub(super) fn write_prebuilt(source: &Source, images: &Images, dir: &Path, session: &Session<'_>) -> Result<()> {
    let made_by = match source {
        Source::Host(host) => crate::tool::run(&host.mkimage, &["--version"])
            .ok()
            .filter(|r| r.status.success())
            .map(|r| String::from_utf8_lossy(&r.stdout).trim().to_string())
            .unwrap_or_else(|| shown(&host.mkimage)),
        Source::Prebuilt(from) => std::fs::read_to_string(from.join(MANIFEST))
            .ok()
            .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
            .map(|m| m.made_by)
            .unwrap_or_default(),
    };
    let contents = [&images.bios, &images.boot_hybrid, &images.efi];
    let manifest = Manifest {
        recipe: recipe(),
        bios_key: images.bios_key.clone(),
        efi_key: images.efi_key.clone(),
        sha256: contents.iter().map(|b| sha256_hex(b)).collect(),
        made_by,
    };
    let mut text = serde_json::to_string_pretty(&manifest).expect("a manifest serialises");
    text.push('\n');
    let write = |path: PathBuf, bytes: &[u8]| {
        graft_diag::write_atomic(&path, |f| std::io::Write::write_all(f, bytes))
            .map_err(|source| Error::GrubImageNotWritable { path, source })
    };
    for (name, bytes) in PREBUILT_FILES.iter().zip(contents) {
        write(dir.join(name), bytes)?;
    }
    write(dir.join(MANIFEST), text.as_bytes())?;
    session.progress(&format!("image: GRUB images written to {} ({})", shown(dir), manifest.made_by));
    Ok(())
}

/// `modules` and everything they depend on, by `moddep.lst` ("name: dep dep").
fn closure(modules: &[String], moddep: &str) -> BTreeSet<String> {
    let deps: std::collections::HashMap<&str, Vec<&str>> = moddep
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, deps)| (name.trim(), deps.split_whitespace().collect()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = modules.iter().map(String::as_str).collect();
    while let Some(module) = todo.pop() {
        if seen.insert(module.to_string()) {
            todo.extend(deps.get(module).into_iter().flatten().copied());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_for_grub() {
        assert_eq!(quote("console=ttyS0"), "console=ttyS0");
        assert_eq!(quote("a$b"), "'a$b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn menu_config_passes_the_command_line() {
        let cfg = menu_config("  graft.test=1   x;y ", 3);
        assert!(cfg.starts_with("set timeout=3\n"), "{cfg}");
        assert!(cfg.contains("multiboot2 /boot/kernel.elf graft.test=1 'x;y'\n"), "{cfg}");
    }

    #[test]
    fn closure_follows_dependencies() {
        let moddep = "a: b c\nb: d\nc:\nd:\ne: a\n";
        let all: Vec<String> = closure(&["a".to_string()], moddep).into_iter().collect();
        assert_eq!(all, ["a", "b", "c", "d"]);
    }
}

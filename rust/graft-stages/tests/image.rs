//! The image stage: the ISO read back (volume descriptors, El Torito
//! catalog, boot info tables, files, MBR, the FAT ESP), determinism and the
//! cache, one test per error code, and boots in QEMU as BIOS CD, UEFI CD,
//! BIOS raw disk and UEFI raw disk.
//!
//! The kernel is made here with nasm: a hand-written ELF32 with a Multiboot2
//! header whose 32-bit code prints "ok " and its Multiboot2 command line to
//! COM1, then writes 0x21 to the isa-debug-exit port (QEMU exits 0x43).

mod common;

use graft_diag::{Session, Severity};
use graft_stages::image::{self, BootMode, Request};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;
use wait_timeout::ChildExt;

/// The kernel's code from `_start` on (see [`common::flat_kernel_source`]).
const KERNEL_CODE: &str = r#"
  mov esi, ebx                          ; Multiboot2 information
  mov dx, 0x3f8
  mov al, 'o'
  out dx, al
  mov al, 'k'
  out dx, al
  mov al, ' '
  out dx, al
  add esi, 8
.tag:                                   ; find tag 1, the command line
  mov eax, [esi]
  test eax, eax
  jz .done
  cmp eax, 1
  je .cmdline
  mov eax, [esi+4]
  add eax, 7
  and eax, ~7
  add esi, eax
  jmp .tag
.cmdline:
  lea ecx, [esi+8]
.char:
  mov al, [ecx]
  test al, al
  jz .done
  out dx, al
  inc ecx
  jmp .char
.done:
  mov al, 10
  out dx, al
  mov dx, 0xf4                          ; isa-debug-exit: QEMU exits (0x21 << 1) | 1
  mov al, 0x21
  out dx, al
.halt:
  cli
  hlt
  jmp .halt
"#;

const EXIT_STATUS: i32 = (0x21 << 1) | 1;
const COMMAND_LINE: &str = "graft.test=1 hello";
const SERIAL: &str = "ok graft.test=1 hello\n";

/// A folder that lives as long as the test process.
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary folder")).path()
}

fn kernel() -> &'static Path {
    static KERNEL: OnceLock<PathBuf> = OnceLock::new();
    KERNEL.get_or_init(|| {
        let elf = scratch().join("kernel.elf");
        common::build_flat_kernel(KERNEL_CODE, &elf);
        elf
    })
}

fn request(output: &Path) -> Request {
    Request {
        kernel: kernel().to_path_buf(),
        output: output.to_path_buf(),
        command_line: COMMAND_LINE.to_string(),
        grub_mkimage: None,
        grub_dir: None,
        cache_dir: Some(scratch().join("cache")),
        grub_images: None,
        grub_images_out: None,
        source_date_epoch: Some(1_700_000_000),
        volume_id: Some("GRAFT_TEST".to_string()),
        timeout: 0,
    }
}

/// Runs the stage; on failure returns the diagnostics as `code: message` lines.
fn run(request: &Request) -> Result<image::Output, Vec<(String, String)>> {
    let mut session = Session::new(None);
    match image::run(request, &mut session) {
        Ok(output) => {
            assert!(!session.has_errors());
            Ok(output)
        }
        Err(_) => Err(session
            .into_diagnostics()
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code, d.message))
            .collect()),
    }
}

/// The image every boot test and structure test shares.
fn shared_image() -> &'static Path {
    static IMAGE: OnceLock<PathBuf> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let out = scratch().join("shared/Kernel.iso");
        run(&request(&out)).expect("image stage");
        out
    })
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

const BLOCK: usize = 2048;

#[test]
fn image_reads_back_with_boot_catalog_files_and_hybrid_mbr() {
    let out = scratch().join("structure/Kernel.iso");
    let result = run(&request(&out)).unwrap();
    assert_eq!(result.output, out);
    assert_eq!(result.boot_modes, [BootMode::BiosCd, BootMode::UefiCd, BootMode::BiosDisk, BootMode::UefiDisk]);
    let iso = std::fs::read(&out).unwrap();
    assert_eq!(result.size, iso.len() as u64);
    assert_eq!(iso.len() % BLOCK, 0);

    // Primary volume descriptor at block 16, El Torito boot record at 17.
    let pvd = &iso[16 * BLOCK..17 * BLOCK];
    assert_eq!(&pvd[..6], b"\x01CD001");
    assert_eq!(std::str::from_utf8(&pvd[40..72]).unwrap().trim_end(), "GRAFT_TEST");
    assert_eq!(u32_at(pvd, 80) as usize * BLOCK, iso.len(), "volume space size");
    assert_eq!(&pvd[813..827], b"20231114221320", "creation date from source_date_epoch");
    let brvd = &iso[17 * BLOCK..18 * BLOCK];
    assert_eq!(&brvd[..6], b"\x00CD001");
    assert_eq!(&brvd[7..30], b"EL TORITO SPECIFICATION");
    let catalog_block = u32_at(brvd, 71) as usize;

    // Catalog: validation entry (platform x86), default BIOS entry, one
    // final section for EFI with one entry.
    let cat = &iso[catalog_block * BLOCK..][..BLOCK];
    assert_eq!((cat[0], cat[1], cat[30], cat[31]), (1, 0x00, 0x55, 0xaa));
    let sum = (0..16).fold(0u16, |s, i| s.wrapping_add(u16_at(cat, i * 2)));
    assert_eq!(sum, 0, "validation entry checksum");
    let bios = &cat[32..64];
    assert_eq!((bios[0], bios[1]), (0x88, 0), "bootable, no emulation");
    assert_eq!(u16_at(bios, 6), 4, "boot-load-size 4");
    let bios_block = u32_at(bios, 8) as usize;
    let header = &cat[64..96];
    assert_eq!((header[0], header[1], u16_at(header, 2)), (0x91, 0xef, 1), "final section, EFI, one entry");
    let efi = &cat[96..128];
    assert_eq!((efi[0], efi[1]), (0x88, 0));
    let esp_block = u32_at(efi, 8) as usize;
    let esp_sectors = u16_at(efi, 6) as usize;

    // The files, through hadris-iso's reader (Rock Ridge names).
    let dev = hadris_storage::MemDevice::new(iso.clone(), hadris_storage::BlockSize::new(2048).unwrap());
    let fs = hadris_iso::sync::IsoFs::mount(dev, hadris_fs::MountOptions::new()).unwrap();
    let vol = hadris_fs::sync::Volume::new(fs);
    let read = |path: &str| {
        let mut bytes = Vec::new();
        vol.open(path, hadris_fs::OpenOptions::new().read()).unwrap().read_to_end(&mut bytes).unwrap();
        bytes
    };
    assert_eq!(read("/boot/kernel.elf"), std::fs::read(kernel()).unwrap());
    let config = String::from_utf8(read("/boot/grub/grub.cfg")).unwrap();
    assert!(config.contains("set timeout=0\n"), "{config}");
    assert!(config.contains(&format!("multiboot2 /boot/kernel.elf {COMMAND_LINE}\n")), "{config}");
    let bios_image = read("/boot/grub/bios.img");
    let esp = read("/boot/grub/efi.img");
    assert_eq!(&iso[bios_block * BLOCK..][..bios_image.len()], &bios_image[..], "catalog points at bios.img");
    assert_eq!(&iso[esp_block * BLOCK..][..esp.len()], &esp[..], "catalog points at efi.img");
    assert_eq!(esp_sectors, esp.len() / 512, "the EFI entry loads the whole ESP");

    // The BIOS image: GRUB's cdboot with the boot info table, and the
    // grub2 boot info (core's 512-byte sector) in diskboot's block list.
    assert_eq!(u32_at(&bios_image, 8), 16, "boot info table: PVD block");
    assert_eq!(u32_at(&bios_image, 12) as usize, bios_block, "boot info table: image block");
    assert_eq!(u32_at(&bios_image, 16) as usize, bios_image.len(), "boot info table: length");
    let checksum = bios_image[64..]
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .fold(0u32, u32::wrapping_add);
    assert_eq!(u32_at(&bios_image, 20), checksum, "boot info table: checksum");
    assert_eq!(u64_at(&bios_image, 2548), bios_block as u64 * 4 + 5, "grub2 boot info");
    let cdboot = std::fs::read("/usr/lib/grub/i386-pc/cdboot.img").unwrap();
    assert_eq!(&bios_image[64..cdboot.len()], &cdboot[64..], "cdboot outside the table is GRUB's");

    // The MBR: GRUB's boot_hybrid code, the core pointer at 0x1b0, an
    // active whole-image entry of type 0 and the ESP as type 0xEF.
    let mbr = &iso[..512];
    let boot_hybrid = std::fs::read("/usr/lib/grub/i386-pc/boot_hybrid.img").unwrap();
    assert_eq!(&mbr[..0x1b0], &boot_hybrid[..0x1b0]);
    assert_eq!(u64_at(mbr, 0x1b0), bios_block as u64 * 4 + 4, "0x1b0: the image's diskboot sector");
    assert_eq!(&mbr[510..], &[0x55, 0xaa]);
    let p1 = &mbr[446..462];
    assert_eq!((p1[0], p1[4], u32_at(p1, 8), u32_at(p1, 12) as usize), (0x80, 0x00, 0, iso.len() / 512));
    let p2 = &mbr[462..478];
    assert_eq!((p2[0], p2[4]), (0x00, 0xef));
    assert_eq!(u32_at(p2, 8) as usize, esp_block * 4);
    assert_eq!(u32_at(p2, 12) as usize, esp.len() / 512);
    assert!(mbr[478..510].iter().all(|&b| b == 0), "no third or fourth partition");

    // The ESP, through the fatfs crate: BOOTX64.EFI is GRUB's PE image.
    let fat = fatfs::FileSystem::new(std::io::Cursor::new(esp), fatfs::FsOptions::new()).unwrap();
    let mut efi_app = Vec::new();
    fat.root_dir().open_file("EFI/BOOT/BOOTX64.EFI").unwrap().read_to_end(&mut efi_app).unwrap();
    assert_eq!(&efi_app[..2], b"MZ");
}

#[test]
fn same_inputs_give_identical_images_with_and_without_cache() {
    let dir = scratch().join("determinism");
    let cold = |name: &str| {
        let out = dir.join(name);
        let mut r = request(&out);
        r.cache_dir = None;
        let result = run(&r).unwrap();
        assert!(!result.grub_cached);
        std::fs::read(out).unwrap()
    };
    let a = cold("a.iso");
    let b = cold("b.iso");
    assert!(a == b, "two cold runs differ");

    // A cache: the first run fills it, the second takes both images from it.
    let cache = dir.join("cache");
    let mut r = request(&dir.join("c.iso"));
    r.cache_dir = Some(cache.clone());
    assert!(!run(&r).unwrap().grub_cached);
    let mut r = request(&dir.join("d.iso"));
    r.cache_dir = Some(cache);
    assert!(run(&r).unwrap().grub_cached);
    assert!(std::fs::read(dir.join("c.iso")).unwrap() == a, "a cache-filling run differs");
    assert!(std::fs::read(dir.join("d.iso")).unwrap() == a, "a cached run differs");

    // The date is an input: another date, another image.
    let mut r = request(&dir.join("e.iso"));
    r.source_date_epoch = None;
    run(&r).unwrap();
    assert!(std::fs::read(dir.join("e.iso")).unwrap() != a);
}

#[test]
fn request_and_result_cross_as_json() {
    let out = scratch().join("json/Kernel.iso");
    let json = serde_json::json!({
        "kernel": kernel(),
        "output": out,
        "command_line": "a b",
        "cache_dir": scratch().join("cache"),
        "timeout": 2,
    });
    let response = graft_stages::run_json("image", &json.to_string(), None);
    assert!(response.ok, "{:?}", response.diagnostics);
    let output = response.output.unwrap();
    assert_eq!(output["output"], serde_json::json!(out));
    assert_eq!(output["size"], std::fs::metadata(&out).unwrap().len());
    assert_eq!(output["boot_modes"], serde_json::json!(["bios_cd", "uefi_cd", "bios_disk", "uefi_disk"]));

    let unknown = serde_json::json!({ "kernel": "k", "output": "o", "bogus": 1 });
    let response = graft_stages::run_json("image", &unknown.to_string(), None);
    assert!(!response.ok);
    assert_eq!(response.diagnostics[0].code, "GRAFT9003");
}

fn expect_error(request: &Request, code: &str, words: &[&str]) {
    let errors = run(request).expect_err("the stage should fail");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (got, message) = &errors[0];
    assert_eq!(got, code, "{message}");
    for word in words {
        assert!(message.contains(word), "'{word}' not in: {message}");
    }
    assert!(!request.output.exists(), "a failed run left {}", request.output.display());
}

#[test]
fn missing_kernel_is_graft0002() {
    let dir = scratch().join("err-kernel");
    let mut r = request(&dir.join("Kernel.iso"));
    r.kernel = dir.join("nowhere/Kernel.elf");
    expect_error(&r, "GRAFT0002", &["nowhere/Kernel.elf"]);
}

#[test]
fn unwritable_output_is_graft0001() {
    let dir = scratch().join("err-output");
    std::fs::create_dir_all(&dir).unwrap();
    // A regular file where the output's folder should be.
    std::fs::write(dir.join("file"), b"").unwrap();
    let r = request(&dir.join("file/Kernel.iso"));
    expect_error(&r, "GRAFT0001", &["file/Kernel.iso"]);
}

#[test]
fn missing_grub_mkimage_is_graft5001() {
    let dir = scratch().join("err-mkimage");
    let mut r = request(&dir.join("Kernel.iso"));
    r.grub_mkimage = Some(dir.join("bin/grub-mkimage"));
    expect_error(&r, "GRAFT5001", &["grub-common", "grub-pc-bin", "grub-efi-amd64-bin"]);
}

#[test]
fn missing_platform_is_graft5002() {
    for (present, absent, package) in [("i386-pc", "x86_64-efi", "grub-efi-amd64-bin"), ("x86_64-efi", "i386-pc", "grub-pc-bin")] {
        let dir = scratch().join(format!("err-platform-{absent}"));
        let grub = dir.join("grub");
        std::fs::create_dir_all(&grub).unwrap();
        std::os::unix::fs::symlink(Path::new("/usr/lib/grub").join(present), grub.join(present)).unwrap();
        let mut r = request(&dir.join("Kernel.iso"));
        r.grub_dir = Some(grub);
        expect_error(&r, "GRAFT5002", &[absent, package]);
    }
}

#[test]
fn failing_grub_mkimage_is_graft5003() {
    let dir = scratch().join("err-mkimage-fails");
    std::fs::create_dir_all(&dir).unwrap();
    let tool = dir.join("grub-mkimage");
    std::fs::write(&tool, "#!/bin/sh\necho 'grub-mkimage: error: simulated failure.' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut r = request(&dir.join("Kernel.iso"));
    r.grub_mkimage = Some(tool);
    r.cache_dir = None;
    expect_error(&r, "GRAFT5003", &["simulated failure"]);
}

/// A folder of prebuilt GRUB images, written by a run that built them with
/// grub-mkimage (no cache), and that run's image.
fn prebuilt_images() -> &'static (PathBuf, PathBuf) {
    static PREBUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    PREBUILT.get_or_init(|| {
        let dir = scratch().join("prebuilt");
        let mut r = request(&dir.join("mkimage/Kernel.iso"));
        r.cache_dir = None;
        r.grub_images_out = Some(dir.join("grub"));
        let output = run(&r).expect("image stage with grub_images_out");
        assert!(!output.grub_cached && !output.grub_prebuilt);
        (dir.join("grub"), r.output)
    })
}

#[test]
fn prebuilt_grub_images_give_the_same_image_without_grub() {
    let (grub, built) = prebuilt_images();
    for name in ["grub-images.json", "i386-pc/eltorito.img", "i386-pc/boot_hybrid.img", "x86_64-efi/BOOTX64.EFI"] {
        assert!(grub.join(name).is_file(), "grub_images_out wrote no {name}");
    }
    let manifest = std::fs::read_to_string(grub.join("grub-images.json")).unwrap();
    assert!(manifest.contains("GRUB"), "the manifest names no GRUB version: {manifest}");
    // No GRUB at all: neither grub-mkimage nor its module folders, no cache.
    let dir = scratch().join("prebuilt-use");
    let mut r = request(&dir.join("Kernel.iso"));
    r.cache_dir = None;
    r.grub_mkimage = Some(dir.join("no/grub-mkimage"));
    r.grub_dir = Some(dir.join("no/grub"));
    r.grub_images = Some(grub.clone());
    let output = run(&r).expect("image stage from prebuilt GRUB images");
    assert!(output.grub_prebuilt && !output.grub_cached);
    assert!(std::fs::read(&r.output).unwrap() == std::fs::read(built).unwrap(), "the image from prebuilt GRUB images differs from the one built with grub-mkimage");
    // ... and equals the shared image, whose GRUB images came from the cache (or grub-mkimage).
    let shared = std::fs::read(shared_image()).unwrap();
    assert!(std::fs::read(&r.output).unwrap() == shared, "the image from prebuilt GRUB images differs from the shared one");
    // Written again from prebuilt images, the folder is the same.
    let mut again = r.clone();
    again.output = dir.join("again/Kernel.iso");
    again.grub_images_out = Some(dir.join("copy"));
    run(&again).expect("image stage copying prebuilt GRUB images");
    for name in ["grub-images.json", "i386-pc/eltorito.img", "i386-pc/boot_hybrid.img", "x86_64-efi/BOOTX64.EFI"] {
        assert!(std::fs::read(grub.join(name)).unwrap() == std::fs::read(dir.join("copy").join(name)).unwrap(), "{name} differs");
    }
}

#[test]
fn unusable_prebuilt_grub_images_are_graft5006() {
    let (grub, _) = prebuilt_images();
    let dir = scratch().join("err-prebuilt");
    let mut r = request(&dir.join("Kernel.iso"));
    r.grub_images = Some(dir.join("empty"));
    expect_error(&r, "GRAFT5006", &["grub-images.json", "grub_images"]);

    // Images made for another configuration (another recipe) are refused.
    let other = dir.join("other");
    std::fs::create_dir_all(other.join("i386-pc")).unwrap();
    std::fs::create_dir_all(other.join("x86_64-efi")).unwrap();
    for name in ["i386-pc/eltorito.img", "i386-pc/boot_hybrid.img", "x86_64-efi/BOOTX64.EFI"] {
        std::fs::copy(grub.join(name), other.join(name)).unwrap();
    }
    let manifest = std::fs::read_to_string(grub.join("grub-images.json")).unwrap();
    let recipe = manifest.split("\"recipe\": \"").nth(1).unwrap().split('"').next().unwrap();
    std::fs::write(other.join("grub-images.json"), manifest.replace(recipe, "0123456789abcdef0123456789abcdef")).unwrap();
    r.grub_images = Some(other.clone());
    expect_error(&r, "GRAFT5006", &["another GRUB configuration"]);

    // A changed image is refused.
    std::fs::write(other.join("grub-images.json"), &manifest).unwrap();
    std::fs::write(other.join("x86_64-efi/BOOTX64.EFI"), b"MZ not GRUB").unwrap();
    expect_error(&r, "GRAFT5006", &["BOOTX64.EFI", "SHA-256"]);
}

#[test]
fn bad_volume_id_is_graft9003() {
    let dir = scratch().join("err-volume");
    let mut r = request(&dir.join("Kernel.iso"));
    r.volume_id = Some("lower case".to_string());
    expect_error(&r, "GRAFT9003", &["volume_id"]);
}

// ---- Boots in QEMU. ----

const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/// Boots QEMU with `args` added; returns the serial output and exit status.
fn qemu(name: &str, args: &[String]) -> (String, Option<i32>) {
    let mut cmd = Command::new("qemu-system-x86_64");
    // No network card: firmware would try PXE before giving up on a bad image.
    cmd.args(["-accel", "tcg", "-m", "256", "-display", "none", "-serial", "stdio", "-no-reboot", "-nic", "none"])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    eprintln!("{name}: {cmd:?}");
    let mut child = cmd.spawn().expect("qemu-system-x86_64 (sudo apt-get install qemu-system-x86; see README quick start)");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    // Generous: a UEFI boot takes ~3.5 s on an idle machine, far more on a busy one.
    let status = match child.wait_timeout(Duration::from_secs(120)).unwrap() {
        Some(status) => status.code(),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    };
    let serial = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    (serial, status)
}

fn assert_boots(name: &str, args: Vec<String>) {
    let (serial, status) = qemu(name, &args);
    assert!(serial.contains(SERIAL), "{name}: serial output was {serial:?} (status {status:?})");
    assert_eq!(status, Some(EXIT_STATUS), "{name}: serial output was {serial:?}");
}

/// pflash firmware: OVMF's code read-only and a private copy of its variables.
fn uefi_args(name: &str) -> Vec<String> {
    let vars = scratch().join(format!("{name}-vars.fd"));
    std::fs::copy(OVMF_VARS, &vars).expect("OVMF (apt-get install ovmf)");
    vec![
        "-drive".into(),
        format!("if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}"),
        "-drive".into(),
        format!("if=pflash,format=raw,unit=1,file={}", vars.display()),
    ]
}

fn disk(image: &Path) -> Vec<String> {
    // snapshot: the guest never writes the shared image.
    vec!["-drive".into(), format!("file={},format=raw,snapshot=on", image.display())]
}

fn cdrom(image: &Path) -> Vec<String> {
    vec!["-cdrom".into(), image.display().to_string()]
}

#[test]
fn boots_bios_cd() {
    assert_boots("bios-cd", cdrom(shared_image()));
}

#[test]
fn boots_bios_raw_disk() {
    assert_boots("bios-disk", disk(shared_image()));
}

#[test]
fn boots_uefi_cd() {
    let mut args = uefi_args("uefi-cd");
    args.extend(cdrom(shared_image()));
    assert_boots("uefi-cd", args);
}

#[test]
fn boots_uefi_raw_disk() {
    let mut args = uefi_args("uefi-disk");
    args.extend(disk(shared_image()));
    assert_boots("uefi-disk", args);
}

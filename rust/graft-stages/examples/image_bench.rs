//! The image stage against `grub-mkrescue` (GRUB + xorriso) on the same
//! 2 MB kernel and the same grub.cfg: median wall time of several runs and
//! the bytes each writes. Prints figures; asserts nothing.
//!
//!     cargo run --release -p graft-stages --example image_bench [-- runs]
//!
//! Needs nasm, GRUB (grub-common, grub-pc-bin, grub-efi-amd64-bin) and, for
//! the comparison only, xorriso and mtools.

#[path = "../tests/common/mod.rs"]
mod common;

use graft_diag::{Session, Severity};
use graft_stages::image::{self, Request};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The kernel's code: it halts (see `common::flat_kernel_source`); the
/// bench pads the file to 2 MB.
const KERNEL_CODE: &str = "  cli\n  hlt\n  jmp _start\n";

const KERNEL_SIZE: usize = 2 * 1024 * 1024;
const COMMAND_LINE: &str = "graft.bench=1";

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(15);
    let dir = tempfile::tempdir().expect("temporary folder");
    let kernel = dir.path().join("kernel.elf");
    make_kernel(&kernel);

    let request = |name: &str, cache: bool| Request {
        kernel: kernel.clone(),
        output: dir.path().join(name),
        command_line: COMMAND_LINE.to_string(),
        grub_mkimage: None,
        grub_dir: None,
        cache_dir: cache.then(|| dir.path().join("cache")),
        grub_images: None,
        grub_images_out: None,
        source_date_epoch: None,
        volume_id: None,
        timeout: 0,
    };
    let stage = |r: &Request| {
        let mut session = Session::new(None);
        let output = image::run(r, &mut session).unwrap_or_else(|_| panic!("{:?}", session.diagnostics()));
        output.size
    };

    println!("kernel: {} bytes; {runs} runs each, median", KERNEL_SIZE);
    let cold_runs = runs.clamp(1, 5);
    let (cold, cold_size) = measure(cold_runs, || stage(&request("cold.iso", false)));
    stage(&request("warm.iso", true)); // fills the cache
    let (warm, warm_size) = measure(runs, || stage(&request("warm.iso", true)));
    println!("image stage, warm cache_dir (in-process): {:>8.2} ms  {warm_size:>10} bytes", ms(warm));
    println!("image stage, no cache (grub-mkimage x2):  {:>8.2} ms  {cold_size:>10} bytes", ms(cold));

    // Where a warm run spends its time: the stage's progress lines, timed.
    let start = Instant::now();
    let last = std::sync::Mutex::new(Duration::ZERO);
    let log = |severity: Severity, line: &str| {
        if severity == Severity::Info {
            let now = start.elapsed();
            let mut prev = last.lock().unwrap();
            println!("    {:>6.2} ms  {line}", ms(now - *prev));
            *prev = now;
        }
    };
    let mut session = Session::new(Some(&log));
    image::run(&request("steps.iso", true), &mut session).expect("image stage");

    match grub_mkrescue(dir.path(), &kernel, cold_runs) {
        Some((time, size)) => {
            println!("grub-mkrescue (xorriso):                   {:>8.2} ms  {size:>10} bytes", ms(time));
            println!(
                "ratio: {:.1}x faster warm, {:.1}x cold; {:.0}% of grub-mkrescue's size",
                time.as_secs_f64() / warm.as_secs_f64(),
                time.as_secs_f64() / cold.as_secs_f64(),
                100.0 * warm_size as f64 / size as f64
            );
        }
        None => println!("grub-mkrescue: not available (apt-get install grub-common xorriso mtools)"),
    }
}

fn make_kernel(kernel: &Path) {
    common::build_flat_kernel(KERNEL_CODE, kernel);
    // Pad with pseudo-random bytes, as a real kernel's code and data would be.
    let mut bytes = std::fs::read(kernel).unwrap();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    while bytes.len() < KERNEL_SIZE {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.truncate(KERNEL_SIZE);
    std::fs::write(kernel, bytes).unwrap();
}

/// grub-mkrescue on a folder holding the same kernel and an equivalent grub.cfg.
fn grub_mkrescue(dir: &Path, kernel: &Path, runs: usize) -> Option<(Duration, u64)> {
    let root = dir.join("rescue-root");
    std::fs::create_dir_all(root.join("boot/grub")).ok()?;
    std::fs::copy(kernel, root.join("boot/kernel.elf")).ok()?;
    let config = format!(
        "set timeout=0\nset default=0\nmenuentry \"Graft kernel\" {{\n    multiboot2 /boot/kernel.elf {COMMAND_LINE}\n    boot\n}}\n"
    );
    std::fs::write(root.join("boot/grub/grub.cfg"), config).ok()?;
    let out = dir.join("rescue.iso");
    let mut ok = true;
    let (time, size) = measure(runs, || {
        let result = Command::new("grub-mkrescue").arg("-o").arg(&out).arg(&root).output();
        ok &= matches!(&result, Ok(r) if r.status.success());
        std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0)
    });
    ok.then_some((time, size))
}

/// The median time of `runs` calls, and what the last call returned. Also
/// prints the fastest run: on a busy machine it is the steadier figure.
fn measure(runs: usize, mut f: impl FnMut() -> u64) -> (Duration, u64) {
    let mut times = Vec::with_capacity(runs);
    let mut value = 0;
    for _ in 0..runs {
        let start = Instant::now();
        value = f();
        times.push(start.elapsed());
    }
    times.sort();
    println!("  ({runs} runs: fastest {:.2} ms, median {:.2} ms, slowest {:.2} ms)", ms(times[0]), ms(times[runs / 2]), ms(times[runs - 1]));
    (times[runs / 2], value)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

//! Benchmark (prints figures, asserts nothing):
//! `cargo run --release -p graft-ecma --example bench -- [runs] [--cecil]`
//!
//! For System.Private.CoreLib and for the whole shared framework: a plain
//! copy (read file, write file), read, no-change rewrite, and a rewrite with
//! one body replaced per type in 1% of types; median wall time of `runs`
//! runs, peak memory (VmHWM of a child process per scenario), bytes in and
//! out. `--cecil` also runs tests/ecma/CecilBench on CoreLib.

#[path = "support/framework.rs"]
mod framework;

use graft_ecma::Assembly;
use graft_ecma::edit::Editor;
use graft_ecma::raw::TableId;
use graft_ecma::write::{WriteOptions, write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// `*-mem` scenarios read the file but keep the output in memory (as
/// CecilBench's rw-mem does); the others also write it to a file.
const SCENARIOS: [&str; 7] = ["copy", "read", "rewrite", "patch-1pct", "copy-mem", "rewrite-mem", "patch-mem"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        return child(&args[1], &args[2..]);
    }
    let runs: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(5);
    let fw = framework::shared_framework_dir().expect("an installed Microsoft.NETCore.App");
    let corelib = vec![fw.join("System.Private.CoreLib.dll")];
    let all: Vec<PathBuf> = framework::managed_files(&fw)
        .into_iter()
        .filter(|p| std::fs::read(p).ok().is_some_and(|b| Assembly::read(&b).is_ok()))
        .collect();
    println!("runs per figure: {runs} (median); peak memory = VmHWM of a fresh process running the scenario once");
    println!("{:<28} {:<11} {:>10} {:>8} {:>10} {:>8} {:>12} {:>12}", "input", "scenario", "median ms", "min ms", "vs copy", "peak MB", "bytes in", "bytes out");
    for (label, files) in [("System.Private.CoreLib", &corelib), (&*format!("shared framework ({} files)", all.len()), &all)] {
        let mut copy_ms = 0.0;
        for sc in SCENARIOS {
            let mut times = Vec::new();
            let (mut bin, mut bout) = (0, 0);
            for _ in 0..runs {
                let (ms, i, o) = run(sc, files);
                times.push(ms);
                (bin, bout) = (i, o);
            }
            times.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let med = times[times.len() / 2];
            if sc == "copy" || sc == "copy-mem" {
                copy_ms = med;
            }
            let peak = peak_of_child(sc, files);
            println!(
                "{:<28} {:<11} {:>10.1} {:>8.1} {:>9.2}x {:>8.1} {:>12} {:>12}",
                label, sc, med, times[0], med / copy_ms, peak as f64 / 1024.0, bin, bout
            );
        }
    }
    if args.iter().any(|a| a == "--cecil") {
        cecil(&corelib[0], runs);
    }
}

/// One scenario over `files`: (milliseconds, bytes in, bytes out).
fn run(scenario: &str, files: &[PathBuf]) -> (f64, usize, usize) {
    let out_dir = std::env::temp_dir().join(format!("graft-ecma-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let start = Instant::now();
    let (mut bin, mut bout) = (0, 0);
    for f in files {
        let bytes = std::fs::read(f).unwrap();
        bin += bytes.len();
        let out: Vec<u8> = match scenario {
            "copy" | "copy-mem" => bytes.clone(),
            "read" => {
                let a = Assembly::read(&bytes).unwrap();
                std::hint::black_box(&a);
                continue;
            }
            "rewrite" | "rewrite-mem" => graft_ecma::rewrite(&bytes).unwrap(),
            _ => patch_one_percent(&bytes),
        };
        bout += out.len();
        if scenario.ends_with("-mem") {
            std::hint::black_box(&out);
            continue;
        }
        std::fs::write(out_dir.join(f.file_name().unwrap()), &out).unwrap();
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let _ = std::fs::remove_dir_all(&out_dir);
    (ms, bin, bout)
}

/// Replaces one body (with a copy of itself, so it still runs) in every
/// hundredth type that has a method with IL.
fn patch_one_percent(bytes: &[u8]) -> Vec<u8> {
    let a = Assembly::read(bytes).unwrap();
    let mut e = Editor::new(&a);
    let types = e.rows(TableId::TYPE_DEF);
    for t in (1..=types).step_by(100) {
        let range = e.member_range(t, 5);
        if let Some(m) = range.into_iter().find(|&m| e.get(TableId::METHOD_DEF, m, 0) != 0)
            && let Ok(Some(body)) = e.body(m)
        {
            e.replace_body(m, body).unwrap();
        }
    }
    write(&e, &WriteOptions::default()).unwrap().bytes
}

fn child(scenario: &str, files: &[String]) {
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    run(scenario, &files);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).unwrap_or("0");
    println!("{hwm}");
}

fn peak_of_child(scenario: &str, files: &[PathBuf]) -> u64 {
    let out = Command::new(std::env::current_exe().unwrap()).arg("--one").arg(scenario).args(files).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

fn cecil(corelib: &Path, runs: usize) {
    let proj = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ecma/CecilBench");
    if !proj.exists() {
        println!("note: tests/ecma/CecilBench absent; no Cecil figures");
        return;
    }
    println!("\nMono.Cecil (tests/ecma/CecilBench) on the same CoreLib:");
    let out = Command::new("dotnet")
        .args(["run", "--project"])
        .arg(&proj)
        .args(["-c", "Release", "--", "--runs"])
        .arg(runs.to_string())
        .arg(corelib)
        .output()
        .expect("run CecilBench");
    print!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

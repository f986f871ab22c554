//! Long mutation run: `cargo run --release -p graft-ecma --example mutate -- [count] [seed]`.
//! Prints how the cases ended; any panic names the seed and case index.

#[path = "support/mutation.rs"]
mod mutation;

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0x6772_6166_74);
    let fw = framework_dir().expect("an installed Microsoft.NETCore.App");
    let bases = mutation::bases(&fw, 12);
    let hot: Vec<_> = bases.iter().map(|b| mutation::hot_ranges(b)).collect();
    let mut tally = mutation::Tally::default();
    let start = Instant::now();
    for i in 0..count {
        let k = (i as usize) % bases.len();
        let m = mutation::mutant(&bases[k], seed, i, &hot[k]);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mutation::exercise(&m, &mut tally)));
        if r.is_err() {
            eprintln!("PANIC at seed {seed} case {i} (base {k})");
            std::fs::write(format!("mutant-{seed}-{i}.dll"), &m).ok();
            std::process::exit(1);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} cases from {} bases in {:.1} s ({:.0}/s): {} rejected by the reader, {} edited (members added), {} writes ok, {} writes rejected, 0 panics",
        tally.cases, bases.len(), secs, tally.cases as f64 / secs, tally.read_errors, tally.edited, tally.written, tally.write_errors
    );
}

fn framework_dir() -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("dotnet").arg("--list-runtimes").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text.lines().filter(|l| l.starts_with("Microsoft.NETCore.App ")).next_back()?.to_string();
    let mut parts = line.splitn(3, ' ');
    parts.next();
    let ver = parts.next()?.to_string();
    let base = parts.next()?.trim_matches(|c| c == '[' || c == ']').to_string();
    Some(std::path::Path::new(&base).join(ver))
}

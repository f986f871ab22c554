//! Long mutation run: `cargo run --release -p graft-ecma --example mutate -- [count] [seed]`.
//! Prints how the cases ended; any panic names the seed and case index.

#[path = "support/framework.rs"]
mod framework;
#[path = "support/mutation.rs"]
mod mutation;

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0x6772_6166_74);
    let fw = framework::shared_framework_dir().expect("an installed Microsoft.NETCore.App");
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

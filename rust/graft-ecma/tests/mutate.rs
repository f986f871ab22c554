//! Seeded mutation test: 10,000 mutated and truncated assemblies derived
//! from the installed framework; each must end in an error or in output that
//! reads back, never a panic. Reproduce a failure with the printed seed and
//! case through `examples/mutate.rs`.

mod common;

#[path = "../examples/support/mutation.rs"]
mod mutation;

#[test]
fn ten_thousand_mutants_end_in_error_or_valid_output() {
    let fw = common::require_shared_framework();
    let bases = mutation::bases(&fw, 8);
    assert!(bases.len() >= 4, "need real assemblies to mutate");
    let hot: Vec<_> = bases.iter().map(|b| mutation::hot_ranges(b)).collect();
    let seed = 0x5EED_2026;
    let mut tally = mutation::Tally::default();
    for i in 0..10_000u64 {
        let k = i as usize % bases.len();
        let m = mutation::mutant(&bases[k], seed, i, &hot[k]);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mutation::exercise(&m, &mut tally)));
        assert!(r.is_ok(), "panic on seed {seed:#x} case {i} (base {k})");
    }
    eprintln!("{tally:?}");
    assert_eq!(tally.cases, 10_000);
    // Both outcomes must occur, or the mutations are not reaching the parser.
    assert!(tally.read_errors > 500 && tally.written > 500, "{tally:?}");
}

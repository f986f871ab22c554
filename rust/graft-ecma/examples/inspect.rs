//! Prints `graft_ecma::inspect` for each file given.
fn main() {
    for p in std::env::args().skip(1) {
        let bytes = std::fs::read(&p).expect("read input");
        match graft_ecma::inspect(&bytes) {
            Ok(s) => print!("{p}:\n{s}"),
            Err(e) => println!("{p}: error: {e}"),
        }
    }
}

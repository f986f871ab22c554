//! Generates the two C# files the MSBuild tasks compile against:
//! NativeMethods.g.cs, the P/Invoke declarations for the `extern "C"`
//! functions in src/abi.rs (csbindgen), and Requests.g.cs, the stages'
//! request and output types (build/requests.rs, from graft-stages' sources).
//! Both go to OUT_DIR; tests compare them with the copies checked in beside
//! the tasks. `GRAFT_UPDATE_BINDINGS=1 cargo build -p graft-ffi` refreshes
//! the checked-in copies.

#[path = "build/requests.rs"]
mod requests;

use std::path::{Path, PathBuf};

const CHECKED_IN: &str = "../../msbuild/Graft.Build.Tasks/Native";
const STAGES_SRC: &str = "../graft-stages/src";

fn main() {
    println!("cargo:rerun-if-changed=src/abi.rs");
    println!("cargo:rerun-if-changed=build/requests.rs");
    // A folder: cargo reruns when any file under it changes.
    println!("cargo:rerun-if-changed={STAGES_SRC}");
    println!("cargo:rerun-if-env-changed=GRAFT_UPDATE_BINDINGS");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());

    let bindings = out_dir.join("NativeMethods.g.cs");
    csbindgen::Builder::default()
        .input_extern_file("src/abi.rs")
        .csharp_dll_name("graft")
        .csharp_namespace("Graft.Build.Tasks.Native")
        .csharp_class_name("NativeMethods")
        .csharp_class_accessibility("internal")
        .csharp_generate_const_filter(|name| name.starts_with("GRAFT_"))
        .generate_csharp_file(&bindings)
        .expect("csbindgen failed to generate the C# bindings");

    let requests = out_dir.join("Requests.g.cs");
    std::fs::write(&requests, requests::generate(Path::new(STAGES_SRC))).expect("cannot write Requests.g.cs");

    // Tests compare these files with the checked-in copies.
    println!("cargo:rustc-env=OUT_DIR_BINDINGS={}", bindings.display());
    println!("cargo:rustc-env=OUT_DIR_REQUESTS={}", requests.display());
    if std::env::var_os("GRAFT_UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(CHECKED_IN).unwrap();
        for file in [&bindings, &requests] {
            let checked_in = Path::new(CHECKED_IN).join(file.file_name().unwrap());
            std::fs::copy(file, &checked_in).unwrap_or_else(|e| panic!("cannot refresh {}: {e}", checked_in.display()));
        }
    }
}

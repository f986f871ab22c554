//! Generates the C# P/Invoke declarations for the `extern "C"` functions in
//! src/abi.rs. The result goes to OUT_DIR; a test compares it with the copy
//! checked in beside the MSBuild tasks. `GRAFT_UPDATE_BINDINGS=1 cargo build
//! -p graft-ffi` refreshes the checked-in copy.

use std::path::PathBuf;

const CHECKED_IN: &str = "../../msbuild/Graft.Build.Tasks/Native/NativeMethods.g.cs";

fn main() {
    println!("cargo:rerun-if-changed=src/abi.rs");
    println!("cargo:rerun-if-env-changed=GRAFT_UPDATE_BINDINGS");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("NativeMethods.g.cs");
    csbindgen::Builder::default()
        .input_extern_file("src/abi.rs")
        .csharp_dll_name("graft")
        .csharp_namespace("Graft.Build.Tasks.Native")
        .csharp_class_name("NativeMethods")
        .csharp_class_accessibility("internal")
        .csharp_generate_const_filter(|name| name.starts_with("GRAFT_"))
        .generate_csharp_file(&out)
        .expect("csbindgen failed to generate the C# bindings");
    // Tests compare this file with the checked-in copy.
    println!("cargo:rustc-env=OUT_DIR_BINDINGS={}", out.display());
    if std::env::var_os("GRAFT_UPDATE_BINDINGS").is_some() {
        let checked_in = PathBuf::from(CHECKED_IN);
        std::fs::create_dir_all(checked_in.parent().unwrap()).unwrap();
        std::fs::copy(&out, &checked_in).expect("cannot refresh the checked-in bindings");
    }
}

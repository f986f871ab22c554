//! The run stage's own failures. Successful boots, resets and time limits are
//! proven by tests/boot.rs with real kernels.

use graft_stages::run_json;
use serde_json::json;

fn codes(request: serde_json::Value) -> (bool, Vec<String>, String) {
    let r = run_json("run", &request.to_string(), None);
    let codes = r.diagnostics.iter().map(|d| d.code.clone()).collect();
    let messages = r.diagnostics.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("\n");
    (r.ok, codes, messages)
}

fn some_image(dir: &std::path::Path) -> std::path::PathBuf {
    let image = dir.join("Kernel.iso");
    std::fs::write(&image, vec![0u8; 64 * 1024]).unwrap();
    image
}

#[test]
fn missing_qemu_is_graft6001_naming_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, codes, text) = codes(json!({ "image": some_image(dir.path()), "qemu": "/nonexistent/qemu-system-x86_64" }));
    assert!(!ok);
    assert_eq!(codes, ["GRAFT6001"]);
    assert!(text.contains("apt-get install qemu-system-x86"), "{text}");
}

#[test]
fn missing_image_is_graft0002() {
    let (ok, codes, text) = codes(json!({ "image": "/nonexistent/Kernel.iso" }));
    assert!(!ok);
    assert_eq!(codes, ["GRAFT0002"]);
    assert!(text.contains("/nonexistent/Kernel.iso"), "{text}");
}

#[test]
fn missing_uefi_firmware_is_graft6002_naming_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, codes, text) =
        codes(json!({ "image": some_image(dir.path()), "firmware": "uefi", "ovmf": "/nonexistent/OVMF_CODE.fd" }));
    assert!(!ok);
    assert_eq!(codes, ["GRAFT6002"]);
    assert!(text.contains("apt-get install ovmf"), "{text}");
}

#[test]
fn qemu_refusing_its_arguments_is_graft6004_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, codes, text) =
        codes(json!({ "image": some_image(dir.path()), "extra_args": ["-no-such-option"], "timeout_secs": 30 }));
    assert!(!ok);
    assert_eq!(codes, ["GRAFT6004"]);
    assert!(text.contains("no-such-option"), "{text}");
}

//! Drives the built libgraft.so exactly as a foreign host does: dlopen it,
//! look up the exported functions by name, pass raw pointers.

use std::ffi::c_void;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use libloading::{Library, Symbol};
use serde_json::Value;

#[repr(C)]
struct GraftBuffer {
    ptr: *mut u8,
    len: usize,
}

type LogFn = unsafe extern "C" fn(*mut c_void, i32, *const u8, usize);
type RunFn = unsafe extern "C" fn(*const u8, usize, *const u8, usize, Option<LogFn>, *mut c_void, *mut GraftBuffer) -> i32;
type FreeFn = unsafe extern "C" fn(GraftBuffer);
type VersionFn = extern "C" fn() -> u32;

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        // The test runs as target/<profile>/deps/abi-<hash>; cargo leaves the
        // cdylib beside it in deps/ (and sometimes a copy in <profile>/).
        let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
        let path: PathBuf = [deps.join("libgraft.so"), deps.parent().unwrap().join("libgraft.so")]
            .into_iter()
            .find(|p| p.is_file())
            .expect("libgraft.so is built beside the test");
        unsafe { Library::new(&path) }.unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()))
    })
}

struct Call {
    status: i32,
    result: Option<Value>,
}

/// One graft_run call through raw pointers; the result buffer is parsed and freed.
unsafe fn call_raw(stage: Option<&[u8]>, request: Option<&[u8]>, log: Option<LogFn>, ctx: *mut c_void) -> Call {
    let lib = library();
    let run: Symbol<RunFn> = unsafe { lib.get(b"graft_run") }.unwrap();
    let free: Symbol<FreeFn> = unsafe { lib.get(b"graft_buffer_free") }.unwrap();
    let mut buffer = GraftBuffer { ptr: std::ptr::null_mut(), len: 0 };
    let (sp, sl) = stage.map_or((std::ptr::null(), 0), |s| (s.as_ptr(), s.len()));
    let (rp, rl) = request.map_or((std::ptr::null(), 0), |r| (r.as_ptr(), r.len()));
    let status = unsafe { run(sp, sl, rp, rl, log, ctx, &mut buffer) };
    let result = (!buffer.ptr.is_null()).then(|| {
        let bytes = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) };
        serde_json::from_slice(bytes).expect("the result is JSON")
    });
    unsafe { free(buffer) };
    Call { status, result }
}

fn call(stage: &str, request: &str) -> Call {
    unsafe { call_raw(Some(stage.as_bytes()), Some(request.as_bytes()), None, std::ptr::null_mut()) }
}

fn codes(call: &Call) -> Vec<String> {
    call.result.as_ref().unwrap()["diagnostics"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect()
}

fn first_message(call: &Call) -> String {
    call.result.as_ref().unwrap()["diagnostics"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn abi_version_matches_the_constant_the_bindings_carry() {
    let version: Symbol<VersionFn> = unsafe { library().get(b"graft_abi_version") }.unwrap();
    assert_eq!(version(), graft::abi::GRAFT_ABI_VERSION);
}

#[test]
fn unknown_stage_is_an_invalid_call_naming_the_stages() {
    let c = call("lnik", "{}");
    assert_eq!(c.status, 2);
    assert_eq!(codes(&c), ["GRAFT9004"]);
    assert!(first_message(&c).contains("link"), "{}", first_message(&c));
    assert_eq!(c.result.unwrap()["ok"], false);
}

#[test]
fn invalid_utf8_is_reported() {
    let c = unsafe { call_raw(Some(b"run"), Some(b"{\"image\": \"\xff\xfe\"}"), None, std::ptr::null_mut()) };
    assert_eq!(c.status, 2);
    assert_eq!(codes(&c), ["GRAFT9003"]);
    let c = unsafe { call_raw(Some(b"r\xffun"), Some(b"{}"), None, std::ptr::null_mut()) };
    assert_eq!(codes(&c), ["GRAFT9003"]);
}

#[test]
fn invalid_json_and_missing_fields_are_reported_with_the_field() {
    let c = call("run", "{\"image\": ");
    assert_eq!((c.status, codes(&c)), (2, vec!["GRAFT9003".to_string()]));
    let c = call("run", "{}");
    assert_eq!((c.status, codes(&c)), (2, vec!["GRAFT9003".to_string()]));
    assert!(first_message(&c).contains("missing field `image`"), "{}", first_message(&c));
    let c = call("run", "{\"image\": \"x.iso\", \"firmwear\": \"uefi\"}");
    assert!(first_message(&c).contains("unknown field `firmwear`"), "{}", first_message(&c));
}

#[test]
fn null_pointers_are_reported_not_dereferenced() {
    let c = unsafe { call_raw(None, Some(b"{}"), None, std::ptr::null_mut()) };
    assert_eq!((c.status, codes(&c)), (2, vec!["GRAFT9005".to_string()]));
    let c = unsafe { call_raw(Some(b"run"), None, None, std::ptr::null_mut()) };
    assert_eq!((c.status, codes(&c)), (2, vec!["GRAFT9005".to_string()]));
    // No result pointer: nothing can be returned, but nothing crashes either.
    let run: Symbol<RunFn> = unsafe { library().get(b"graft_run") }.unwrap();
    let status = unsafe { run(b"run".as_ptr(), 3, b"{}".as_ptr(), 2, None, std::ptr::null_mut(), std::ptr::null_mut()) };
    assert_eq!(status, 2);
    // Freeing an empty buffer is allowed.
    let free: Symbol<FreeFn> = unsafe { library().get(b"graft_buffer_free") }.unwrap();
    unsafe { free(GraftBuffer { ptr: std::ptr::null_mut(), len: 0 }) };
}

#[test]
fn a_100_mb_request_is_handled() {
    let request = format!("{{\"image\": \"x.iso\", \"padding\": \"{}\"}}", "x".repeat(100 << 20));
    let c = call("run", &request);
    assert_eq!((c.status, codes(&c)), (2, vec!["GRAFT9003".to_string()]));
    // The message names the problem, not the 100 MB of input.
    assert!(first_message(&c).len() < 1000);
}

#[test]
fn a_panic_becomes_a_diagnostic_and_the_library_keeps_working() {
    let c = call("self-test-panic", "{}");
    assert_eq!((c.status, codes(&c)), (3, vec!["GRAFT9001".to_string()]));
    assert!(first_message(&c).contains("self-test panic"), "{}", first_message(&c));
    let c = call("lnik", "{}");
    assert_eq!(codes(&c), ["GRAFT9004"]);
}

static LOG_LINES: Mutex<Vec<(usize, i32, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn record(ctx: *mut c_void, severity: i32, message: *const u8, len: usize) {
    let text = String::from_utf8(unsafe { std::slice::from_raw_parts(message, len) }.to_vec()).unwrap();
    LOG_LINES.lock().unwrap().push((ctx as usize, severity, text));
}

/// A stage that logs before it reaches QEMU: `/bin/true` stands in for QEMU
/// and exits 0, which the run stage reads as a reset (a warning, not an error).
fn run_request(dir: &std::path::Path) -> String {
    let image = dir.join("fake.iso");
    std::fs::write(&image, b"not really an image").unwrap();
    serde_json::json!({ "image": image, "qemu": "/bin/true", "timeout_secs": 10 }).to_string()
}

#[test]
fn log_callback_receives_progress_with_the_callers_context() {
    let dir = tempfile_dir();
    let ctx = 0x5151usize as *mut c_void;
    let c = unsafe { call_raw(Some(b"run"), Some(run_request(&dir).as_bytes()), Some(record), ctx) };
    assert_eq!(c.status, 0, "{:?}", c.result);
    assert_eq!(c.result.as_ref().unwrap()["output"]["outcome"], "reset");
    assert_eq!(codes(&c), ["GRAFT6005"]);
    let lines = LOG_LINES.lock().unwrap();
    let mine: Vec<_> = lines.iter().filter(|(c, _, _)| *c == 0x5151).collect();
    assert!(mine.iter().any(|(_, sev, text)| *sev == 1 && text.starts_with("booting")), "{mine:?}");
}

#[test]
fn calls_from_many_threads_at_once_keep_their_own_context() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let dir = tempfile_dir();
    let request = run_request(&dir);
    std::thread::scope(|s| {
        for t in 0..8usize {
            let request = &request;
            s.spawn(move || {
                for _ in 0..10 {
                    let ctx = (0x1000 + t) as *mut c_void;
                    let c = unsafe { call_raw(Some(b"run"), Some(request.as_bytes()), Some(record), ctx) };
                    assert_eq!(c.status, 0);
                    let c = call("lnik", "{}");
                    assert_eq!(c.status, 2);
                    CALLS.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(CALLS.load(Ordering::Relaxed), 80);
    let lines = LOG_LINES.lock().unwrap();
    for t in 0..8usize {
        let booted = lines.iter().filter(|(c, sev, text)| *c == 0x1000 + t && *sev == 1 && text.starts_with("booting")).count();
        assert_eq!(booted, 10, "thread {t}");
    }
}

fn tempfile_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("graft-abi-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The checked-in C# bindings are what build.rs generates from src/abi.rs.
#[test]
fn checked_in_csharp_bindings_are_current() {
    assert_checked_in_is(env!("OUT_DIR_BINDINGS"), "NativeMethods.g.cs");
}

/// The checked-in C# request and output types are what build.rs generates
/// from graft-stages' Rust types.
#[test]
fn checked_in_csharp_requests_are_current() {
    assert_checked_in_is(env!("OUT_DIR_REQUESTS"), "Requests.g.cs");
}

fn assert_checked_in_is(generated_path: &str, name: &str) {
    let generated = std::fs::read_to_string(generated_path).unwrap();
    let checked_in_path = format!("{}/../../msbuild/Graft.Build.Tasks/Native/{name}", env!("CARGO_MANIFEST_DIR"));
    let checked_in = std::fs::read_to_string(&checked_in_path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "{checked_in_path} is stale; refresh it with: GRAFT_UPDATE_BINDINGS=1 cargo build -p graft-ffi"
    );
}

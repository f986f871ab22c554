//! The whole C ABI. A host (the MSBuild tasks, a test) calls:
//!
//! 1. `graft_abi_version()` once, and refuses a library whose version differs
//!    from the one it was built against (the constant GRAFT_ABI_VERSION);
//! 2. `graft_run(stage, request, log, ctx, &result)` per stage: the request is
//!    UTF-8 JSON of the stage's request type; `result` receives a buffer of
//!    UTF-8 JSON `{"ok": bool, "output": {...}, "diagnostics": [...]}`;
//! 3. `graft_buffer_free(result)` to release that buffer.
//!
//! Rules: no pointer the caller passes is kept after the call returns; the
//! log callback is called only during the call, never from two threads at
//! once; no panic crosses the boundary; calls on several threads at once are
//! safe (stages share no state).

use std::ffi::c_void;
use std::sync::Mutex;

use graft_diag::{Code, Diagnostic, Severity};
use graft_stages::Response;

/// Bumped whenever a function signature or the result shape changes.
pub const GRAFT_ABI_VERSION: u32 = 1;

/// The stage ran and succeeded; the result's `ok` is true.
pub const GRAFT_STATUS_OK: i32 = 0;
/// The stage ran and reported errors (see the result's diagnostics).
pub const GRAFT_STATUS_FAILED: i32 = 1;
/// The call itself was malformed (null pointer, invalid UTF-8, unknown stage,
/// bad JSON); the result, when it could be returned, says which.
pub const GRAFT_STATUS_INVALID: i32 = 2;
/// Graft panicked (a bug); the result holds a GRAFT9001 diagnostic.
pub const GRAFT_STATUS_PANIC: i32 = 3;

/// A byte buffer owned by libgraft; release it with `graft_buffer_free`.
#[repr(C)]
pub struct GraftBuffer {
    pub ptr: *mut u8,
    pub len: usize,
}

/// The host's log sink: `severity` is 0 debug, 1 progress, 2 warning,
/// 3 error; `message` is UTF-8 of `len` bytes, valid only during the call.
pub type GraftLogCallback = Option<unsafe extern "C" fn(ctx: *mut c_void, severity: i32, message: *const u8, len: usize)>;

/// The ABI version this library implements.
#[no_mangle]
pub extern "C" fn graft_abi_version() -> u32 {
    GRAFT_ABI_VERSION
}

/// Runs one stage. `stage` and `request` are UTF-8 byte ranges; `log` may be
/// null; `result` must not be null and receives a buffer the caller frees
/// with `graft_buffer_free` (an empty buffer when nothing could be returned).
///
/// # Safety
/// `stage`/`request` must point at `stage_len`/`request_len` readable bytes
/// (or be null, which is reported); `result` must be writable.
#[no_mangle]
pub unsafe extern "C" fn graft_run(
    stage: *const u8,
    stage_len: usize,
    request: *const u8,
    request_len: usize,
    log: GraftLogCallback,
    log_ctx: *mut c_void,
    result: *mut GraftBuffer,
) -> i32 {
    if result.is_null() {
        return GRAFT_STATUS_INVALID;
    }
    // SAFETY: checked non-null above; the caller promises it is writable.
    unsafe { result.write(GraftBuffer { ptr: std::ptr::null_mut(), len: 0 }) };
    let host = HostLog { callback: log, ctx: log_ctx, lock: Mutex::new(()) };
    let (status, response) = match crate::panic::catch(|| {
        // SAFETY: the caller promises these ranges are readable for the call.
        let stage = unsafe { bytes(stage, stage_len) };
        let request = unsafe { bytes(request, request_len) };
        dispatch(stage, request, &host)
    }) {
        Ok(r) => r,
        Err(panic) => (
            GRAFT_STATUS_PANIC,
            invalid(Diagnostic::error(
                Code::INTERNAL_PANIC,
                format!("internal error in libgraft (please report it with the request): {panic}"),
            )),
        ),
    };
    let json = serde_json::to_vec(&response).unwrap_or_else(|_| b"{\"ok\":false,\"diagnostics\":[]}".to_vec());
    let boxed = json.into_boxed_slice();
    let len = boxed.len();
    // SAFETY: as above.
    unsafe { result.write(GraftBuffer { ptr: Box::into_raw(boxed) as *mut u8, len }) };
    status
}

/// Releases a buffer returned by `graft_run`. A null/empty buffer is ignored.
///
/// # Safety
/// `buffer` must come from `graft_run` and not have been freed before.
#[no_mangle]
pub unsafe extern "C" fn graft_buffer_free(buffer: GraftBuffer) {
    if !buffer.ptr.is_null() {
        // SAFETY: ptr/len are exactly what Box::into_raw produced in graft_run.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(buffer.ptr, buffer.len)) });
    }
}

unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: non-null; the caller vouches for `len` readable bytes.
        Some(unsafe { std::slice::from_raw_parts(ptr, len) })
    }
}

fn dispatch(stage: Option<&[u8]>, request: Option<&[u8]>, host: &HostLog) -> (i32, Response) {
    let (Some(stage), Some(request)) = (stage, request) else {
        let which = if stage.is_none() { "stage" } else { "request" };
        return (GRAFT_STATUS_INVALID, invalid(Diagnostic::error(Code::NULL_POINTER, format!("graft_run: the {which} pointer is null"))));
    };
    let (Ok(stage), Ok(request)) = (std::str::from_utf8(stage), std::str::from_utf8(request)) else {
        return (
            GRAFT_STATUS_INVALID,
            invalid(Diagnostic::error(Code::INVALID_REQUEST, "graft_run: the stage name or the request is not valid UTF-8")),
        );
    };
    if stage == SELF_TEST_PANIC {
        panic!("self-test panic requested by the host");
    }
    let log = |severity: Severity, message: &str| host.send(severity, message);
    let response = graft_stages::run_json(stage, request, host.callback.map(|_| &log as _));
    let status = if response.ok {
        GRAFT_STATUS_OK
    } else if response.diagnostics.iter().any(|d| d.code == Code::INVALID_REQUEST.to_string() || d.code == Code::UNKNOWN_STAGE.to_string()) {
        GRAFT_STATUS_INVALID
    } else {
        GRAFT_STATUS_FAILED
    };
    (status, response)
}

/// A stage name that panics on purpose, so that hosts can prove they survive
/// a panic in libgraft (it becomes GRAFT9001).
const SELF_TEST_PANIC: &str = "self-test-panic";

fn invalid(diagnostic: Diagnostic) -> Response {
    Response { ok: false, output: None, diagnostics: vec![diagnostic] }
}

/// The host's callback, serialised: stages may log from worker threads, and
/// hosts (MSBuild) expect one message at a time.
struct HostLog {
    callback: GraftLogCallback,
    ctx: *mut c_void,
    lock: Mutex<()>,
}

// SAFETY: the context pointer is only handed back to the host's own callback,
// under the lock, during the call that supplied it.
unsafe impl Sync for HostLog {}

impl HostLog {
    fn send(&self, severity: Severity, message: &str) {
        if let Some(callback) = self.callback {
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY: the host supplied callback and ctx for this call.
            unsafe { callback(self.ctx, severity as i32, message.as_ptr(), message.len()) };
        }
    }
}

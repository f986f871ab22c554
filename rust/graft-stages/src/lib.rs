//! Graft's native stages. Each stage is one module with a typed request, a
//! typed result and a `run` function; it knows nothing of MSBuild or of the C
//! ABI. [`run_json`] is the single door the C ABI and `graft --request` use.
//!
//! | stage        | module        | codes  |
//! |--------------|---------------|--------|
//! | `patch`      | [`patch`]     | 2xxx   |
//! | `inspect`    | [`patch`]     | 2xxx   |
//! | `assemble`   | [`assemble`]  | 3xxx   |
//! | `compile-c`  | [`compile_c`] | 3xxx   |
//! | `link`       | [`link`]      | 4xxx   |
//! | `image`      | [`image`]     | 5xxx   |
//! | `run`        | [`run`]       | 6xxx   |

pub mod assemble;
pub mod compile_c;
pub mod image;
pub mod link;
mod objects;
pub mod patch;
pub mod run;
mod tool;

use graft_diag::{Code, Diagnostic, LogFn, Session, StageResult};
use serde::{de::DeserializeOwned, Serialize};

/// Every stage by its request name, in pipeline order.
pub const STAGES: &[&str] = &["patch", "inspect", "assemble", "compile-c", "link", "image", "run"];

/// What a stage call returns across every door: the stage's typed result as
/// JSON (absent when it failed) and all diagnostics.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<serde_json::Value>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs `stage` on a JSON request. Never panics on bad input: an unknown stage
/// or malformed request comes back as an error diagnostic.
pub fn run_json(stage: &str, request: &str, log: Option<LogFn<'_>>) -> Response {
    let mut session = Session::new(log);
    let output = match stage {
        "patch" => call(request, &mut session, patch::run),
        "inspect" => call(request, &mut session, patch::inspect),
        "assemble" => call(request, &mut session, assemble::run),
        "compile-c" => call(request, &mut session, compile_c::run),
        "link" => call(request, &mut session, link::run),
        "image" => call(request, &mut session, image::run),
        "run" => call(request, &mut session, run::run),
        other => Err(session.error(
            Code::UNKNOWN_STAGE,
            format!("unknown stage '{other}'; the stages are: {}", STAGES.join(", ")),
        )),
    };
    let ok = output.is_ok() && !session.has_errors();
    Response { ok, output: output.ok(), diagnostics: session.into_diagnostics() }
}

fn call<Req: DeserializeOwned, Res: Serialize>(
    request: &str,
    session: &mut Session<'_>,
    stage: fn(&Req, &mut Session<'_>) -> StageResult<Res>,
) -> StageResult<serde_json::Value> {
    let request: Req = serde_json::from_str(request).map_err(|e| {
        session.error(Code::INVALID_REQUEST, format!("invalid request: {e}; see the stage's request type in the documentation"))
    })?;
    let result = stage(&request, session)?;
    serde_json::to_value(result).map_err(|e| session.error(Code::INTERNAL_PANIC, format!("cannot encode the result: {e}")))
}

//! Graft's native stages. Each stage is one module with a typed request, a
//! typed result and a `run` function; it knows nothing of MSBuild or of the C
//! ABI. The stage table ([`Stage`], one line per stage below) is the only
//! list of stages: [`run_json`] is the door the C ABI and `graft request` use,
//! [`run_typed`] the one the `graft` subcommands use.
//!
//! | stage        | module        | codes  |
//! |--------------|---------------|--------|
//! | `patch`      | [`patch`]     | 1xxx, 2xxx |
//! | `rewrite`    | [`patch`]     | 2xxx   |
//! | `inspect`    | [`patch`]     | 2xxx   |
//! | `assemble`   | [`assemble`]  | 3xxx   |
//! | `compile-c`  | [`compile_c`] | 3xxx   |
//! | `link`       | [`link`]      | 4xxx   |
//! | `image`      | [`image`]     | 5xxx   |
//! | `run`        | [`run`]       | 6xxx   |
//! | `test`       | [`test`]      | 6011-6029 |
//!
//! Not a stage: [`symbolize`] (crash reports with names and source lines,
//! for `graft run` and `graft symbolize`).

pub mod assemble;
pub mod compile_c;
pub mod debug;
pub mod image;
pub mod link;
mod objects;
pub mod patch;
pub mod run;
pub mod symbolize;
pub mod test;
mod tool;

use graft_diag::{Code, Diagnostic, LogFn, Session, StageResult};
use serde::{de::DeserializeOwned, Serialize};

/// A stage as every door sees it: its request name, its typed request and
/// result, and the function that runs it.
pub trait Stage {
    /// The name the C ABI, `graft request` and the MSBuild tasks use.
    const NAME: &'static str;
    type Request: DeserializeOwned;
    type Output: Serialize;
    fn run(request: &Self::Request, session: &mut Session<'_>) -> StageResult<Self::Output>;
}

/// The stage table, written once. Each line declares a marker type (`Link`),
/// its request name and where its request, result and `run` live. `STAGES`,
/// [`run_json`]'s dispatch and the generated C# request types
/// (rust/graft-ffi/build/requests.rs reads this invocation) all come from it.
macro_rules! stages {
    ($($(#[$doc:meta])* $stage:ident = $name:literal: $module:ident::$request:ident -> $output:ident via $run:ident;)*) => {
        $(
            $(#[$doc])*
            pub enum $stage {}

            impl Stage for $stage {
                const NAME: &'static str = $name;
                type Request = $module::$request;
                type Output = $module::$output;
                fn run(request: &Self::Request, session: &mut Session<'_>) -> StageResult<Self::Output> {
                    $module::$run(request, session)
                }
            }
        )*

        /// Every stage by its request name, in pipeline order.
        pub const STAGES: &[&str] = &[$($name),*];

        /// Runs the stage named `stage`; `None` when there is no such stage.
        fn dispatch(stage: &str, request: &str, session: &mut Session<'_>) -> Option<StageResult<serde_json::Value>> {
            match stage {
                $($name => Some(call::<$stage>(request, session)),)*
                _ => None,
            }
        }
    };
}

stages! {
    /// Applies the [Plug] rules to the assemblies ILC compiles.
    Patch = "patch": patch::Request -> Output via run;
    /// Rewrites one .NET assembly and its PDB through the ECMA-335 engine, with no plugs.
    Rewrite = "rewrite": patch::RewriteRequest -> RewriteOutput via rewrite;
    /// Summarises a .NET assembly.
    Inspect = "inspect": patch::InspectRequest -> InspectOutput via inspect;
    /// Assembles NASM and GNU sources into ELF objects.
    Assemble = "assemble": assemble::Request -> Output via run;
    /// Compiles freestanding C into ELF objects.
    CompileC = "compile-c": compile_c::Request -> Output via run;
    /// Links the objects into a checked Multiboot2 kernel.
    Link = "link": link::Request -> Output via run;
    /// Packs the kernel into a bootable hybrid ISO.
    Image = "image": image::Request -> Output via run;
    /// Boots an image in QEMU.
    Run = "run": run::Request -> Output via run;
    /// Runs a kernel test suite in QEMU, booting again after a crash or hang.
    Test = "test": test::Request -> Output via run;
}

/// What a stage call returns across every door: the stage's result (absent
/// when it failed) and all diagnostics. Through [`run_json`] the result is
/// JSON; through [`run_typed`] it is the stage's own type.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Response<T = serde_json::Value> {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<T>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs `stage` on a JSON request. Never panics on bad input: an unknown stage
/// or malformed request comes back as an error diagnostic.
pub fn run_json(stage: &str, request: &str, log: Option<LogFn<'_>>) -> Response {
    let mut session = Session::new(log);
    let output = dispatch(stage, request, &mut session).unwrap_or_else(|| {
        Err(session.error(Code::UNKNOWN_STAGE, format!("unknown stage '{stage}'; the stages are: {}", STAGES.join(", "))))
    });
    finish(output, session)
}

/// Runs stage `S` on a request built in Rust (the `graft` command's way in).
pub fn run_typed<S: Stage>(request: &S::Request, log: Option<LogFn<'_>>) -> Response<S::Output> {
    let mut session = Session::new(log);
    let output = S::run(request, &mut session);
    finish(output, session)
}

fn finish<T>(output: StageResult<T>, session: Session<'_>) -> Response<T> {
    let ok = output.is_ok() && !session.has_errors();
    Response { ok, output: output.ok(), diagnostics: session.into_diagnostics() }
}

fn call<S: Stage>(request: &str, session: &mut Session<'_>) -> StageResult<serde_json::Value> {
    let request: S::Request = serde_json::from_str(request).map_err(|e| {
        session.error(Code::INVALID_REQUEST, format!("invalid request: {e}; see the stage's request type in the documentation"))
    })?;
    let result = S::run(&request, session)?;
    serde_json::to_value(result).map_err(|e| session.error(Code::INTERNAL_PANIC, format!("cannot encode the result: {e}")))
}

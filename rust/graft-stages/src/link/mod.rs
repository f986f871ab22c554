//! Stage `link`: objects in, one checked kernel ELF out.
//!
//! In: objects and archives in link order, the kernel to write, and
//! optionally a linker script, the ld.lld to use, the entry symbol and more
//! ld.lld arguments ([`Request`]). Out: the kernel's path and size, its entry
//! symbol and address, and where its Multiboot2 header sits ([`Output`]).
//!
//! Drives `ld.lld -T <script> -nostdlib -static -z max-page-size=0x1000
//! --no-pie` with the caller's linker script or Graft's default
//! (`sdk/linker/graft-kernel.ld`, compiled in), into a temporary file beside
//! the output. Then checks what came out, with the `object` crate: an x86-64
//! ELF, a valid Multiboot2 header 8-byte aligned within the first 32 KiB of
//! the file, a defined entry symbol that is the ELF's entry point, and no
//! undefined symbols. Only then is the file renamed into place, so a failed
//! link leaves the previous output (if any) untouched.
//!
//! Every undefined symbol goes into ONE error (GRAFT4003) that lists each
//! symbol with the inputs that reference it.
//!
//! The steps, in [`run`]'s order:
//!
//! 1. validate the request; find ld.lld and load the script (`lld`);
//! 2. link into the temporary file (`lld`), ld.lld's messages read into
//!    diagnostics (`messages`);
//! 3. check the kernel (`check`);
//! 4. rename it over the output.
//!
//! | code      | what                                                   | raised in        |
//! |-----------|--------------------------------------------------------|------------------|
//! | GRAFT4001 | no ld.lld, or it cannot start                          | `lld`            |
//! | GRAFT4002 | ld.lld failed; a linker script error has file and line | `messages`       |
//! | GRAFT4003 | undefined symbols, all in one error                    | `messages`, for ld.lld and `check` |
//! | GRAFT4004 | no Multiboot2 header where boot loaders look           | `check`          |
//! | GRAFT4005 | a bad or misaligned Multiboot2 header                  | `check`          |
//! | GRAFT4006 | no entry symbol, or it is not the entry point          | `check`          |
//! | GRAFT4007 | not an x86-64 ELF, or not readable back                | `check`, here    |
//! | GRAFT4008 | no linker script (missing here, unreadable in `lld`)   | here, `lld`      |
//! | GRAFT4009 | a malformed PVH entry note (error), or one no PT_NOTE segment carries (warning) | `check` |
//! | GRAFT0002 | a missing object                                       | here             |
//! | GRAFT0001 | output (or the default script's temporary copy) not writable | here, `lld` |
//! | GRAFT9003 | no objects in the request                              | here             |

mod check;
pub(crate) use check::pvh_entry_of;
mod lld;
mod messages;

use graft_diag::{Code, Diagnostic, PendingOutput, Session, StageResult};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Graft's default linker script: Multiboot2 header, text, rodata, data, bss,
/// linked at 1 MiB, with the sections NativeAOT output needs kept.
pub const DEFAULT_LINKER_SCRIPT: &str = include_str!("../../../../sdk/linker/graft-kernel.ld");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Object files and archives, in link order.
    pub objects: Vec<PathBuf>,
    /// The kernel ELF to write.
    pub output: PathBuf,
    /// The linker script; default: Graft's `graft-kernel.ld`.
    #[serde(default)]
    pub linker_script: Option<PathBuf>,
    /// ld.lld: a path or a name looked up on PATH. Default: ld.lld, then
    /// ld.lld-19 .. ld.lld-14, on PATH.
    #[serde(default)]
    pub linker: Option<PathBuf>,
    /// The entry symbol. When given it is passed to ld.lld (`--entry`);
    /// default: the script's `ENTRY(...)`, else `_start`.
    #[serde(default)]
    pub entry: Option<String>,
    /// More ld.lld arguments, after Graft's own.
    #[serde(default)]
    pub extra_args: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Output {
    pub output: PathBuf,
    /// The entry symbol and its address (the ELF entry point).
    pub entry: String,
    pub entry_address: u64,
    /// Where the Multiboot2 header starts in the file.
    pub multiboot2_header_offset: u64,
    /// The kernel file's size in bytes.
    pub size: u64,
    /// Always 0 in a result: undefined symbols fail the link.
    pub undefined_symbols: usize,
}

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    // Validate: inputs exist, the script exists, a linker is there.
    validate(request, session)?;
    let linker = lld::find(request, session)?;
    let script = lld::load_script(request, session)?;
    let entry =
        request.entry.clone().or_else(|| lld::script_entry(&script.text)).unwrap_or_else(|| "_start".to_string());
    let pending = PendingOutput::new(&request.output).map_err(|e| {
        session.error(
            Code::OUTPUT_NOT_WRITABLE,
            format!(
                "cannot write '{}': {e}; check that its folder can be created and written",
                request.output.display()
            ),
        )
    })?;

    // Link into the temporary file.
    session.progress(&format!(
        "link: {} object(s) -> {} ({} with {})",
        request.objects.len(),
        request.output.display(),
        linker.file_name().unwrap_or_default().to_string_lossy(),
        script.display_name()
    ));
    let out = lld::link(&linker, &script, request, pending.path(), session)?;
    messages::report(&out, &script, &request.objects, session)?;

    // Check the result before it replaces anything.
    session.progress(&format!("link: checking {}", request.output.display()));
    let data = std::fs::read(pending.path())
        .map_err(|e| session.error(Code::NOT_AN_ELF, format!("cannot read the linked kernel back: {e}")))?;
    let checked = check::kernel(&data, &entry, &request.objects, session)?;

    pending.commit().map_err(|e| {
        session.error(
            Code::OUTPUT_NOT_WRITABLE,
            format!("cannot move the kernel into place at '{}': {e}", request.output.display()),
        )
    })?;
    session.progress(&format!(
        "link: wrote {} ({} bytes, entry {entry} at {:#x}, Multiboot2 header at file offset {:#x})",
        request.output.display(),
        data.len(),
        checked.entry_address,
        checked.header_offset
    ));
    Ok(Output {
        output: request.output.clone(),
        entry,
        entry_address: checked.entry_address,
        multiboot2_header_offset: checked.header_offset,
        size: data.len() as u64,
        undefined_symbols: 0,
    })
}

fn validate(request: &Request, session: &mut Session<'_>) -> StageResult<()> {
    let mut bad = false;
    if request.objects.is_empty() {
        session.report(Diagnostic::error(Code::INVALID_REQUEST, "the link request lists no objects"));
        bad = true;
    }
    for object in &request.objects {
        if !object.is_file() {
            session.report(
                Diagnostic::error(
                    Code::INPUT_NOT_READABLE,
                    format!("object '{}' does not exist; did the stage that makes it run?", object.display()),
                )
                .at(object, None, None),
            );
            bad = true;
        }
    }
    if let Some(script) = &request.linker_script
        && !script.is_file()
    {
        session.report(
            Diagnostic::error(
                Code::LINKER_SCRIPT_NOT_FOUND,
                format!(
                    "linker script '{}' does not exist; correct the path or leave it out to use Graft's default script",
                    script.display()
                ),
            )
            .at(script, None, None),
        );
        bad = true;
    }
    if bad { Err(graft_diag::Failed) } else { Ok(()) }
}


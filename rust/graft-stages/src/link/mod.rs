//! Stage `link`: objects in, one checked kernel ELF out.
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
//! Codes: GRAFT4001 (no ld.lld), GRAFT4002 (ld.lld failed; a linker script
//! error comes with file and line), GRAFT4003 (undefined symbols), GRAFT4004
//! (no Multiboot2 header), GRAFT4005 (bad Multiboot2 header), GRAFT4006 (no
//! entry symbol), GRAFT4007 (not an x86-64 ELF), GRAFT4008 (no linker
//! script), GRAFT0002 (missing object), GRAFT0001 (output not writable).

use crate::tool::{self, ToolSpec};
use graft_diag::{Code, Diagnostic, PendingOutput, Session, Severity, StageResult};
use object::{Object, ObjectSection, ObjectSymbol};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Graft's default linker script: Multiboot2 header, text, rodata, data, bss,
/// linked at 1 MiB, with the sections NativeAOT output needs kept.
pub const DEFAULT_LINKER_SCRIPT: &str = include_str!("../../../../sdk/linker/graft-kernel.ld");

/// How the default script is named in messages.
const DEFAULT_SCRIPT_NAME: &str = "graft-kernel.ld (Graft's default linker script)";

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

const LLD: ToolSpec<'static> = ToolSpec {
    role: "linker ld.lld",
    names: &["ld.lld", "ld.lld-19", "ld.lld-18", "ld.lld-17", "ld.lld-16", "ld.lld-15", "ld.lld-14"],
    packages: "lld",
    setting: "the request's `linker` (MSBuild: GraftLinker)",
};

const MB2_MAGIC: u32 = 0xE852_50D6;
const MB2_SEARCH_LIMIT: usize = 32 * 1024;

/// The linker script ld.lld reads: the caller's, or the default written to a
/// temporary file that lives as long as this value.
struct Script {
    path: PathBuf,
    text: String,
    temp: Option<tempfile::TempPath>,
}

impl Script {
    /// The script's name in messages.
    fn display_name(&self) -> String {
        if self.temp.is_some() { DEFAULT_SCRIPT_NAME.to_string() } else { self.path.display().to_string() }
    }
}

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    // Validate: inputs exist, the script exists, a linker is there.
    validate(request, session)?;
    let linker = LLD.find(request.linker.as_deref()).map_err(|m| session.error(Code::LINKER_NOT_FOUND, m))?;
    let script = load_script(request, session)?;
    let entry = request.entry.clone().or_else(|| script_entry(&script.text)).unwrap_or_else(|| "_start".to_string());
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
    let mut args: Vec<std::ffi::OsString> = vec![
        "-T".into(),
        script.path.clone().into(),
        "-nostdlib".into(),
        "-static".into(),
        "-z".into(),
        "max-page-size=0x1000".into(),
        "--no-pie".into(),
        "--error-limit=0".into(),
        "--no-demangle".into(),
        "--color-diagnostics=never".into(),
    ];
    if let Some(entry) = &request.entry {
        args.push(format!("--entry={entry}").into());
    }
    args.push("-o".into());
    args.push(pending.path().into());
    args.extend(request.objects.iter().map(|o| o.clone().into_os_string()));
    args.extend(request.extra_args.iter().map(Into::into));
    session.debug(&tool::describe(&linker, &args));
    let out = tool::run(&linker, &args).map_err(|m| session.error(Code::LINKER_NOT_FOUND, m))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    let reported = report_linker_output(&text, &script, &request.objects, session);
    if !out.status.success() {
        if !reported {
            let detail =
                if text.trim().is_empty() { format!("exit status {}", out.status) } else { text.trim().to_string() };
            session.report(Diagnostic::error(Code::LINK_FAILED, format!("ld.lld failed: {detail}")));
        }
        return Err(graft_diag::Failed);
    }

    // Check the result before it replaces anything.
    session.progress(&format!("link: checking {}", request.output.display()));
    let data = std::fs::read(pending.path())
        .map_err(|e| session.error(Code::NOT_AN_ELF, format!("cannot read the linked kernel back: {e}")))?;
    let checked = check_kernel(&data, &entry, &request.objects, session)?;

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

fn load_script(request: &Request, session: &mut Session<'_>) -> StageResult<Script> {
    if let Some(path) = &request.linker_script {
        let text = std::fs::read_to_string(path).map_err(|e| {
            session.fail(
                Diagnostic::error(
                    Code::LINKER_SCRIPT_NOT_FOUND,
                    format!("cannot read linker script '{}': {e}", path.display()),
                )
                .at(path, None, None),
            )
        })?;
        return Ok(Script { path: path.clone(), text, temp: None });
    }
    let write = || -> std::io::Result<tempfile::TempPath> {
        let mut file = tempfile::Builder::new().prefix("graft-kernel.").suffix(".ld").tempfile()?;
        file.write_all(DEFAULT_LINKER_SCRIPT.as_bytes())?;
        file.flush()?;
        Ok(file.into_temp_path())
    };
    let temp = write().map_err(|e| {
        session.error(
            Code::OUTPUT_NOT_WRITABLE,
            format!("cannot write the default linker script to a temporary file: {e}"),
        )
    })?;
    Ok(Script { path: temp.to_path_buf(), text: DEFAULT_LINKER_SCRIPT.to_string(), temp: Some(temp) })
}

/// The symbol named by the script's `ENTRY(...)`.
fn script_entry(script: &str) -> Option<String> {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| regex::Regex::new(r"\bENTRY\s*\(\s*([^\s)]+)\s*\)").expect("valid regex"));
    // Skip commented-out text.
    let code = strip_comments(script);
    pattern.captures(&code).map(|c| c[1].to_string())
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = match rest[start + 2..].find("*/") {
            Some(end) => &rest[start + 2 + end + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// One `error:`/`warning:` message of ld.lld with its `>>>` continuation lines.
struct LinkerMessage {
    is_error: bool,
    text: String,
    context: Vec<String>,
}

fn linker_messages(output: &str) -> Vec<LinkerMessage> {
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| regex::Regex::new(r"^\S*?: (error|warning): (.*)$").expect("valid regex"));
    let mut messages: Vec<LinkerMessage> = Vec::new();
    for line in output.lines() {
        if let Some(c) = pattern.captures(line) {
            messages.push(LinkerMessage { is_error: &c[1] == "error", text: c[2].to_string(), context: Vec::new() });
        } else if let Some(rest) = line.strip_prefix(">>>")
            && let Some(last) = messages.last_mut()
        {
            last.context.push(rest.trim().to_string());
        }
    }
    messages
}

/// Turns ld.lld's messages into diagnostics: all undefined symbols into one
/// GRAFT4003, a script error into GRAFT4002 with file and line, anything else
/// into GRAFT4002 (errors) or warnings. True when an error was reported.
fn report_linker_output(output: &str, script: &Script, objects: &[PathBuf], session: &mut Session<'_>) -> bool {
    static SCRIPT_LOCATION: OnceLock<regex::Regex> = OnceLock::new();
    let script_location =
        SCRIPT_LOCATION.get_or_init(|| regex::Regex::new(r"^(.+?):(\d+): (.*)$").expect("valid regex"));
    let mut undefined = BTreeSet::new();
    let mut reported = false;
    for message in linker_messages(output) {
        if let Some(name) = message.text.strip_prefix("undefined symbol: ") {
            undefined.insert(name.trim().to_string());
            continue;
        }
        let severity = if message.is_error { Severity::Error } else { Severity::Warning };
        reported |= message.is_error;
        // `script.ld:12: unknown directive: X`: point at the script's line.
        if let Some(c) = script_location.captures(&message.text)
            && Path::new(&c[1]) == script.path
        {
            let excerpt = message.context.first().map(|l| format!(" (at '{l}')")).unwrap_or_default();
            let (file, text) = if script.temp.is_some() {
                (PathBuf::from("graft-kernel.ld"), format!("{} in {DEFAULT_SCRIPT_NAME}{excerpt}", &c[3]))
            } else {
                (script.path.clone(), format!("linker script error: {}{excerpt}", &c[3]))
            };
            session.report(Diagnostic::new(Code::LINK_FAILED, severity, text).at(file, c[2].parse().ok(), None));
            continue;
        }
        let context: Vec<&str> =
            message.context.iter().map(String::as_str).filter(|l| !l.trim_start().starts_with('^')).collect();
        let text = if context.is_empty() {
            message.text.clone()
        } else {
            format!("{} ({})", message.text, context.join("; "))
        };
        session.report(Diagnostic::new(Code::LINK_FAILED, severity, format!("ld.lld: {text}")));
    }
    if !undefined.is_empty() {
        report_undefined(&undefined, objects, session);
        reported = true;
    }
    reported
}

/// The one GRAFT4003 error: every symbol, each with the inputs that reference it.
fn report_undefined(names: &BTreeSet<String>, objects: &[PathBuf], session: &mut Session<'_>) {
    let referrers = find_references(names, objects);
    let mut text = format!(
        "{} undefined symbol{}: define {} (in C, assembly or C#) or link the objects that do:",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        if names.len() == 1 { "it" } else { "them" }
    );
    for name in names {
        match referrers.get(name) {
            Some(by) if !by.is_empty() => text.push_str(&format!("\n{name} (referenced by {})", by.join(", "))),
            _ => text.push_str(&format!("\n{name}")),
        }
    }
    session.report(Diagnostic::error(Code::UNDEFINED_SYMBOLS, text));
}

/// For each name, the inputs (objects, or `archive(member)`) that reference
/// it without defining it, each with the functions whose code refers to it
/// where relocations tell: in an ILC object these are the compiled C# members
/// (`HelloKernel_HelloKernel_Program__Main` is `HelloKernel.Program.Main`).
fn find_references(names: &BTreeSet<String>, objects: &[PathBuf]) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut scan = |data: &[u8], label: String| {
        let Ok(file) = object::File::parse(data) else { return };
        for (name, functions) in referencing_functions(&file, names) {
            let entry = if functions.is_empty() {
                label.clone()
            } else {
                let managed = file.section_by_name("__managedcode").is_some();
                let what = if managed { "C# member" } else { "function" };
                let list: Vec<&str> = functions.iter().map(String::as_str).take(3).collect();
                let more = if functions.len() > 3 { format!(" and {} more", functions.len() - 3) } else { String::new() };
                format!("{label} in {what}{} {}{more}", if list.len() > 1 { "s" } else { "" }, list.join(", "))
            };
            found.entry(name).or_default().push(entry);
        }
    };
    for path in objects {
        let Ok(data) = std::fs::read(path) else { continue };
        if let Ok(archive) = object::read::archive::ArchiveFile::parse(&*data) {
            for member in archive.members().flatten() {
                if let Ok(bytes) = member.data(&*data) {
                    let label = format!("{}({})", path.display(), String::from_utf8_lossy(member.name()));
                    scan(bytes, label);
                }
            }
        } else {
            scan(&data, path.display().to_string());
        }
    }
    found
}

/// The undefined `names` this object references, each with the defined
/// functions whose bytes hold a relocation against it (empty when no
/// relocation names a containing function, e.g. data references).
fn referencing_functions(file: &object::File<'_>, names: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut wanted = BTreeMap::new();
    for symbol in file.symbols() {
        if symbol.is_undefined()
            && let Ok(name) = symbol.name()
            && names.contains(name)
        {
            wanted.insert(symbol.index().0, name.to_string());
        }
    }
    let mut result: BTreeMap<String, BTreeSet<String>> = wanted.values().map(|n| (n.clone(), BTreeSet::new())).collect();
    for section in file.sections() {
        // Functions of this section by start address, to find the one holding each relocation.
        let mut functions: Vec<(u64, u64, String)> = file
            .symbols()
            .filter(|s| s.section_index() == Some(section.index()) && s.kind() == object::SymbolKind::Text)
            .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
            .collect();
        functions.sort();
        for (offset, relocation) in section.relocations() {
            let object::RelocationTarget::Symbol(index) = relocation.target() else { continue };
            let Some(name) = wanted.get(&index.0) else { continue };
            let holder = functions.partition_point(|f| f.0 <= offset).checked_sub(1).map(|i| &functions[i]);
            if let Some((start, size, function)) = holder
                && (*size == 0 || offset < start + size)
            {
                result.get_mut(name).expect("wanted names are in the result").insert(function.clone());
            }
        }
    }
    result
}

struct Checked {
    entry_address: u64,
    header_offset: u64,
}

/// The checks on the linked kernel; every failed one is reported.
fn check_kernel(data: &[u8], entry: &str, objects: &[PathBuf], session: &mut Session<'_>) -> StageResult<Checked> {
    let file = match object::File::parse(data) {
        Ok(f)
            if f.format() == object::BinaryFormat::Elf
                && f.architecture() == object::Architecture::X86_64
                && f.is_64() =>
        {
            f
        }
        Ok(f) => {
            return Err(session.error(
                Code::NOT_AN_ELF,
                format!(
                    "the linked kernel is a {:?} {:?} file, not an x86-64 ELF; check the linker script's OUTPUT_FORMAT and the objects",
                    f.format(),
                    f.architecture()
                ),
            ));
        }
        Err(e) => {
            return Err(session.error(Code::NOT_AN_ELF, format!("the linked kernel is not a readable ELF file: {e}")));
        }
    };
    let mut ok = true;

    let header_offset = match find_multiboot2_header(data) {
        Ok(offset) => offset as u64,
        Err(problem) => {
            let code = if problem.missing { Code::MULTIBOOT2_HEADER_MISSING } else { Code::MULTIBOOT2_HEADER_INVALID };
            session.report(Diagnostic::error(code, problem.message));
            ok = false;
            0
        }
    };

    let entry_address = file.entry();
    let symbol = file.symbols().find(|s| s.name() == Ok(entry) && s.is_definition());
    match symbol {
        None => {
            session.report(Diagnostic::error(
                Code::ENTRY_SYMBOL_MISSING,
                format!(
                    "the entry symbol '{entry}' is not defined in the kernel; define it (sdk/boot/multiboot2_entry.asm defines _start) or name the right one in the linker script's ENTRY or the request's `entry`"
                ),
            ));
            ok = false;
        }
        Some(s) if s.address() != entry_address => {
            session.report(Diagnostic::error(
                Code::ENTRY_SYMBOL_MISSING,
                format!(
                    "the kernel's entry point {entry_address:#x} is not the entry symbol '{entry}' ({:#x}); make the linker script's ENTRY and the request's `entry` agree",
                    s.address()
                ),
            ));
            ok = false;
        }
        Some(_) => {}
    }

    // ld.lld fails on undefined symbols unless told otherwise (extra_args):
    // a kernel cannot resolve anything at run time, so catch those too.
    let undefined: BTreeSet<String> = file
        .symbols()
        .filter(|s| s.is_undefined() && s.is_global() && !s.is_weak())
        .filter_map(|s| s.name().ok().filter(|n| !n.is_empty()).map(str::to_string))
        .collect();
    if !undefined.is_empty() {
        report_undefined(&undefined, objects, session);
        ok = false;
    }

    if ok { Ok(Checked { entry_address, header_offset }) } else { Err(graft_diag::Failed) }
}

struct HeaderProblem {
    missing: bool,
    message: String,
}

/// The file offset of the first valid Multiboot2 header, found as a boot
/// loader finds it: at an 8-byte aligned offset within the first 32 KiB.
fn find_multiboot2_header(data: &[u8]) -> Result<usize, HeaderProblem> {
    let u32_at = |offset: usize| -> Option<u32> {
        data.get(offset..offset + 4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    };
    let limit = data.len().min(MB2_SEARCH_LIMIT);
    let mut first_problem: Option<String> = None;
    let mut offset = 0;
    while offset + 16 <= limit {
        if u32_at(offset) == Some(MB2_MAGIC) {
            match validate_header(data, offset) {
                Ok(()) => return Ok(offset),
                Err(problem) => {
                    first_problem.get_or_insert(format!("the Multiboot2 header at file offset {offset:#x} {problem}"));
                }
            }
        }
        offset += 8;
    }
    if let Some(message) = first_problem {
        return Err(HeaderProblem { missing: false, message });
    }
    // Say where a header that a boot loader would not find sits.
    let misplaced = (0..data.len().saturating_sub(4)).step_by(4).find(|&o| u32_at(o) == Some(MB2_MAGIC));
    Err(match misplaced {
        Some(o) if o < MB2_SEARCH_LIMIT => HeaderProblem {
            missing: false,
            message: format!(
                "the Multiboot2 header at file offset {o:#x} is not 8-byte aligned; align its section to 8 (`align 8` / ALIGN(8))"
            ),
        },
        Some(o) => HeaderProblem {
            missing: true,
            message: format!(
                "the Multiboot2 header is at file offset {o:#x}, beyond the first 32 KiB where boot loaders look; put its section (.multiboot2) first in the linker script"
            ),
        },
        None => HeaderProblem {
            missing: true,
            message: "no Multiboot2 header (magic 0xE85250D6) in the first 32 KiB of the kernel file; link sdk/boot/multiboot2_entry.asm or another object with a KEEP'd .multiboot2 section".to_string(),
        },
    })
}

/// Checks the header at `offset`: architecture, length, checksum, tags.
fn validate_header(data: &[u8], offset: usize) -> Result<(), String> {
    let u32_at = |o: usize| -> u32 { u32::from_le_bytes(data[o..o + 4].try_into().expect("4 bytes")) };
    let (magic, arch, length) = (u32_at(offset), u32_at(offset + 4), u32_at(offset + 8));
    let checksum = u32_at(offset + 12);
    if magic.wrapping_add(arch).wrapping_add(length).wrapping_add(checksum) != 0 {
        return Err(format!(
            "has a wrong checksum {checksum:#x} (magic + architecture + header_length + checksum must be 0 mod 2^32; expected {:#x})",
            0u32.wrapping_sub(magic.wrapping_add(arch).wrapping_add(length))
        ));
    }
    if arch != 0 {
        return Err(format!(
            "names architecture {arch}, not 0 (i386 protected mode, the one GRUB starts x86 kernels in)"
        ));
    }
    let length = length as usize;
    if length < 24 || !length.is_multiple_of(8) || offset + length > data.len() {
        return Err(format!("has a header_length of {length} bytes, which cannot hold its tags and the end tag"));
    }
    // Tags: {u16 type, u16 flags, u32 size}, each 8-byte aligned, ending with type 0 size 8.
    let mut tag = offset + 16;
    while tag + 8 <= offset + length {
        let kind = u16::from_le_bytes([data[tag], data[tag + 1]]);
        let size = u32_at(tag + 4) as usize;
        if kind == 0 {
            return if size == 8 { Ok(()) } else { Err(format!("has an end tag of size {size}, not 8")) };
        }
        if size < 8 {
            return Err(format!("has a tag of type {kind} with size {size}"));
        }
        tag += size.div_ceil(8) * 8;
    }
    Err("has no end tag (type 0, size 8) within header_length".to_string())
}

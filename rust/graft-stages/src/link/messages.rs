//! Reading ld.lld's diagnostics into Graft's: every undefined symbol into
//! one GRAFT4003 that names the inputs and functions using each, a linker
//! script error into GRAFT4002 at the script's file and line, anything else
//! into GRAFT4002 (errors) or warnings. The check of the linked ELF reports
//! the undefined symbols it finds through the same GRAFT4003.

use super::lld::{DEFAULT_SCRIPT_NAME, Script};
use graft_diag::{Code, Diagnostic, Session, Severity, StageResult};
use object::{Object, ObjectSection, ObjectSymbol};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

/// Reports what ld.lld printed. Fails when ld.lld did, always with an error:
/// its whole output (or exit status) when no line of it reads as one.
pub(super) fn report(out: &Output, script: &Script, objects: &[PathBuf], session: &mut Session<'_>) -> StageResult<()> {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stderr), String::from_utf8_lossy(&out.stdout));
    let reported = report_linker_output(&text, script, objects, session);
    if !out.status.success() {
        if !reported {
            let detail =
                if text.trim().is_empty() { format!("exit status {}", out.status) } else { text.trim().to_string() };
            session.report(Diagnostic::error(Code::LINK_FAILED, format!("ld.lld failed: {detail}")));
        }
        return Err(graft_diag::Failed);
    }
    Ok(())
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
pub(super) fn report_undefined(names: &BTreeSet<String>, objects: &[PathBuf], session: &mut Session<'_>) {
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

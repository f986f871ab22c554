//! Crash reports with names and source lines: turns the code addresses a
//! Graft kernel prints on its serial port into the function (for ILC's code,
//! the C# method) and the `file:line` they belong to. `graft run` runs every
//! echoed serial line through it as it arrives; `graft symbolize Kernel.elf <
//! serial.log` does the same afterwards.
//!
//! Input: the linked kernel (`Kernel.elf`): its symbol table, ILC's DWARF
//! (subprograms, their classes and parameter types, the line table), and the
//! DWARF of the kernel side's C when it was compiled with `-g`. Output: the
//! same text with each address replaced, line by line; the raw text is never
//! changed in place (`graft run` keeps it as the run's `serial`).
//!
//! # The line protocol (kernel → host)
//!
//! A code address the host should symbolise is printed as `[0x` lowercase hex
//! `]` ([`ADDRESS_PATTERN`]; the kernel prints it with one C helper,
//! `graft_write_code_address` in `sdk/runtime/exceptions/stack_report.c`). It
//! is the address of the instruction the frame is executing: the faulting
//! instruction for the frame that faulted, the call instruction (return
//! address − 1) for every caller, so a host looks it up as is. Two line forms
//! carry it (sdk/runtime/README.md, "Crash reports"):
//!
//! | form | printed by | example | symbolised |
//! |---|---|---|---|
//! | a frame of the fault report | `interrupts/idt.c` | `  at [0x1054f3]` | `  at Kernel.Program.Depth(Int32) in /src/Program.cs:line 6` |
//! | a frame of a managed stack trace (CoreLib's line, address added) | CoreLib, via `SystemNative_LogError` | `   at Program.Depth(Int32) + 0x13 [0x1054f2]` | `   at Program.Depth(Int32) in /src/Program.cs:line 6` |
//!
//! A frame that names no method gets the symboliser's name; a frame that
//! already names one (CoreLib's, from its stack-trace metadata) keeps it and
//! loses only the ` + 0x..` offset and the address. Without a line, a frame
//! becomes `name + 0xoffset`; an address no symbol covers stays as printed.
//!
//! # C# names from ILC
//!
//! ILC's DWARF declares each method inside a `DW_TAG_class_type` named by
//! ILC's mangling (`<assembly>_<namespace>_<type>`, dots as `_`,
//! `S_P_CoreLib` for System.Private.CoreLib), with its C# name (`Depth`,
//! `.ctor`, `<Main>b__1_0`) and parameter types (`int`, `String &`). The
//! symboliser writes `Namespace.Type.Method(Int32, String)` as CoreLib's stack
//! traces do: the assembly prefix removed (known ones, those with a
//! `<prefix>__Module___` symbol, or a prefix the namespace repeats, else the
//! first `_` part), `_` read as `.` (an underscore in a type's own name cannot
//! be told apart), parameter types by their short CLR names. Without DWARF the
//! symbol name is cleaned the same way, without parameters. Native code keeps
//! its symbol name.
//!
//! Codes: GRAFT6007 the kernel ELF is missing or not an ELF (an error for
//! `graft symbolize`, a warning for `graft run`, which then echoes the raw
//! text), GRAFT6008 no symbol table or no DWARF line table (a warning: names
//! or lines are missing from the report).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, LazyLock};

use gimli::Reader as _;
use graft_diag::{Code, Diagnostic};
use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};
use regex::Regex;

/// One code address in the agreed form: `[0x1054f3]`, lowercase hex.
pub const ADDRESS_PATTERN: &str = r"\[0x([0-9a-f]{1,16})\]";

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| Regex::new(ADDRESS_PATTERN).expect("valid pattern"));

/// Whether `text` holds an address in the agreed form (a crash report to symbolise).
pub fn has_addresses(text: &str) -> bool {
    ADDRESS.is_match(text)
}

/// An address with CoreLib's ` + 0x<offset>` before it, when there is one.
static FRAME_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?P<offset> \+ 0x[0-9a-f]+ )?{ADDRESS_PATTERN}")).expect("valid pattern"));

type Reader = gimli::EndianArcSlice<gimli::RunTimeEndian>;

/// What an address is: its function, the offset into it, and its source line
/// when the DWARF line table covers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub function: String,
    pub offset: u64,
    /// The source file as the DWARF names it (ILC: the path at compile time).
    pub file: Option<String>,
    pub line: Option<u32>,
}

struct Function {
    start: u64,
    end: u64,
    name: String,
    /// Whether the line table speaks for it: not for ILC's code that has no
    /// DWARF subprogram (stubs, thunks, `<Module>`), where the line table
    /// only repeats the row before it.
    lines: bool,
}

/// A kernel's symbols and line table, loaded once.
pub struct Symbolizer {
    /// Sorted by start; ends are exclusive.
    functions: Vec<Function>,
    lines: Option<addr2line::Context<Reader>>,
}

impl Symbolizer {
    /// Reads `elf`. An unreadable or non-ELF file is a GRAFT6007 error; a
    /// kernel without symbols or line table loads, with GRAFT6008 warnings.
    pub fn open(elf: &Path) -> Result<(Symbolizer, Vec<Diagnostic>), Diagnostic> {
        let unreadable = |why: String| {
            Diagnostic::error(
                Code::KERNEL_SYMBOLS_UNREADABLE,
                format!("cannot read kernel '{}' for symbolising: {why}; name the linked Kernel.elf (graft run --kernel)", elf.display()),
            )
            .at(elf, None, None)
        };
        let data = std::fs::read(elf).map_err(|e| unreadable(e.to_string()))?;
        Self::parse(&data).map_err(unreadable)
    }

    /// As [`Symbolizer::open`], from the file's bytes; the error says why
    /// they are no ELF.
    pub fn parse(data: &[u8]) -> Result<(Symbolizer, Vec<Diagnostic>), String> {
        let file = object::File::parse(data).map_err(|e| format!("not an ELF file ({e})"))?;
        if file.format() != object::BinaryFormat::Elf {
            return Err("not an ELF file".into());
        }
        let mut warnings = Vec::new();
        let mut functions = symbols(&file);
        if functions.is_empty() {
            warnings.push(Diagnostic::warning(
                Code::KERNEL_DEBUG_INFO_MISSING,
                "the kernel has no function symbols (stripped?): crash reports keep their addresses; link without --strip",
            ));
        }
        let dwarf = load_dwarf(&file);
        let managed = names_from_dwarf(&dwarf, &functions).unwrap_or_default();
        let prefixes = assembly_prefixes(&functions);
        let managed_code = managed_code_range(&file);
        for f in &mut functions {
            let in_managed_code = managed_code.as_ref().map_or_else(|| is_ilc_symbol(&f.name), |r| r.iter().any(|r| r.contains(&f.start)));
            match managed.get(&f.start) {
                Some(name) => f.name = name.clone(),
                None if in_managed_code => {
                    f.lines = false;
                    if is_ilc_symbol(&f.name) {
                        f.name = clean_ilc_symbol(&f.name, &prefixes);
                    }
                }
                None => {}
            }
        }
        let has_lines = file.section_by_name(".debug_line").is_some_and(|s| s.size() > 0);
        let lines = if has_lines { addr2line::Context::from_dwarf(dwarf).ok() } else { None };
        if lines.is_none() {
            warnings.push(Diagnostic::warning(
                Code::KERNEL_DEBUG_INFO_MISSING,
                "the kernel has no DWARF line table: crash reports name functions but no source lines; build with debug information (GraftDebugInfo=true, ILC -g)",
            ));
        }
        Ok((Symbolizer { functions, lines }, warnings))
    }

    /// The function and source line of `address` (an address in the
    /// protocol's sense: the instruction itself, not a return address).
    pub fn lookup(&self, address: u64) -> Option<Location> {
        let i = self.functions.partition_point(|f| f.start <= address).checked_sub(1)?;
        let f = &self.functions[i];
        if address >= f.end {
            return None;
        }
        let (file, line) = self
            .lines
            .as_ref()
            .filter(|_| f.lines)
            .and_then(|c| c.find_location(address).ok().flatten())
            .map_or((None, None), |l| (l.file.map(str::to_string), l.line.filter(|&n| n > 0)));
        Some(Location { function: f.name.clone(), offset: address - f.start, file, line })
    }

    /// One serial line with every address of the protocol symbolised (see the
    /// module documentation); borrowed unchanged when it has none this
    /// kernel knows.
    pub fn symbolize_line<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let mut out = String::new();
        let mut copied = 0;
        for caps in FRAME_TOKEN.captures_iter(line) {
            let whole = caps.get(0).expect("match");
            let Some(location) = u64::from_str_radix(&caps[2], 16).ok().and_then(|a| self.lookup(a)) else {
                continue;
            };
            let named = caps.name("offset").is_some() || names_a_method(&line[..whole.start()]);
            let source = match (&location.file, location.line) {
                (Some(file), Some(n)) => Some(format!("in {file}:line {n}")),
                _ => None,
            };
            let replacement = match (named, source) {
                (true, Some(source)) => format!(" {source}"),
                // CoreLib's name and offset say as much as a symbol would.
                (true, None) => continue,
                (false, Some(source)) => format!("{} {source}", location.function),
                (false, None) => format!("{} + {:#x}", location.function, location.offset),
            };
            out.push_str(&line[copied..whole.start()]);
            out.push_str(&replacement);
            copied = whole.end();
        }
        if copied == 0 {
            return Cow::Borrowed(line);
        }
        out.push_str(&line[copied..]);
        Cow::Owned(out)
    }

    /// Every line of `text` through [`Symbolizer::symbolize_line`]; line ends
    /// are kept as they are.
    pub fn symbolize_text(&self, text: &str) -> String {
        text.split_inclusive('\n').map(|l| self.symbolize_line(l)).collect()
    }
}

/// Whether the text before an address, after its last `at `, names a method
/// (CoreLib's trace line) rather than being the bare `  at ` of a fault frame.
fn names_a_method(before: &str) -> bool {
    before.rfind("at ").is_some_and(|i| !before[i + 3..].trim().is_empty())
}

/// Echoed serial output, symbolised line by line as it arrives. A line that
/// may become a frame line (it starts, after blanks, with `at ` or `graft:`)
/// is held until its end; any other text passes at once, so prompts and
/// partial lines still show live.
pub struct EchoFilter {
    symbolizer: Symbolizer,
    /// The current line's bytes not yet passed on.
    pending: Vec<u8>,
    /// Whether part of the current line was already passed on raw.
    streaming: bool,
}

/// A held line longer than this is passed on raw.
const HOLD_LIMIT: usize = 4096;

impl EchoFilter {
    pub fn new(symbolizer: Symbolizer) -> Self {
        EchoFilter { symbolizer, pending: Vec::new(), streaming: false }
    }

    /// The symboliser back, for the rest of the output.
    pub fn into_symbolizer(self) -> Symbolizer {
        self.symbolizer
    }

    /// Takes the next bytes; returns what to show now.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.pending.extend_from_slice(bytes);
        // Each whole line in turn, then what they took cut off the front once.
        let mut start = 0;
        while let Some(length) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let end = start + length + 1;
            self.emit_line(&self.pending[start..end], &mut out);
            self.streaming = false;
            start = end;
        }
        self.pending.drain(..start);
        if !self.pending.is_empty() && (self.streaming || !may_be_frame_line(&self.pending)) {
            out.append(&mut self.pending);
            self.streaming = true;
        }
        out
    }

    /// The end of the output: whatever is held, symbolised.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let line = std::mem::take(&mut self.pending);
        self.emit_line(&line, &mut out);
        self.streaming = false;
        out
    }

    /// A finished line: passed on as is when its start already was, else symbolised.
    fn emit_line(&self, line: &[u8], out: &mut Vec<u8>) {
        if self.streaming {
            out.extend_from_slice(line);
        } else {
            self.symbolize_into(line, out);
        }
    }

    fn symbolize_into(&self, line: &[u8], out: &mut Vec<u8>) {
        match std::str::from_utf8(line) {
            Ok(text) => out.extend_from_slice(self.symbolizer.symbolize_line(text).as_bytes()),
            Err(_) => out.extend_from_slice(line),
        }
    }
}

fn may_be_frame_line(partial: &[u8]) -> bool {
    if partial.len() > HOLD_LIMIT {
        return false;
    }
    let start = partial.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(partial.len());
    let t = &partial[start..];
    [&b"at "[..], b"graft:"].iter().any(|p| p.starts_with(t) || t.starts_with(p))
}

/// The code symbols, sorted, with ends: functions (C, ILC) and the untyped
/// labels of assembly in code sections (NASM's), which end where the next
/// symbol begins. A label inside a sized function is part of it.
fn symbols(file: &object::File<'_>) -> Vec<Function> {
    let in_code = |s: &object::Symbol<'_, '_>| {
        s.section_index().and_then(|i| file.section_by_index(i).ok()).is_some_and(|sec| sec.kind() == SectionKind::Text)
    };
    let mut raw: Vec<(u64, u64, String)> = file
        .symbols()
        .filter(|s| s.address() != 0 && (s.kind() == SymbolKind::Text || (s.kind() == SymbolKind::Unknown || s.kind() == SymbolKind::Label) && in_code(s)))
        .filter_map(|s| Some((s.address(), s.size(), s.name().ok()?.to_string())))
        .filter(|(_, size, name)| !name.is_empty() && !name.starts_with(".L") && !(*size == 0 && is_section_marker(name)))
        .collect();
    // At one address the sized symbol wins, then the first in the table.
    raw.sort_by_key(|&(address, size, _)| (address, size == 0));
    raw.dedup_by_key(|(address, _, _)| *address);
    let mut functions: Vec<Function> = Vec::with_capacity(raw.len());
    for (i, (start, size, name)) in raw.iter().enumerate() {
        if *size == 0 && functions.last().is_some_and(|f| f.end > *start && f.end != u64::MAX) {
            continue;
        }
        if let Some(previous) = functions.last_mut()
            && previous.end > *start
        {
            previous.end = *start;
        }
        let end = if *size > 0 { start + size } else { raw.get(i + 1).map_or(u64::MAX, |r| r.0) };
        functions.push(Function { start: *start, end, name: name.clone(), lines: true });
    }
    functions
}

fn load_dwarf(file: &object::File<'_>) -> gimli::Dwarf<Reader> {
    let endian = if file.is_little_endian() { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };
    let load = |id: gimli::SectionId| -> Result<Reader, gimli::Error> {
        let data = file.section_by_name(id.name()).and_then(|s| s.uncompressed_data().ok()).unwrap_or_default();
        Ok(Reader::new(Arc::from(&*data), endian))
    };
    gimli::Dwarf::load(load).unwrap_or_else(|_: gimli::Error| {
        gimli::Dwarf::load(|_| Ok::<_, gimli::Error>(Reader::new(Arc::from(&[][..]), endian))).expect("empty sections load")
    })
}

/// A method declaration in ILC's DWARF.
#[derive(Default)]
struct Declaration {
    name: String,
    class: Option<String>,
    parameters: Vec<gimli::UnitOffset<usize>>,
}

/// C# names of ILC's methods by start address, from the compile units ILC
/// wrote (producer `NetRuntime`).
fn names_from_dwarf(dwarf: &gimli::Dwarf<Reader>, functions: &[Function]) -> Result<HashMap<u64, String>, gimli::Error> {
    let prefixes = assembly_prefixes(functions);
    let mut names = HashMap::new();
    let mut headers = dwarf.units();
    while let Some(header) = headers.next()? {
        let unit = dwarf.unit(header)?;
        let mut declarations: HashMap<gimli::UnitOffset<usize>, Declaration> = HashMap::new();
        let mut concrete: Vec<(u64, gimli::UnitOffset<usize>)> = Vec::new();
        let mut classes: Vec<(isize, String)> = Vec::new();
        // The subprogram whose parameters are being read, and its depth.
        let mut open: Option<(isize, gimli::UnitOffset<usize>)> = None;
        let mut entries = unit.entries();
        let mut is_ilc = false;
        while let Some(entry) = entries.next_dfs()? {
            let depth = entry.depth();
            classes.retain(|(d, _)| *d < depth);
            if open.is_some_and(|(d, _)| depth <= d) {
                open = None;
            }
            let string = |attr| text_attr(dwarf, &unit, entry, attr);
            match entry.tag() {
                gimli::DW_TAG_compile_unit => {
                    is_ilc = string(gimli::DW_AT_producer).is_some_and(|p| p == "NetRuntime");
                    if !is_ilc {
                        break;
                    }
                }
                gimli::DW_TAG_class_type | gimli::DW_TAG_structure_type => {
                    classes.push((depth, string(gimli::DW_AT_name).unwrap_or_default()));
                }
                gimli::DW_TAG_subprogram => {
                    let low = match entry.attr_value(gimli::DW_AT_low_pc) {
                        Some(gimli::AttributeValue::Addr(a)) => Some(a),
                        _ => None,
                    };
                    match (low, entry.attr_value(gimli::DW_AT_specification)) {
                        (Some(low), Some(gimli::AttributeValue::UnitRef(spec))) => concrete.push((low, spec)),
                        _ => {
                            let declaration = Declaration {
                                name: string(gimli::DW_AT_name).unwrap_or_default(),
                                class: classes.last().map(|(_, c)| c.clone()),
                                parameters: Vec::new(),
                            };
                            declarations.insert(entry.offset(), declaration);
                            if let Some(low) = low {
                                concrete.push((low, entry.offset()));
                            }
                            open = Some((depth, entry.offset()));
                        }
                    }
                }
                gimli::DW_TAG_formal_parameter => {
                    if let Some((d, offset)) = open
                        && depth == d + 1
                        && entry.attr_value(gimli::DW_AT_artificial) != Some(gimli::AttributeValue::Flag(true))
                        && let Some(gimli::AttributeValue::UnitRef(ty)) = entry.attr_value(gimli::DW_AT_type)
                        && let Some(declaration) = declarations.get_mut(&offset)
                    {
                        declaration.parameters.push(ty);
                    }
                }
                _ => {}
            }
        }
        if !is_ilc {
            continue;
        }
        let mut type_names = HashMap::new();
        for (low, offset) in concrete {
            let Some(d) = declarations.get(&offset).filter(|d| !d.name.is_empty()) else { continue };
            let parameters: Vec<String> = d.parameters.iter().map(|&t| parameter_type(dwarf, &unit, t, &mut type_names, &prefixes)).collect();
            let owner = d.class.as_deref().map(|c| format!("{}.", clr_type(c, &prefixes))).unwrap_or_default();
            names.insert(low, format!("{owner}{}({})", d.name, parameters.join(", ")));
        }
    }
    Ok(names)
}

fn text_attr(dwarf: &gimli::Dwarf<Reader>, unit: &gimli::Unit<Reader>, entry: &gimli::DebuggingInformationEntry<Reader>, attr: gimli::DwAt) -> Option<String> {
    let value = dwarf.attr_string(unit, entry.attr_value(attr)?).ok()?;
    Some(value.to_string_lossy().ok()?.into_owned())
}

/// A parameter's type as CoreLib's stack traces write it: `Int32`,
/// `String`, `Byte*`, `Int32&` (a reference to a class is the object itself).
fn parameter_type(
    dwarf: &gimli::Dwarf<Reader>,
    unit: &gimli::Unit<Reader>,
    offset: gimli::UnitOffset<usize>,
    cache: &mut HashMap<gimli::UnitOffset<usize>, String>,
    prefixes: &HashSet<String>,
) -> String {
    if let Some(name) = cache.get(&offset) {
        return name.clone();
    }
    let name = (|| -> Option<String> {
        let entry = unit.entry(offset).ok()?;
        let named = || text_attr(dwarf, unit, &entry, gimli::DW_AT_name);
        let target = || match entry.attr_value(gimli::DW_AT_type) {
            Some(gimli::AttributeValue::UnitRef(t)) => Some(t),
            _ => None,
        };
        Some(match entry.tag() {
            gimli::DW_TAG_base_type => primitive(&named()?).to_string(),
            gimli::DW_TAG_pointer_type => format!("{}*", parameter_type(dwarf, unit, target()?, cache, prefixes)),
            gimli::DW_TAG_reference_type | gimli::DW_TAG_rvalue_reference_type => {
                let t = target()?;
                let is_class = unit.entry(t).is_ok_and(|e| matches!(e.tag(), gimli::DW_TAG_class_type | gimli::DW_TAG_structure_type));
                let inner = parameter_type(dwarf, unit, t, cache, prefixes);
                if is_class { inner } else { format!("{inner}&") }
            }
            gimli::DW_TAG_typedef | gimli::DW_TAG_const_type | gimli::DW_TAG_volatile_type => match target() {
                Some(t) => parameter_type(dwarf, unit, t, cache, prefixes),
                None => named()?,
            },
            _ => short_type(&clr_type(&named()?, prefixes)).to_string(),
        })
    })()
    .unwrap_or_else(|| "?".into());
    cache.insert(offset, name.clone());
    name
}

/// ILC's names for the CLR's primitive types, as C spells them.
fn primitive(name: &str) -> &str {
    match name {
        "bool" => "Boolean",
        "char" | "char16_t" | "wchar_t" => "Char",
        "sbyte" | "signed char" => "SByte",
        "byte" | "unsigned char" => "Byte",
        "short" => "Int16",
        "ushort" | "unsigned short" => "UInt16",
        "int" => "Int32",
        "uint" | "unsigned int" => "UInt32",
        "long" => "Int64",
        "ulong" | "unsigned long" => "UInt64",
        "nint" => "IntPtr",
        "nuint" => "UIntPtr",
        "float" => "Single",
        "double" => "Double",
        "void" => "Void",
        other => other,
    }
}

/// The last part of a dotted type name (generic arguments kept).
fn short_type(full: &str) -> &str {
    let head = full.find('<').unwrap_or(full.len());
    full[..head].rfind('.').map_or(full, |i| &full[i + 1..])
}

/// The assemblies CoreLib and ILC always bring, by ILC's prefix.
const KNOWN_PREFIXES: &[&str] =
    &["S_P_CoreLib", "S_P_StackTraceMetadata", "S_P_TypeLoader", "S_P_Reflection_Execution", "S_P_Reflection_Core", "S_P_Reflection_Metadata"];

/// ILC's assembly prefixes: the known ones and each `<prefix>__Module___`
/// (the module type every assembly with a module initialiser or entry point has).
fn assembly_prefixes(functions: &[Function]) -> HashSet<String> {
    let mut prefixes: HashSet<String> = KNOWN_PREFIXES.iter().map(|p| p.to_string()).collect();
    for f in functions {
        if let Some(i) = f.name.find("__Module___")
            && i > 0
            && !f.name.starts_with('_')
        {
            prefixes.insert(f.name[..i].to_string());
        }
    }
    prefixes.remove("Internal_CompilerGenerated");
    prefixes
}

/// ILC's mangled type name (`Checks_Eh`, `S_P_CoreLib_System_String`) as
/// `Namespace.Type`, as far as the mangling allows.
fn clr_type(mangled: &str, prefixes: &HashSet<String>) -> String {
    let head = mangled.find('<').unwrap_or(mangled.len());
    let (name, generic) = mangled.split_at(head);
    let parts: Vec<&str> = name.split('_').collect();
    let skip = if name.starts_with("Internal_CompilerGenerated") || parts.len() < 2 {
        0
    } else if let Some(p) = (1..parts.len()).rev().find(|&k| prefixes.contains(&parts[..k].join("_"))) {
        p
    } else if let Some(k) = (1..parts.len()).find(|&k| parts.len() > 2 * k && parts[k..2 * k] == parts[..k]) {
        // The namespace repeats the assembly's name (Kernel_Kernel_Program).
        k
    } else {
        1
    };
    let rest: Vec<&str> = parts[skip..].iter().copied().filter(|p| !p.is_empty()).collect();
    format!("{}{generic}", rest.join("."))
}

/// A linker script's bounds (`__managedcode_start`, `__text_end`): no functions.
fn is_section_marker(name: &str) -> bool {
    name.starts_with("__") && (name.ends_with("_start") || name.ends_with("_end"))
}

/// ILC's code: the linker script's `__managedcode_*` and `__unbox_*`
/// ranges (sdk/linker/graft-kernel.ld), when the kernel has them.
fn managed_code_range(file: &object::File<'_>) -> Option<Vec<std::ops::Range<u64>>> {
    let find = |name: &str| file.symbols().find(|s| s.name() == Ok(name)).map(|s| s.address());
    let managed = find("__managedcode_start")?..find("__managedcode_end")?;
    let unbox = find("__unbox_start").zip(find("__unbox_end")).map(|(a, b)| a..b);
    Some(std::iter::once(managed).chain(unbox).collect())
}

fn is_ilc_symbol(name: &str) -> bool {
    name.contains("__") && !name.starts_with('_') && !name.starts_with("graft_")
}

/// An ILC method symbol without DWARF: `Checks_Eh__Thrower` → `Eh.Thrower`,
/// `Checks__Module___StartupCodeMain` → `<Module>.StartupCodeMain`.
fn clean_ilc_symbol(name: &str, prefixes: &HashSet<String>) -> String {
    if let Some((_, method)) = name.split_once("__Module___") {
        return format!("<Module>.{method}");
    }
    match name.split_once("__") {
        Some((ty, method)) if !ty.is_empty() && !method.is_empty() => format!("{}.{method}", clr_type(ty, prefixes)),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(extra: &[&str]) -> HashSet<String> {
        let mut p: HashSet<String> = KNOWN_PREFIXES.iter().map(|s| s.to_string()).collect();
        p.extend(extra.iter().map(|s| s.to_string()));
        p
    }

    #[test]
    fn ilc_type_names_lose_their_assembly() {
        let p = prefixes(&["Checks"]);
        assert_eq!(clr_type("Checks_Eh", &p), "Eh");
        assert_eq!(clr_type("S_P_CoreLib_System_Runtime_EH", &p), "System.Runtime.EH");
        assert_eq!(clr_type("Kernel_Kernel_Program", &p), "Kernel.Program");
        assert_eq!(clr_type("Graft_Kernel_Graft_Kernel_Serial", &p), "Graft.Kernel.Serial");
        assert_eq!(clr_type("Other_Thing", &p), "Thing");
        assert_eq!(short_type("System.Collections.Generic.List<System.Int32>"), "List<System.Int32>");
        assert_eq!(clean_ilc_symbol("Checks_Program__Deep", &p), "Program.Deep");
        assert_eq!(clean_ilc_symbol("Checks__Module___StartupCodeMain", &p), "<Module>.StartupCodeMain");
        assert!(!is_ilc_symbol("graft_fault") && !is_ilc_symbol("__managed__Main") && is_ilc_symbol("Checks_Eh__Run"));
    }

    #[test]
    fn frame_lines_keep_a_name_they_have() {
        assert!(names_a_method("   at Program.Depth(Int32)"));
        assert!(!names_a_method("  at "));
        assert!(may_be_frame_line(b"  a") && may_be_frame_line(b"   at Pro") && may_be_frame_line(b"gra"));
        assert!(!may_be_frame_line(b"> ") && !may_be_frame_line(b"hello"));
    }
}

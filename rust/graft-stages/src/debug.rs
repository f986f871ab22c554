//! Source-level debugging of a kernel in QEMU's GDB stub: the one list of
//! gdb setup commands (the script `graft run --debug` writes beside the
//! kernel, `Kernel.gdb`, which `graft debug` and the VS Code launch
//! configuration both read), the C# `Main` it stops at, and finding gdb.
//!
//! What works under TCG with qemu-system-x86_64 (tests/sdk/run's
//! `debug_csharp_kernel_with_gdb` proves the C# part):
//! - the stub always reports the x86-64 register set, also while the 32-bit
//!   PVH entry runs: gdb stays in `i386:x86-64` (the ELF's architecture).
//!   `set architecture i386` fails to connect ("Remote 'g' packet reply is
//!   too long"); 32-bit code before long mode merely disassembles as 64-bit.
//! - software breakpoints (`break`) work from the first instruction on:
//!   under TCG QEMU keeps them itself and writes nothing into guest memory, so
//!   paging and the mode switch do not matter; `hbreak` works as well.
//!
//! Codes: GRAFT6009 gdb missing, 6010 no GDB stub on the port.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use graft_diag::{Code, Diagnostic};

use crate::tool::ToolSpec;

/// The TCP port of QEMU's GDB stub when none is named (QEMU's own `-s`).
pub const DEFAULT_GDB_PORT: u16 = 1234;

const GDB: ToolSpec = ToolSpec {
    role: "gdb",
    names: &["gdb", "gdb-multiarch"],
    packages: "gdb",
    setting: "the gdb path (graft debug --gdb, GRAFT_GDB)",
};

/// gdb: the explicit path or name, else found on PATH (GRAFT6009).
pub fn find_gdb(explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    GDB.find(explicit).map_err(|m| Diagnostic::error(Code::GDB_NOT_FOUND, m))
}

/// The setup script's path for a kernel: `Kernel.elf` -> `Kernel.gdb`.
pub fn script_path(kernel: &Path) -> PathBuf {
    kernel.with_extension("gdb")
}

/// The gdb commands that prepare a session on `kernel` (already gdb's
/// program): written once here, read by `graft debug` and VS Code. They do
/// not connect (each client connects to its own port) and do not continue.
pub fn gdb_script(kernel: &Path, stop_at: Option<&str>) -> String {
    let mut script = format!(
        "# Written by Graft for {} (graft run --debug, graft debug). Connect first:\n\
         #   gdb {0} -ex 'target remote localhost:{DEFAULT_GDB_PORT}' -x {}\n\
         # QEMU's GDB stub reports x86-64 registers even in the 32-bit PVH entry:\n\
         # stay in i386:x86-64 (i386 fails: \"Remote 'g' packet reply is too long\").\n\
         set architecture i386:x86-64\n\
         # Under TCG QEMU keeps breakpoints itself: `break` works before long mode and paging.\n",
        kernel.display(),
        script_path(kernel).display(),
    );
    match stop_at {
        Some(symbol) => script.push_str(&format!("# The kernel's Main, as ILC names it.\nbreak {symbol}\n")),
        None => script.push_str("# No Main found in the kernel's symbols: no breakpoint.\n"),
    }
    script
}

/// Writes `Kernel.gdb` beside `kernel`, stopping at its Main; its path.
pub fn write_script(kernel: &Path) -> Result<PathBuf, Diagnostic> {
    let data = std::fs::read(kernel).map_err(|e| {
        Diagnostic::error(Code::INPUT_NOT_READABLE, format!("cannot read kernel '{}': {e}", kernel.display())).at(kernel, None, None)
    })?;
    let path = script_path(kernel);
    let text = gdb_script(kernel, main_symbol(&data).as_deref());
    graft_diag::write_atomic(&path, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(|e| {
        Diagnostic::error(Code::OUTPUT_NOT_WRITABLE, format!("cannot write '{}': {e}", path.display())).at(&path, None, None)
    })?;
    Ok(path)
}

/// The symbol of the kernel's `Main`: for a C# kernel the program's `Main`
/// as ILC names it (`HelloKernel_HelloKernel_Program__Main`), found where
/// ILC's `__managed__Main` calls it (through `<Module>.MainMethodWrapper`
/// when there is one); else `__managed__Main`; for a kernel without ILC
/// code `graft_kernel_main`. None when the ELF has none of them.
pub fn main_symbol(elf: &[u8]) -> Option<String> {
    use object::{Object, ObjectSection, ObjectSymbol, SymbolKind};
    let file = object::File::parse(elf).ok()?;
    let mut by_name = BTreeMap::new();
    let mut by_address = BTreeMap::new();
    for symbol in file.symbols().filter(|s| s.kind() == SymbolKind::Text && s.is_definition()) {
        let Ok(name) = symbol.name() else { continue };
        by_name.insert(name.to_string(), (symbol.address(), symbol.size()));
        by_address.entry(symbol.address()).or_insert_with(|| name.to_string());
    }
    let code = |name: &str| -> Option<(u64, &[u8])> {
        let &(address, size) = by_name.get(name)?;
        let section = file.sections().find(|s| s.address() <= address && address + size <= s.address() + s.size())?;
        let bytes = section.data().ok()?;
        let start = (address - section.address()) as usize;
        Some((address, bytes.get(start..start + size as usize)?))
    };
    let managed = "__managed__Main";
    if let Some((address, bytes)) = code(managed) {
        let targets = call_targets(bytes, address, &by_address);
        // ILC's own helpers and the runtime's are not the program's.
        let program = |name: &&String| !name.starts_with("S_P_") && !name.starts_with("Rh") && !name.ends_with("_StartupCodeMain");
        let wrapper = targets.iter().find(|t| t.ends_with("__Module___MainMethodWrapper"));
        let main = match wrapper.and_then(|w| code(w)) {
            Some((address, bytes)) => call_targets(bytes, address, &by_address).into_iter().find(|t| program(&t)),
            None => targets.iter().find(|t| program(t)).cloned(),
        };
        return Some(main.unwrap_or_else(|| managed.to_string()));
    }
    by_name.contains_key("graft_kernel_main").then(|| "graft_kernel_main".to_string())
}

/// The functions that `code` (at `address`) calls or jumps to with a rel32
/// `call`/`jmp` (E8/E9), in order. Only targets that start a function
/// count, so stray E8/E9 bytes inside other instructions do not.
fn call_targets(code: &[u8], address: u64, functions: &BTreeMap<u64, String>) -> Vec<String> {
    let mut targets = Vec::new();
    for at in 0..code.len().saturating_sub(4) {
        if code[at] != 0xE8 && code[at] != 0xE9 {
            continue;
        }
        let rel = i32::from_le_bytes([code[at + 1], code[at + 2], code[at + 3], code[at + 4]]);
        let target = (address + at as u64 + 5).wrapping_add_signed(rel as i64);
        if let Some(name) = functions.get(&target).filter(|n| !targets.contains(*n)) {
            targets.push(name.clone());
        }
    }
    targets
}

/// Whether something accepts connections on `port` of this machine (QEMU's
/// GDB stub: a connection that closes at once leaves the machine halted).
pub fn stub_listening(port: u16) -> bool {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_secs(2)).is_ok()
}

/// How long `graft debug` waits for the stub to open: QEMU binds its port
/// only after it starts, which under load is seconds after `graft run`
/// said it would wait for gdb.
pub const STUB_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

/// Whether the stub on `port` accepts a connection within [`STUB_WAIT`]
/// (the time [`stub_unreachable`] reports), asking again every 100 ms.
pub fn wait_for_stub(port: u16) -> bool {
    let until = std::time::Instant::now() + STUB_WAIT;
    loop {
        if stub_listening(port) {
            return true;
        }
        if std::time::Instant::now() >= until {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The error for a port nobody listens on (GRAFT6010).
pub fn stub_unreachable(port: u16) -> Diagnostic {
    Diagnostic::error(
        Code::GDB_STUB_UNREACHABLE,
        format!(
            "no GDB stub listens on localhost:{port} (waited {} s); start the kernel halted first (graft run --debug Kernel.elf, or dotnet run -- --debug), with --gdb-port {port} when it is not {DEFAULT_GDB_PORT}",
            STUB_WAIT.as_secs()
        ),
    )
}

/// gdb's arguments for `graft debug`: the kernel's symbols, connect, the
/// setup script, run to Main; then the caller's own arguments.
pub fn gdb_args(kernel: &Path, script: &Path, port: u16, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "-q".into(),
        kernel.display().to_string(),
        "-ex".into(),
        format!("target remote localhost:{port}"),
        "-x".into(),
        script.display().to_string(),
        "-ex".into(),
        "continue".into(),
    ];
    args.extend(extra.iter().cloned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn functions(list: &[(u64, &str)]) -> BTreeMap<u64, String> {
        list.iter().map(|&(a, n)| (a, n.to_string())).collect()
    }

    #[test]
    fn rel32_calls_and_jumps_name_function_starts_only() {
        // ILC's MainMethodWrapper: push rbp; mov rbp,rsp; pop rbp; jmp Main (at 0x106c40).
        let wrapper = [0x55, 0x48, 0x89, 0xe5, 0x5d, 0xe9, 0x16, 0xab, 0xfc, 0xff, 0x90];
        let known = functions(&[(0x106c40, "HelloKernel_HelloKernel_Program__Main"), (0x13c120, "wrapper")]);
        assert_eq!(call_targets(&wrapper, 0x13c120, &known), ["HelloKernel_HelloKernel_Program__Main"]);
        // Off by one: the target is inside a function, not its start.
        let known = functions(&[(0x106c41, "HelloKernel_HelloKernel_Program__Main")]);
        assert!(call_targets(&wrapper, 0x13c120, &known).is_empty());
        // A call (E8) at the very end still counts; a truncated one does not.
        let call = [0x90, 0xe8, 0x00, 0x00, 0x00, 0x00];
        assert_eq!(call_targets(&call, 0x1000, &functions(&[(0x1006, "next")])), ["next"]);
        assert!(call_targets(&call[..5], 0x1000, &functions(&[(0x1006, "next")])).is_empty());
    }

    #[test]
    fn script_sets_the_architecture_and_stops_at_main_without_connecting() {
        let script = gdb_script(Path::new("/k/Kernel.elf"), Some("App_Program__Main"));
        let commands: Vec<&str> = script.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(commands, ["set architecture i386:x86-64", "break App_Program__Main"]);
        assert!(script.contains("-x /k/Kernel.gdb"), "{script}");
        let none = gdb_script(Path::new("Kernel.elf"), None);
        assert!(!none.contains("\nbreak "), "{none}");
    }

    #[test]
    fn missing_gdb_names_its_package() {
        let error = find_gdb(Some(Path::new("/nonexistent/gdb"))).unwrap_err();
        assert_eq!(error.code, Code::GDB_NOT_FOUND.to_string());
        assert!(error.message.contains("apt-get install gdb"), "{}", error.message);
    }

    #[test]
    fn graft_debug_connects_then_sources_the_script_then_continues() {
        let args = gdb_args(Path::new("K.elf"), Path::new("K.gdb"), 4321, &["-batch".into()]);
        assert_eq!(args, ["-q", "K.elf", "-ex", "target remote localhost:4321", "-x", "K.gdb", "-ex", "continue", "-batch"]);
    }
}

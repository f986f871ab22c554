//! Stage `run`: boots an image, or a kernel ELF directly, in QEMU under
//! software emulation and reports what the kernel said on COM1 and the code
//! it wrote to the isa-debug-exit port (0xf4). QEMU then exits with `(code << 1) | 1`; a triple fault or
//! reset exits 0 (`-no-reboot`), and a hang runs into the time limit: so a
//! boot is judged by its serial text AND its exit code, never one alone.
//!
//! A direct boot (the edit loop's: `graft run Kernel.elf`, `dotnet run`) hands
//! the ELF to QEMU's `-kernel` loader, which starts it at its PVH entry note
//! (XEN_ELFNOTE_PHYS32_ENTRY, sdk/boot) with the command line from `-append`:
//! no boot menu, no GRUB, no CD. An image boots as a real machine would.
//!
//! Codes: GRAFT6001 QEMU missing, 6002 firmware missing, 6003 time limit,
//! 6004 QEMU failed to start or stopped abnormally, 6005 reset without exit
//! code, 6006 a kernel ELF that cannot boot directly as asked.
//!
//! Debugging (`graft run --debug`, then `graft debug`; debug.rs): QEMU's GDB
//! stub on `gdb_port`, the machine halted until gdb continues
//! (`wait_for_debugger`), and `Kernel.gdb` written beside the kernel ELF.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use graft_diag::{Code, Diagnostic, Session, StageResult};
use serde::{Deserialize, Serialize};
use wait_timeout::ChildExt;

use crate::tool::ToolSpec;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Firmware {
    /// SeaBIOS, QEMU's default.
    #[default]
    Bios,
    /// OVMF (EDK II): the image boots through its EFI system partition.
    Uefi,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Media {
    /// The image as a CD-ROM (El Torito).
    #[default]
    Cdrom,
    /// The image written raw to a hard disk, as on a USB stick.
    Disk,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The image to boot (Kernel.iso), or a kernel ELF (Kernel.elf, told by
    /// its ELF magic, not its name) to boot directly through its PVH entry
    /// note. A direct boot is a BIOS machine's (`firmware` bios) and uses no
    /// `media`; it takes its command line from `command_line`.
    pub image: PathBuf,
    #[serde(default)]
    pub firmware: Firmware,
    #[serde(default)]
    pub media: Media,
    /// Seconds before QEMU is stopped; 0: no limit (a session a person
    /// debugs: `graft run --debug` asks for none unless given `--timeout`).
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
    /// qemu-system-x86_64 path or name; else found on PATH.
    #[serde(default)]
    pub qemu: Option<PathBuf>,
    /// OVMF code image for UEFI boots; else the usual install places.
    #[serde(default)]
    pub ovmf: Option<PathBuf>,
    #[serde(default = "default_memory")]
    pub memory_mib: u32,
    /// Copy the serial output to this process's stdout as it arrives
    /// (`graft run` shows it live; hosts that capture leave it off).
    #[serde(default)]
    pub echo_serial: bool,
    /// The linked kernel ELF whose symbols and DWARF name the code addresses
    /// of a crash report (graft-stages' symbolize.rs): echoed lines get the method and
    /// `in File.cs:line N`, and the result gets `symbolized_serial`. Default:
    /// `image` when it is a kernel ELF, else `Kernel.elf` beside `image` when
    /// it exists. `serial` always stays as the kernel wrote it.
    #[serde(default)]
    pub kernel: Option<PathBuf>,
    /// More QEMU arguments, appended last.
    #[serde(default)]
    pub extra_args: Vec<String>,
    /// Text to time: the result's `mark_ms` says when it first appeared on
    /// the serial port (firmware may print before the kernel does).
    #[serde(default)]
    pub mark: Option<String>,
    /// The kernel command line for a direct boot (QEMU `-append`). Used only
    /// when `image` is a kernel ELF: an image boots with the command line its
    /// grub.cfg holds (`graft image --cmdline`), and this is ignored.
    #[serde(default)]
    pub command_line: String,
    /// QEMU's GDB stub on this TCP port of 127.0.0.1 (`-gdb`), for
    /// `graft debug` or any gdb (`target remote localhost:PORT`). With a
    /// kernel ELF known (`kernel`, or its default) the run writes the gdb
    /// setup script beside it (`Kernel.gdb`, output `gdb_script`).
    #[serde(default)]
    pub gdb_port: Option<u16>,
    /// Start the machine halted (QEMU `-S`) until a debugger continues it;
    /// the GDB stub is on `gdb_port`, else on 1234. The time limit still
    /// counts while it waits: a person's session asks for `timeout_secs` 0.
    #[serde(default)]
    pub wait_for_debugger: bool,
    /// Pass this process's stdin to the kernel's COM1 input as it arrives
    /// (`graft run`, and so `dotnet run`), where Console.ReadLine, ReadKey
    /// and KeyAvailable read it; when stdin ends the kernel gets one 0x04
    /// (Ctrl+D), the end of its Console input. A terminal on stdin and
    /// stdout is in character mode for the run (each key goes as it is
    /// typed; the terminal still echoes, Ctrl+C still stops the run) and is
    /// restored after. Off, QEMU's stdin is empty: what a build's host needs.
    #[serde(default)]
    pub stdin_to_serial: bool,
}

/// Seconds before QEMU is stopped when the request gives no `timeout_secs`.
pub const DEFAULT_TIMEOUT_SECS: f64 = 60.0;

/// The machine's memory in MiB when the request gives no `memory_mib`.
pub const DEFAULT_MEMORY_MIB: u32 = 256;

fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT_SECS
}

fn default_memory() -> u32 {
    DEFAULT_MEMORY_MIB
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Output {
    /// How the run ended.
    pub outcome: Outcome,
    /// The code the kernel wrote to port 0xf4, when it did.
    pub kernel_exit_code: Option<u32>,
    /// QEMU's own exit status, when it exited by itself.
    pub qemu_status: Option<i32>,
    /// Everything the kernel wrote to COM1 (lossy UTF-8).
    pub serial: String,
    /// `serial` with the crash reports' addresses symbolised, as echoed;
    /// absent when no kernel ELF was known (request field `kernel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbolized_serial: Option<String>,
    /// Milliseconds from QEMU's start to the first serial byte.
    pub first_serial_ms: Option<u64>,
    /// Milliseconds from QEMU's start to the request's `mark` text.
    pub mark_ms: Option<u64>,
    pub duration_ms: u64,
    /// The QEMU command line, as one would retype it.
    pub command: String,
    /// The gdb setup script written for a debugging run (request field
    /// `gdb_port` or `wait_for_debugger`), beside the kernel ELF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdb_script: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The kernel wrote an exit code to the isa-debug-exit port.
    Exited,
    /// QEMU stopped with status 0: a reset or triple fault (`-no-reboot`).
    Reset,
    /// The time limit passed; QEMU was killed.
    TimedOut,
}

const QEMU: ToolSpec = ToolSpec {
    role: "QEMU (qemu-system-x86_64)",
    names: &["qemu-system-x86_64"],
    packages: "qemu-system-x86",
    setting: "the qemu path (graft run --qemu, MSBuild property GraftQemu)",
};

/// (code image, variables template) pairs, most common first.
const OVMF_PLACES: &[(&str, Option<&str>)] = &[
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", Some("/usr/share/OVMF/OVMF_VARS_4M.fd")),
    ("/usr/share/OVMF/OVMF_CODE.fd", Some("/usr/share/OVMF/OVMF_VARS.fd")),
    ("/usr/share/edk2/x64/OVMF_CODE.4m.fd", Some("/usr/share/edk2/x64/OVMF_VARS.4m.fd")),
    ("/usr/share/edk2/ovmf/OVMF_CODE.fd", Some("/usr/share/edk2/ovmf/OVMF_VARS.fd")),
    ("/usr/share/ovmf/OVMF.fd", None),
    ("/usr/share/qemu/OVMF.fd", None),
];

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    run_observed(request, session, None)
}

/// A serial line as it arrived: when (from QEMU's start) and its text,
/// symbolised when a kernel ELF is known, without its line end.
pub type SerialLine = (Duration, String);

/// As [`run`], also sending each serial line to `lines` as it arrives (the
/// `test` stage parses its protocol from them while the kernel runs).
pub fn run_observed(request: &Request, session: &mut Session<'_>, lines: Option<std::sync::mpsc::Sender<SerialLine>>) -> StageResult<Output> {
    let qemu = QEMU.find(request.qemu.as_deref()).map_err(|m| session.error(Code::QEMU_NOT_FOUND, m))?;
    if !request.image.is_file() {
        return Err(session.fail(
            Diagnostic::error(Code::INPUT_NOT_READABLE, format!("image '{}' not found; build it first (graft image)", request.image.display()))
                .at(&request.image, None, None),
        ));
    }
    let direct = is_elf(&request.image);
    if direct {
        check_direct(request, session)?;
    }
    // Firmware variables are written by OVMF: each run gets a fresh copy.
    let scratch = tempfile::tempdir().map_err(|e| session.error(Code::OUTPUT_NOT_WRITABLE, format!("cannot make a temporary folder: {e}")))?;
    let mut args = base_args(request, direct);
    if request.firmware == Firmware::Uefi {
        args.extend(firmware_args(request.ovmf.as_deref(), scratch.path()).map_err(|m| session.error(Code::FIRMWARE_NOT_FOUND, m))?);
    }
    args.extend(request.extra_args.iter().cloned());
    let command = crate::tool::describe(&qemu, &args);
    match direct {
        true => session.progress(&format!("booting {} directly (PVH entry)", request.image.display())),
        false => session.progress(&format!("booting {} ({:?}, {:?})", request.image.display(), request.firmware, request.media)),
    }
    session.debug(&command);
    let gdb_script = gdb_port(request).and_then(|port| prepare_debugging(request, port, session));
    boot(&qemu, &args, request, command, session, lines).map(|output| Output { gdb_script, ..output })
}

/// The GDB stub's port, when the run has one.
fn gdb_port(request: &Request) -> Option<u16> {
    request.gdb_port.or(request.wait_for_debugger.then_some(crate::debug::DEFAULT_GDB_PORT))
}

/// Writes the gdb setup script beside the kernel ELF (a warning when it
/// cannot: the stub works without it) and says how to attach.
fn prepare_debugging(request: &Request, port: u16, session: &mut Session<'_>) -> Option<PathBuf> {
    let script = match known_kernel(request).filter(|k| is_elf(k)) {
        Some(kernel) => match crate::debug::write_script(&kernel) {
            Ok(script) => Some((kernel, script)),
            Err(diagnostic) => {
                session.report(Diagnostic { severity: graft_diag::Severity::Warning, ..diagnostic });
                None
            }
        },
        None => None,
    };
    let halted = if request.wait_for_debugger { "halted, " } else { "" };
    match &script {
        Some((kernel, script)) => session.progress(&format!(
            "QEMU is {halted}waiting for gdb on localhost:{port}; attach with: gdb {} -ex 'target remote localhost:{port}' -x {} -ex continue (what graft debug {0} --port {port} runs)",
            kernel.display(),
            script.display()
        )),
        None => session.progress(&format!("QEMU is {halted}waiting for gdb on localhost:{port} (target remote localhost:{port})")),
    }
    script.map(|(_, script)| script)
}

/// Whether `path` starts with the ELF magic (a kernel, not an image): how
/// the stage, and the CLI before it, tell a direct boot from an image's.
pub fn is_elf(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == *b"\x7fELF"
}

/// A kernel ELF boots directly only on a BIOS machine, and only with a PVH
/// entry note, read as the link stage checks it (link/check.rs).
fn check_direct(request: &Request, session: &mut Session<'_>) -> StageResult<()> {
    let kernel = request.image.display();
    let problem = if request.firmware != Firmware::Bios || request.media != Media::Cdrom {
        Some(format!(
            "'{kernel}' is a kernel ELF, which boots directly on a BIOS machine only; boot its image (Kernel.iso) for UEFI or as a disk"
        ))
    } else {
        match std::fs::read(&request.image).map(|data| crate::link::pvh_entry_of(&data)) {
            Ok(Ok(Some(_))) => None,
            Ok(Ok(None)) => Some(format!(
                "'{kernel}' has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY), so QEMU cannot start it directly; link it with Graft's boot entry (sdk/boot) and linker script, or boot its image (Kernel.iso)"
            )),
            Ok(Err(problem)) => Some(format!("'{kernel}' cannot boot directly: {problem}")),
            Err(e) => Some(format!("cannot read '{kernel}': {e}")),
        }
    };
    match problem {
        None => Ok(()),
        Some(message) => Err(session.fail(Diagnostic::error(Code::DIRECT_BOOT_UNSUPPORTED, message).at(&request.image, None, None))),
    }
}

fn base_args(request: &Request, direct: bool) -> Vec<String> {
    let image = request.image.display().to_string();
    let mut args: Vec<String> = [
        "-accel", "tcg", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
    ]
    .map(String::from)
    .into();
    args.extend(["-m".into(), request.memory_mib.to_string()]);
    // The stub listens on this machine only.
    if let Some(port) = gdb_port(request) {
        args.extend(["-gdb".into(), format!("tcp:127.0.0.1:{port}")]);
    }
    if request.wait_for_debugger {
        args.push("-S".into());
    }
    match request.media {
        // No firmware boot, no GRUB: QEMU loads the ELF and starts its PVH entry.
        _ if direct => {
            args.extend(["-kernel".into(), image]);
            if !request.command_line.is_empty() {
                args.extend(["-append".into(), request.command_line.clone()]);
            }
        }
        // Read-only media: the image file is never changed by a boot.
        Media::Cdrom => args.extend(["-drive".into(), format!("file={image},media=cdrom,format=raw,readonly=on")]),
        Media::Disk => args.extend(["-drive".into(), format!("file={image},format=raw,if=ide,snapshot=on")]),
    }
    args
}

fn firmware_args(explicit: Option<&Path>, scratch: &Path) -> Result<Vec<String>, String> {
    let (code, vars) = match explicit {
        Some(p) if p.is_file() => (p.to_path_buf(), None),
        Some(p) => return Err(format!("UEFI firmware '{}' not found; install OVMF (Debian/Ubuntu: apt-get install ovmf) or correct the ovmf path", p.display())),
        None => OVMF_PLACES
            .iter()
            .find(|(code, _)| Path::new(code).is_file())
            .map(|(code, vars)| (PathBuf::from(code), vars.map(PathBuf::from).filter(|v| v.is_file())))
            .ok_or_else(|| "UEFI firmware (OVMF) not found; install it (Debian/Ubuntu: apt-get install ovmf) or set the ovmf path (graft run --ovmf)".to_string())?,
    };
    Ok(match vars {
        Some(vars) => {
            let copy = scratch.join("OVMF_VARS.fd");
            std::fs::copy(&vars, &copy).map_err(|e| format!("cannot copy {}: {e}", vars.display()))?;
            vec![
                "-drive".into(),
                format!("if=pflash,format=raw,unit=0,readonly=on,file={}", code.display()),
                "-drive".into(),
                format!("if=pflash,format=raw,unit=1,file={}", copy.display()),
            ]
        }
        None => vec!["-bios".into(), code.display().to_string()],
    })
}

/// QEMU is killed when the thread that started it ends, so a `graft run`
/// that is stopped (`dotnet watch` restarting `dotnet run`, Ctrl+C, a killed
/// test) never leaves a machine running on its own. The stage waits for QEMU
/// on that same thread, so the signal never comes early.
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| match libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        });
    }
}

fn boot(
    qemu: &Path,
    args: &[String],
    request: &Request,
    command: String,
    session: &mut Session<'_>,
    lines: Option<std::sync::mpsc::Sender<SerialLine>>,
) -> StageResult<Output> {
    let started = Instant::now();
    let mut command_line = Command::new(qemu);
    let stdin = if request.stdin_to_serial { Stdio::piped() } else { Stdio::null() };
    command_line.args(args).stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    die_with_parent(&mut command_line);
    let mut child = command_line
        .spawn()
        .map_err(|e| session.error(Code::QEMU_FAILED, format!("cannot start {}: {e}", qemu.display())))?;
    // Held until the run ends: the terminal's own mode comes back then.
    let _terminal = child.stdin.take().map(forward_stdin);

    let echo = request.echo_serial;
    let (mut symbols, symbol_warnings) = crash_symbols(request);
    // Echoed lines are symbolised by the reader as they arrive; it hands the symboliser back.
    let mut symbolizing = if echo { symbols.take().map(crate::symbolize::EchoFilter::new) } else { None };
    // Observed lines are symbolised by the reader too, unless the echo already holds the symboliser.
    let line_symbols = if lines.is_some() { symbols.take() } else { None };
    let mut observer = lines.map(|sender| LineSplitter { sender, symbols: line_symbols, partial: Vec::new() });
    let mark = request.mark.clone().filter(|m| !m.is_empty()).map(String::into_bytes);
    let mut stdout = child.stdout.take().expect("piped");
    let serial_reader = std::thread::spawn(move || {
        let mut serial = Vec::new();
        let mut first = None;
        let mut marked = None;
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            first.get_or_insert_with(|| started.elapsed());
            if echo {
                let shown = symbolizing.as_mut().map(|f| f.push(&chunk[..n]));
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(shown.as_deref().unwrap_or(&chunk[..n])).and_then(|_| out.flush());
            }
            serial.extend_from_slice(&chunk[..n]);
            if let Some(observer) = observer.as_mut() {
                observer.push(&chunk[..n], started.elapsed());
            }
            if let (None, Some(mark)) = (marked, &mark) {
                // Only the new bytes (and a mark's length before them) can hold a new match.
                let from = serial.len().saturating_sub(n + mark.len());
                if serial[from..].windows(mark.len()).any(|w| w == mark.as_slice()) {
                    marked = Some(started.elapsed());
                }
            }
        }
        if let Some(rest) = symbolizing.as_mut().map(|f| f.finish()) {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&rest).and_then(|_| out.flush());
        }
        let observed_symbols = observer.and_then(|o| o.finish(started.elapsed()));
        (serial, first, marked, symbolizing.map(|f| f.into_symbolizer()).or(observed_symbols))
    });
    let mut stderr = child.stderr.take().expect("piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    // 0 (or less): no limit, as a person's debugging session needs.
    let waited = match request.timeout_secs > 0.0 {
        true => child.wait_timeout(Duration::from_secs_f64(request.timeout_secs)),
        false => child.wait().map(Some),
    };
    let status = match waited {
        Ok(Some(status)) => Some(status),
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
        Err(e) => return Err(session.error(Code::QEMU_FAILED, format!("lost track of QEMU: {e}"))),
    };
    let duration = started.elapsed();
    let (serial, first, marked, echoed_symbols) = serial_reader.join().unwrap_or_default();
    let qemu_stderr = stderr_reader.join().unwrap_or_default();
    let serial = String::from_utf8_lossy(&serial).into_owned();
    let symbolized_serial = symbols.or(echoed_symbols).map(|s| s.symbolize_text(&serial));
    // Missing symbols matter only when there was a report to symbolise.
    if crate::symbolize::has_addresses(&serial) {
        symbol_warnings.into_iter().for_each(|w| session.report(w));
    }
    let qemu_status = status.and_then(|s| s.code());

    let (outcome, kernel_exit_code) = match (status, qemu_status) {
        (None, _) => (Outcome::TimedOut, None),
        (Some(_), Some(0)) => (Outcome::Reset, None),
        // QEMU itself fails with status 1 too; it then says why on stderr.
        (Some(_), Some(1)) if qemu_stderr.contains("qemu-system") => {
            return Err(session.error(Code::QEMU_FAILED, format!("QEMU failed: {}", qemu_stderr.trim())));
        }
        (Some(_), Some(code)) if code & 1 == 1 => (Outcome::Exited, Some((code as u32) >> 1)),
        (Some(s), _) => {
            return Err(session.error(Code::QEMU_FAILED, format!("QEMU stopped abnormally ({s}): {}", qemu_stderr.trim())));
        }
    };
    let output = Output {
        outcome,
        kernel_exit_code,
        qemu_status,
        serial,
        symbolized_serial,
        first_serial_ms: first.map(|d| d.as_millis() as u64),
        mark_ms: marked.map(|d| d.as_millis() as u64),
        duration_ms: duration.as_millis() as u64,
        command,
        gdb_script: None,
    };
    match outcome {
        Outcome::Exited => session.progress(&format!("kernel exited with code {} after {} ms", kernel_exit_code.unwrap_or(0), output.duration_ms)),
        // Not stage errors: the boot ran and its result is reported; the
        // caller decides what a reset or a hang means for it.
        Outcome::Reset => session.report(Diagnostic::warning(
            Code::KERNEL_RESET,
            "the machine reset without an exit code (a triple fault?); rerun QEMU with '-d int,cpu_reset' to see the last exception",
        )),
        Outcome::TimedOut => session.report(Diagnostic::warning(
            Code::BOOT_TIMEOUT,
            format!("the kernel did not exit within {} s; raise the time limit or look for a hang", request.timeout_secs),
        )),
    }
    Ok(output)
}

/// Cuts the serial bytes into lines for [`run_observed`]'s receiver.
struct LineSplitter {
    sender: std::sync::mpsc::Sender<SerialLine>,
    symbols: Option<crate::symbolize::Symbolizer>,
    /// The current line's bytes so far.
    partial: Vec<u8>,
}

impl LineSplitter {
    fn push(&mut self, bytes: &[u8], at: Duration) {
        self.partial.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(length) = self.partial[start..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&self.partial[start..start + length]).into_owned();
            self.send(line, at);
            start += length + 1;
        }
        self.partial.drain(..start);
    }

    /// The last line, when the output did not end with one; the symboliser back.
    fn finish(mut self, at: Duration) -> Option<crate::symbolize::Symbolizer> {
        if !self.partial.is_empty() {
            let line = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            self.send(line, at);
        }
        self.symbols
    }

    fn send(&self, line: String, at: Duration) {
        let line = match line.strip_suffix('\r') {
            Some(cut) => cut.to_string(),
            None => line,
        };
        let line = match &self.symbols {
            Some(symbols) => symbols.symbolize_line(&line).into_owned(),
            None => line,
        };
        // A receiver that stopped listening does not stop the boot.
        let _ = self.sender.send((at, line));
    }
}

/// The symboliser for the run's crash reports (request field `kernel`, or
/// its default), and what loading it had to say: warnings only, a run never
/// fails for want of symbols.
fn crash_symbols(request: &Request) -> (Option<crate::symbolize::Symbolizer>, Vec<Diagnostic>) {
    let Some(kernel) = known_kernel(request) else { return (None, Vec::new()) };
    match crate::symbolize::Symbolizer::open(&kernel) {
        Ok((symbolizer, warnings)) => (Some(symbolizer), warnings),
        Err(error) => (None, vec![Diagnostic { severity: graft_diag::Severity::Warning, ..error }]),
    }
}

/// The kernel ELF of the run: request field `kernel`, else `image` when it
/// is a kernel ELF, else `Kernel.elf` beside the image when it exists.
fn known_kernel(request: &Request) -> Option<PathBuf> {
    match &request.kernel {
        Some(kernel) => Some(kernel.clone()),
        None if is_elf(&request.image) => Some(request.image.clone()),
        None => Some(request.image.with_file_name("Kernel.elf")).filter(|beside| beside.is_file()),
    }
}


/// What the kernel reads when this process's stdin ends: Ctrl+D, a
/// terminal's end of input (Graft.Kernel's Console input ends there).
const END_OF_INPUT: u8 = 0x04;

/// Copies this process's stdin to QEMU's (the kernel's COM1 input) on a
/// thread of its own, then [`END_OF_INPUT`]. A run that ends first leaves the
/// thread waiting in its read; the process exits after the run.
fn forward_stdin(mut qemu_stdin: std::process::ChildStdin) -> Option<CharacterMode> {
    let mode = CharacterMode::enter();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin();
        let mut chunk = [0u8; 1024];
        loop {
            let n = match stdin.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => 0,
            };
            let bytes: &[u8] = if n == 0 { &[END_OF_INPUT] } else { &chunk[..n] };
            // QEMU gone (the kernel exited): nothing more to pass on.
            if qemu_stdin.write_all(bytes).and_then(|_| qemu_stdin.flush()).is_err() || n == 0 {
                break;
            }
        }
    });
    mode
}

/// A terminal on stdin (and stdout) switched to character mode (ICANON off: each key is
/// passed as typed, as a serial terminal sends it; ECHO and ISIG stay,
/// ECHOCTL goes) for
/// as long as this lives; its settings come back on drop and when SIGINT,
/// SIGTERM or SIGHUP end the process first.
struct CharacterMode {
    handlers: [(libc::c_int, libc::sighandler_t); 3],
}

/// The terminal's settings before the run, for the drop and the signal handler.
static SAVED_TERMINAL: std::sync::OnceLock<libc::termios> = std::sync::OnceLock::new();

const RESTORING_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn restore_terminal_and_die(signal: libc::c_int) {
    // Only async-signal-safe calls: tcsetattr, signal, raise.
    if let Some(saved) = SAVED_TERMINAL.get() {
        // SAFETY: a valid termios for fd 0, read from it before.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved) };
    }
    // SAFETY: back to the default action, then die of the same signal.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

impl CharacterMode {
    fn enter() -> Option<CharacterMode> {
        // SAFETY: isatty/tcgetattr/tcsetattr on fd 0 with a zeroed termios to fill.
        let mut settings: libc::termios = unsafe { std::mem::zeroed() };
        // A person at a terminal: stdin and stdout both are one. A harness
        // that captures the output (and may kill the run) leaves the mode alone.
        let terminal = |fd| unsafe { libc::isatty(fd) } == 1;
        if !terminal(libc::STDIN_FILENO) || !terminal(libc::STDOUT_FILENO) || unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut settings) } != 0 {
            return None;
        }
        let saved = *SAVED_TERMINAL.get_or_init(|| settings);
        let handler = restore_terminal_and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: installs a handler that only makes async-signal-safe calls.
        let handlers = RESTORING_SIGNALS.map(|signal| (signal, unsafe { libc::signal(signal, handler) }));
        let mut character = saved;
        // Without ECHOCTL the echo of Enter is a line break, not ^J (outside
        // line mode every control character would show as ^X).
        character.c_lflag &= !(libc::ICANON | libc::ECHOCTL);
        character.c_cc[libc::VMIN] = 1;
        character.c_cc[libc::VTIME] = 0;
        // SAFETY: fd 0 is a terminal; `character` is its settings, changed.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &character) };
        Some(CharacterMode { handlers })
    }
}

impl Drop for CharacterMode {
    fn drop(&mut self) {
        if let Some(saved) = SAVED_TERMINAL.get() {
            // SAFETY: the settings read from fd 0 before the run.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved) };
        }
        for (signal, previous) in self.handlers {
            // SAFETY: puts back the handler that was there before.
            unsafe { libc::signal(signal, previous) };
        }
    }
}

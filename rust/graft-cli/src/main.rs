//! `graft`: every Graft stage from the command line. Each subcommand turns its
//! arguments into the stage's typed request, naming every field so that a new
//! request field does not compile until it has a flag, and runs the same
//! function the MSBuild tasks reach through the C ABI; `graft request`
//! replays a request file as is.

mod kernel_test;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use graft_diag::Severity;
use graft_stages::{Response, Stage, assemble, compile_c, image, link, patch, run};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "graft",
    version,
    about = "Graft's native build stages: patch .NET assemblies, assemble, compile C, link, make a bootable image, boot it in QEMU",
    long_about = "Graft's native build stages, the same ones `dotnet build` of a Graft kernel runs.\n\n\
A .NET assembly through Graft's ECMA-335 engine:\n  \
graft inspect bin/App.dll\n  \
graft rewrite bin/App.dll -o patched/App.dll\n  \
graft patch -o patched bin/Kernel.dll bin/Graft.Kernel.dll ilc/System.Private.CoreLib.dll\n\n\
A kernel from assembly and C, by hand:\n  \
graft assemble -o obj boot.asm\n  \
graft compile-c -o obj kernel.c\n  \
graft link -o Kernel.elf obj/*.o\n  \
graft image -o Kernel.iso Kernel.elf\n  \
graft run Kernel.iso\n\n\
Errors print as `file(line,col): error GRAFTnnnn: message`; docs/diagnostics.md lists every code."
)]
struct Cli {
    /// Print debug detail (tool command lines, each diagnostic as it happens).
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Print each stage's result as JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Print how long the stage took.
    #[arg(long, global = true)]
    time: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the [Plug] rules found in the assemblies to the assemblies (what `dotnet build` does before ILC).
    #[command(long_about = "Apply the [Plug] rules found in the given assemblies to the given assemblies.\n\n\
Pass every assembly ILC compiles: the kernel, its references and the framework (System.Private.CoreLib \
included). Plugs are gathered from each one that holds any (Graft.PlugAttribute and Cosmos gen3's \
Cosmos.Build.API.Attributes.PlugAttribute); each assembly holding a plugged target is written, with its \
rewritten PDB, to the output folder under its own file name. Other assemblies are not written.\n\n\
Errors: GRAFT1001-1029 plug errors at the plug's source line, GRAFT2001 malformed assembly, GRAFT2002 the \
engine cannot lay out the output, GRAFT0002 missing input, GRAFT0001 output not writable. Nothing is \
written on error.")]
    Patch(PatchArgs),
    /// Rewrite a .NET assembly and its PDB through Graft's ECMA-335 engine with no plugs (byte-identical).
    #[command(long_about = "Rewrite a .NET assembly (and its portable PDB) through Graft's ECMA-335 engine.\n\n\
Nothing changes: the output is byte-identical to the input (the engine's lossless round trip); \
the PDB next to the input (App.pdb for App.dll) is written next to the output.\n\n\
Errors: GRAFT2001 malformed assembly or PDB (table, row and offset named), GRAFT2002 the engine cannot \
lay out the output, GRAFT0002 missing input, GRAFT0001 output not writable. Nothing is written on error.")]
    Rewrite(RewriteArgs),
    /// Print a summary of a .NET assembly: sections, CLI header, streams, heaps, table row counts.
    ///
    /// Prints the PE sections, the CLI header (runtime version, flags, entry
    /// point), whether it is ReadyToRun and strong-name signed, the metadata
    /// streams and heaps with their offsets and sizes, the row count and row
    /// size of every table, the number of method bodies, managed resources and
    /// debug directory entries (CodeView PDB id, PDB checksum). A malformed
    /// file is a GRAFT2001 error naming table, row and offset (exit code 1).
    Inspect(InspectArgs),
    /// Assemble NASM (.asm, .nasm) and GNU (.s, .S) sources into ELF64 objects.
    Assemble(AssembleArgs),
    /// Compile freestanding C (.c) into ELF64 objects with kernel flags.
    #[command(name = "compile-c")]
    CompileC(CompileCArgs),
    /// Link objects into a Multiboot2 kernel with ld.lld, then check it.
    Link(LinkArgs),
    /// Write a hybrid BIOS/UEFI bootable ISO (also bootable raw from a USB stick).
    Image(ImageArgs),
    /// Boot an image in QEMU with the serial console on this terminal (its keys, or piped
    /// stdin, are the kernel's serial input); exits with the code the kernel wrote to port 0xf4
    /// (124: time limit passed, 125: the machine reset without an exit code, e.g. a triple fault).
    Run(RunArgs),
    /// Symbolise a crash report: the addresses a Graft kernel printed on its serial port, with
    /// method names and source lines from the kernel's symbols and DWARF.
    #[command(long_about = "Symbolise a crash report offline, as `graft run` does live: every code address the \
kernel printed in the agreed form (`  at [0x1054f3]` in a fault report, `   at Program.Depth(Int32) + 0x13 [0x1054f2]` \
in a managed stack trace) gets its function (the C# method for ILC's code) and `in File.cs:line N`; everything \
else passes unchanged.\n\n  graft symbolize Kernel.elf < serial.log\n\n\
Errors: GRAFT6007 the kernel is missing or not an ELF (exit code 1). Warnings: GRAFT6008 no symbols or no \
DWARF line table (build with GraftDebugInfo=true).")]
    Symbolize(SymbolizeArgs),
    /// Debug a kernel that `graft run --debug` started: gdb on its symbols and DWARF, attached to
    /// QEMU's GDB stub, stopped at the C# Main.
    #[command(long_about = "Debug a kernel at C# source level: gdb on Kernel.elf (ILC's DWARF: C# files, lines, \
method names, locals and arguments where ILC describes them), attached to the GDB stub of a QEMU that \
`graft run --debug` (or `dotnet run -- --debug`) started halted, stopped at the kernel's Main.\n\n  \
graft run --debug Kernel.elf        # one terminal: QEMU halted, serial here\n  \
graft debug Kernel.elf              # another: (gdb) break Program.cs:12, continue, bt, info locals\n\n\
It writes Kernel.gdb beside the kernel (the setup commands VS Code's launch configuration sources too), \
runs gdb -ex 'target remote localhost:PORT' -x Kernel.gdb -ex continue, then the arguments after `--` \
(for instance `-- -batch -ex bt`).\n\n\
Errors: GRAFT6009 gdb not installed, GRAFT6010 nothing listens on the port, GRAFT6007 the kernel is not \
an ELF. Warnings: GRAFT6008 no DWARF (build with GraftDebugInfo=true).")]
    Debug(DebugArgs),
    /// Run a kernel test project's tests in QEMU (what dotnet test runs): results as they arrive,
    /// JUnit XML, boot modes, a name filter; a crash or hang fails its test and the kernel boots again.
    #[command(long_about = "Run a kernel test suite (a Graft.Sdk project with IsTestProject and Graft.Testing's \
[Test] methods) in QEMU, as dotnet test does.\n\n  \
graft test tests/csharp/Exceptions                # build, boot directly, one line per test\n  \
graft test Kernel.elf --mode direct,bios-cd,uefi-cd,bios-disk --junit results.xml\n  \
graft test MyTests.csproj --filter 'Math.*'\n\n\
A project is built with dotnet build first (--no-build: not); its GraftRunMemory, GraftKernelCommandLine \
and GraftTestTimeout apply. Each mode boots the whole suite; a test that faults, resets the machine, \
hangs into the time limit or garbles the protocol fails with the symbolised serial log, and the kernel \
boots again from the next test (graft-test.from on the kernel command line; through QEMU fw_cfg for an \
image). Each failure is printed as `File.cs(line): error GRAFT60nn: ...`. Exit code 1 on any failure.\n\n\
Errors: GRAFT6011 test failed, 6012 suite never started, 6013 protocol garbled, 6014 test crashed, \
6015 test hung, 6016 no tests, 6017 input unusable, 6018 build failed, 6019 suite stopped.")]
    Test(kernel_test::TestArgs),
    /// Run any stage from a JSON request file (what the MSBuild tasks send).
    Request {
        // Listed from the stage table, so a new stage shows up here by itself.
        #[arg(help = format!("The stage: {}", graft_stages::STAGES.join(", ")))]
        stage: String,
        /// The request JSON file; `-` reads standard input.
        file: PathBuf,
    },
}

#[derive(Args)]
struct PatchArgs {
    /// Every assembly ILC compiles (.dll).
    #[arg(required = true)]
    assemblies: Vec<PathBuf>,
    /// Folder for the patched copies.
    #[arg(short, long)]
    output_dir: PathBuf,
    /// The kernel's architecture (plugs limited to another are skipped): x64 or arm64.
    #[arg(long, value_parser = serde_name::<patch::KernelArchitecture>)]
    architecture: Option<patch::KernelArchitecture>,
}

impl PatchArgs {
    fn request(&self) -> patch::Request {
        patch::Request {
            assemblies: self.assemblies.clone(),
            output_dir: self.output_dir.clone(),
            architecture: self.architecture.unwrap_or_default(),
        }
    }
}

#[derive(Args)]
struct RewriteArgs {
    /// The assembly to read (.dll or .exe).
    input: PathBuf,
    /// The assembly to write (may be the input itself).
    #[arg(short, long)]
    output: PathBuf,
    /// The input's portable PDB (default: the input with extension .pdb, when it exists).
    #[arg(long)]
    pdb: Option<PathBuf>,
    /// Where the PDB goes (default: the output with extension .pdb).
    #[arg(long)]
    output_pdb: Option<PathBuf>,
}

impl RewriteArgs {
    fn request(&self) -> patch::RewriteRequest {
        patch::RewriteRequest {
            input: self.input.clone(),
            output: self.output.clone(),
            pdb: self.pdb.clone(),
            output_pdb: self.output_pdb.clone(),
        }
    }
}

#[derive(Args)]
struct InspectArgs {
    /// The assembly to summarise.
    assembly: PathBuf,
}

impl InspectArgs {
    fn request(&self) -> patch::InspectRequest {
        patch::InspectRequest { input: self.assembly.clone() }
    }
}

/// What assemble and compile-c share: sources in, one object each out.
#[derive(Args)]
struct SourceArgs {
    /// Source files (assemble: .asm/.nasm with nasm or yasm, .s/.S with clang; compile-c: .c).
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// Folder for the objects (one `<name>.o` per source).
    #[arg(short, long)]
    output_dir: PathBuf,
    /// Include folder (repeatable).
    #[arg(short = 'I', long = "include")]
    include_dirs: Vec<PathBuf>,
    /// Preprocessor definition NAME or NAME=VALUE (repeatable).
    #[arg(short = 'D', long = "define")]
    defines: Vec<String>,
    /// Emit debug information (DWARF) into the objects.
    #[arg(short = 'g', long)]
    debug: bool,
}

#[derive(Args)]
struct AssembleArgs {
    #[command(flatten)]
    common: SourceArgs,
    /// NASM-syntax assembler: a path, or `nasm`/`yasm` to look up on PATH.
    #[arg(long, env = "GRAFT_ASSEMBLER")]
    assembler: Option<PathBuf>,
    /// clang, for GNU assembler syntax.
    #[arg(long, env = "GRAFT_CLANG")]
    clang: Option<PathBuf>,
}

impl AssembleArgs {
    fn request(&self) -> assemble::Request {
        let c = &self.common;
        assemble::Request {
            sources: c.sources.clone(),
            output_dir: c.output_dir.clone(),
            include_dirs: c.include_dirs.clone(),
            defines: c.defines.clone(),
            assembler: self.assembler.clone(),
            clang: self.clang.clone(),
            debug: c.debug,
        }
    }
}

#[derive(Args)]
struct CompileCArgs {
    #[command(flatten)]
    common: SourceArgs,
    /// clang path or name.
    #[arg(long, env = "GRAFT_CLANG")]
    clang: Option<PathBuf>,
    /// Allow SSE registers in the generated code (off by default: interrupt paths must not touch them).
    #[arg(long)]
    sse: bool,
    /// Extra compiler flag (repeatable), after Graft's own, e.g. --flag=-fno-inline.
    #[arg(long = "flag", allow_hyphen_values = true)]
    flags: Vec<String>,
    /// Optimisation level: 0, 1, 2, 3, s or z (clang's -O).
    #[arg(short = 'O', long, default_value = compile_c::DEFAULT_OPT_LEVEL)]
    opt_level: String,
    /// Where the kernel is linked: `small` (the low 2 GiB, where Graft's default script links) or
    /// `kernel` (the top 2 GiB, for higher-half kernels).
    #[arg(long, value_parser = serde_name::<compile_c::CodeModel>)]
    code_model: Option<compile_c::CodeModel>,
}

impl CompileCArgs {
    fn request(&self) -> compile_c::Request {
        let c = &self.common;
        compile_c::Request {
            sources: c.sources.clone(),
            output_dir: c.output_dir.clone(),
            clang: self.clang.clone(),
            include_dirs: c.include_dirs.clone(),
            defines: c.defines.clone(),
            flags: self.flags.clone(),
            opt_level: self.opt_level.clone(),
            sse: self.sse,
            code_model: self.code_model.unwrap_or_default(),
            debug: c.debug,
        }
    }
}

#[derive(Args)]
struct LinkArgs {
    /// Object files and archives, in link order.
    #[arg(required = true)]
    objects: Vec<PathBuf>,
    /// The kernel file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Linker script; Graft's default places the Multiboot2 header first and links at 1 MiB.
    #[arg(short = 'T', long = "script")]
    linker_script: Option<PathBuf>,
    /// ld.lld path or name.
    #[arg(long, env = "GRAFT_LINKER")]
    linker: Option<PathBuf>,
    /// Entry symbol that must exist (default: the script's ENTRY).
    #[arg(long)]
    entry: Option<String>,
    /// Extra ld.lld argument (repeatable), after Graft's own, e.g. --linker-arg=-Map=Kernel.map.
    #[arg(long = "linker-arg", allow_hyphen_values = true)]
    extra_args: Vec<String>,
}

impl LinkArgs {
    fn request(&self) -> link::Request {
        link::Request {
            objects: self.objects.clone(),
            output: self.output.clone(),
            linker_script: self.linker_script.clone(),
            linker: self.linker.clone(),
            entry: self.entry.clone(),
            extra_args: self.extra_args.clone(),
        }
    }
}

#[derive(Args)]
struct ImageArgs {
    /// The Multiboot2 kernel (Kernel.elf).
    kernel: PathBuf,
    /// The image to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Command line GRUB passes to the kernel.
    #[arg(long)]
    cmdline: Option<String>,
    /// Folder holding GRUB's i386-pc/ and x86_64-efi/ module folders (default: /usr/lib/grub).
    #[arg(long)]
    grub_dir: Option<PathBuf>,
    /// grub-mkimage path or name.
    #[arg(long)]
    grub_mkimage: Option<PathBuf>,
    /// Folder where built GRUB boot images are kept between runs.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Folder of prebuilt GRUB boot images (as --grub-images-out writes; the SDK package's
    /// kernel/grub/): used instead of running grub-mkimage.
    #[arg(long, value_name = "DIR")]
    grub_images: Option<PathBuf>,
    /// Also write the GRUB boot images used, with their manifest, into DIR (for --grub-images).
    #[arg(long, value_name = "DIR")]
    grub_images_out: Option<PathBuf>,
    /// Timestamp for every date in the image (default: $SOURCE_DATE_EPOCH, else 1980-01-01).
    #[arg(long, env = "SOURCE_DATE_EPOCH")]
    source_date_epoch: Option<u64>,
    /// The ISO volume name: up to 32 of A-Z, 0-9 and _ (default: GRAFT).
    #[arg(long)]
    volume_id: Option<String>,
    /// Seconds GRUB shows its menu before booting the kernel (default: 0, no menu).
    #[arg(long)]
    timeout: Option<u32>,
}

impl ImageArgs {
    fn request(&self) -> image::Request {
        image::Request {
            kernel: self.kernel.clone(),
            output: self.output.clone(),
            command_line: self.cmdline.clone().unwrap_or_default(),
            grub_mkimage: self.grub_mkimage.clone(),
            grub_dir: self.grub_dir.clone(),
            cache_dir: self.cache_dir.clone(),
            grub_images: self.grub_images.clone(),
            grub_images_out: self.grub_images_out.clone(),
            source_date_epoch: self.source_date_epoch,
            volume_id: self.volume_id.clone(),
            timeout: self.timeout.unwrap_or_default(),
        }
    }
}

#[derive(Args)]
struct RunArgs {
    /// The kernel ELF to boot directly (QEMU -kernel, through its PVH entry note), or the image to
    /// boot; told apart by the ELF magic.
    image: PathBuf,
    /// Kernel command line for a direct boot (QEMU -append); an image passes its grub.cfg's.
    #[arg(long = "cmdline")]
    command_line: Option<String>,
    /// Boot the image instead of the kernel ELF: FILE when it is one, else --image.
    #[arg(long)]
    iso: bool,
    /// The image that --iso, --uefi and --disk boot when FILE is a kernel ELF (dotnet run names
    /// both).
    #[arg(long = "image", value_name = "IMAGE")]
    image_file: Option<PathBuf>,
    /// Boot through UEFI firmware (OVMF) instead of BIOS.
    #[arg(long)]
    uefi: bool,
    /// Attach the image as a hard disk (as a USB stick would be) instead of a CD.
    #[arg(long)]
    disk: bool,
    /// Seconds before QEMU is stopped; 0: no limit [default: 60; with --debug: no limit].
    #[arg(long)]
    timeout: Option<f64>,
    /// Start halted with QEMU's GDB stub on localhost (--gdb-port, default 1234), no time limit
    /// unless --timeout; then `graft debug Kernel.elf` in another terminal.
    #[arg(long)]
    debug: bool,
    /// Open QEMU's GDB stub on this port of localhost (without --debug the kernel runs at once).
    #[arg(long, value_name = "PORT")]
    gdb_port: Option<u16>,
    /// qemu-system-x86_64 path or name.
    #[arg(long, env = "GRAFT_QEMU")]
    qemu: Option<PathBuf>,
    /// OVMF firmware code file.
    #[arg(long)]
    ovmf: Option<PathBuf>,
    /// Memory in MiB.
    #[arg(long, default_value_t = graft_stages::run::DEFAULT_MEMORY_MIB)]
    memory: u32,
    /// Do not copy the serial output to this terminal as it arrives (--json still reports it).
    #[arg(long)]
    no_echo: bool,
    /// Do not pass stdin to the kernel's serial input (by default the terminal's keystrokes, or
    /// piped text, reach Console.ReadLine/ReadKey; at its end the kernel reads Ctrl+D).
    #[arg(long)]
    no_stdin: bool,
    /// The kernel ELF whose symbols and DWARF name the addresses of a crash report in the echoed
    /// output (default: FILE when it is a kernel ELF, else Kernel.elf beside the image).
    #[arg(long)]
    kernel: Option<PathBuf>,
    /// Text to time: with --json, `mark_ms` says when it first appeared on the serial port.
    #[arg(long)]
    mark: Option<String>,
    /// More QEMU arguments, after `--`.
    #[arg(last = true)]
    qemu_args: Vec<String>,
}

impl RunArgs {
    /// FILE, or --image when --iso, --uefi or --disk asks for an image.
    fn boot_file(&self) -> PathBuf {
        match &self.image_file {
            Some(image) if self.iso || self.uefi || self.disk => image.clone(),
            _ => self.image.clone(),
        }
    }

    /// --iso with only a kernel ELF to boot would quietly boot it directly.
    fn check(&self) -> Result<(), String> {
        let file = self.boot_file();
        match self.iso && run::is_elf(&file) {
            true => Err(format!(
                "--iso boots an image, and {} is a kernel ELF; name the image (graft run Kernel.iso, or --image Kernel.iso)",
                file.display()
            )),
            false => Ok(()),
        }
    }

    fn request(&self) -> run::Request {
        run::Request {
            image: self.boot_file(),
            firmware: if self.uefi { run::Firmware::Uefi } else { run::Firmware::Bios },
            media: if self.disk { run::Media::Disk } else { run::Media::Cdrom },
            timeout_secs: self.timeout.unwrap_or(match self.debug {
                true => 0.0,
                false => graft_stages::run::DEFAULT_TIMEOUT_SECS,
            }),
            qemu: self.qemu.clone(),
            ovmf: self.ovmf.clone(),
            memory_mib: self.memory,
            echo_serial: !self.no_echo,
            kernel: self.kernel.clone(),
            extra_args: self.qemu_args.clone(),
            mark: self.mark.clone(),
            command_line: self.command_line.clone().unwrap_or_default(),
            gdb_port: self.gdb_port.or(self.debug.then_some(graft_stages::debug::DEFAULT_GDB_PORT)),
            wait_for_debugger: self.debug,
            stdin_to_serial: !self.no_stdin,
        }
    }
}

#[derive(Args)]
struct DebugArgs {
    /// The kernel ELF (default: Kernel.elf here, else bin/Debug/net10.0/linux-x64/Kernel.elf).
    kernel: Option<PathBuf>,
    /// The GDB stub's port (graft run --gdb-port).
    #[arg(long, default_value_t = graft_stages::debug::DEFAULT_GDB_PORT)]
    port: u16,
    /// gdb path or name.
    #[arg(long, env = "GRAFT_GDB")]
    gdb: Option<PathBuf>,
    /// More gdb arguments, after `--` (run after Main is reached), e.g. -- -batch -ex bt.
    #[arg(last = true)]
    gdb_args: Vec<String>,
}

impl DebugArgs {
    fn kernel(&self) -> PathBuf {
        self.kernel.clone().unwrap_or_else(|| {
            ["Kernel.elf", "bin/Debug/net10.0/linux-x64/Kernel.elf"]
                .map(PathBuf::from)
                .into_iter()
                .find(|k| k.is_file())
                .unwrap_or_else(|| PathBuf::from("Kernel.elf"))
        })
    }

    /// Checks, writes Kernel.gdb, then becomes gdb (Ctrl-C then reaches gdb alone).
    fn run(&self, verbose: bool) -> ExitCode {
        use graft_stages::debug;
        let failed = |d: graft_diag::Diagnostic| {
            eprintln!("{d}");
            ExitCode::FAILURE
        };
        let kernel = self.kernel();
        let gdb = match debug::find_gdb(self.gdb.as_deref()) {
            Ok(gdb) => gdb,
            Err(d) => return failed(d),
        };
        match graft_stages::symbolize::Symbolizer::open(&kernel) {
            Ok((_, warnings)) => warnings.iter().for_each(|w| eprintln!("{w}")),
            Err(d) => return failed(d),
        }
        if !debug::wait_for_stub(self.port) {
            return failed(debug::stub_unreachable(self.port));
        }
        let script = match debug::write_script(&kernel) {
            Ok(script) => script,
            Err(d) => return failed(d),
        };
        let args = debug::gdb_args(&kernel, &script, self.port, &self.gdb_args);
        if verbose {
            eprintln!("graft: {} {}", gdb.display(), args.join(" "));
        }
        let mut command = std::process::Command::new(&gdb);
        command.args(&args);
        #[cfg(unix)]
        let error = std::os::unix::process::CommandExt::exec(&mut command);
        #[cfg(not(unix))]
        let error = match command.status() {
            Ok(status) => return ExitCode::from(status.code().unwrap_or(1) as u8),
            Err(e) => e,
        };
        eprintln!("error: cannot start {}: {error}", gdb.display());
        ExitCode::FAILURE
    }
}

#[derive(Args)]
struct SymbolizeArgs {
    /// The linked kernel (Kernel.elf) that printed the report.
    kernel: PathBuf,
    /// The serial output to read (default: standard input).
    input: Option<PathBuf>,
}

impl SymbolizeArgs {
    /// Symbolises the input onto stdout, line by line as it arrives.
    fn run(&self) -> ExitCode {
        let symbolizer = match graft_stages::symbolize::Symbolizer::open(&self.kernel) {
            Ok((symbolizer, warnings)) => {
                warnings.iter().for_each(|w| eprintln!("{w}"));
                symbolizer
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let input: Box<dyn std::io::BufRead> = match &self.input {
            None => Box::new(std::io::stdin().lock()),
            Some(path) => match std::fs::File::open(path) {
                Ok(f) => Box::new(std::io::BufReader::new(f)),
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            },
        };
        let (mut input, mut out, mut line) = (input, std::io::stdout().lock(), Vec::new());
        while matches!(input.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&line).into_owned();
            line.clear();
            if std::io::Write::write_all(&mut out, symbolizer.symbolize_line(&text).as_bytes()).is_err() {
                break;
            }
        }
        ExitCode::SUCCESS
    }
}

/// Parses a value by its serde name, so the flag accepts exactly what a
/// request file does (serde's error lists the names).
fn serde_name<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Patch(a) => exit(cli.stage::<graft_stages::Patch>(&a.request())),
        Command::Rewrite(a) => exit(cli.stage::<graft_stages::Rewrite>(&a.request())),
        Command::Inspect(a) => match cli.stage::<graft_stages::Inspect>(&a.request()) {
            Some(output) => {
                if !cli.json {
                    print!("{}", output.summary);
                }
                ExitCode::SUCCESS
            }
            None => ExitCode::FAILURE,
        },
        Command::Assemble(a) => exit(cli.stage::<graft_stages::Assemble>(&a.request())),
        Command::CompileC(a) => exit(cli.stage::<graft_stages::CompileC>(&a.request())),
        Command::Link(a) => exit(cli.stage::<graft_stages::Link>(&a.request())),
        Command::Image(a) => exit(cli.stage::<graft_stages::Image>(&a.request())),
        Command::Run(a) => match a.check() {
            Ok(()) => cli.stage::<graft_stages::Run>(&a.request()).map_or(ExitCode::FAILURE, |o| run_exit_code(&o)),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Symbolize(a) => a.run(),
        Command::Debug(a) => a.run(cli.verbose),
        Command::Test(a) => a.run(cli.verbose, cli.json),
        Command::Request { stage, file } => match read_request(file) {
            Ok(text) => {
                let started = Instant::now();
                let response = graft_stages::run_json(stage, &text, Some(&cli.log()));
                exit(cli.report(stage, started, response))
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

impl Cli {
    /// Runs stage `S` and reports it; its output when it succeeded.
    fn stage<S: Stage>(&self, request: &S::Request) -> Option<S::Output> {
        let started = Instant::now();
        let response = graft_stages::run_typed::<S>(request, Some(&self.log()));
        self.report(S::NAME, started, response)
    }

    fn log(&self) -> impl Fn(Severity, &str) + Sync {
        let verbose = self.verbose;
        move |severity: Severity, message: &str| {
            if severity >= Severity::Info || verbose {
                eprintln!("graft: {message}");
            }
        }
    }

    /// Prints the diagnostics, and the duration and JSON result when asked.
    fn report<T: Serialize>(&self, stage: &str, started: Instant, response: Response<T>) -> Option<T> {
        if self.time {
            eprintln!("graft: {stage} took {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
        }
        for d in &response.diagnostics {
            eprintln!("{d}");
        }
        if self.json {
            println!("{}", serde_json::to_string_pretty(&response).unwrap_or_default());
        }
        if response.ok { response.output } else { None }
    }
}

fn exit<T>(output: Option<T>) -> ExitCode {
    if output.is_some() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// `graft run` exits as the kernel did; 124 and 125 mean it never said.
fn run_exit_code(output: &run::Output) -> ExitCode {
    match output.outcome {
        run::Outcome::Exited => ExitCode::from((output.kernel_exit_code.unwrap_or(0) & 0xff) as u8),
        run::Outcome::TimedOut => ExitCode::from(124),
        run::Outcome::Reset => ExitCode::from(125),
    }
}

/// The request file's text, checked to be JSON (the stage then checks its shape).
fn read_request(file: &Path) -> anyhow::Result<String> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
    };
    serde_json::from_str::<serde_json::Value>(&text).map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", file.display()))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request `graft <args>` builds.
    fn built(args: &[&str]) -> String {
        let cli = Cli::try_parse_from(std::iter::once("graft").chain(args.iter().copied())).unwrap();
        match &cli.command {
            Command::Patch(a) => format!("{:?}", a.request()),
            Command::Rewrite(a) => format!("{:?}", a.request()),
            Command::Inspect(a) => format!("{:?}", a.request()),
            Command::Assemble(a) => format!("{:?}", a.request()),
            Command::CompileC(a) => format!("{:?}", a.request()),
            Command::Link(a) => format!("{:?}", a.request()),
            Command::Image(a) => format!("{:?}", a.request()),
            Command::Run(a) => format!("{:?}", a.request()),
            Command::Request { .. } | Command::Symbolize(_) | Command::Debug(_) | Command::Test(_) => unreachable!(),
        }
    }

    /// The request a file with only these fields gives: the stage's own defaults.
    fn from_json<S: Stage>(json: &str) -> String
    where
        S::Request: std::fmt::Debug,
    {
        format!("{:?}", serde_json::from_str::<S::Request>(json).unwrap())
    }

    /// Without options, each subcommand asks for exactly what a request file
    /// without those fields does, so the CLI repeats no default wrongly.
    #[test]
    fn cli_defaults_are_the_stages_defaults() {
        // Isolate from the environment the flags also read.
        for var in ["GRAFT_ASSEMBLER", "GRAFT_CLANG", "GRAFT_LINKER", "GRAFT_QEMU", "SOURCE_DATE_EPOCH"] {
            assert!(std::env::var_os(var).is_none(), "unset {var} to run this test");
        }
        use graft_stages as g;
        let cases = [
            (built(&["patch", "-o", "out", "a.dll", "b.dll"]), from_json::<g::Patch>(r#"{"assemblies":["a.dll","b.dll"],"output_dir":"out"}"#)),
            (built(&["rewrite", "a.dll", "-o", "b.dll"]), from_json::<g::Rewrite>(r#"{"input":"a.dll","output":"b.dll"}"#)),
            (built(&["inspect", "a.dll"]), from_json::<g::Inspect>(r#"{"input":"a.dll"}"#)),
            (built(&["assemble", "-o", "obj", "a.asm"]), from_json::<g::Assemble>(r#"{"sources":["a.asm"],"output_dir":"obj"}"#)),
            (built(&["compile-c", "-o", "obj", "a.c"]), from_json::<g::CompileC>(r#"{"sources":["a.c"],"output_dir":"obj"}"#)),
            (built(&["link", "-o", "k.elf", "a.o"]), from_json::<g::Link>(r#"{"objects":["a.o"],"output":"k.elf"}"#)),
            (built(&["image", "-o", "k.iso", "k.elf"]), from_json::<g::Image>(r#"{"kernel":"k.elf","output":"k.iso"}"#)),
            // `graft run` shows the serial output live and passes stdin to the kernel; hosts that
            // capture it leave both off.
            (built(&["run", "k.iso"]), from_json::<g::Run>(r#"{"image":"k.iso","echo_serial":true,"stdin_to_serial":true}"#)),
        ];
        for (cli, file) in cases {
            assert_eq!(cli, file);
        }
    }

    #[test]
    fn flags_fill_their_fields() {
        let request = built(&["compile-c", "-o", "obj", "a.c", "-O", "z", "--code-model", "kernel", "-g"]);
        let expected = from_json::<graft_stages::CompileC>(
            r#"{"sources":["a.c"],"output_dir":"obj","opt_level":"z","code_model":"kernel","debug":true}"#,
        );
        assert_eq!(request, expected);
        let request = built(&["run", "k.iso", "--no-echo", "--no-stdin", "--mark", "ready", "--uefi", "--disk", "--kernel", "k.elf", "--", "-s"]);
        let expected = from_json::<graft_stages::Run>(
            r#"{"image":"k.iso","mark":"ready","firmware":"uefi","media":"disk","kernel":"k.elf","extra_args":["-s"]}"#,
        );
        assert_eq!(request, expected);
        let request = built(&["run", "k.elf", "--cmdline", "a=1 b", "--image", "k.iso"]);
        let expected = from_json::<graft_stages::Run>(r#"{"image":"k.elf","command_line":"a=1 b","echo_serial":true,"stdin_to_serial":true}"#);
        assert_eq!(request, expected);
        // --debug: halted, the stub on 1234, no time limit unless asked; --gdb-port alone: running.
        let request = built(&["run", "k.elf", "--debug"]);
        let expected = from_json::<graft_stages::Run>(
            r#"{"image":"k.elf","echo_serial":true,"stdin_to_serial":true,"gdb_port":1234,"wait_for_debugger":true,"timeout_secs":0}"#,
        );
        assert_eq!(request, expected);
        let request = built(&["run", "k.elf", "--debug", "--gdb-port", "4321", "--timeout", "30"]);
        let expected = from_json::<graft_stages::Run>(
            r#"{"image":"k.elf","echo_serial":true,"stdin_to_serial":true,"gdb_port":4321,"wait_for_debugger":true,"timeout_secs":30}"#,
        );
        assert_eq!(request, expected);
        let request = built(&["run", "k.elf", "--gdb-port", "4321"]);
        let expected = from_json::<graft_stages::Run>(r#"{"image":"k.elf","echo_serial":true,"stdin_to_serial":true,"gdb_port":4321}"#);
        assert_eq!(request, expected);
        // dotnet run names both files; --iso, --uefi and --disk pick the image.
        for flag in ["--iso", "--uefi", "--disk"] {
            let request = built(&["run", "k.elf", "--image", "k.iso", flag]);
            assert!(request.contains(r#"image: "k.iso""#), "{flag}: {request}");
        }
    }
}

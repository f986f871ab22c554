//! `graft`: every Graft stage from the command line. Each subcommand turns its
//! arguments into the stage's JSON request and runs the same function the
//! MSBuild tasks reach through the C ABI; `graft request` replays a request
//! file as is.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use graft_diag::Severity;
use serde_json::{json, Value};

#[derive(Parser)]
#[command(
    name = "graft",
    version,
    about = "Graft's native build stages: patch .NET assemblies, assemble, compile C, link, make a bootable image, boot it in QEMU",
    long_about = "Graft's native build stages, the same ones `dotnet build` of a Graft kernel runs.\n\n\
A .NET assembly through Graft's ECMA-335 engine:\n  \
graft inspect bin/App.dll\n  \
graft patch bin/App.dll -o patched/App.dll\n\n\
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
    /// Rewrite a .NET assembly and its PDB through Graft's ECMA-335 engine (without plugs: byte-identical).
    #[command(long_about = "Rewrite a .NET assembly (and its portable PDB) through Graft's ECMA-335 engine.\n\n\
Without plugs (they come with the patcher) nothing changes and the output is byte-identical to the input; \
the PDB next to the input (App.pdb for App.dll) is written next to the output. A changed assembly loses \
its ReadyToRun code (the runtime compiles the IL) and its strong-name signature.\n\n\
Errors: GRAFT2001 malformed assembly or PDB (table, row and offset named), GRAFT2002 the engine cannot \
lay out the output, GRAFT0002 missing input, GRAFT0001 output not writable. Nothing is written on error.")]
    Patch(PatchArgs),
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
    /// Boot an image in QEMU with the serial console on this terminal; exits
    /// with the code the kernel wrote to port 0xf4 (124: time limit passed,
    /// 125: the machine reset without an exit code, e.g. a triple fault).
    Run(RunArgs),
    /// Run any stage from a JSON request file (what the MSBuild tasks send).
    Request {
        /// patch, inspect, assemble, compile-c, link, image or run.
        stage: String,
        /// The request JSON file; `-` reads standard input.
        file: PathBuf,
    },
}

#[derive(Args)]
struct PatchArgs {
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

#[derive(Args)]
struct InspectArgs {
    /// The assembly to summarise.
    assembly: PathBuf,
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
}

impl SourceArgs {
    fn request(&self) -> Value {
        json!({ "sources": self.sources, "output_dir": self.output_dir, "include_dirs": self.include_dirs, "defines": self.defines })
    }
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
    /// Extra compiler flag (repeatable), e.g. --flag=-O0.
    #[arg(long = "flag", allow_hyphen_values = true)]
    flags: Vec<String>,
}

#[derive(Args)]
struct LinkArgs {
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
}

#[derive(Args)]
struct ImageArgs {
    /// The Multiboot2 kernel (Kernel.elf).
    kernel: PathBuf,
    /// The image to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Command line GRUB passes to the kernel.
    #[arg(long, default_value = "")]
    cmdline: String,
    /// Folder holding GRUB's i386-pc/ and x86_64-efi/ module folders.
    #[arg(long)]
    grub_dir: Option<PathBuf>,
    /// grub-mkimage path or name.
    #[arg(long)]
    grub_mkimage: Option<PathBuf>,
    /// Folder where built GRUB boot images are kept between runs.
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Timestamp for every date in the image (default: $SOURCE_DATE_EPOCH, else a constant).
    #[arg(long, env = "SOURCE_DATE_EPOCH")]
    source_date_epoch: Option<u64>,
}

#[derive(Args)]
struct RunArgs {
    /// The image to boot.
    image: PathBuf,
    /// Boot through UEFI firmware (OVMF) instead of BIOS.
    #[arg(long)]
    uefi: bool,
    /// Attach the image as a hard disk (as a USB stick would be) instead of a CD.
    #[arg(long)]
    disk: bool,
    /// Seconds before QEMU is stopped.
    #[arg(long, default_value_t = 60.0)]
    timeout: f64,
    /// qemu-system-x86_64 path or name.
    #[arg(long, env = "GRAFT_QEMU")]
    qemu: Option<PathBuf>,
    /// OVMF firmware code file.
    #[arg(long)]
    ovmf: Option<PathBuf>,
    /// Memory in MiB.
    #[arg(long, default_value_t = 256)]
    memory: u32,
    /// More QEMU arguments, after `--`.
    #[arg(last = true)]
    qemu_args: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (stage, request) = match request_of(&cli.command) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let verbose = cli.verbose;
    let log = move |severity: Severity, message: &str| {
        if severity >= Severity::Info || verbose {
            eprintln!("graft: {message}");
        }
    };
    let started = Instant::now();
    let response = graft_stages::run_json(stage, &without_nulls(request).to_string(), Some(&log));
    if cli.time {
        eprintln!("graft: {stage} took {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    }
    for d in &response.diagnostics {
        eprintln!("{d}");
    }
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&response).unwrap_or_default());
    }
    if !response.ok {
        return ExitCode::FAILURE;
    }
    match (&cli.command, &response.output) {
        (Command::Run(_), Some(output)) => run_exit_code(output),
        (Command::Inspect(_), Some(output)) if !cli.json => {
            print!("{}", output["summary"].as_str().unwrap_or_default());
            ExitCode::SUCCESS
        }
        _ => ExitCode::SUCCESS,
    }
}

/// `graft run` exits as the kernel did; 124 and 125 mean it never said.
fn run_exit_code(output: &Value) -> ExitCode {
    match output["outcome"].as_str() {
        Some("exited") => ExitCode::from((output["kernel_exit_code"].as_u64().unwrap_or(0) & 0xff) as u8),
        Some("timed_out") => ExitCode::from(124),
        _ => ExitCode::from(125),
    }
}

fn request_of(command: &Command) -> anyhow::Result<(&str, Value)> {
    Ok(match command {
        Command::Patch(p) => (
            "patch",
            json!({ "input": p.input, "output": p.output, "pdb": p.pdb, "output_pdb": p.output_pdb }),
        ),
        Command::Inspect(i) => ("inspect", json!({ "input": i.assembly })),
        Command::Assemble(a) => {
            let mut request = a.common.request();
            request["assembler"] = json!(a.assembler);
            request["clang"] = json!(a.clang);
            ("assemble", request)
        }
        Command::CompileC(c) => {
            let mut request = c.common.request();
            request["clang"] = json!(c.clang);
            request["sse"] = json!(c.sse);
            request["flags"] = json!(c.flags);
            ("compile-c", request)
        }
        Command::Link(l) => (
            "link",
            json!({ "objects": l.objects, "output": l.output, "linker_script": l.linker_script, "linker": l.linker, "entry": l.entry }),
        ),
        Command::Image(i) => (
            "image",
            json!({ "kernel": i.kernel, "output": i.output, "command_line": i.cmdline, "grub_dir": i.grub_dir,
                    "grub_mkimage": i.grub_mkimage, "cache_dir": i.cache_dir, "source_date_epoch": i.source_date_epoch }),
        ),
        Command::Run(r) => (
            "run",
            json!({ "image": r.image, "firmware": if r.uefi { "uefi" } else { "bios" }, "media": if r.disk { "disk" } else { "cdrom" },
                    "timeout_secs": r.timeout, "qemu": r.qemu, "ovmf": r.ovmf, "memory_mib": r.memory,
                    "echo_serial": true, "extra_args": r.qemu_args }),
        ),
        Command::Request { stage, file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
            };
            let value: Value = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", file.display()))?;
            (stage.as_str(), value)
        }
    })
}

/// Absent options are left out of the request, so the stage's defaults apply.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect()),
        other => other,
    }
}

//! `graft test`: a kernel test project (or its built kernel) through the
//! `test` stage. For a project it runs `dotnet build` first and reads the
//! kernel's paths and test settings from MSBuild (`dotnet msbuild
//! -getProperty`), so it boots exactly what `dotnet test` would.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use graft_diag::{Code, Diagnostic, Severity};
use graft_stages::test::{self, TestMode};

#[derive(Args)]
pub struct TestArgs {
    /// A kernel test project (its folder or .csproj: built with dotnet build first), or a built
    /// Kernel.elf or Kernel.iso.
    target: PathBuf,
    /// Run only tests whose Class.Method contains PATTERN (`*` matches anything).
    #[arg(long, value_name = "PATTERN")]
    filter: Option<String>,
    /// Write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Boot modes, each running the whole suite: direct (default with a kernel ELF), bios-cd,
    /// uefi-cd, bios-disk, uefi-disk; repeatable or comma-separated.
    #[arg(long = "mode", alias = "firmware", value_name = "MODE", value_delimiter = ',', value_parser = mode)]
    modes: Vec<TestMode>,
    /// Seconds one boot may take [default: the project's GraftTestTimeout, else 60].
    #[arg(long)]
    timeout: Option<f64>,
    /// Memory in MiB [default: the project's GraftRunMemory, else 256].
    #[arg(long)]
    memory: Option<u32>,
    /// Kernel command line of a direct boot, before the runner's words [default: the project's
    /// GraftKernelCommandLine].
    #[arg(long = "cmdline")]
    command_line: Option<String>,
    /// The build configuration of a project.
    #[arg(short, long, default_value = "Debug")]
    configuration: String,
    /// Do not build the project; boot what its last build wrote.
    #[arg(long)]
    no_build: bool,
    /// qemu-system-x86_64 path or name.
    #[arg(long, env = "GRAFT_QEMU")]
    qemu: Option<PathBuf>,
    /// OVMF firmware code file.
    #[arg(long)]
    ovmf: Option<PathBuf>,
    /// dotnet path or name (for a project).
    #[arg(long, env = "GRAFT_DOTNET", default_value = "dotnet")]
    dotnet: PathBuf,
}

fn mode(text: &str) -> Result<TestMode, String> {
    TestMode::ALL.into_iter().find(|m| m.name() == text).ok_or_else(|| {
        format!("unknown mode '{text}'; the modes are: {}", TestMode::ALL.map(|m| m.name()).join(", "))
    })
}

/// What a project's MSBuild evaluation says about its test kernel.
#[derive(Default)]
struct ProjectSettings {
    kernel: Option<PathBuf>,
    image: Option<PathBuf>,
    memory: Option<u32>,
    command_line: Option<String>,
    timeout: Option<f64>,
}

impl TestArgs {
    fn request(&self, project: &ProjectSettings) -> test::Request {
        let is_file = |p: &Path| p.is_file();
        let (kernel, image) = match (&project.kernel, &project.image) {
            (None, None) if graft_stages::run::is_elf(&self.target) => (Some(self.target.clone()), None),
            (None, None) => (None, Some(self.target.clone())),
            (k, i) => (k.clone().filter(|k| is_file(k)), i.clone().filter(|i| is_file(i))),
        };
        test::Request {
            kernel,
            image,
            modes: self.modes.clone(),
            filter: self.filter.clone(),
            junit: self.junit.clone(),
            results_file: None,
            timeout_secs: self.timeout.or(project.timeout).unwrap_or(test::DEFAULT_TIMEOUT_SECS),
            memory_mib: self.memory.or(project.memory).unwrap_or(graft_stages::run::DEFAULT_MEMORY_MIB),
            command_line: self.command_line.clone().or_else(|| project.command_line.clone()).unwrap_or_default(),
            qemu: self.qemu.clone(),
            ovmf: self.ovmf.clone(),
        }
    }

    /// The project file when the target is one (or a folder holding one).
    fn project(&self) -> Result<Option<PathBuf>, Diagnostic> {
        let target = &self.target;
        if target.is_dir() {
            let mut projects: Vec<PathBuf> = std::fs::read_dir(target)
                .map_err(|e| unusable(target, format!("cannot read folder '{}': {e}", target.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "csproj"))
                .collect();
            projects.sort();
            return match projects.len() {
                1 => Ok(projects.pop()),
                0 => Err(unusable(target, format!("'{}' holds no .csproj; name a test project, Kernel.elf or Kernel.iso", target.display()))),
                _ => Err(unusable(target, format!("'{}' holds several projects; name one .csproj", target.display()))),
            };
        }
        if target.extension().is_some_and(|x| x == "csproj") {
            return Ok(Some(target.clone()));
        }
        if !target.is_file() {
            return Err(unusable(target, format!("'{}' not found; name a test project, Kernel.elf or Kernel.iso", target.display())));
        }
        Ok(None)
    }

    /// Builds the project (unless --no-build) and reads its test settings.
    fn build(&self, project: &Path) -> Result<ProjectSettings, Diagnostic> {
        let failed = |message: String| Diagnostic::error(Code::TEST_PROJECT_BUILD_FAILED, message).at(project, None, None);
        if !self.no_build {
            eprintln!("graft: dotnet build {} -c {}", project.display(), self.configuration);
            let status = std::process::Command::new(&self.dotnet)
                .args(["build", "-nologo", "-v:q", "-c", &self.configuration])
                .arg(project)
                .status()
                .map_err(|e| failed(format!("cannot run {}: {e}; install the .NET SDK or pass --dotnet", self.dotnet.display())))?;
            if !status.success() {
                return Err(failed(format!("dotnet build {} failed ({status}); its errors are above", project.display())));
            }
        }
        // Evaluation only: the paths and settings, as the build saw them.
        let names = ["GraftKernelElf", "GraftKernelIso", "GraftRunMemory", "GraftKernelCommandLine", "GraftTestTimeout", "IsTestProject"];
        let mut command = std::process::Command::new(&self.dotnet);
        command.args(["msbuild", "-nologo", &format!("-p:Configuration={}", self.configuration)]).arg(project);
        command.args(names.map(|n| format!("-getProperty:{n}")));
        let out = command.output().map_err(|e| failed(format!("cannot run {}: {e}", self.dotnet.display())))?;
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|_| {
            failed(format!(
                "dotnet msbuild -getProperty on {} gave no property list: {}{}",
                project.display(),
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        })?;
        let get = |name: &str| json["Properties"][name].as_str().map(str::trim).filter(|v| !v.is_empty()).map(String::from);
        if get("IsTestProject").as_deref() != Some("true") {
            return Err(unusable(project, format!("'{}' is not a kernel test project: set <IsTestProject>true</IsTestProject>", project.display())));
        }
        let kernel = get("GraftKernelElf").map(PathBuf::from);
        if kernel.is_none() {
            return Err(unusable(project, format!("'{}' names no GraftKernelElf: is it a Graft.Sdk project?", project.display())));
        }
        let number = |name: &str| get(name).and_then(|v| v.parse::<f64>().ok());
        Ok(ProjectSettings {
            kernel,
            image: get("GraftKernelIso").map(PathBuf::from),
            memory: number("GraftRunMemory").map(|m| m as u32),
            command_line: get("GraftKernelCommandLine"),
            timeout: number("GraftTestTimeout"),
        })
    }

    pub fn run(&self, verbose: bool, json: bool) -> ExitCode {
        let settings = match self.project() {
            Ok(Some(project)) => match self.build(&project) {
                Ok(settings) => settings,
                Err(d) => return failed(&d),
            },
            Ok(None) => ProjectSettings::default(),
            Err(d) => return failed(&d),
        };
        let request = self.request(&settings);
        // Results are the command's output: on stdout, as they arrive.
        let log = move |severity: Severity, message: &str| match severity {
            Severity::Info => println!("{message}"),
            Severity::Debug if verbose => eprintln!("graft: {message}"),
            _ => {}
        };
        let response = graft_stages::run_typed::<graft_stages::Test>(&request, Some(&log));
        for d in &response.diagnostics {
            eprintln!("{d}");
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&response).unwrap_or_default());
        }
        match (&response.output, response.ok) {
            (Some(output), true) if output.failed == 0 => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        }
    }
}

fn unusable(at: &Path, message: String) -> Diagnostic {
    Diagnostic::error(Code::TEST_INPUT_UNUSABLE, message).at(at, None, None)
}

fn failed(d: &Diagnostic) -> ExitCode {
    eprintln!("{d}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: TestArgs,
    }

    fn built(args: &[&str], project: &ProjectSettings) -> String {
        let cli = Cli::try_parse_from(std::iter::once("graft-test").chain(args.iter().copied())).unwrap();
        format!("{:?}", cli.args.request(project))
    }

    #[test]
    fn defaults_are_the_stages_and_flags_fill_their_fields() {
        assert!(std::env::var_os("GRAFT_QEMU").is_none(), "unset GRAFT_QEMU to run this test");
        let json = |text: &str| format!("{:?}", serde_json::from_str::<test::Request>(text).unwrap());
        // Not a kernel ELF (no such file): an image.
        assert_eq!(built(&["k.iso"], &ProjectSettings::default()), json(r#"{"image":"k.iso"}"#));
        let request = built(&["k.iso", "--mode", "bios-cd,uefi-cd", "--firmware", "bios-disk", "--filter", "Math*", "--junit", "j.xml", "--timeout", "9"], &ProjectSettings::default());
        assert_eq!(request, json(r#"{"image":"k.iso","modes":["bios-cd","uefi-cd","bios-disk"],"filter":"Math*","junit":"j.xml","timeout_secs":9}"#));
        // A project's settings, unless a flag says otherwise.
        let project = ProjectSettings { memory: Some(512), command_line: Some("a=1".into()), timeout: Some(20.0), ..Default::default() };
        assert_eq!(built(&["k.iso"], &project), json(r#"{"image":"k.iso","memory_mib":512,"command_line":"a=1","timeout_secs":20}"#));
        assert_eq!(built(&["k.iso", "--memory", "64", "--timeout", "5"], &project), json(r#"{"image":"k.iso","memory_mib":64,"command_line":"a=1","timeout_secs":5}"#));
        assert!(Cli::try_parse_from(["graft-test", "k.iso", "--mode", "floppy"]).is_err());
    }
}

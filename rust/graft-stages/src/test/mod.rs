//! Stage `test`: runs a kernel test suite (a Graft.Testing kernel) in QEMU
//! and reports each test, for `graft test` and `dotnet test`.
//!
//! In: the kernel ELF and/or its image, the boot modes, a name filter, a
//! JUnit file, the time limit per boot ([`Request`]). Out: every test's
//! result per mode, the boots each mode took and the totals ([`Output`]).
//! The steps:
//!
//! 1. check the request (what each mode boots exists);
//! 2. per mode, boot the kernel with run.rs ([`crate::run::run_observed`]),
//!    passing `graft-test.from=<i>` and `graft-test.filter=<pattern>` on the
//!    kernel command line: `-append` for a direct boot, QEMU's fw_cfg file
//!    `opt/graft/cmdline` for an image (grub.cfg's line is fixed; the runtime,
//!    sdk/runtime/core/fw_cfg.c, appends the file's words at boot);
//! 3. read the protocol ([`protocol`]) from the serial lines as they arrive
//!    and log each result at once; a boot that ends inside a test (a fault
//!    report, a triple fault, a hang into the time limit, a broken protocol
//!    line) fails that test with the boot's symbolised serial lines from the
//!    test's start, and the kernel boots again from the next test;
//! 4. each failure becomes one error diagnostic at the assertion's (or the
//!    crash's first C# frame's) file and line, so MSBuild and the IDE list it;
//! 5. the JUnit XML ([`junit`]), written whole or not at all; the summary.
//!
//! Codes: GRAFT6011 a test failed (assertion or exception), 6012 the suite
//! never started, 6013 the protocol is garbled, 6014 a test crashed the
//! kernel, 6015 a test hung, 6016 no tests (or none the filter matches), 6017
//! input unusable for a mode, 6018 (graft test) the project build failed,
//! 6019 the suite stopped between tests and booting again got no further.

pub mod junit;
pub mod protocol;

use std::path::{Path, PathBuf};

use graft_diag::{Code, Diagnostic, Session, StageResult};
use serde::{Deserialize, Serialize};

use crate::run;
use protocol::{Break, BootEnd, BootParse, Finished, Stopped, Verdict};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestMode {
    /// Kernel.elf through its PVH entry (QEMU -kernel): the fastest.
    Direct,
    /// The image as a CD on a BIOS machine (SeaBIOS, GRUB).
    BiosCd,
    /// The image as a CD on a UEFI machine (OVMF, GRUB).
    UefiCd,
    /// The image as a hard disk on a BIOS machine.
    BiosDisk,
    /// The image as a hard disk on a UEFI machine.
    UefiDisk,
}

impl TestMode {
    pub const ALL: [TestMode; 5] = [TestMode::Direct, TestMode::BiosCd, TestMode::UefiCd, TestMode::BiosDisk, TestMode::UefiDisk];

    /// The name the request, `--mode` and GraftTestModes use.
    pub fn name(self) -> &'static str {
        match self {
            TestMode::Direct => "direct",
            TestMode::BiosCd => "bios-cd",
            TestMode::UefiCd => "uefi-cd",
            TestMode::BiosDisk => "bios-disk",
            TestMode::UefiDisk => "uefi-disk",
        }
    }

    fn firmware_and_media(self) -> (run::Firmware, run::Media) {
        match self {
            TestMode::Direct | TestMode::BiosCd => (run::Firmware::Bios, run::Media::Cdrom),
            TestMode::UefiCd => (run::Firmware::Uefi, run::Media::Cdrom),
            TestMode::BiosDisk => (run::Firmware::Bios, run::Media::Disk),
            TestMode::UefiDisk => (run::Firmware::Uefi, run::Media::Disk),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The test kernel (Kernel.elf): booted by mode `direct`, and its symbols
    /// and DWARF name the addresses of crash reports. Default: `Kernel.elf`
    /// beside `image`, when there is one.
    #[serde(default)]
    pub kernel: Option<PathBuf>,
    /// The kernel's image (Kernel.iso) for the other modes. Default:
    /// `Kernel.iso` beside `kernel`.
    #[serde(default)]
    pub image: Option<PathBuf>,
    /// The boot modes, each running the whole suite; default: `direct` with a
    /// kernel, else `bios-cd`.
    #[serde(default)]
    pub modes: Vec<TestMode>,
    /// Runs only the tests whose `Class.Method` contains this (`*` matches
    /// anything): the kernel's `graft-test.filter`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Writes the results as JUnit XML here (one testsuite per mode).
    #[serde(default)]
    pub junit: Option<PathBuf>,
    /// Writes this stage's output (its JSON) here as well, also when tests
    /// failed: a host whose call returns no output after errors (the MSBuild
    /// task) reads each test's result from it.
    #[serde(default)]
    pub results_file: Option<PathBuf>,
    /// Seconds one boot may take before QEMU is stopped (a hang fails the
    /// test that runs, and the next boot goes on after it).
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
    #[serde(default = "default_memory")]
    pub memory_mib: u32,
    /// The kernel command line of a direct boot, before the runner's words
    /// (an image boots with its grub.cfg's, the runner's words after it).
    #[serde(default)]
    pub command_line: String,
    #[serde(default)]
    pub qemu: Option<PathBuf>,
    #[serde(default)]
    pub ovmf: Option<PathBuf>,
}

/// Seconds per boot when the request gives no `timeout_secs`.
pub const DEFAULT_TIMEOUT_SECS: f64 = 60.0;

fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT_SECS
}

fn default_memory() -> u32 {
    run::DEFAULT_MEMORY_MIB
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Output {
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    /// One per mode asked for, in order.
    pub suites: Vec<SuiteRun>,
    /// The JUnit file written, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub junit: Option<PathBuf>,
}

/// The suite in one boot mode.
#[derive(Debug, Serialize, Deserialize)]
pub struct SuiteRun {
    pub mode: TestMode,
    /// The assembly name from the suite line (absent when it never started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub tests: Vec<TestResult>,
    pub boots: Vec<BootRecord>,
    /// Why the mode's run is incomplete (never started, stopped, garbled end); absent when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TestResult {
    pub index: u32,
    /// `Class.Method`.
    pub name: String,
    pub status: TestStatus,
    /// The test's own time, as the kernel measured it (passed tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micros: Option<u64>,
    /// Why it failed, or the skip reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The failing assertion's source file (or the crash's first C# frame's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The serial lines the test printed (for a crash or hang: the boot's,
    /// symbolised, from the test's start).
    pub output: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    Skipped,
    /// The test crashed the kernel (a fault report, a reset, an exit).
    Crashed,
    /// The test did not finish before the boot's time limit.
    Hung,
    /// The protocol broke off during the test.
    Garbled,
}

impl TestStatus {
    fn failed(self) -> bool {
        !matches!(self, TestStatus::Passed | TestStatus::Skipped)
    }
}

/// One QEMU boot of a mode.
#[derive(Debug, Serialize, Deserialize)]
pub struct BootRecord {
    /// The first test index it was asked to run.
    pub from: u32,
    /// Milliseconds from QEMU's start to the first test result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_result_ms: Option<u64>,
    pub duration_ms: u64,
    /// The QEMU command line.
    pub command: String,
}

pub fn run(request: &Request, session: &mut Session<'_>) -> StageResult<Output> {
    let plan = check(request, session)?;
    let mut suites = Vec::new();
    for &mode in &plan.modes {
        suites.push(run_mode(request, &plan, mode, session)?);
    }
    let count = |status: &dyn Fn(TestStatus) -> bool| suites.iter().flat_map(|s| &s.tests).filter(|t| status(t.status)).count() as u32;
    let mut output = Output {
        passed: count(&|s| s == TestStatus::Passed),
        failed: count(&|s| s.failed()),
        skipped: count(&|s| s == TestStatus::Skipped),
        suites,
        junit: None,
    };
    if let Some(path) = &request.junit {
        junit::write(path, &output).map_err(|e| {
            session.fail(
                Diagnostic::error(Code::OUTPUT_NOT_WRITABLE, format!("cannot write the JUnit file '{}': {e}", path.display())).at(path, None, None),
            )
        })?;
        output.junit = Some(path.clone());
    }
    if let Some(path) = &request.results_file {
        let text = serde_json::to_string_pretty(&output).unwrap_or_default();
        graft_diag::write_atomic(path, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(|e| {
            session.fail(
                Diagnostic::error(Code::OUTPUT_NOT_WRITABLE, format!("cannot write the results file '{}': {e}", path.display())).at(path, None, None),
            )
        })?;
    }
    for suite in &output.suites {
        session.progress(&summary_line(suite));
    }
    session.progress(&format!(
        "total: {} passed, {} failed, {} skipped ({} mode{})",
        output.passed,
        output.failed,
        output.skipped,
        output.suites.len(),
        if output.suites.len() == 1 { "" } else { "s" }
    ));
    Ok(output)
}

/// What the request boots, checked before any QEMU starts.
struct Plan {
    kernel: Option<PathBuf>,
    image: Option<PathBuf>,
    modes: Vec<TestMode>,
}

fn check(request: &Request, session: &mut Session<'_>) -> StageResult<Plan> {
    let beside = |file: &Option<PathBuf>, name: &str| file.as_ref().map(|f| f.with_file_name(name)).filter(|p| p.is_file());
    let kernel = request.kernel.clone().or_else(|| beside(&request.image, "Kernel.elf"));
    let image = request.image.clone().or_else(|| beside(&request.kernel, "Kernel.iso"));
    let mut modes = request.modes.clone();
    if modes.is_empty() {
        modes.push(if kernel.is_some() { TestMode::Direct } else { TestMode::BiosCd });
    }
    modes.dedup();
    let unusable = |session: &mut Session<'_>, message: String, at: Option<&Path>| {
        let d = Diagnostic::error(Code::TEST_INPUT_UNUSABLE, message);
        session.fail(match at {
            Some(path) => d.at(path, None, None),
            None => d,
        })
    };
    for path in [&kernel, &image].into_iter().flatten() {
        if !path.is_file() {
            return Err(unusable(session, format!("'{}' not found; build the test kernel first (dotnet build)", path.display()), Some(path)));
        }
    }
    if let Some(k) = &kernel {
        if !run::is_elf(k) {
            return Err(unusable(session, format!("'{}' is not a kernel ELF (name it as the image instead)", k.display()), Some(k)));
        }
    }
    for &mode in &modes {
        match mode {
            TestMode::Direct if kernel.is_none() => {
                return Err(unusable(session, "mode direct boots Kernel.elf, and neither it nor one beside the image was named".into(), None));
            }
            TestMode::Direct => {}
            _ if image.is_none() => {
                return Err(unusable(
                    session,
                    format!("mode {} boots the image (Kernel.iso), and neither it nor one beside the kernel was found", mode.name()),
                    kernel.as_deref(),
                ));
            }
            _ => {}
        }
    }
    if kernel.is_none() {
        session.progress("no Kernel.elf beside the image: crash reports keep their addresses");
    }
    Ok(Plan { kernel, image, modes })
}

/// The runner's words on the kernel command line.
pub fn runner_words(from: u32, filter: Option<&str>) -> String {
    let mut words = format!("graft-test.from={from}");
    if let Some(filter) = filter.filter(|f| !f.is_empty()) {
        words.push_str(&format!(" graft-test.filter={filter}"));
    }
    words
}

/// The run request of one boot from test `from`.
fn boot_request(request: &Request, plan: &Plan, mode: TestMode, from: u32) -> run::Request {
    let words = runner_words(from, request.filter.as_deref());
    let (firmware, media) = mode.firmware_and_media();
    let (image, command_line, extra_args) = match mode {
        TestMode::Direct => {
            let line = [request.command_line.trim(), &words].iter().filter(|w| !w.is_empty()).copied().collect::<Vec<_>>().join(" ");
            (plan.kernel.clone().expect("checked"), line, Vec::new())
        }
        // QEMU's option syntax doubles a comma inside a value.
        _ => (plan.image.clone().expect("checked"), String::new(), vec!["-fw_cfg".into(), format!("name=opt/graft/cmdline,string={}", words.replace(',', ",,"))]),
    };
    // Through the request's JSON form: every run field this stage does not
    // set keeps the run stage's own default (no echo, no stdin, no debugger).
    let request = serde_json::json!({
        "image": image,
        "firmware": firmware,
        "media": media,
        "timeout_secs": request.timeout_secs,
        "qemu": request.qemu,
        "ovmf": request.ovmf,
        "memory_mib": request.memory_mib,
        "kernel": plan.kernel,
        "extra_args": extra_args,
        "command_line": command_line,
    });
    serde_json::from_value(request).expect("the run request's own fields")
}

fn run_mode(request: &Request, plan: &Plan, mode: TestMode, session: &mut Session<'_>) -> StageResult<SuiteRun> {
    let mut suite = SuiteRun { mode, name: None, tests: Vec::new(), boots: Vec::new(), problem: None };
    let mut from = 0;
    loop {
        session.progress(&format!("{}: booting{}", mode.name(), if from > 0 { format!(" again from test {from}") } else { String::new() }));
        let (run, mut parse) = boot_once(&boot_request(request, plan, mode, from), from, session, &mut suite)?;
        suite.name = suite.name.take().or_else(|| parse.suite.as_ref().map(|s| s.0.clone()));
        let end = match run.outcome {
            run::Outcome::Exited => BootEnd::Exited(run.kernel_exit_code.unwrap_or(0)),
            run::Outcome::Reset => BootEnd::Reset,
            run::Outcome::TimedOut => BootEnd::TimedOut,
        };
        let (broken, stopped) = parse.finish(&end);
        if let Some(finished) = broken {
            record(&mut suite, finished, plan.kernel.as_deref(), session);
        }
        suite.boots.push(BootRecord {
            from,
            first_result_ms: parse.first_result.map(|d| d.as_millis() as u64),
            duration_ms: run.duration_ms,
            command: run.command.clone(),
        });
        let total = parse.suite.as_ref().map_or(0, |s| s.1);
        let problem = match stopped {
            Stopped::Finished => None,
            Stopped::NeverStarted => Some((
                Code::TEST_SUITE_NOT_STARTED,
                format!(
                    "{}: the kernel never printed 'graft-test: suite' (boot ended {end:?}); is it a test project (IsTestProject) built with Graft.Testing? Its serial output:\n{}",
                    mode.name(),
                    indent(&parse.lines)
                ),
            )),
            Stopped::Mismatch(why) => Some((Code::TEST_PROTOCOL_GARBLED, format!("{}: {why}", mode.name()))),
            Stopped::At { next } if next >= total => None,
            Stopped::At { next } if parse.made_progress() => {
                from = next;
                continue;
            }
            Stopped::At { next } => Some((
                Code::TEST_SUITE_STOPPED,
                format!(
                    "{}: the suite stopped before test {next} outside any test (boot ended {end:?}), and booting again got no further; the boot's serial output:\n{}",
                    mode.name(),
                    indent(&parse.lines)
                ),
            )),
        };
        if let Some((code, message)) = problem {
            suite.problem = Some(message.clone());
            session.report(Diagnostic::error(code, message));
        } else if suite.tests.is_empty() {
            let message = match &request.filter {
                Some(filter) => format!("{}: no test matches the filter '{filter}' (of {total})", mode.name()),
                None => format!("{}: the suite has no tests; mark static void methods with [Test]", mode.name()),
            };
            suite.problem = Some(message.clone());
            session.report(Diagnostic::error(Code::TEST_NONE_FOUND, message));
        }
        return Ok(suite);
    }
}

/// One QEMU boot: the run's output and its protocol, each result recorded
/// and logged as its line arrives.
fn boot_once(boot: &run::Request, from: u32, session: &mut Session<'_>, suite: &mut SuiteRun) -> StageResult<(run::Output, BootParse)> {
    let (sender, lines) = std::sync::mpsc::channel::<run::SerialLine>();
    let mut parse = BootParse::new(from);
    // The boot runs on its own thread with its own session; this one reads
    // its lines as they come, so results show while the kernel runs.
    let (result, diagnostics) = std::thread::scope(|scope| {
        let booting = scope.spawn(move || {
            let mut boot_session = Session::new(None);
            let result = run::run_observed(boot, &mut boot_session, Some(sender));
            (result, boot_session.into_diagnostics())
        });
        for (at, line) in lines {
            if let Some(finished) = parse.push(at, &line) {
                record(suite, finished, boot.kernel.as_deref(), session);
            }
        }
        booting.join().expect("the boot thread does not panic")
    });
    // The run's own warnings (time limit, reset) are the test's failure here; its errors stop the stage.
    let mut failed = false;
    for d in diagnostics.into_iter().filter(|d| d.severity == graft_diag::Severity::Error) {
        failed = true;
        session.report(d);
    }
    match result {
        Ok(output) if !failed => Ok((output, parse)),
        _ => Err(graft_diag::Failed),
    }
}

/// Takes one finished test into the suite: logs its line and, for a
/// failure, reports its error diagnostic.
fn record(suite: &mut SuiteRun, finished: Finished, kernel: Option<&Path>, session: &mut Session<'_>) {
    let Finished { index, name, verdict, output } = finished;
    let mut result = TestResult { index, name, status: TestStatus::Passed, micros: None, message: None, file: None, line: None, output };
    let failure = match verdict {
        Verdict::Passed { micros } => {
            result.micros = Some(micros);
            None
        }
        Verdict::Skipped { reason } => {
            result.status = TestStatus::Skipped;
            result.message = Some(reason);
            None
        }
        Verdict::Failed { file, line, message } => {
            result.status = TestStatus::Failed;
            (result.file, result.line, result.message) = (file, line, Some(message));
            // An exception (`at ?:0`): where its stack trace enters the project's source.
            if result.file.is_none() {
                let found = first_source_frame(&result.output).or_else(|| kernel.and_then(|k| exception_frame_location(k, &result.output)));
                if let Some((file, line)) = found {
                    (result.file, result.line) = (Some(file), Some(line));
                }
            }
            Some(Code::TEST_FAILED)
        }
        Verdict::Broke { why } => {
            let (status, code, message) = match why {
                Break::Crashed(why) => (TestStatus::Crashed, Code::TEST_CRASHED, why),
                Break::Hung => (TestStatus::Hung, Code::TEST_HUNG, "the test did not finish before the boot's time limit (a hang?)".to_string()),
                Break::Garbled(why) => (TestStatus::Garbled, Code::TEST_PROTOCOL_GARBLED, why),
            };
            result.status = status;
            result.message = Some(message);
            if let Some((file, line)) = first_source_frame(&result.output) {
                (result.file, result.line) = (Some(file), Some(line));
            }
            Some(code)
        }
    };
    session.progress(&result_line(suite.mode, &result));
    // A crash report is read where the result is: under it, line by line.
    if matches!(result.status, TestStatus::Crashed | TestStatus::Hung | TestStatus::Garbled) {
        result.output.iter().for_each(|line| session.progress(&format!("    {line}")));
    }
    if let Some(code) = failure {
        let mut message = format!("{} {} [{}]: {}", result.name, status_word(result.status), suite.mode.name(), result.message.as_deref().unwrap_or(""));
        if result.status != TestStatus::Failed && !result.output.is_empty() {
            message.push_str("; the serial output from the test's start:\n");
            message.push_str(&indent(&result.output));
        }
        let d = Diagnostic::error(code, message);
        session.report(match &result.file {
            Some(file) => d.at(file, result.line, None),
            None => d,
        });
    }
    suite.tests.push(result);
}

fn status_word(status: TestStatus) -> &'static str {
    match status {
        TestStatus::Passed => "passed",
        TestStatus::Failed => "failed",
        TestStatus::Skipped => "skipped",
        TestStatus::Crashed => "crashed the kernel",
        TestStatus::Hung => "hung",
        TestStatus::Garbled => "broke the protocol",
    }
}

/// The line logged as a result arrives.
fn result_line(mode: TestMode, t: &TestResult) -> String {
    let detail = match t.status {
        TestStatus::Passed => format!(" ({} us)", t.micros.unwrap_or(0)),
        TestStatus::Skipped => format!(": {}", t.message.as_deref().unwrap_or("")),
        _ => {
            let at = match (&t.file, t.line) {
                (Some(file), Some(line)) => format!(" at {file}:{line}"),
                (Some(file), None) => format!(" at {file}"),
                _ => String::new(),
            };
            format!("{at}: {}", t.message.as_deref().unwrap_or(""))
        }
    };
    let word = match t.status {
        TestStatus::Passed => "pass",
        TestStatus::Skipped => "skip",
        _ => "FAIL",
    };
    format!("{} {word} {} {}{detail}", mode.name(), t.index, t.name)
}

fn summary_line(suite: &SuiteRun) -> String {
    let count = |f: &dyn Fn(TestStatus) -> bool| suite.tests.iter().filter(|t| f(t.status)).count();
    let firsts: Vec<String> = suite.boots.iter().map(|b| b.first_result_ms.map_or("-".to_string(), |ms| format!("{ms} ms"))).collect();
    format!(
        "{} {}: {} passed, {} failed, {} skipped; {} boot{}, QEMU start to first result: {}",
        suite.mode.name(),
        suite.name.as_deref().unwrap_or("(no suite)"),
        count(&|s| s == TestStatus::Passed),
        count(&|s| s.failed()),
        count(&|s| s == TestStatus::Skipped),
        suite.boots.len(),
        if suite.boots.len() == 1 { "" } else { "s" },
        firsts.join(", ")
    )
}

fn indent(lines: &[String]) -> String {
    lines.iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// The first symbolised frame in C# source outside the framework's
/// (`   at Ns.Type.Method() in /src/Program.cs:line 6`): where a crash
/// report points into the test project.
pub fn first_source_frame(lines: &[String]) -> Option<(String, u32)> {
    static FRAME: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^\s*at .* in (\S+\.cs):line (\d+)\s*$").expect("valid pattern"));
    lines.iter().find_map(|line| {
        let c = FRAME.captures(line)?;
        let number = c[2].parse().ok()?;
        // CoreLib's own sources were built under /_/.
        (!c[1].starts_with("/_/")).then(|| (c[1].to_string(), number))
    })
}

/// Where an exception's stack trace enters the project's source when its
/// frames carry no addresses (`   at Checks.Throws() + 0x27`, as
/// `Exception.ToString()` prints them in the kernel): each frame's method
/// found among the kernel's symbols by ILC's name for it
/// (`<assembly>_<Namespace>_<Type>__<Method>`), the offset looked up in the
/// line table. The first frame outside CoreLib's sources (`/_/`) wins.
pub fn exception_frame_location(kernel: &Path, lines: &[String]) -> Option<(String, u32)> {
    use object::{Object, ObjectSymbol};
    static FRAME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^\s*at (?P<type>[A-Za-z_][\w.]*)\.(?P<method>[A-Za-z_]\w*)\([^)]*\) \+ 0x(?P<offset>[0-9a-f]+)\s*$").expect("valid pattern")
    });
    let frames: Vec<_> = lines.iter().filter_map(|l| FRAME.captures(l)).collect();
    if frames.is_empty() {
        return None;
    }
    let data = std::fs::read(kernel).ok()?;
    let elf = object::File::parse(&*data).ok()?;
    let (symbols, _) = crate::symbolize::Symbolizer::parse(&data).ok()?;
    frames.iter().find_map(|frame| {
        let suffix = format!("_{}__{}", frame["type"].replace('.', "_"), &frame["method"]);
        let offset = u64::from_str_radix(&frame["offset"], 16).ok()?;
        let start = elf.symbols().find(|s| s.name().is_ok_and(|n| n.ends_with(&suffix)))?.address();
        // The offset is the frame's return address: the call is the byte before it.
        let location = symbols.lookup((start + offset).saturating_sub(1))?;
        let file = location.file.filter(|f| !f.starts_with("/_/"))?;
        Some((file, location.line?))
    })
}

//! The `test` stage: its protocol parser on written lines (pass, fail,
//! skip, garbled, hang, restart), its JUnit XML read back by an XML parser,
//! and whole runs in QEMU of a hand-written protocol kernel
//! (tests/test_kernel/main.c over sdk/boot and the runtime's fw_cfg.c):
//! a crash, a hang, a reset and a garbled line each fail their test and the
//! kernel boots again after it, directly (-append) and from the image
//! (the runner's words through fw_cfg).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use graft_stages::test::protocol::{parse_line, BootEnd, BootParse, Break, Event, Stopped, Verdict};
use graft_stages::test::{self, Output, TestStatus};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

// ---- the protocol, line by line ----

#[test]
fn every_line_form_parses() {
    let parsed = |l: &str| parse_line(l).unwrap().unwrap();
    assert_eq!(parsed("graft-test: suite Exceptions tests=12"), Event::Suite { name: "Exceptions".into(), tests: 12 });
    assert_eq!(parsed("graft-test: start 3 Catch.ByType\r"), Event::Start { index: 3, name: "Catch.ByType".into() });
    assert_eq!(parsed("graft-test: pass 3 Catch.ByType 1234us"), Event::Pass { index: 3, name: "Catch.ByType".into(), micros: 1234 });
    assert_eq!(
        parsed("graft-test: fail 4 Math.Adds at /src/Math Tests/Program.cs:12: expected 3, actual 4: really"),
        Event::Fail {
            index: 4,
            name: "Math.Adds".into(),
            file: Some("/src/Math Tests/Program.cs".into()),
            line: Some(12),
            message: "expected 3, actual 4: really".into()
        }
    );
    assert_eq!(
        parsed("graft-test: fail 5 A.B at ?:0: System.Exception: boom"),
        Event::Fail { index: 5, name: "A.B".into(), file: None, line: None, message: "System.Exception: boom".into() }
    );
    assert_eq!(parsed("graft-test: skip 6 A.C: needs a disk"), Event::Skip { index: 6, name: "A.C".into(), reason: "needs a disk".into() });
    assert_eq!(parsed("graft-test: end passed=1 failed=2 skipped=3"), Event::End { passed: 1, failed: 2, skipped: 3 });
    // What OVMF's console leaves before the kernel's first line.
    assert_eq!(parsed("\rgraft-test: suite K tests=1\r"), Event::Suite { name: "K".into(), tests: 1 });
    assert_eq!(parsed("\u{1b}[0m\u{1b}[37m\u{1b}[2J\u{1b}[01;01Hgraft-test: start 0 A.B"), Event::Start { index: 0, name: "A.B".into() });
    // Not the protocol's: the test's own output.
    assert!(parse_line("hello graft-test: pass 1 X 1us").is_none());
    assert!(parse_line("Console output").is_none());
}

#[test]
fn broken_protocol_lines_are_errors_that_quote_the_line() {
    for line in [
        "graft-test: pazz 3 A.B 5us",
        "graft-test: pass 3 A.B",
        "graft-test: pass x A.B 5us",
        "graft-test: start 99999999999 A.B",
        "graft-test: fail 1 A.B expected 3",
        "graft-test: end passed=1 failed=2",
    ] {
        let error = parse_line(line).unwrap().unwrap_err();
        assert!(error.contains(line), "{error}");
    }
}

fn boot(from: u32, lines: &[&str]) -> (BootParse, Vec<(u32, Verdict)>) {
    let mut parse = BootParse::new(from);
    let mut finished = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(f) = parse.push(Duration::from_millis(i as u64), line) {
            finished.push((f.index, f.verdict));
        }
    }
    (parse, finished)
}

#[test]
fn a_whole_suite_passes_fails_and_skips_in_order() {
    let (mut parse, finished) = boot(
        0,
        &[
            "SeaBIOS noise",
            "graft-test: suite K tests=3",
            "graft-test: start 0 A.Pass",
            "printed by the test",
            "graft-test: pass 0 A.Pass 10us",
            "graft-test: skip 1 A.Skip: why",
            "graft-test: start 2 A.Fail",
            "graft-test: fail 2 A.Fail at P.cs:7: expected 1, actual 2",
            "graft-test: end passed=1 failed=1 skipped=1",
        ],
    );
    assert_eq!(finished.len(), 3);
    assert_eq!(finished[0], (0, Verdict::Passed { micros: 10 }));
    assert_eq!(finished[1], (1, Verdict::Skipped { reason: "why".into() }));
    assert_eq!(finished[2], (2, Verdict::Failed { file: Some("P.cs".into()), line: Some(7), message: "expected 1, actual 2".into() }));
    // The first result came with the 5th line.
    assert_eq!(parse.first_result, Some(Duration::from_millis(4)));
    assert_eq!(parse.finish(&BootEnd::Exited(1)), (None, Stopped::Finished));
}

#[test]
fn an_end_that_does_not_match_is_a_mismatch() {
    let lines = ["graft-test: suite K tests=1", "graft-test: start 0 A.B", "graft-test: pass 0 A.B 1us", "graft-test: end passed=1 failed=0 skipped=0"];
    // Right counts, wrong exit code.
    let (mut parse, _) = boot(0, &lines);
    assert!(matches!(parse.finish(&BootEnd::Exited(1)), (None, Stopped::Mismatch(why)) if why.contains("exit with 0")));
    // Wrong counts.
    let (mut parse, _) = boot(0, &[lines[0], lines[1], lines[2], "graft-test: end passed=2 failed=0 skipped=0"]);
    assert!(matches!(parse.finish(&BootEnd::Exited(0)), (None, Stopped::Mismatch(why)) if why.contains("passed=2")));
}

#[test]
fn a_crash_or_hang_inside_a_test_fails_it_and_boots_again_after_it() {
    let lines = ["graft-test: suite K tests=4", "graft-test: start 0 A.Ok", "graft-test: pass 0 A.Ok 1us", "graft-test: start 1 A.Crash", "graft: fault", "  at [0x1000]"];
    for (end, expected) in [
        (BootEnd::TimedOut, Break::Hung),
        (BootEnd::Reset, Break::Crashed("the machine reset during the test (a triple fault?)".into())),
        (BootEnd::Exited(127), Break::Crashed("the kernel stopped with exit code 127 during the test".into())),
    ] {
        let (mut parse, finished) = boot(0, &lines);
        assert_eq!(finished.len(), 1);
        let (broken, stopped) = parse.finish(&end);
        let broken = broken.unwrap();
        assert_eq!((broken.index, broken.verdict), (1, Verdict::Broke { why: expected }));
        // The serial log from the test's start is attached.
        assert_eq!(broken.output, ["graft: fault", "  at [0x1000]"]);
        assert_eq!(stopped, Stopped::At { next: 2 });
    }
}

#[test]
fn the_next_boot_starts_at_from_and_earlier_indices_are_garbled() {
    let (mut parse, finished) = boot(2, &["graft-test: suite K tests=4", "graft-test: start 2 A.C", "graft-test: pass 2 A.C 1us"]);
    assert_eq!(finished, [(2, Verdict::Passed { micros: 1 })]);
    assert_eq!(parse.finish(&BootEnd::Exited(0)), (None, Stopped::At { next: 3 }));
    // A kernel that ignores graft-test.from.
    let (mut parse, finished) = boot(2, &["graft-test: suite K tests=4", "graft-test: start 0 A.A"]);
    assert!(finished.is_empty());
    assert_eq!(parse.finish(&BootEnd::Exited(0)), (None, Stopped::At { next: 2 }));
    assert!(!parse.made_progress());
}

#[test]
fn a_garbled_line_fails_the_running_test_and_the_rest_is_not_trusted() {
    let (mut parse, finished) = boot(
        0,
        &[
            "graft-test: suite K tests=3",
            "graft-test: start 0 A.A",
            "graft-test: pazz 0 A.A 1us",
            "graft-test: pass 0 A.A 1us",
            "graft-test: start 1 A.B",
            "graft-test: pass 1 A.B 1us",
        ],
    );
    assert_eq!(finished.len(), 1);
    assert!(matches!(&finished[0], (0, Verdict::Broke { why: Break::Garbled(why) }) if why.contains("pazz")));
    assert_eq!(parse.finish(&BootEnd::Exited(0)), (None, Stopped::At { next: 1 }));
    // Out of order: a result for a test that did not start, a start inside a start.
    for lines in [
        ["graft-test: suite K tests=3", "graft-test: start 0 A.A", "graft-test: pass 1 A.B 1us"],
        ["graft-test: suite K tests=3", "graft-test: start 0 A.A", "graft-test: start 1 A.B"],
        ["graft-test: suite K tests=3", "graft-test: start 0 A.A", "graft-test: end passed=0 failed=0 skipped=0"],
    ] {
        let (_, finished) = boot(0, &lines);
        assert!(matches!(&finished[..], [(0, Verdict::Broke { why: Break::Garbled(_) })]), "{lines:?}: {finished:?}");
    }
    // Protocol lines before the suite line, or an index past tests=N.
    let (mut parse, finished) = boot(0, &["graft-test: start 0 A.A"]);
    assert!(finished.is_empty());
    assert_eq!(parse.finish(&BootEnd::Exited(0)).1, Stopped::NeverStarted);
    let (_, finished) = boot(0, &["graft-test: suite K tests=1", "graft-test: skip 1 A.A: x"]);
    assert!(finished.is_empty());
}

#[test]
fn a_kernel_without_a_suite_line_never_started() {
    let (mut parse, _) = boot(0, &["Hello from a kernel that is no test kernel"]);
    assert_eq!(parse.finish(&BootEnd::Exited(0)), (None, Stopped::NeverStarted));
}

// ---- JUnit ----

/// Every element of the XML with its attributes and text, checked well-formed by quick-xml.
fn xml_elements(text: &str) -> Vec<(String, Vec<(String, String)>, String)> {
    use quick_xml::events::{BytesStart, Event as X};
    let mut reader = quick_xml::Reader::from_str(text);
    let mut found: Vec<(String, Vec<(String, String)>, String)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let element = |e: &BytesStart| {
        let qname = e.name();
        let name: &str = qname.as_ref();
        let name = name.to_string();
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                let key: &str = a.key.as_ref();
                (key.to_string(), a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned())
            })
            .collect();
        (name, attrs, String::new())
    };
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("invalid XML at {}: {e}\n{text}", reader.buffer_position())) {
            X::Eof => break,
            X::Start(e) => {
                found.push(element(&e));
                open.push(found.len() - 1);
            }
            X::Empty(e) => found.push(element(&e)),
            X::Text(t) => {
                if let Some(&i) = open.last() {
                    found[i].2.push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0));
                }
            }
            X::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.into_inner()).unwrap_or_else(|| panic!("unknown entity in\n{text}")).to_string(),
                };
                if let Some(&i) = open.last() {
                    found[i].2.push_str(&text);
                }
            }
            X::End(_) => {
                open.pop();
            }
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements in\n{text}");
    found
}

fn attr<'a>(element: &'a (String, Vec<(String, String)>, String), name: &str) -> &'a str {
    element.1.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {name} on {element:?}"))
}

#[test]
fn junit_is_valid_xml_with_failures_skips_and_serial_output() {
    let output: Output = serde_json::from_value(json!({
        "passed": 1, "failed": 2, "skipped": 1,
        "suites": [{
            "mode": "direct", "name": "K",
            "tests": [
                { "index": 0, "name": "Ns.A.Pass", "status": "passed", "micros": 1500, "output": [] },
                { "index": 1, "name": "Ns.A.Fail", "status": "failed", "message": "expected <3> & \"4\"", "file": "P.cs", "line": 7, "output": ["said \u{1b}[31m hi\u{0}"] },
                { "index": 2, "name": "Ns.A.Skip", "status": "skipped", "message": "later", "output": [] },
                { "index": 3, "name": "Ns.A.Crash", "status": "crashed", "message": "reset", "output": ["  at Ns.A.Crash() in P.cs:line 9"] }
            ],
            "boots": [{ "from": 0, "first_result_ms": 800, "duration_ms": 1200, "command": "qemu" }]
        }, {
            "mode": "bios-cd", "tests": [], "boots": [], "problem": "never started"
        }]
    }))
    .unwrap();
    let text = test::junit::render(&output);
    let elements = xml_elements(&text);
    let named = |n: &str| elements.iter().filter(|e| e.0 == n).collect::<Vec<_>>();
    let suites = named("testsuite");
    assert_eq!(suites.len(), 2);
    assert_eq!(attr(suites[0], "name"), "K (direct)");
    assert_eq!((attr(suites[0], "tests"), attr(suites[0], "failures"), attr(suites[0], "skipped")), ("4", "2", "1"));
    assert_eq!(attr(suites[1], "errors"), "1");
    let cases = named("testcase");
    assert_eq!(cases.len(), 5);
    assert_eq!((attr(cases[0], "classname"), attr(cases[0], "name"), attr(cases[0], "time")), ("Ns.A", "Pass", "0.001500"));
    let failures = named("failure");
    assert_eq!(failures.len(), 2);
    assert_eq!(attr(failures[0], "message"), "expected <3> & \"4\"");
    assert_eq!(failures[0].2, "P.cs:7: expected <3> & \"4\"");
    assert_eq!(attr(named("skipped")[0], "message"), "later");
    // Control characters XML cannot hold are dropped, the rest kept.
    let out = named("system-out");
    assert_eq!(out[0].2, "said [31m hi");
    assert_eq!(named("error").len(), 1);
}

// ---- whole runs in QEMU ----

fn stage(name: &str, request: Value) -> Value {
    let log = |_: graft_diag::Severity, m: &str| eprintln!("  [{name}] {m}");
    let response = graft_stages::run_json(name, &request.to_string(), Some(&log));
    assert!(response.ok, "{name} failed: {:#?}\nrequest: {request}", response.diagnostics);
    response.output.unwrap()
}

fn objects(output: &Value) -> Vec<Value> {
    output["objects"].as_array().unwrap().iter().map(|o| o["object"].clone()).collect()
}

/// The protocol kernel, built once: (Kernel.elf, Kernel.iso with `scenario=exit` in its grub.cfg).
fn kernel() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let repo = repo();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-runner-kernel");
        let obj = out.join("obj");
        let (boot, runtime) = (repo.join("sdk/boot"), repo.join("sdk/runtime"));
        let listed = |dir: &Path, ext: &str| -> Vec<PathBuf> {
            let mut files: Vec<PathBuf> =
                std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == ext)).collect();
            files.sort();
            files
        };
        let mut c = listed(&boot, "c");
        c.push(runtime.join("core/fw_cfg.c"));
        c.push(repo.join("rust/graft-stages/tests/test_kernel/main.c"));
        let include = [&boot, &runtime];
        let mut objs = objects(&stage("assemble", json!({ "sources": listed(&boot, "asm"), "output_dir": obj, "include_dirs": include })));
        objs.extend(objects(&stage("compile-c", json!({ "sources": c, "output_dir": obj, "include_dirs": include, "debug": true }))));
        let elf = out.join("Kernel.elf");
        stage("link", json!({ "objects": objs, "output": elf }));
        let iso = out.join("Kernel.iso");
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("grub-cache");
        stage("image", json!({ "kernel": elf, "output": iso, "command_line": "scenario=exit", "cache_dir": cache }));
        (elf, iso)
    })
}

/// Runs the test stage; its response (output and diagnostics) and the logged lines.
fn run_tests(request: Value) -> (graft_stages::Response<Output>, Vec<String>) {
    let request: test::Request = serde_json::from_value(request).unwrap();
    let logged = std::sync::Mutex::new(Vec::new());
    let log = |_: graft_diag::Severity, m: &str| {
        eprintln!("  [test] {m}");
        logged.lock().unwrap().push(m.to_string());
    };
    let response = graft_stages::run_typed::<graft_stages::Test>(&request, Some(&log));
    (response, logged.into_inner().unwrap())
}

fn statuses(output: &Output, suite: usize) -> Vec<(u32, TestStatus)> {
    output.suites[suite].tests.iter().map(|t| (t.index, t.status)).collect()
}

fn codes(response: &graft_stages::Response<Output>) -> Vec<String> {
    response.diagnostics.iter().map(|d| d.code.clone()).collect()
}

#[test]
fn a_crash_fails_its_test_with_the_symbolised_report_and_the_kernel_boots_again_after_it() {
    let (elf, _) = kernel();
    let junit = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-runner-crash.xml");
    let (response, logged) = run_tests(json!({ "kernel": elf, "command_line": "scenario=exit", "timeout_secs": 30, "junit": junit }));
    let output = response.output.as_ref().expect("the stage ran");
    assert!(!response.ok, "failures are error diagnostics");
    use TestStatus::*;
    assert_eq!(statuses(output, 0), [(0, Passed), (1, Failed), (2, Skipped), (3, Crashed), (4, Passed)]);
    assert_eq!((output.passed, output.failed, output.skipped), (2, 2, 1));
    assert_eq!(output.suites[0].name.as_deref(), Some("RunnerKernel"));
    // Two boots: the second from the test after the crash.
    let froms: Vec<u32> = output.suites[0].boots.iter().map(|b| b.from).collect();
    assert_eq!(froms, [0, 4]);
    assert!(output.suites[0].boots.iter().all(|b| b.first_result_ms.is_some()));
    // The assertion's error is at its file and line; the crash's carries the report, symbolised.
    let fail = response.diagnostics.iter().find(|d| d.code == "GRAFT6011").unwrap();
    assert_eq!((fail.file.as_deref(), fail.line), (Some(Path::new("/src/RunnerKernel/Program.cs")), Some(12)));
    assert!(fail.message.contains("expected 3, actual 4"), "{}", fail.message);
    let crash = response.diagnostics.iter().find(|d| d.code == "GRAFT6014").unwrap();
    assert!(crash.message.contains("exit code 127") && crash.message.contains("at crash_breaks"), "{}", crash.message);
    assert!(!crash.message.contains("[0x"), "the address is symbolised: {}", crash.message);
    assert_eq!(codes(&response), ["GRAFT6011", "GRAFT6014"]);
    // One line per result as it came, then the summary with the first-result times.
    assert!(logged.iter().any(|l| l == "direct pass 0 Basics.Passes (17 us)"), "{logged:?}");
    assert!(logged.iter().any(|l| l.starts_with("direct FAIL 1 Basics.Fails at /src/RunnerKernel/Program.cs:12: ")), "{logged:?}");
    assert!(logged.iter().any(|l| l.starts_with("direct RunnerKernel: 2 passed, 2 failed, 1 skipped; 2 boots, QEMU start to first result: ")), "{logged:?}");
    // The JUnit file says the same.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let elements = xml_elements(&xml);
    assert_eq!(elements.iter().filter(|e| e.0 == "testcase").count(), 5);
    assert_eq!(elements.iter().filter(|e| e.0 == "failure").count(), 2);
}

#[test]
fn a_hang_a_reset_and_a_garbled_line_each_fail_their_test_only() {
    let (elf, _) = kernel();
    for (scenario, status, code) in [
        ("hang", TestStatus::Hung, "GRAFT6015"),
        ("reset", TestStatus::Crashed, "GRAFT6014"),
        ("garble", TestStatus::Garbled, "GRAFT6013"),
    ] {
        let (response, _) = run_tests(json!({ "kernel": elf, "command_line": format!("scenario={scenario}"), "timeout_secs": 6 }));
        let output = response.output.as_ref().unwrap();
        use TestStatus::*;
        assert_eq!(statuses(output, 0), [(0, Passed), (1, Failed), (2, Skipped), (3, status), (4, Passed)], "{scenario}");
        assert_eq!(codes(&response), ["GRAFT6011", code], "{scenario}");
    }
}

#[test]
fn an_image_boot_gets_the_runners_words_through_fw_cfg() {
    let (_, iso) = kernel();
    // From the image, grub.cfg's scenario=exit crashes test 3: the second boot
    // must start at 4, which only fw_cfg can tell it.
    let (response, _) = run_tests(json!({ "image": iso, "modes": ["bios-cd"], "timeout_secs": 60 }));
    let output = response.output.as_ref().unwrap();
    use TestStatus::*;
    assert_eq!(statuses(output, 0), [(0, Passed), (1, Failed), (2, Skipped), (3, Crashed), (4, Passed)]);
    let froms: Vec<u32> = output.suites[0].boots.iter().map(|b| b.from).collect();
    assert_eq!(froms, [0, 4]);
    let crash = response.diagnostics.iter().find(|d| d.code == "GRAFT6014").unwrap();
    assert!(crash.message.contains("command line") || output.suites[0].tests[3].output.iter().any(|l| l.contains("crash")), "{}", crash.message);
    // A filter through fw_cfg, on the disk and UEFI boots too: only the passing test runs.
    let (response, _) = run_tests(json!({ "image": iso, "modes": ["bios-disk", "uefi-cd"], "filter": "After*h", "timeout_secs": 90 }));
    assert!(response.ok, "{:#?}", response.diagnostics);
    let output = response.output.as_ref().unwrap();
    assert_eq!(output.suites.len(), 2);
    for suite in 0..2 {
        assert_eq!(statuses(output, suite), [(4, Passed)]);
    }
}

#[test]
fn no_matching_test_and_no_suite_are_errors() {
    let (elf, _) = kernel();
    let (response, _) = run_tests(json!({ "kernel": elf, "filter": "NoSuchTest", "timeout_secs": 30 }));
    assert!(!response.ok);
    assert_eq!(codes(&response), ["GRAFT6016"]);
    // A kernel that is no test kernel: tests/kernels/hello_c's build by boot.rs is not ours to
    // depend on, so the hang kernel's serial stands in: it never prints a suite line.
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-runner-plain");
    let repo = repo();
    let boot = repo.join("sdk/boot");
    let mut c: Vec<PathBuf> = std::fs::read_dir(&boot).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "c")).collect();
    c.push(repo.join("tests/kernels/hello_c/main.c"));
    let asm: Vec<PathBuf> = std::fs::read_dir(&boot).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "asm")).collect();
    let mut objs = objects(&stage("assemble", json!({ "sources": asm, "output_dir": out.join("obj"), "include_dirs": [&boot] })));
    objs.extend(objects(&stage("compile-c", json!({ "sources": c, "output_dir": out.join("obj"), "include_dirs": [&boot] }))));
    let elf = out.join("Kernel.elf");
    stage("link", json!({ "objects": objs, "output": elf }));
    let (response, _) = run_tests(json!({ "kernel": elf, "timeout_secs": 30 }));
    assert_eq!(codes(&response), ["GRAFT6012"]);
    assert!(response.diagnostics[0].message.contains("hello from C"), "the serial output is attached: {}", response.diagnostics[0].message);
    // Nothing to boot for a mode.
    let (response, _) = run_tests(json!({ "kernel": elf, "modes": ["uefi-cd"] }));
    assert_eq!(codes(&response), ["GRAFT6017"]);
    assert!(response.output.is_none());
}

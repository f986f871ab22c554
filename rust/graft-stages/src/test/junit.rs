//! The test stage's results as JUnit XML, the form CI servers read: one
//! `<testsuite>` per boot mode (named `<Assembly> (<mode>)`), one
//! `<testcase>` per test (`classname` the class, `name` the method, `time`
//! in seconds), `<failure>` for a failed, crashed, hung or garbled test,
//! `<skipped>` for a skipped one, the test's serial lines in `<system-out>`.
//! A mode whose suite did not run to its end gets an `<error>` case.
//! Serial text may hold anything: characters XML 1.0 cannot carry are dropped.

use std::fmt::Write as _;
use std::path::Path;

use super::{Output, TestStatus};

/// Writes the whole file or none of it.
pub fn write(path: &Path, output: &Output) -> std::io::Result<()> {
    let text = render(output);
    graft_diag::write_atomic(path, |f| std::io::Write::write_all(f, text.as_bytes()))
}

/// The XML text.
pub fn render(output: &Output) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all_tests: usize = output.suites.iter().map(|s| s.tests.len() + usize::from(s.problem.is_some())).sum();
    let errors = output.suites.iter().filter(|s| s.problem.is_some()).count();
    let _ = writeln!(
        x,
        "<testsuites name=\"graft test\" tests=\"{all_tests}\" failures=\"{}\" errors=\"{errors}\" skipped=\"{}\">",
        output.failed, output.skipped
    );
    for suite in &output.suites {
        let name = format!("{} ({})", suite.name.as_deref().unwrap_or("kernel"), suite.mode.name());
        let failures = suite.tests.iter().filter(|t| t.status.failed()).count();
        let skipped = suite.tests.iter().filter(|t| t.status == TestStatus::Skipped).count();
        let seconds: u64 = suite.boots.iter().map(|b| b.duration_ms).sum();
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            escape(&name),
            suite.tests.len() + usize::from(suite.problem.is_some()),
            usize::from(suite.problem.is_some()),
            seconds as f64 / 1000.0
        );
        for test in &suite.tests {
            let (class, method) = test.name.rsplit_once('.').unwrap_or(("", &test.name));
            let time = test.micros.unwrap_or(0) as f64 / 1_000_000.0;
            let _ = write!(x, "    <testcase classname=\"{}\" name=\"{}\" time=\"{time:.6}\"", escape(class), escape(method));
            let message = test.message.as_deref().unwrap_or("");
            let at = match (&test.file, test.line) {
                (Some(file), Some(line)) => format!("{file}:{line}: "),
                (Some(file), None) => format!("{file}: "),
                _ => String::new(),
            };
            let body = match test.status {
                TestStatus::Passed => String::new(),
                TestStatus::Skipped => format!("      <skipped message=\"{}\"/>\n", escape(message)),
                status => format!(
                    "      <failure type=\"{status:?}\" message=\"{}\">{}</failure>\n",
                    escape(message),
                    escape(&format!("{at}{message}"))
                ),
            };
            let out = match test.output.is_empty() {
                true => String::new(),
                false => format!("      <system-out>{}</system-out>\n", escape(&test.output.join("\n"))),
            };
            match body.is_empty() && out.is_empty() {
                true => x.push_str("/>\n"),
                false => {
                    let _ = write!(x, ">\n{body}{out}    </testcase>\n");
                }
            }
        }
        if let Some(problem) = &suite.problem {
            let _ = writeln!(
                x,
                "    <testcase classname=\"graft-test\" name=\"suite\" time=\"0\">\n      <error message=\"{}\">{}</error>\n    </testcase>",
                escape(problem.lines().next().unwrap_or("")),
                escape(problem)
            );
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// Text for an attribute or element: the five entities escaped, characters
/// XML 1.0 forbids (most control characters, lone surrogates are impossible
/// in a Rust string) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

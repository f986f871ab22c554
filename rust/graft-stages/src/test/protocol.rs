//! The kernel test protocol, read line by line as the serial output arrives
//! (tests/csharp/README.md; Graft.Testing's TestRunner prints it):
//!
//! ```text
//! graft-test: suite <AssemblyName> tests=<N>
//! graft-test: start <i> <Class.Method>
//! graft-test: pass <i> <Class.Method> <microseconds>us
//! graft-test: fail <i> <Class.Method> at <file>:<line>: <message>
//! graft-test: skip <i> <Class.Method>: <reason>
//! graft-test: end passed=<p> failed=<f> skipped=<s>
//! ```
//!
//! [`parse_line`] reads one line; [`BootParse`] follows one boot's lines
//! (each result must belong to the test that started, indices only grow) and
//! says at the end how the boot left the suite: finished, or stopped inside a
//! test (which then failed) or between tests.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

/// What every protocol line starts with.
pub const PREFIX: &str = "graft-test: ";

/// One protocol line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Suite { name: String, tests: u32 },
    Start { index: u32, name: String },
    Pass { index: u32, name: String, micros: u64 },
    Fail { index: u32, name: String, file: Option<String>, line: Option<u32>, message: String },
    Skip { index: u32, name: String, reason: String },
    End { passed: u32, failed: u32, skipped: u32 },
}

static SUITE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^suite (\S+) tests=(\d+)$").unwrap());
static START: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^start (\d+) (\S+)$").unwrap());
static PASS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^pass (\d+) (\S+) (\d+)us$").unwrap());
// The file is everything up to the first `:<digits>:` (a path holds no such part).
static FAIL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^fail (\d+) (\S+) at (.*?):(\d+):(?: (.*))?$").unwrap());
static SKIP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^skip (\d+) (\S+?):(?: (.*))?$").unwrap());
static END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^end passed=(\d+) failed=(\d+) skipped=(\d+)$").unwrap());

/// `None` for a line that is not the protocol's (the test's own output, a
/// crash report); `Some(Err)` for a protocol line that does not parse.
pub fn parse_line(line: &str) -> Option<Result<Event, String>> {
    let rest = without_terminal_codes(line).trim_end().strip_prefix(PREFIX)?;
    let number = |text: &str| text.parse::<u64>().map_err(|_| format!("'{text}' is too large"));
    let index = |text: &str| text.parse::<u32>().map_err(|_| format!("'{text}' is too large"));
    let event = if let Some(c) = SUITE.captures(rest) {
        index(&c[2]).map(|tests| Event::Suite { name: c[1].to_string(), tests })
    } else if let Some(c) = START.captures(rest) {
        index(&c[1]).map(|i| Event::Start { index: i, name: c[2].to_string() })
    } else if let Some(c) = PASS.captures(rest) {
        index(&c[1]).and_then(|i| Ok(Event::Pass { index: i, name: c[2].to_string(), micros: number(&c[3])? }))
    } else if let Some(c) = FAIL.captures(rest) {
        // `at ?:0`: the kernel did not know where.
        let known = &c[3] != "?";
        index(&c[1]).and_then(|i| {
            Ok(Event::Fail {
                index: i,
                name: c[2].to_string(),
                file: known.then(|| c[3].to_string()),
                line: Some(index(&c[4])?).filter(|&l| known && l > 0),
                message: c.get(5).map_or("", |m| m.as_str()).to_string(),
            })
        })
    } else if let Some(c) = SKIP.captures(rest) {
        index(&c[1]).map(|i| Event::Skip { index: i, name: c[2].to_string(), reason: c.get(3).map_or("", |m| m.as_str()).to_string() })
    } else if let Some(c) = END.captures(rest) {
        (|| Ok(Event::End { passed: index(&c[1])?, failed: index(&c[2])?, skipped: index(&c[3])? }))()
    } else {
        Err("not a line of the protocol".to_string())
    };
    Some(event.map_err(|why| format!("garbled protocol line '{}': {why}", line.trim_end())))
}

/// The line without what firmware may leave before it on the serial port:
/// control characters (OVMF's console ends with a lone `\r`) and ANSI
/// escape sequences (`ESC [ ... letter`).
fn without_terminal_codes(line: &str) -> &str {
    static CODES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:\x1b\[[0-9;=?]*[A-Za-z]|[\x00-\x1f])*").unwrap());
    &line[CODES.find(line).map_or(0, |m| m.end())..]
}

/// How one test ended, as the protocol or the runner says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed { micros: u64 },
    /// A failed assertion or an exception, reported by the kernel.
    Failed { file: Option<String>, line: Option<u32>, message: String },
    Skipped { reason: String },
    /// The boot ended inside the test, or its protocol lines broke off.
    Broke { why: Break },
}

/// Why the runner, not the kernel, ended a test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Break {
    /// The kernel exited, faulted into a report and stopped, or reset.
    Crashed(String),
    /// The boot's time limit passed.
    Hung,
    /// A protocol line that does not parse or does not fit (the message says which).
    Garbled(String),
}

/// One test's result from one boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub index: u32,
    pub name: String,
    pub verdict: Verdict,
    /// The serial lines from its start to its result (symbolised), without protocol lines.
    pub output: Vec<String>,
}

/// How the boot ended, as [`crate::run::Outcome`] and the exit code say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootEnd {
    Exited(u32),
    Reset,
    TimedOut,
}

/// How a boot left the suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The `end` line came, with counts that match the results and the exit code.
    Finished,
    /// The kernel never printed its `suite` line.
    NeverStarted,
    /// The boot ended (or the protocol broke) inside a test or between
    /// tests: boot again from `next`.
    At { next: u32 },
    /// The `end` line came, but does not match: the reason.
    Mismatch(String),
}

/// One boot's protocol lines, followed as they arrive.
#[derive(Debug, Default)]
pub struct BootParse {
    /// The first index this boot was asked to run (`graft-test.from`).
    from: u32,
    pub suite: Option<(String, u32)>,
    running: Option<(u32, String, Vec<String>)>,
    /// The last index with a result, for order checks and the next boot.
    last: Option<u32>,
    counts: [u32; 3],
    end: Option<[u32; 3]>,
    /// The first broken line; the rest of the boot is not read for results.
    garbled: Option<String>,
    /// When the first result came (from QEMU's start).
    pub first_result: Option<Duration>,
    /// Every line of the boot, for a crash report.
    pub lines: Vec<String>,
    /// Where this boot's lines of the current test start in `lines`.
    started_at: usize,
}

impl BootParse {
    pub fn new(from: u32) -> Self {
        BootParse { from, ..Default::default() }
    }

    /// The next line; the test it finished, if any.
    pub fn push(&mut self, at: Duration, line: &str) -> Option<Finished> {
        self.lines.push(line.to_string());
        if self.garbled.is_some() || self.end.is_some() {
            return None;
        }
        let event = match parse_line(line) {
            None => {
                if let Some((_, _, output)) = self.running.as_mut() {
                    output.push(line.to_string());
                }
                return None;
            }
            Some(Ok(event)) => event,
            Some(Err(why)) => return self.garble(why),
        };
        let finished = match self.follow(event) {
            Ok(finished) => finished,
            Err(why) => return self.garble(format!("{why}: '{}'", line.trim_end())),
        };
        if finished.is_some() {
            self.first_result.get_or_insert(at);
        }
        finished
    }

    fn follow(&mut self, event: Event) -> Result<Option<Finished>, String> {
        if self.suite.is_none() && !matches!(event, Event::Suite { .. }) {
            return Err("a protocol line before the suite line".into());
        }
        let result = |this: &mut Self, index: u32, name: String, verdict: Verdict| -> Result<Option<Finished>, String> {
            let output = match &this.running {
                Some((i, n, _)) if *i == index && *n == name => this.running.take().map(|r| r.2).unwrap_or_default(),
                Some((i, n, _)) => return Err(format!("a result for test {index} {name} while test {i} {n} runs")),
                // A test skipped by its attribute never starts.
                None if matches!(verdict, Verdict::Skipped { .. }) => {
                    this.check_order(index)?;
                    Vec::new()
                }
                None => return Err(format!("a result for test {index} {name}, which did not start")),
            };
            this.last = Some(index);
            this.counts[match verdict {
                Verdict::Passed { .. } => 0,
                Verdict::Skipped { .. } => 2,
                _ => 1,
            }] += 1;
            Ok(Some(Finished { index, name, verdict, output }))
        };
        match event {
            Event::Suite { name, tests } => match self.suite {
                Some(_) => Err("a second suite line".into()),
                None => {
                    self.suite = Some((name, tests));
                    Ok(None)
                }
            },
            Event::Start { index, name } => {
                if let Some((i, n, _)) = &self.running {
                    return Err(format!("test {index} {name} started while test {i} {n} runs"));
                }
                self.check_order(index)?;
                self.started_at = self.lines.len();
                self.running = Some((index, name, Vec::new()));
                Ok(None)
            }
            Event::Pass { index, name, micros } => result(self, index, name, Verdict::Passed { micros }),
            Event::Fail { index, name, file, line, message } => result(self, index, name, Verdict::Failed { file, line, message }),
            Event::Skip { index, name, reason } => result(self, index, name, Verdict::Skipped { reason }),
            Event::End { passed, failed, skipped } => {
                if let Some((i, n, _)) = &self.running {
                    return Err(format!("the suite ended while test {i} {n} runs"));
                }
                self.end = Some([passed, failed, skipped]);
                Ok(None)
            }
        }
    }

    /// Indices only grow, start at `from` and stay below the suite's count.
    fn check_order(&self, index: u32) -> Result<(), String> {
        let count = self.suite.as_ref().map_or(0, |s| s.1);
        match self.last {
            _ if index >= count => Err(format!("test index {index} is not below the suite's tests={count}")),
            Some(last) if index <= last => Err(format!("test index {index} after {last}")),
            None if index < self.from => Err(format!("test index {index} before graft-test.from={}", self.from)),
            _ => Ok(()),
        }
    }

    /// A broken line: the test that runs fails with it; later lines are not trusted.
    fn garble(&mut self, why: String) -> Option<Finished> {
        self.garbled = Some(why.clone());
        self.running.take().map(|(index, name, output)| {
            self.last = Some(index);
            self.counts[1] += 1;
            Finished { index, name, verdict: Verdict::Broke { why: Break::Garbled(why) }, output }
        })
    }

    /// The boot is over: the test it ended inside (failed, with the boot's
    /// lines from its start on), and how it left the suite.
    pub fn finish(&mut self, end: &BootEnd) -> (Option<Finished>, Stopped) {
        let broken = self.running.take().map(|(index, name, _)| {
            let why = match end {
                BootEnd::TimedOut => Break::Hung,
                BootEnd::Reset => Break::Crashed("the machine reset during the test (a triple fault?)".into()),
                BootEnd::Exited(code) => Break::Crashed(format!("the kernel stopped with exit code {code} during the test")),
            };
            self.last = Some(index);
            self.counts[1] += 1;
            Finished { index, name, verdict: Verdict::Broke { why }, output: self.lines[self.started_at..].to_vec() }
        });
        let stopped = match (&self.suite, self.end, &self.garbled) {
            (None, ..) => Stopped::NeverStarted,
            (Some(_), Some(counts), None) => self.judge_end(counts, end),
            (Some(_), ..) => Stopped::At { next: self.last.map_or(self.from, |l| l + 1) },
        };
        (broken, stopped)
    }

    fn judge_end(&self, [passed, failed, skipped]: [u32; 3], end: &BootEnd) -> Stopped {
        let [p, f, s] = self.counts;
        let status = u32::from(failed > 0);
        if [passed, failed, skipped] != self.counts {
            Stopped::Mismatch(format!(
                "the suite's end line says passed={passed} failed={failed} skipped={skipped}, but its results were passed={p} failed={f} skipped={s}"
            ))
        } else if *end != BootEnd::Exited(status) {
            Stopped::Mismatch(format!("the suite ended with failed={failed}, so the kernel should exit with {status}, but the boot ended {end:?}"))
        } else {
            Stopped::Finished
        }
    }

    /// Whether any test got a result in this boot.
    pub fn made_progress(&self) -> bool {
        self.counts.iter().sum::<u32>() > 0
    }
}

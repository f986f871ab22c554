//! What every Graft stage shares: diagnostics with stable codes, the progress
//! log, and outputs that appear atomically.
//!
//! A stage reports through a [`Session`]: progress lines go to the host's log
//! callback as they happen; diagnostics are collected and returned with the
//! stage's result. A stage that has reported an error returns [`Failed`].

mod atomic;
mod codes;

pub use atomic::{write_atomic, PendingOutput};
pub use codes::{Code, CodeInfo, CODES};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// How much a message matters. The numbers cross the C ABI in the log callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum Severity {
    /// Detail a user asks for (`-v:d`, `graft --verbose`).
    Debug = 0,
    /// Progress: one line per step of a stage.
    Info = 1,
    Warning = 2,
    Error = 3,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding of a stage, shaped like an MSBuild/compiler diagnostic so that
/// IDE error lists can show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// `GRAFT` plus four digits; see [`CODES`].
    pub code: String,
    pub severity: Severity,
    /// One line that says what is wrong and what to do.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Diagnostic {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        // Hosts print one line per diagnostic: flatten multi-line tool output.
        let message = message.into().trim_end().replace('\n', " | ");
        Diagnostic { code: code.to_string(), severity, message, file: None, line: None, column: None }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    pub fn at(mut self, file: impl Into<PathBuf>, line: Option<u32>, column: Option<u32>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self.column = column;
        self
    }
}

impl fmt::Display for Diagnostic {
    /// The canonical compiler form: `file(line,col): error GRAFT4003: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            match (self.line, self.column) {
                (Some(l), Some(c)) => write!(f, "({l},{c})")?,
                (Some(l), None) => write!(f, "({l})")?,
                _ => {}
            }
            f.write_str(": ")?;
        }
        write!(f, "{} {}: {}", self.severity, self.code, self.message)
    }
}

/// Returned by a stage that has already reported why it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failed;

pub type StageResult<T> = Result<T, Failed>;

/// The host's progress sink. Called only during the stage call, possibly from
/// several threads of that call.
pub type LogFn<'a> = &'a (dyn Fn(Severity, &str) + Sync);

/// Where a stage reports progress and diagnostics.
pub struct Session<'a> {
    log: Option<LogFn<'a>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Session<'a> {
    pub fn new(log: Option<LogFn<'a>>) -> Self {
        Session { log, diagnostics: Vec::new() }
    }

    /// A progress line (one per step of a stage).
    pub fn progress(&self, message: &str) {
        self.log(Severity::Info, message);
    }

    pub fn debug(&self, message: &str) {
        self.log(Severity::Debug, message);
    }

    fn log(&self, severity: Severity, message: &str) {
        if let Some(log) = self.log {
            log(severity, message);
        }
    }

    /// Records a diagnostic; also echoes it to the log so that a host sees it
    /// in order with the progress lines.
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.log(Severity::Debug, &diagnostic.to_string());
        self.diagnostics.push(diagnostic);
    }

    /// Records an error and returns [`Failed`] for the stage to return.
    pub fn fail(&mut self, diagnostic: Diagnostic) -> Failed {
        debug_assert_eq!(diagnostic.severity, Severity::Error);
        self.report(diagnostic);
        Failed
    }

    pub fn error(&mut self, code: Code, message: impl Into<String>) -> Failed {
        self.fail(Diagnostic::error(code, message))
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

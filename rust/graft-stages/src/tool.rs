//! Finding and running the external tools the stages drive (nasm, clang,
//! ld.lld, grub-mkimage, qemu). Each stage says which names to look for and
//! which Debian packages provide them, so that a missing tool is one error
//! that says what to install.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tool the stage needs: the names to look for on PATH, in order of
/// preference, and where it comes from.
pub(crate) struct ToolSpec<'a> {
    /// What the tool is, for messages ("assembler", "linker").
    pub role: &'a str,
    pub names: &'a [&'a str],
    /// Debian/Ubuntu packages that provide it.
    pub packages: &'a str,
    /// The request field (or MSBuild property) that sets the path explicitly.
    pub setting: &'a str,
}

impl ToolSpec<'_> {
    /// The explicit path when given (it must exist), else the first name found on PATH.
    pub fn find(&self, explicit: Option<&Path>) -> Result<PathBuf, String> {
        if let Some(path) = explicit {
            // A bare name ("yasm") is looked up on PATH; a path must exist.
            if path.components().count() == 1 {
                return which::which(path).map_err(|_| self.not_found(Some(path)));
            }
            return if path.is_file() { Ok(path.to_path_buf()) } else { Err(self.not_found(Some(path))) };
        }
        self.names.iter().find_map(|n| which::which(n).ok()).ok_or_else(|| self.not_found(None))
    }

    fn not_found(&self, explicit: Option<&Path>) -> String {
        match explicit {
            Some(p) => format!(
                "{} '{}' not found; install it (Debian/Ubuntu: apt-get install {}) or correct {}",
                self.role,
                p.display(),
                self.packages,
                self.setting
            ),
            None => format!(
                "{} not found on PATH (looked for {}); install it (Debian/Ubuntu: apt-get install {}) or set {} to its path",
                self.role,
                self.names.join(", "),
                self.packages,
                self.setting
            ),
        }
    }
}

/// Runs a tool to completion, capturing its output. The error is a message
/// naming the tool when it could not be started at all.
pub(crate) fn run(tool: &Path, args: impl IntoIterator<Item = impl AsRef<OsStr>>) -> Result<Output, String> {
    Command::new(tool)
        .args(args)
        .output()
        .map_err(|e| format!("cannot start {}: {e}", tool.display()))
}

/// The command line as a user would retype it, for debug logs.
pub(crate) fn describe(tool: &Path, args: &[impl AsRef<OsStr>]) -> String {
    let mut line = tool.display().to_string();
    for a in args {
        line.push(' ');
        line.push_str(&shell_quoted(&a.as_ref().to_string_lossy()));
    }
    line
}

/// An argument as a shell would need it, so a printed command line can be
/// pasted back: quoted only when it holds anything but plain characters.
fn shell_quoted(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_=./,:+@%".contains(c));
    if plain { arg.to_string() } else { format!("'{}'", arg.replace('\'', "'\\''")) }
}

/// One message a compiler or assembler printed in the usual
/// `file:line[:column]: severity: text` form (nasm, yasm, clang).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolMessage {
    pub file: PathBuf,
    pub line: u32,
    pub column: Option<u32>,
    /// True for `error`, `fatal` and `fatal error`; false for `warning`.
    pub is_error: bool,
    pub text: String,
}

/// Picks the errors and warnings out of a tool's stderr. Notes, carets,
/// source excerpts and summary lines ("1 error generated.") are skipped.
pub(crate) fn parse_messages(stderr: &str) -> Vec<ToolMessage> {
    use std::sync::OnceLock;
    static PATTERN: OnceLock<regex::Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| {
        regex::Regex::new(r"^(.+?):(\d+):(?:(\d+):)? (error|fatal error|fatal|warning): (.*)$").expect("valid regex")
    });
    stderr
        .lines()
        .filter_map(|line| {
            let c = pattern.captures(line.trim_end())?;
            Some(ToolMessage {
                file: PathBuf::from(&c[1]),
                line: c[2].parse().ok()?,
                column: c.get(3).and_then(|m| m.as_str().parse().ok()),
                is_error: &c[4] != "warning",
                text: c[5].to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn described_command_lines_quote_what_a_shell_would_split() {
        let line = describe(Path::new("qemu"), &["-append", "graft-test alpha=1 beta=two", "-m", "256", "it's", ""]);
        assert_eq!(line, "qemu -append 'graft-test alpha=1 beta=two' -m 256 'it'\\''s' ''");
    }
}

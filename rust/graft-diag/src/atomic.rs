//! Outputs appear whole or not at all: everything is written to a temporary
//! file beside the final path, then renamed over it. A failed or killed stage
//! leaves at most a stray temporary, never a file that a later build trusts.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tempfile::TempPath;

/// A temporary file beside `final_path` that becomes `final_path` on
/// [`commit`](Self::commit) and disappears if dropped uncommitted. External
/// tools (ld.lld, nasm) write to [`path`](Self::path).
pub struct PendingOutput {
    temp: TempPath,
    final_path: PathBuf,
}

impl PendingOutput {
    pub fn new(final_path: &Path) -> io::Result<Self> {
        let dir = match final_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir)?;
        let name = final_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // tempfile's own 0600 would carry over to the output; an output is
        // created as any file is (0666 less the umask).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder
            .tempfile_in(dir)?
            .into_temp_path();
        Ok(PendingOutput { temp, final_path: final_path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.temp
    }

    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Moves the finished file into place (same directory, so the rename is atomic).
    pub fn commit(self) -> io::Result<()> {
        let final_path = self.final_path;
        self.temp.persist(&final_path).map_err(|e| e.error)
    }
}

/// Writes `final_path` atomically with what `fill` writes into the file.
pub fn write_atomic(final_path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let pending = PendingOutput::new(final_path)?;
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(pending.path())?;
    fill(&mut file)?;
    file.flush()?;
    file.sync_data()?;
    drop(file);
    pending.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_write_leaves_previous_output_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("Kernel.iso");
        std::fs::write(&out, b"old").unwrap();
        let err = write_atomic(&out, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("killed"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("Kernel.iso")]);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_by_others_as_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("Kernel.iso");
        write_atomic(&out, |f| f.write_all(b"iso")).unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        // The umask may take away group or other write, never read (022 and 002 are usual).
        assert_eq!(mode & 0o644, 0o644, "mode {mode:o}");
    }

    #[test]
    fn committed_write_replaces_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("sub/Kernel.elf");
        write_atomic(&out, |f| f.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
    }
}

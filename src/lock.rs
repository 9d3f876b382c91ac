//! One run at a time per report: an OS lock on `<report>.lock` beside the report.
//!
//! The lock is the operating system's advisory file lock, not the file's existence, so a run
//! that crashed or was killed (a second Ctrl-C exits at once) leaves no stale lock behind: the
//! kernel releases it with the process. The file holds the owner's PID and start time for the
//! message a second run prints, and is removed when the run ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Held for the whole run; dropping it releases the lock and removes the file.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    file: File,
}

/// `<report>.lock`.
pub fn lock_path(report: &Path) -> PathBuf {
    let mut name = report.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    report.with_file_name(name)
}

impl RunLock {
    /// Takes the lock for `report`, or says who holds it.
    pub fn acquire(report: &Path) -> Result<RunLock, String> {
        let path = lock_path(report);
        // Twice at most: a holder that finishes between our open and our lock has removed the
        // file we locked, and a third run could otherwise lock a new file at the same path.
        for _ in 0..2 {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            // Never through a link planted at the name, and readable by the owner only.
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
            }
            let mut file = options
                .open(&path)
                .map_err(|e| format!("cannot create the lock file {}: {e}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let who =
                        if holder.is_empty() { String::new() } else { format!(" ({holder})") };
                    return Err(format!(
                        "another wf-offboard run is writing {}{who}: wait for it to finish, or choose another --report",
                        report.display()
                    ));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(format!("cannot lock {}: {e}", path.display()));
                }
            }
            if !same_file(&file, &path) {
                continue;
            }
            let mine =
                format!("pid {}, started {}", std::process::id(), crate::clock::now_rfc3339());
            let written = file
                .set_len(0)
                .and_then(|()| file.seek(SeekFrom::Start(0)))
                .and_then(|_| file.write_all(mine.as_bytes()));
            written.map_err(|e| format!("cannot write the lock file {}: {e}", path.display()))?;
            return Ok(RunLock { path, file });
        }
        Err(format!(
            "cannot lock {}: it keeps being replaced; is another run starting?",
            path.display()
        ))
    }
}

/// Is the open `file` still the one at `path`?
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Remove while still holding the lock, so no other run can have locked this file.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_on_the_same_report_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.csv");
        let first = RunLock::acquire(&report).unwrap();
        assert!(lock_path(&report).exists());
        let refused = RunLock::acquire(&report).unwrap_err();
        assert!(
            refused.contains("another wf-offboard run")
                && refused.contains(&format!("pid {}", std::process::id())),
            "{refused}"
        );
        assert!(
            RunLock::acquire(&dir.path().join("other.csv")).is_ok(),
            "other reports are independent"
        );
        drop(first);
        assert!(!lock_path(&report).exists(), "the lock file is removed at the end");
        assert!(RunLock::acquire(&report).is_ok());
    }

    #[test]
    fn a_leftover_lock_file_without_a_holder_is_not_a_lock() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("r.csv");
        std::fs::write(lock_path(&report), "pid 1, started long ago").unwrap();
        assert!(RunLock::acquire(&report).is_ok());
    }
}

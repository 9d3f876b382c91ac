//! One safe way to write files: every report, audit, candidates list, plan and summary goes
//! through here.
//!
//! These files hold personal data and the record of who lost access, and they are written into
//! directories other people may share. So:
//! - a file is created with mode 0600, through a temporary file with an unpredictable name in
//!   the same directory, then renamed into place, so it is never half-written and never follows
//!   a symbolic link someone planted at its name;
//! - the destination must be a regular file or absent: a symlink, device, FIFO or directory is
//!   refused before any request is sent;
//! - a destination that is the same file as one of the run's inputs (compared by device and
//!   inode, not by name), or as another output of the run, is refused;
//! - an existing file is replaced only with `--force`.
//!
//! The row-by-row journal that keeps every finished row through a crash is the report itself,
//! created new (`O_EXCL`, so never through a planted link) with mode 0600.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId(u64, u64);

fn file_id(path: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| FileId(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// `path` made absolute through its parent directory, for comparing outputs that do not
/// exist yet (`./r.csv` and `r.csv` are one file).
fn normalised(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent = std::fs::canonicalize(&parent).unwrap_or(parent);
    parent.join(path.file_name().unwrap_or_default())
}

/// The files one run reads and writes, checked together before any request.
#[derive(Debug, Default)]
pub struct Files {
    force: bool,
    inputs: Vec<(PathBuf, FileId)>,
    outputs: Vec<(PathBuf, PathBuf)>,
}

impl Files {
    /// `force`: existing outputs may be replaced (`--force`).
    pub fn new(force: bool) -> Self {
        Files { force, ..Files::default() }
    }

    /// Records a file the run reads (the input, `--protect`, `--resume`, a plan, a roster).
    pub fn input(&mut self, path: &Path) -> &mut Self {
        if let Some(id) = file_id(path) {
            self.inputs.push((path.to_path_buf(), id));
        }
        self
    }

    /// Checks a file the run will write; `what` names it in errors (`--report`).
    pub fn output(&mut self, path: &Path, what: &str) -> Result<&mut Self, String> {
        let shown = path.display();
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            let kind = meta.file_type();
            let refused = if kind.is_symlink() {
                Some("a symbolic link")
            } else if kind.is_dir() {
                Some("a directory")
            } else if !kind.is_file() {
                Some("a device, FIFO or socket, not a regular file")
            } else {
                None
            };
            if let Some(kind) = refused {
                return Err(format!(
                    "{what} {shown} is {kind}: refusing to write there (nothing was sent); choose another path"
                ));
            }
            if let Some((input, _)) =
                file_id(path).and_then(|id| self.inputs.iter().find(|(_, i)| *i == id))
            {
                return Err(format!(
                    "{what} {shown} is the same file as the input {}: refusing to overwrite it (nothing was sent); choose another path",
                    input.display()
                ));
            }
            if !self.force {
                return Err(format!(
                    "{what} {shown} already exists: refusing to replace it (nothing was sent); choose another path, or pass --force"
                ));
            }
        }
        let key = normalised(path);
        if let Some((other, _)) = self.outputs.iter().find(|(_, k)| *k == key) {
            return Err(format!(
                "{what} {shown} is also {other}: give each output its own path",
                other = other.display()
            ));
        }
        self.outputs.push((PathBuf::from(what), key));
        Ok(self)
    }
}

/// Writes a whole file safely: a 0600 temporary file beside `path`, filled by `fill`, synced,
/// then renamed into place. Without `force` an existing file is never replaced (the check is
/// made again at the rename, so a file that appeared meanwhile is not clobbered either).
pub fn write_file(
    path: &Path,
    force: bool,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<(), String> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".wf-offboard-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    fill(tmp.as_file_mut())
        .and_then(|()| tmp.as_file_mut().flush())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    let placed =
        if force { tmp.persist(path).map(drop) } else { tmp.persist_noclobber(path).map(drop) };
    placed.map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{shown} already exists: refusing to replace it; choose another path, or pass --force")
        }
        _ => format!("cannot write {shown}: {}", e.error),
    })
}

/// Creates the run's journal at `path`: a new file (never through a link planted at the name),
/// mode 0600. With `force`, an existing regular file is removed first.
pub fn create_journal(path: &Path, force: bool) -> Result<File, String> {
    let shown = path.display();
    if force && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
        std::fs::remove_file(path).map_err(|e| format!("cannot replace {shown}: {e}"))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{shown} already exists: refusing to replace it; choose another path, or pass --force")
        }
        _ => format!("cannot create {shown}: {e}"),
    })
}

/// A row a [`Journal`] writes: one CSV record.
pub trait JournalRow {
    fn write_to<W: Write>(&self, writer: &mut csv::Writer<W>) -> csv::Result<()>;
}

/// A run's report as its journal: a new 0600 file with its header, every row appended and
/// flushed the moment it finishes (a crash keeps every finished row), rewritten in order at the
/// end through [`write_file`] (so the sorted copy is never half-written). The deactivation and
/// the handover reports both are one.
pub struct Journal<R> {
    path: PathBuf,
    header: &'static [&'static str],
    writer: csv::Writer<File>,
    rows: Vec<R>,
}

impl<R: JournalRow> Journal<R> {
    /// Creates the file (an existing one only with `force`) and writes `header`; `what` names
    /// the file in errors (`the report`).
    pub fn create(
        path: &Path,
        force: bool,
        header: &'static [&'static str],
        what: &str,
    ) -> Result<Journal<R>, String> {
        let file = create_journal(path, force).map_err(|e| format!("{what}: {e}"))?;
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(file);
        writer
            .write_record(header)
            .and_then(|()| writer.flush().map_err(Into::into))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Journal { path: path.to_path_buf(), header, writer, rows: Vec::new() })
    }

    /// Appends one row and flushes it to disk.
    pub fn write(&mut self, row: R) -> Result<(), String> {
        let shown = self.path.display();
        row.write_to(&mut self.writer).map_err(|e| format!("{shown}: {e}"))?;
        self.writer.flush().map_err(|e| format!("{shown}: {e}"))?;
        self.rows.push(row);
        Ok(())
    }

    /// Rewrites the file with the rows in `order` (a stable sort) and returns them. If the
    /// sorted copy cannot be written, the journal is still complete, in arrival order.
    pub fn finish(
        mut self,
        order: impl FnMut(&R, &R) -> std::cmp::Ordering,
    ) -> Result<Vec<R>, String> {
        self.rows.sort_by(order);
        let shown = self.path.display().to_string();
        let written = write_file(&self.path, true, |file| {
            let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(&mut *file);
            writer.write_record(self.header)?;
            for row in &self.rows {
                row.write_to(&mut writer)?;
            }
            writer.flush()
        });
        written.map_err(|e| {
            format!("{shown}: could not sort the report ({e}); it is complete but in arrival order")
        })?;
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn outputs_are_checked_against_inputs_links_each_other_and_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "email\na@x\n").unwrap();
        let mut files = Files::new(false);
        files.input(&input);
        let err = files.output(&input, "--report").unwrap_err();
        assert!(err.contains("same file as the input"), "{err}");
        let alias = dir.path().join("alias.csv");
        std::fs::hard_link(&input, &alias).unwrap();
        assert!(
            Files::new(true)
                .input(&input)
                .output(&alias, "--report")
                .unwrap_err()
                .contains("same file as the input")
        );
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(dir.path().join("victim"), &link).unwrap();
            assert!(files.output(&link, "--report").unwrap_err().contains("symbolic link"));
        }
        assert!(files.output(dir.path(), "--report").unwrap_err().contains("a directory"));
        let report = dir.path().join("r.csv");
        files.output(&report, "--report").unwrap();
        let same = dir.path().join(".").join("r.csv");
        assert!(files.output(&same, "--summary-json").unwrap_err().contains("is also --report"));
        std::fs::write(dir.path().join("old.csv"), "x").unwrap();
        assert!(
            files
                .output(&dir.path().join("old.csv"), "--plan")
                .unwrap_err()
                .contains("pass --force")
        );
        assert!(Files::new(true).output(&dir.path().join("old.csv"), "--plan").is_ok());
    }

    #[test]
    fn files_are_written_0600_and_never_clobbered_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        write_file(&path, false, |f| f.write_all(b"one")).unwrap();
        assert!(
            write_file(&path, false, |f| f.write_all(b"two"))
                .unwrap_err()
                .contains("already exists")
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        write_file(&path, true, |f| f.write_all(b"two")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let journal = dir.path().join("j.csv");
        drop(create_journal(&journal, false).unwrap());
        assert!(create_journal(&journal, false).is_err());
        drop(create_journal(&journal, true).unwrap());
        #[cfg(unix)]
        assert_eq!(mode(&journal), 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary file is left behind"
        );
    }
}

//! Files as orgsim writes them: whole or not at all ([`write_whole`], the
//! one atomic write every result, manifest and chart goes through), and the
//! one error for a file or folder operation that failed ([`FileError`]:
//! what was being done, to which path, and the system's reason; every
//! message reads "cannot <operation> <path>: <reason>").

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` whole or not at all: a temporary file beside it,
/// synced to disk, then renamed over the target, so a crash or power cut
/// leaves the old file or the new one, never a part. The rename itself
/// reaches the disk with the folder's next sync: [`write_whole_synced`]
/// for a file that must be there at once (a manifest), [`sync_folder`]
/// once for a folder of files (a results folder before it is published).
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = folder.join(format!("{name}.partial"));
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e).at(FileOp::Write, &tmp);
    }
    fs::rename(&tmp, path).at(FileOp::Write, path)
}

/// [`write_whole`], then the folder synced, so the new file is on disk
/// when this returns.
pub fn write_whole_synced(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_whole(path, bytes)?;
    sync_folder(
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
}

/// Syncs a folder's entries (files created, renamed or removed in it).
pub fn sync_folder(folder: &Path) -> Result<(), FileError> {
    File::open(folder)
        .and_then(|f| f.sync_all())
        .at(FileOp::Write, folder)
}

/// What was being done to the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOp {
    Read,
    Write,
    Create,
    Remove,
    /// Move aside to keep (a failed run's fragments, for a retry).
    Keep,
    /// Empty a folder before reuse.
    Clear,
    Open,
    Lock,
}

impl std::fmt::Display for FileOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileOp::Read => "read",
            FileOp::Write => "write",
            FileOp::Create => "create",
            FileOp::Remove => "remove",
            FileOp::Keep => "keep",
            FileOp::Clear => "clear",
            FileOp::Open => "open",
            FileOp::Lock => "lock",
        })
    }
}

/// A file or folder operation that failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {}: {source}", path.display())]
pub struct FileError {
    pub op: FileOp,
    pub path: PathBuf,
    pub source: io::Error,
}

/// Attaches the operation and path to an `io::Result`.
pub trait AtPath<T> {
    fn at(self, op: FileOp, path: &Path) -> Result<T, FileError>;
}

impl<T> AtPath<T> for io::Result<T> {
    fn at(self, op: FileOp, path: &Path) -> Result<T, FileError> {
        self.map_err(|source| FileError {
            op,
            path: path.to_path_buf(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_write_replaces_the_file_and_leaves_nothing_beside_it() {
        let d = std::env::temp_dir().join(format!("orgsim-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let p = d.join("summary.csv");
        write_whole(&p, b"old").unwrap();
        write_whole(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        // A folder that is not there: the error names the temporary file.
        let e = write_whole(&d.join("no").join("x.csv"), b"x").unwrap_err();
        assert!(e.to_string().starts_with("cannot write "), "{e}");
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn the_message_names_the_operation_the_path_and_the_reason() {
        let e = std::fs::read("/nonexistent/orgsim/x.csv")
            .at(FileOp::Read, Path::new("/nonexistent/orgsim/x.csv"))
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read /nonexistent/orgsim/x.csv: "),
            "{e}"
        );
        assert_eq!(e.source.kind(), io::ErrorKind::NotFound);
    }
}

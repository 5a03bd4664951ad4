//! One writer per results folder. A run, resume, merge or plot holds an
//! exclusive OS lock (`flock`) on `<parent>/.<leaf>.lock` while it writes
//! the folder or its staging folder; the OS releases it on any exit, a
//! kill included, so a stale lock cannot block anyone. The file stays
//! (removing it would let two writers lock two different files); it names
//! the holder, so a refused writer can say who has the folder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::files::{AtPath, FileError, FileOp};

/// Why a results folder's lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("error: {0}")]
    File(#[from] FileError),
    /// Another orgsim writes the folder; `holder` is what it said it does.
    #[error(
        "error: {} is being written by another orgsim{}; one writer per folder\n  help: wait until it ends, or write elsewhere with --out DIR",
        out.display(),
        if holder.is_empty() { String::new() } else { format!(": {holder}") }
    )]
    Busy { out: PathBuf, holder: String },
}

/// Held while a results folder is written; dropped (or the process ends):
/// released.
#[derive(Debug)]
pub struct FolderLock {
    _file: File,
}

/// The lock file of results folder `out`.
pub fn lock_path(out: &Path) -> PathBuf {
    let leaf = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("results");
    out.with_file_name(format!(".{leaf}.lock"))
}

impl FolderLock {
    /// Takes the lock of `out` at once or says who holds it. `what` says
    /// what this process does (written into the lock file for the next one).
    pub fn take(out: &Path, what: &str) -> Result<FolderLock, LockError> {
        let path = lock_path(out);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).at(FileOp::Create, parent)?;
        }
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .at(FileOp::Open, &path)?;
        match f.try_lock() {
            Ok(()) => {
                // Who holds it, for the writer refused next.
                let me = format!("`{what}` (process {})\n", std::process::id());
                let _ = f.set_len(0).and_then(|_| {
                    f.rewind()?;
                    f.write_all(me.as_bytes())
                });
                Ok(FolderLock { _file: f })
            }
            Err(TryLockError::WouldBlock) => {
                // The holder writes its name just after locking: a moment.
                let mut holder = String::new();
                for _ in 0..10 {
                    holder.clear();
                    let _ = f.rewind().and_then(|_| f.read_to_string(&mut holder));
                    if !holder.trim().is_empty() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(LockError::Busy {
                    out: out.to_path_buf(),
                    holder: holder.trim().to_string(),
                })
            }
            Err(TryLockError::Error(e)) => Err(Err(e).at(FileOp::Lock, &path)?),
        }
    }
}

/// The command line, as the lock file shows it.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_with_the_holder_and_the_lock_goes_with_the_first() {
        let dir = std::env::temp_dir().join(format!("orgsim-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("results").join("x");
        let first = FolderLock::take(&out, "orgsim run a.toml").unwrap();
        let err = FolderLock::take(&out, "orgsim run b.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("being written by another orgsim"), "{err}");
        assert!(err.contains("orgsim run a.toml"), "{err}");
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        let again = FolderLock::take(&out, "orgsim run b.toml");
        assert!(again.is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

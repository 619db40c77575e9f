//! The part file an export is written to before it gets its final name (issue 16, point 3).
//!
//! It is created in the final file's directory (so the rename is atomic) under a name nobody
//! can guess (`report.csv.k3J9xq2bTe.part`), with `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600:
//! a symlink or a file that someone else planted under a name like it is never opened, so an
//! export can neither write through another user's link nor become a file that user owns.
//! It is removed when dropped unless it was published: on an error, a cancel, or when the
//! export's future is dropped midway.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// How many random names are tried before giving up (each clash is 1 in 62^10).
const ATTEMPTS: u32 = 100;
/// Random letters and digits in a part file's name.
const RANDOM_CHARS: usize = 10;

/// An open part file, removed on drop unless published.
pub(super) struct PartFile {
    // Declared before `guard`, so it is closed before the guard removes its name.
    file: File,
    guard: RemoveOnDrop,
}

/// Removes the part file's name when dropped, unless disarmed.
struct RemoveOnDrop {
    path: PathBuf,
    armed: bool,
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl PartFile {
    /// A new part file for `name` in `dir` (`""` is the current directory).
    pub(super) fn create(dir: &Path, name: &OsStr) -> io::Result<PartFile> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        for _ in 0..ATTEMPTS {
            let path = dir.join(random_name(name));
            match open_new(&path) {
                Ok(file) => {
                    return Ok(PartFile {
                        file,
                        guard: RemoveOnDrop { path, armed: true },
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no unused name for a part file",
        ))
    }

    /// Where the part file is.
    #[cfg(test)]
    fn path(&self) -> &Path {
        &self.guard.path
    }

    pub(super) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Sync it and rename it to `to`, replacing what is there.
    pub(super) fn publish_replacing(mut self, to: &Path) -> io::Result<()> {
        self.file.sync_all()?;
        std::fs::rename(&self.guard.path, to)?;
        self.guard.armed = false;
        Ok(())
    }

    /// Sync it and give it the first of `names` that is not taken, never replacing a file:
    /// a hard link fails when the name exists, where a rename would replace it. On a file
    /// system without hard links, the name is checked first and the part file renamed.
    pub(super) fn publish_new(
        mut self,
        names: impl IntoIterator<Item = PathBuf>,
    ) -> io::Result<PathBuf> {
        self.file.sync_all()?;
        for name in names {
            match std::fs::hard_link(&self.guard.path, &name) {
                // The guard removes the part file's own name; the data stays under `name`.
                Ok(()) => return Ok(name),
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists && !name.exists() => {
                    std::fs::rename(&self.guard.path, &name)?;
                    self.guard.armed = false;
                    return Ok(name);
                }
                Err(_) => continue,
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "too many exports of that name",
        ))
    }
}

/// `<name>.<random>.part`.
fn random_name(name: &OsStr) -> std::ffi::OsString {
    let random: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(RANDOM_CHARS)
        .collect();
    let mut out = name.to_os_string();
    out.push(format!(".{random}.part"));
    out
}

/// Create `path` new, 0600, never through a symlink. `O_EXCL` alone already refuses an
/// existing name, symlinks included; `O_NOFOLLOW` says so again where it can be said.
fn open_new(path: &Path) -> io::Result<File> {
    let mut options = crate::owner_only::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::TempDir;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn names_are_random_and_dropped_parts_are_removed() {
        let temp = TempDir::new("part-names");
        let a = PartFile::create(temp.path(), OsStr::new("h.csv")).unwrap();
        let b = PartFile::create(temp.path(), OsStr::new("h.csv")).unwrap();
        assert_ne!(a.path(), b.path());
        let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("h.csv.") && name.ends_with(".part"),
            "{name}"
        );
        assert_eq!(name.len(), "h.csv.".len() + RANDOM_CHARS + ".part".len());
        drop((a, b));
        assert!(entries(temp.path()).is_empty());
    }

    #[test]
    fn publish_new_never_replaces() {
        let temp = TempDir::new("part-publish");
        let dir = temp.path();
        std::fs::write(dir.join("h.csv"), "first").unwrap();
        let mut part = PartFile::create(dir, OsStr::new("h.csv")).unwrap();
        io::Write::write_all(part.file(), b"second").unwrap();
        let names = [dir.join("h.csv"), dir.join("h-2.csv")];
        assert_eq!(part.publish_new(names).unwrap(), dir.join("h-2.csv"));
        assert_eq!(std::fs::read_to_string(dir.join("h.csv")).unwrap(), "first");
        assert_eq!(
            std::fs::read_to_string(dir.join("h-2.csv")).unwrap(),
            "second"
        );
        assert_eq!(entries(dir), ["h-2.csv", "h.csv"]);

        let part = PartFile::create(dir, OsStr::new("h.csv")).unwrap();
        let err = part.publish_new([dir.join("h.csv")]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(entries(dir), ["h-2.csv", "h.csv"], "the part file is gone");
    }

    #[test]
    fn publish_replacing_replaces() {
        let temp = TempDir::new("part-replace");
        let target = temp.write("h.csv", "old");
        let mut part = PartFile::create(temp.path(), OsStr::new("h.csv")).unwrap();
        io::Write::write_all(part.file(), b"new").unwrap();
        part.publish_replacing(&target).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(entries(temp.path()), ["h.csv"]);
    }
}

//! Files and directories that only their owner may read: the console's log, the server's
//! database and every export hold partners' contact data or the audit trail, so none of them may
//! be readable by other users of the machine (issue 16, point 12).
//!
//! The modes are given when a file or directory is created, never changed afterwards: a file
//! that is already there keeps the mode its owner chose. The umask can only take bits away, so
//! what is created is at most 0600 (files) and 0700 (directories). Elsewhere than on Unix there
//! are no modes to give and these are the plain `std` calls.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// The mode of the files created through [`options`].
pub const FILE_MODE: u32 = 0o600;
/// The mode of the directories created by [`create_dir_all`].
pub const DIR_MODE: u32 = 0o700;

/// `std::fs::create_dir_all`, with each directory it creates made 0700. Directories that exist
/// already are left as they are (`~/.local/state` is not ours to change).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

/// `OpenOptions` that create a file 0600. The caller says how to open it (write, append,
/// create, create_new, ...).
pub fn options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::config::test_support::TempDir;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_dirs_are_0700_existing_ones_keep_their_mode() {
        let temp = TempDir::new("owner-only-dirs");
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let deep = temp.path().join("a").join("b");
        create_dir_all(&deep).unwrap();
        assert_eq!(mode(&temp.path().join("a")), 0o700);
        assert_eq!(mode(&deep), 0o700);
        assert_eq!(mode(temp.path()), 0o755);
        create_dir_all(&deep).unwrap();
    }

    #[test]
    fn new_files_are_0600() {
        let temp = TempDir::new("owner-only-files");
        let path = temp.path().join("f");
        options().write(true).create_new(true).open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}

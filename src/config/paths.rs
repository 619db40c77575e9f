//! Where things live on disk: the XDG base directories (or the platform's equivalent) through the
//! `directories` crate, so `XDG_CONFIG_HOME`, `XDG_DATA_HOME` and `XDG_STATE_HOME` are honoured.

use std::path::{Path, PathBuf};

use directories::{BaseDirs, ProjectDirs, UserDirs};

use super::ConfigError;

/// The application's directory name under each base directory.
pub const APP_NAME: &str = "partner-console";
/// The config file's name inside the config dir.
pub const CONFIG_FILE_NAME: &str = "config.toml";
/// The log file's name inside `log_dir`.
pub const LOG_FILE_NAME: &str = "partner-console.log";
/// The reference backend's default database file inside `data_dir`.
pub const DATABASE_FILE_NAME: &str = "partner-console.db";

/// The files and directories the console uses. Nothing is created here: whoever writes a file
/// creates its directory first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `--config` / `PARTNER_CONSOLE_CONFIG`, else `config.toml` in the user's config dir
    /// (`$XDG_CONFIG_HOME/partner-console/config.toml`). It need not exist.
    pub config_file: PathBuf,
    /// `$XDG_DATA_HOME/partner-console`: the reference backend's database lives here.
    pub data_dir: PathBuf,
    /// `$XDG_STATE_HOME/partner-console/logs` (where the platform has no state dir: the local
    /// data dir's `logs`).
    pub log_dir: PathBuf,
    /// The user's download dir (`XDG_DOWNLOAD_DIR`), when the platform names one.
    pub download_dir: Option<PathBuf>,
}

impl Paths {
    /// The paths for this user. `explicit_config` (from `--config`) replaces the config file only.
    pub fn discover(explicit_config: Option<&Path>) -> Result<Paths, ConfigError> {
        let dirs = ProjectDirs::from("", "", APP_NAME).ok_or(ConfigError::NoHome)?;
        let log_base = dirs
            .state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf();
        Ok(Paths {
            config_file: explicit_config
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dirs.config_dir().join(CONFIG_FILE_NAME)),
            data_dir: dirs.data_dir().to_path_buf(),
            log_dir: log_base.join("logs"),
            download_dir: download_dir(
                UserDirs::new().and_then(|u| u.download_dir().map(Path::to_path_buf)),
                BaseDirs::new().map(|b| b.home_dir().to_path_buf()),
            ),
        })
    }

    /// Everything under one directory: for tests and throw-away setups.
    pub fn in_dir(root: &Path) -> Paths {
        Paths {
            config_file: root.join(CONFIG_FILE_NAME),
            data_dir: root.join("data"),
            log_dir: root.join("logs"),
            download_dir: None,
        }
    }

    /// The log file (`<log_dir>/partner-console.log`).
    pub fn log_file(&self) -> PathBuf {
        self.log_dir.join(LOG_FILE_NAME)
    }

    /// The reference backend's default database (`<data_dir>/partner-console.db`).
    pub fn database_file(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE_NAME)
    }

    /// The directory relative paths in the config file are resolved against: the config file's.
    pub fn config_dir(&self) -> &Path {
        match self.config_file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    /// Where exports go: `[export] dir` (relative to the config file), else the user's
    /// download dir, else the data dir.
    pub fn export_dir(&self, export: &super::ExportConfig) -> PathBuf {
        match &export.dir {
            Some(dir) => expand_path(dir, self.config_dir()),
            None => self
                .download_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.clone()),
        }
    }
}

/// The download dir: the platform's (`XDG_DOWNLOAD_DIR`) when it names one, else `~/Downloads`
/// when that directory exists (servers reached over SSH rarely set the XDG name, but CSRs keep
/// a `~/Downloads`).
fn download_dir(platform: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    platform.or_else(|| home.map(|h| h.join("Downloads")).filter(|d| d.is_dir()))
}

/// `~` and `~/...` become the home directory; a relative path is taken relative to `base`.
/// (`~user/...` is not expanded: it is an ordinary relative path.)
pub(crate) fn expand_path(path: &Path, base: &Path) -> PathBuf {
    expand_path_with_home(
        path,
        base,
        BaseDirs::new().map(|b| b.home_dir().to_path_buf()),
    )
}

fn expand_path_with_home(path: &Path, base: &Path, home: Option<PathBuf>) -> PathBuf {
    let expanded = match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn downloads_go_to_home_downloads_when_the_platform_names_none() {
        let home = crate::config::test_support::TempDir::new("home-downloads");
        let h = home.path().to_path_buf();
        assert_eq!(
            download_dir(None, Some(h.clone())),
            None,
            "no ~/Downloads yet"
        );
        std::fs::create_dir(h.join("Downloads")).unwrap();
        assert_eq!(
            download_dir(None, Some(h.clone())),
            Some(h.join("Downloads"))
        );
        let xdg = h.join("Dl");
        assert_eq!(
            download_dir(Some(xdg.clone()), Some(h)),
            Some(xdg),
            "the platform's first"
        );
    }

    use super::*;

    #[test]
    fn explicit_config_replaces_only_the_config_file() {
        let Ok(default) = Paths::discover(None) else {
            return; // no home directory in this sandbox: nothing to compare
        };
        let explicit = Paths::discover(Some(Path::new("/etc/pc/custom.toml"))).unwrap();
        assert_eq!(explicit.config_file, Path::new("/etc/pc/custom.toml"));
        assert_eq!(explicit.data_dir, default.data_dir);
        assert!(default.config_file.ends_with("partner-console/config.toml"));
        assert!(default.log_file().ends_with("logs/partner-console.log"));
        assert!(default.data_dir.ends_with("partner-console"));
    }

    #[test]
    fn in_dir_keeps_everything_under_the_root() {
        let p = Paths::in_dir(Path::new("/tmp/x"));
        assert_eq!(p.config_file, Path::new("/tmp/x/config.toml"));
        assert_eq!(p.log_file(), Path::new("/tmp/x/logs/partner-console.log"));
        assert_eq!(
            p.database_file(),
            Path::new("/tmp/x/data/partner-console.db")
        );
        assert_eq!(p.config_dir(), Path::new("/tmp/x"));
    }

    #[test]
    fn config_dir_of_a_bare_file_name_is_the_current_dir() {
        let mut p = Paths::in_dir(Path::new("/tmp/x"));
        p.config_file = PathBuf::from("config.toml");
        assert_eq!(p.config_dir(), Path::new("."));
    }

    #[test]
    fn tilde_and_relative_paths_expand() {
        let home = Some(PathBuf::from("/home/ann"));
        let base = Path::new("/etc/pc");
        let e = |p: &str| expand_path_with_home(Path::new(p), base, home.clone());
        assert_eq!(e("~/tok"), Path::new("/home/ann/tok"));
        assert_eq!(e("~"), Path::new("/home/ann"));
        assert_eq!(e("/abs/tok"), Path::new("/abs/tok"));
        assert_eq!(e("tok"), Path::new("/etc/pc/tok"));
        assert_eq!(e("~bob/tok"), Path::new("/etc/pc/~bob/tok"));
    }
}

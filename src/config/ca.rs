//! A profile's `ca_file`: the PEM certificates of a private CA (a company's own), trusted for
//! that profile's backend besides the operating system's store (issue 16, point 13). Read and
//! checked when the config is loaded, so a wrong path is reported before anything connects.

use std::path::Path;

use super::ConfigError;

/// The certificates in the PEM file `path`: at least one, each a valid `CERTIFICATE` block.
pub(crate) fn read(path: &Path) -> Result<Vec<reqwest::Certificate>, ConfigError> {
    let pem = std::fs::read(path).map_err(|error| ConfigError::CaFile {
        path: path.to_path_buf(),
        error,
    })?;
    let invalid = || ConfigError::CaFileInvalid {
        path: path.to_path_buf(),
    };
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| invalid())?;
    if certs.is_empty() {
        return Err(invalid());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::TempDir;

    #[test]
    fn a_file_without_a_certificate_is_refused_with_the_fix() {
        let dir = TempDir::new("ca-file");
        let empty = dir.write("ca.pem", "# nothing here\n");
        let msg = read(&empty).unwrap_err().to_string();
        assert!(
            msg.contains("ca.pem") && msg.contains("-----BEGIN CERTIFICATE-----"),
            "{msg}"
        );
        let broken = dir.write("broken.pem", "-----BEGIN CERTIFICATE-----\n!!\n");
        assert!(matches!(
            read(&broken),
            Err(ConfigError::CaFileInvalid { .. })
        ));
        let missing = read(&dir.path().join("nope.pem")).unwrap_err();
        assert!(matches!(missing, ConfigError::CaFile { .. }), "{missing}");
        assert!(missing.to_string().contains("nope.pem"), "{missing}");
    }
}

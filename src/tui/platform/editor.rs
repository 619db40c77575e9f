//! Long text in the user's own editor: `$VISUAL`, else `$EDITOR`, else `vi`, on a private
//! temporary file (mode 0600, removed after). The text that comes back is the file as saved;
//! the form cleans it as it would typed text.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::process::Command;

/// The editor command, as the user set it (it may carry arguments: `code -w`).
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .into_iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// A new file only we can read, that nobody else could have made first.
fn private_file(text: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir();
    for _ in 0..8 {
        let name = format!(
            "partner-console-{}-{}.txt",
            std::process::id(),
            fastrand::u64(..)
        );
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(text.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary file name"))
}

/// Run the editor on `text` in the terminal as it is now (the caller hands the terminal over
/// first). `Err` says, in a sentence, why the text is unchanged.
pub fn edit(text: &str) -> Result<String, String> {
    let path = private_file(text).map_err(|e| format!("Could not make a temporary file: {e}."))?;
    let editor = editor();
    // Through the shell, so an editor set with arguments works; the path goes as `$1`, never
    // into the command text.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    let read = std::fs::read(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            return Err(format!(
                "The editor ({editor}) ended with {s}; the text is unchanged."
            ));
        }
        Err(e) => return Err(format!("Could not run the editor ({editor}): {e}.")),
    }
    let bytes = read.map_err(|e| format!("Could not read the edited text back: {e}."))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test for both cases: they set the process's environment.
    #[test]
    fn the_editor_edits_a_private_file_and_its_failure_keeps_the_text() {
        // SAFETY: no other test of this binary reads VISUAL or EDITOR.
        unsafe {
            std::env::remove_var("VISUAL");
            std::env::set_var("EDITOR", "sed -i s/old/new/");
        }
        assert_eq!(edit("the old text\n").unwrap(), "the new text\n");
        unsafe { std::env::set_var("EDITOR", "false") };
        let err = edit("kept").unwrap_err();
        assert!(err.contains("unchanged"), "{err}");
        unsafe { std::env::remove_var("EDITOR") };
    }
}

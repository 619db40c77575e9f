//! The raw byte stream the child wrote: all of it, or what came since a mark, and waiting for
//! it (the benchmarks measure key → frame with it); byte-string search for the tests.

use std::time::{Duration, Instant};

use super::Pty;

impl Pty {
    /// Remembers where the byte stream is now, for [`Pty::bytes_since_mark`].
    pub fn mark(&mut self) {
        let len = self.seen().raw.len();
        self.mark = len;
    }

    /// Every byte the child wrote since the last [`Pty::mark`] (since the start without one).
    pub fn bytes_since_mark(&self) -> Vec<u8> {
        self.seen().raw[self.mark..].to_vec()
    }

    /// Blocks until the bytes since the last [`Pty::mark`] satisfy `done`, at most `timeout`:
    /// those bytes, and when the last of them arrived. Waits on the reader's signal; it never
    /// polls or spins.
    pub fn wait_bytes_since_mark(
        &self,
        timeout: Duration,
        done: impl Fn(&[u8]) -> bool,
    ) -> Result<(Vec<u8>, Instant), String> {
        let deadline = Instant::now() + timeout;
        let mut seen = self.seen();
        loop {
            let bytes = &seen.raw[self.mark..];
            if done(bytes) {
                return Ok((bytes.to_vec(), seen.last_byte));
            }
            let now = Instant::now();
            if now >= deadline || seen.eof {
                drop(seen);
                return Err(self.failure(&format!(
                    "the expected output did not come within {timeout:?}"
                )));
            }
            seen = self
                .shared
                .arrived
                .wait_timeout(seen, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Every byte the child wrote.
    pub fn bytes(&self) -> Vec<u8> {
        self.seen().raw.clone()
    }

    /// How many bytes the child wrote in all.
    pub fn total_bytes(&self) -> usize {
        self.seen().raw.len()
    }
}

/// The end offsets of every occurrence of `needle` in `haystack`.
pub(super) fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i + needle.len())
        .collect()
}

/// Whether `bytes` contains `needle`.
pub fn contains(bytes: &[u8], needle: &[u8]) -> bool {
    !find_all(bytes, needle).is_empty()
}

/// The position of the last occurrence of `needle` in `bytes`.
pub fn rfind(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).rposition(|w| w == needle)
}

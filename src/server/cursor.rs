//! Opaque keyset cursors. A cursor is the sort key and the id of the last row of a page,
//! hex-encoded so it survives any query string, then sealed with an HMAC over the list and the
//! filters it was made for (`Scope`). So a cursor cannot be made by hand, and one from a pending
//! queue is refused by the history: a keyset position is only meaningful in the order and the
//! selection it came from. The key is kept in the database (`store::cursor_key`), so cursors
//! outlive a restart. Anything else is refused with 400 `invalid_cursor`.
//!
//! The store works with the raw cursors (`encode`, `decode`); the routes seal what goes out and
//! open what comes in, knowing the filters.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::problem::ApiProblem;
use crate::domain::Page;

const SEP: char = '\u{1f}';
/// Between the raw cursor (hex digits) and its MAC.
const MAC_SEP: char = '.';
/// The MAC's length on the wire: 128 bits of HMAC-SHA256, ample for a forgery to be hopeless.
const MAC_BYTES: usize = 16;
/// Longest raw cursor accepted: a partner's name is the longest part of any cursor.
const MAX_RAW: usize = 2048;

pub fn encode(parts: &[&str]) -> String {
    let joined = parts.join(&SEP.to_string());
    hex(joined.as_bytes())
}

/// `None` for anything that is not a cursor we made with exactly `n` parts.
pub fn decode(cursor: &str, n: usize) -> Option<Vec<String>> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > MAX_RAW {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let parts: Vec<String> = text.split(SEP).map(str::to_string).collect();
    (parts.len() == n).then_some(parts)
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The server's secret for cursors.
#[derive(Clone)]
pub struct CursorKey([u8; 32]);

impl CursorKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        CursorKey(bytes)
    }

    /// The scope of one list (`"approvals"`, `"partners"`, ...) with its filters, in a fixed
    /// order. Each value is written with its length, so no two filter sets read alike.
    pub fn scope(&self, list: &str, filters: &[(&str, &str)]) -> Scope {
        let mut name = String::from(list);
        for (k, v) in filters {
            let _ = write!(name, "\n{k}={}:{v}", v.len());
        }
        Scope {
            key: self.clone(),
            name,
        }
    }
}

/// A list and its filters: seals the cursors of its pages and opens the ones sent back.
pub struct Scope {
    key: CursorKey,
    name: String,
}

impl Scope {
    /// The raw cursor in `cursor`, if it was sealed for this scope; 400 `invalid_cursor`
    /// otherwise. An absent (or empty) cursor is the first page.
    pub fn open(&self, cursor: Option<&str>) -> Result<Option<String>, ApiProblem> {
        let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let (raw, mac) = cursor
            .split_once(MAC_SEP)
            .ok_or_else(ApiProblem::invalid_cursor)?;
        if raw.len() > MAX_RAW || !same(mac.as_bytes(), self.mac(raw).as_bytes()) {
            return Err(ApiProblem::invalid_cursor());
        }
        Ok(Some(raw.to_string()))
    }

    pub fn seal(&self, raw: &str) -> String {
        format!("{raw}{MAC_SEP}{}", self.mac(raw))
    }

    /// `page` with its `next_cursor` sealed.
    pub fn seal_page<T>(&self, mut page: Page<T>) -> Page<T> {
        page.next_cursor = page.next_cursor.map(|raw| self.seal(&raw));
        page
    }

    fn mac(&self, raw: &str) -> String {
        let mut msg = Vec::with_capacity(self.name.len() + 1 + raw.len());
        msg.extend_from_slice(self.name.as_bytes());
        msg.push(0);
        msg.extend_from_slice(raw.as_bytes());
        hex(&hmac_sha256(&self.key.0, &msg)[..MAC_BYTES])
    }
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// HMAC-SHA256 (RFC 2104), by hand: it is a dozen lines on top of `sha2`.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block_key.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_junk() {
        let c = encode(&["2026-11-01T00:00:00.000Z", "ap_1"]);
        assert_eq!(
            decode(&c, 2).unwrap(),
            vec!["2026-11-01T00:00:00.000Z", "ap_1"]
        );
        assert!(decode(&c, 3).is_none());
        assert!(decode("zz", 1).is_none());
        assert!(decode("abc", 1).is_none());
        assert!(decode("ff", 1).is_none()); // not UTF-8
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test cases 2 and 6 (a key longer than a block).
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_cursor_opens_only_in_its_own_scope_and_under_its_own_key() {
        let key = CursorKey::new([7; 32]);
        let pending = key.scope("approvals", &[("status", "pending"), ("q", "")]);
        let raw = encode(&["2026-11-01T00:00:00.000Z", "ap_1"]);
        let sealed = pending.seal(&raw);
        assert_eq!(pending.open(Some(&sealed)).unwrap(), Some(raw.clone()));
        assert_eq!(pending.open(None).unwrap(), None);
        assert_eq!(pending.open(Some("")).unwrap(), None);

        let refused = |scope: &Scope, c: &str| scope.open(Some(c)).map(|_| ()).unwrap_err().0.code;
        let decided = key.scope("approvals", &[("status", "decided"), ("q", "")]);
        assert_eq!(refused(&decided, &sealed), "invalid_cursor");
        let other_key =
            CursorKey::new([8; 32]).scope("approvals", &[("status", "pending"), ("q", "")]);
        assert_eq!(refused(&other_key, &sealed), "invalid_cursor");
        // The raw cursor alone, a changed position, a changed MAC: all refused.
        assert_eq!(refused(&pending, &raw), "invalid_cursor");
        let forged = encode(&["2020-01-01T00:00:00.000Z", "ap_1"]);
        let mac = sealed.split_once('.').unwrap().1;
        assert_eq!(
            refused(&pending, &format!("{forged}.{mac}")),
            "invalid_cursor"
        );
        let mut bad_mac = sealed.clone();
        let last = bad_mac.pop().unwrap();
        bad_mac.push(if last == '0' { '1' } else { '0' });
        assert_eq!(refused(&pending, &bad_mac), "invalid_cursor");
    }

    #[test]
    fn filters_are_written_so_that_none_read_alike() {
        let key = CursorKey::new([1; 32]);
        let a = key.scope("l", &[("q", "a\nq=0:"), ("r", "")]);
        let b = key.scope("l", &[("q", "a"), ("q", "")]);
        assert_ne!(a.name, b.name);
    }
}

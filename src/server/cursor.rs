//! Opaque keyset cursors: the sort key and the id of the last row of a page, hex-encoded so
//! they survive any query string. Clients must not parse them; the server refuses tampered ones.

const SEP: char = '\u{1f}';

pub fn encode(parts: &[&str]) -> String {
    let joined = parts.join(&SEP.to_string());
    let mut out = String::with_capacity(joined.len() * 2);
    for b in joined.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// `None` for anything that is not a cursor we made with exactly `n` parts.
pub fn decode(cursor: &str, n: usize) -> Option<Vec<String>> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 2048 {
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
}

//! Copy to the clipboard with OSC 52: the terminal (not this machine) owns the clipboard, so it
//! works over SSH. Inside tmux the sequence is also sent through tmux's passthrough, because
//! tmux's default `set-clipboard external` ignores OSC 52 from applications.

/// The bytes to write to the terminal to put `text` on the clipboard.
pub fn osc52(text: &str, in_tmux: bool) -> Vec<u8> {
    let payload = base64(text.as_bytes());
    let plain = format!("\x1b]52;c;{payload}\x07");
    let mut out = plain.clone().into_bytes();
    if in_tmux {
        // DCS tmux; <sequence with every ESC doubled> ST
        out.extend_from_slice(
            format!("\x1bPtmux;{}\x1b\\", plain.replace('\x1b', "\x1b\x1b")).as_bytes(),
        );
    }
    out
}

/// Standard base64 with padding (RFC 4648).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn osc52_plain_and_through_tmux() {
        assert_eq!(osc52("hi", false), b"\x1b]52;c;aGk=\x07");
        let tmux = String::from_utf8(osc52("hi", true)).unwrap();
        assert!(tmux.ends_with("\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"));
    }
}

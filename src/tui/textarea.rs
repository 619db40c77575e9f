//! A small multi-line text field for the reason dialog: insert, delete, move, paste. Text is
//! cleaned as it comes in (a pasted escape sequence never reaches the screen or the server).

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextArea {
    text: String,
    /// Cursor position in chars.
    cursor: usize,
}

impl TextArea {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Characters that count toward the limit: the text as it will be sent (trimmed).
    pub fn count(&self) -> usize {
        self.text.trim().chars().count()
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    pub fn insert_char(&mut self, c: char) {
        if c != '\n' && crate::text::is_unsafe(c) {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Insert pasted text: cleaned, line breaks kept.
    pub fn insert_str(&mut self, s: &str) {
        for c in crate::text::clean_text(s).chars() {
            self.insert_char(c);
        }
    }

    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    /// Start of the current line.
    pub fn home(&mut self) {
        let before: Vec<char> = self.text.chars().take(self.cursor).collect();
        self.cursor = before
            .iter()
            .rposition(|c| *c == '\n')
            .map(|p| p + 1)
            .unwrap_or(0);
    }

    /// End of the current line.
    pub fn end(&mut self) {
        let after = self.text.chars().skip(self.cursor).position(|c| c == '\n');
        self.cursor = match after {
            Some(n) => self.cursor + n,
            None => self.text.chars().count(),
        };
    }

    /// The text with a cursor mark inserted, for display.
    pub fn with_cursor(&self, mark: char) -> String {
        let mut s = self.text.clone();
        s.insert(self.byte_at(self.cursor), mark);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_and_moves() {
        let mut t = TextArea::default();
        for c in "helo".chars() {
            t.insert_char(c);
        }
        t.left();
        t.insert_char('l');
        assert_eq!(t.text(), "hello");
        t.end();
        t.insert_char('\n');
        t.insert_str("wörld\x1b[2J");
        assert_eq!(t.text(), "hello\nwörld[2J");
        t.home();
        t.delete();
        assert_eq!(t.text(), "hello\nörld[2J");
        t.backspace();
        assert_eq!(t.text(), "helloörld[2J");
        assert_eq!(t.count(), 12);
        assert_eq!(t.with_cursor('|'), "hello|örld[2J");
    }
}

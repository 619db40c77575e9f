//! A multi-line text field, for any dialog that takes text: insert, delete (a char, the word
//! before the cursor, back to the line's start), move (by char, by line as shown, to a line's
//! ends), paste. Text is cleaned as it comes in (a pasted escape sequence never reaches the
//! screen or the server).
//!
//! It also lays itself out in a box: the text wrapped at the box's width ([`wrap`]), and the
//! rows in view, chosen so the cursor's row is always among them ([`TextArea::view`]). The
//! owner keeps no scroll position: the view follows the cursor, whatever the text.
//!
//! Lines: `↑`/`↓` move between the rows as shown (a long paragraph wraps into several);
//! `Home`/`End` and `Ctrl-U` work on the line as typed (up to its line break).

use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextArea {
    text: String,
    /// Cursor position in chars.
    cursor: usize,
    /// The column `↑`/`↓` aim for, kept through a run of them (a short row in between does not
    /// pull the cursor to the left for good); any other key forgets it.
    goal: Option<usize>,
}

/// One row as shown: the chars `start..end` of the text (a line break is in no row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub start: usize,
    pub end: usize,
}

/// What a box shows of a [`TextArea`]: its rows in view, and how many rows are hidden above
/// and below them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub lines: Vec<String>,
    pub above: usize,
    pub below: usize,
}

fn width_of(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// `text` broken into rows of at most `width` columns: after the last space that fits (a space
/// right after the last fitting word stays on its row, past the edge, as editors do), a word
/// longer than a row where it must, and at every line break. An empty line is an empty row.
pub fn wrap(text: &str, width: usize) -> Vec<Row> {
    let chars: Vec<char> = text.chars().collect();
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut line = 0;
    loop {
        let end = chars[line..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |p| line + p);
        wrap_line(&chars, line, end, width, &mut rows);
        if end == chars.len() {
            return rows;
        }
        line = end + 1;
    }
}

fn wrap_line(chars: &[char], mut start: usize, end: usize, width: usize, rows: &mut Vec<Row>) {
    loop {
        let mut used = 0;
        let mut fit = start;
        while fit < end && used + width_of(chars[fit]) <= width {
            used += width_of(chars[fit]);
            fit += 1;
        }
        if fit == end {
            rows.push(Row { start, end });
            return;
        }
        // Break after the last space up to (and including) the first char that does not fit.
        let space = (start..=fit).rev().find(|&i| chars[i] == ' ');
        let brk = match space {
            Some(i) => i + 1,
            // One word wider than the row: cut it; a char wider than the row gets one anyway.
            None => fit.max(start + 1),
        };
        rows.push(Row { start, end: brk });
        // After a space past the edge, an empty row is where the cursor goes next.
        if brk == end && space.is_none() {
            return;
        }
        start = brk;
    }
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

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    /// Remove the chars `from..self.cursor` and put the cursor where they began.
    fn remove_before_cursor(&mut self, from: usize) {
        let range = self.byte_at(from)..self.byte_at(self.cursor);
        self.text.replace_range(range, "");
        self.cursor = from;
        self.goal = None;
    }

    pub fn insert_char(&mut self, c: char) {
        if c != '\n' && crate::text::is_unsafe(c) {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
        self.goal = None;
    }

    /// Insert pasted text: cleaned, line breaks kept.
    pub fn insert_str(&mut self, s: &str) {
        for c in crate::text::clean_text(s).chars() {
            self.insert_char(c);
        }
    }

    pub fn backspace(&mut self) {
        self.remove_before_cursor(self.cursor.saturating_sub(1));
    }

    pub fn delete(&mut self) {
        if self.cursor < self.len() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
        self.goal = None;
    }

    /// `Ctrl-W`, as readline's: the spaces before the cursor, then the word before them (a word
    /// ends at whitespace, a line break included).
    pub fn delete_word_before(&mut self) {
        let before: Vec<char> = self.text.chars().take(self.cursor).collect();
        let mut from = before.len();
        while from > 0 && before[from - 1].is_whitespace() {
            from -= 1;
        }
        while from > 0 && !before[from - 1].is_whitespace() {
            from -= 1;
        }
        self.remove_before_cursor(from);
    }

    /// `Ctrl-U`: from the start of the cursor's line (as typed) to the cursor.
    pub fn delete_to_line_start(&mut self) {
        let from = self.line_start();
        self.remove_before_cursor(from);
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
        self.goal = None;
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.len());
        self.goal = None;
    }

    fn line_start(&self) -> usize {
        let before: Vec<char> = self.text.chars().take(self.cursor).collect();
        before
            .iter()
            .rposition(|c| *c == '\n')
            .map(|p| p + 1)
            .unwrap_or(0)
    }

    /// Start of the current line.
    pub fn home(&mut self) {
        self.cursor = self.line_start();
        self.goal = None;
    }

    /// End of the current line.
    pub fn end(&mut self) {
        let after = self.text.chars().skip(self.cursor).position(|c| c == '\n');
        self.cursor = match after {
            Some(n) => self.cursor + n,
            None => self.len(),
        };
        self.goal = None;
    }

    /// The rows of the text in a box `width` columns wide. One column stays free for the
    /// cursor's mark, so a row with the mark in it still fits.
    pub fn rows(&self, width: usize) -> Vec<Row> {
        wrap(&self.text, width.saturating_sub(1))
    }

    /// The row the cursor is on (at a soft break, the start of the next row), and its column.
    fn locate(&self, rows: &[Row]) -> (usize, usize) {
        let row = rows
            .partition_point(|r| r.start <= self.cursor)
            .saturating_sub(1);
        let r = rows[row];
        let col = self
            .text
            .chars()
            .skip(r.start)
            .take(self.cursor - r.start)
            .map(width_of)
            .sum();
        (row, col)
    }

    /// `↑`: the row above as shown in a box `width` columns wide, at the same column or the
    /// row's end; on the first row, the start of the text.
    pub fn up(&mut self, width: usize) {
        self.vertical(width, -1);
    }

    /// `↓`: the row below, at the same column or the row's end; on the last row, the end.
    pub fn down(&mut self, width: usize) {
        self.vertical(width, 1);
    }

    fn vertical(&mut self, width: usize, step: isize) {
        let rows = self.rows(width);
        let (row, col) = self.locate(&rows);
        let goal = *self.goal.get_or_insert(col);
        let Some(target) = row.checked_add_signed(step).filter(|t| *t < rows.len()) else {
            self.cursor = if step < 0 { 0 } else { self.len() };
            return;
        };
        let r = rows[target];
        // A row that wraps on into the next one ends before its last char: after it is the
        // next row's start.
        let soft = rows.get(target + 1).is_some_and(|n| n.start == r.end);
        let last = if soft { r.end - 1 } else { r.end };
        let mut at = r.start;
        let mut used = 0;
        for c in self.text.chars().skip(r.start).take(last - r.start) {
            used += width_of(c);
            if used > goal {
                break;
            }
            at += 1;
        }
        self.cursor = at;
    }

    /// The rows a box of `width`×`height` shows: the cursor's row always among them (at the
    /// bottom once the text is longer than the box), with `mark` at the cursor if given.
    pub fn view(&self, width: usize, height: usize, mark: Option<char>) -> View {
        let rows = self.rows(width);
        let (row, _) = self.locate(&rows);
        let height = height.max(1);
        let top = row.saturating_sub(height - 1);
        let shown = &rows[top..rows.len().min(top + height)];
        let chars: Vec<char> = self.text.chars().collect();
        let lines = shown
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut line: String = chars[r.start..r.end].iter().collect();
                if let Some(m) = mark.filter(|_| top + i == row) {
                    let at = self.cursor - r.start;
                    let byte = line.char_indices().nth(at).map_or(line.len(), |(b, _)| b);
                    line.insert(byte, m);
                }
                line
            })
            .collect();
        View {
            lines,
            above: top,
            below: rows.len() - top - shown.len(),
        }
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

    fn typed(s: &str) -> TextArea {
        let mut t = TextArea::default();
        t.insert_str(s);
        t
    }

    fn shown(t: &TextArea, width: usize) -> Vec<String> {
        let chars: Vec<char> = t.text().chars().collect();
        t.rows(width)
            .iter()
            .map(|r| chars[r.start..r.end].iter().collect())
            .collect()
    }

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

    #[test]
    fn wraps_after_the_last_space_that_fits_and_cuts_a_word_longer_than_a_row() {
        // A box 11 wide wraps at 10, keeping a column for the cursor's mark.
        let t = typed("the quick brown fox\n\nabcdefghijklmnop");
        assert_eq!(
            shown(&t, 11),
            ["the quick ", "brown fox", "", "abcdefghij", "klmnop"]
        );
        // A space just past the edge stays on its row; the next row starts with the word.
        assert_eq!(shown(&typed("abcdefghij klm"), 11), ["abcdefghij ", "klm"]);
        // Typed at the edge, it leaves the cursor a row to be on.
        let t = typed("abcdefghij ");
        assert_eq!(shown(&t, 11), ["abcdefghij ", ""]);
        assert_eq!(t.view(11, 2, Some('▏')).lines, ["abcdefghij ", "▏"]);
        // Wide chars count two columns; one wider than the row still gets a row.
        assert_eq!(shown(&typed("日本語の"), 5), ["日本", "語の"]);
        assert_eq!(shown(&typed("日本"), 2), ["日", "本"]);
        assert_eq!(wrap("", 10), [Row { start: 0, end: 0 }]);
    }

    #[test]
    fn ctrl_w_deletes_the_word_before_the_cursor_and_ctrl_u_back_to_the_line_start() {
        let mut t = typed("first line\nnot available  ");
        t.delete_word_before();
        assert_eq!(t.text(), "first line\nnot ");
        t.delete_word_before();
        assert_eq!(t.text(), "first line\n");
        // At a line's start the line break is whitespace, as in readline.
        t.delete_word_before();
        assert_eq!(t.text(), "first ");
        t.insert_str("row\nsecond half");
        t.left();
        t.left();
        t.delete_to_line_start();
        assert_eq!(t.text(), "first row\nlf");
        assert_eq!(t.cursor(), "first row\n".len());
        // At the line's start there is nothing before the cursor on its line.
        t.delete_to_line_start();
        assert_eq!(t.text(), "first row\nlf");
        t.home();
        t.delete_word_before();
        assert_eq!(t.text(), "first lf");
        let mut empty = TextArea::default();
        empty.delete_word_before();
        empty.delete_to_line_start();
        empty.backspace();
        assert_eq!(empty, TextArea::default());
    }

    #[test]
    fn up_and_down_move_by_the_rows_shown_keeping_the_column() {
        // Rows at width 11: "the quick " | "brown fox" | "" | "abcdefghij" | "klmnop".
        let mut t = typed("the quick brown fox\n\nabcdefghijklmnop");
        let moves: Vec<usize> = (0..6)
            .map(|_| {
                t.up(11);
                t.cursor()
            })
            .collect();
        // Column 6 of "klmnop", the empty row, column 6 again after it, then the start.
        assert_eq!(moves, [27, 20, 16, 6, 0, 0]);
        t.down(11);
        assert_eq!(t.cursor(), 16, "the column is kept through the run");
        t.down(11);
        t.down(11);
        t.down(11);
        assert_eq!(t.cursor(), 37);
        t.home();
        t.down(11);
        assert_eq!(t.cursor(), 31);
        t.down(11);
        assert_eq!(t.cursor(), 37, "on the last row, ↓ goes to the end");
        // A row that wraps on ends before the space at its break, so ↑ from the end of
        // "brown fox" stays on "the quick".
        let mut t = typed("the quick brown fox");
        t.up(11);
        assert_eq!(t.cursor(), "the quick".len());
        t.down(11);
        assert_eq!(t.cursor(), "the quick brown fox".len());
        // Without a width (no layout), rows are the lines as typed.
        let mut t = typed("one\ntwo");
        t.up(usize::MAX);
        assert_eq!(t.cursor(), 3);
    }

    #[test]
    fn the_view_keeps_the_cursor_row_in_the_box_whatever_the_text() {
        let words = "word ".repeat(60);
        let mut t = typed(&words);
        // 300 chars at 20 columns: 15 rows, 4 shown, the cursor (at the end) on the last.
        let v = t.view(21, 4, Some('▏'));
        assert_eq!(v.lines.len(), 4);
        assert_eq!((v.above, v.below), (11, 0));
        assert!(v.lines[3].ends_with('▏'), "{v:?}");
        for _ in 0..6 {
            t.up(21);
        }
        let v = t.view(21, 4, Some('▏'));
        assert_eq!((v.above, v.below), (5, 6));
        assert_eq!(v.lines[3], "word word word word▏ ");
        t.home();
        let v = t.view(21, 4, Some('▏'));
        assert_eq!((v.above, v.below), (0, 11));
        assert!(v.lines[0].starts_with('▏'));
        // Every row fits the box, the mark included.
        let long = typed(&"x".repeat(95));
        for line in long.view(21, 10, Some('▏')).lines {
            assert!(line.chars().count() <= 21, "{line}");
        }
        assert_eq!(
            long.view(21, 10, None).lines.last().unwrap(),
            &"x".repeat(15)
        );
    }
}

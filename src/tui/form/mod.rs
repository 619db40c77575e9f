//! The one form component: every edit and create of a record is a [`Form`] of typed fields
//! (UX.md, "Forms"). The form knows nothing of the record it edits: its owner builds it from
//! field specs, and gets back what changed when the CSR saves.
//!
//! - Fields: one-line text, multi-line text, a choice (time zones and countries are choices
//!   that filter as you type), yes/no, money, a date, a time of day.
//! - `Tab`/`Shift-Tab` and `↓`/`↑` move between fields; typing edits the one in focus; a field is
//!   checked when the focus leaves it, with the same rules as the server (the owner passes them
//!   in), and its error stands beside it.
//! - `Ctrl-S` saves (raw mode turns flow control off, so it reaches us in tmux over SSH too):
//!   every field is checked, and the owner gets only what changed.
//! - `Esc` closes, asking first if anything changed.
//! - The server's 422 errors land on their fields ([`Form::server_errors`]); a 412 keeps the
//!   CSR's edits and marks the fields that changed underneath ([`Form::rebase`]).
//! - A multi-line field opens in `$VISUAL`/`$EDITOR` with `Ctrl-E` (the owner runs the editor).
//! - A date is typed (`2026-12-31`, `+30d`, `end of month`) or picked: `Enter` opens a calendar.

pub mod calendar;
pub mod dates;
mod keys;
pub mod picker;
mod render;

#[cfg(test)]
mod tests;

use crate::tui::textarea::TextArea;
pub use calendar::Calendar;
pub use picker::Picker;

/// What kind of value a field holds, and how it is typed.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// One line, at most this many characters.
    Text {
        max: usize,
    },
    /// Several lines (notes), at most this many characters; `Ctrl-E` opens it in an editor.
    MultiLine {
        max: usize,
    },
    /// One of a list of (value, label); `Enter` opens a picker that filters as you type.
    Choice(Vec<(String, String)>),
    YesNo,
    /// An amount in this currency, typed as a decimal ("49.00").
    Money {
        currency: String,
    },
    /// A day, typed in any of [`dates::FORMS`] counted from `today`, or picked in a calendar.
    Date {
        today: chrono::NaiveDate,
    },
    /// A time of day, typed as 09:30.
    Time,
}

/// A check with the server's rules: `Err` says what is wrong, in words.
#[derive(Clone)]
pub struct Check(std::sync::Arc<CheckFn>);

type CheckFn = dyn Fn(&str) -> Result<(), String> + Send + Sync;

impl Check {
    pub fn new(f: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static) -> Check {
        Check(std::sync::Arc::new(f))
    }
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Check")
    }
}

/// How a field is built: its place in the record (a JSON pointer, as the server's 422 errors
/// name it), its label, kind, rule and value.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub pointer: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub check: Option<Check>,
    pub value: String,
}

/// Where a field stands in a long form: the section it opens, whether it shares the line of
/// the field before it (a grid row: a day, on or off, from, to), and when it applies at all.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// A heading drawn above the field: the start of a section.
    pub section: Option<&'static str>,
    /// Drawn on the previous field's line, after its value, with its label as a prefix.
    pub beside: bool,
    /// Shown (and checked and saved) only while each of these fields (by pointer) has one of
    /// its values: the credit limit with post-pay, say.
    pub shown_when: Vec<(&'static str, &'static [&'static str])>,
}

impl Layout {
    pub fn section(name: &'static str) -> Layout {
        Layout {
            section: Some(name),
            ..Layout::default()
        }
    }

    pub fn beside() -> Layout {
        Layout {
            beside: true,
            ..Layout::default()
        }
    }

    /// The same, shown only while `pointer` has one of `values`.
    pub fn when(mut self, pointer: &'static str, values: &'static [&'static str]) -> Layout {
        self.shown_when.push((pointer, values));
        self
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub pointer: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    check: Option<Check>,
    /// The value as typed (a choice's value, `"true"`/`"false"` for yes/no).
    pub input: TextArea,
    /// The record's value when the form was opened, or when the server last said what it is.
    pub base: String,
    pub error: Option<String>,
    /// Someone else saved a new value here while the CSR was editing (412): theirs.
    pub theirs: Option<String>,
    pub layout: Layout,
}

impl Field {
    fn new(spec: FieldSpec, layout: Layout) -> Field {
        let mut input = TextArea::default();
        input.insert_str(&spec.value);
        Field {
            pointer: spec.pointer,
            label: spec.label,
            kind: spec.kind,
            check: spec.check,
            input,
            base: spec.value,
            error: None,
            theirs: None,
            layout,
        }
    }

    pub fn value(&self) -> &str {
        self.input.text()
    }

    pub fn changed(&self) -> bool {
        self.value() != self.base
    }

    fn set(&mut self, value: &str) {
        self.input = TextArea::default();
        self.input.insert_str(value);
    }

    /// Typed by hand (as opposed to picked or toggled).
    fn is_typed(&self) -> bool {
        !matches!(self.kind, FieldKind::Choice(_) | FieldKind::YesNo)
    }

    /// The field's own rule, then the owner's; `None` when the value is fine.
    fn problem(&self) -> Option<String> {
        let v = self.value();
        let own = match &self.kind {
            FieldKind::Text { max } | FieldKind::MultiLine { max } => {
                let n = v.chars().count();
                (n > *max).then(|| format!("At most {max} characters; this is {n}."))
            }
            FieldKind::Money { .. } => (!v.trim().is_empty() && parse_money(v).is_none())
                .then(|| "An amount such as 49.00.".to_string()),
            FieldKind::Date { today } => (!v.trim().is_empty())
                .then(|| dates::parse_day(v, *today).err())
                .flatten(),
            FieldKind::Time => (!v.trim().is_empty()
                && chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M").is_err())
            .then(|| "A time of day such as 09:30.".to_string()),
            FieldKind::Choice(_) | FieldKind::YesNo => None,
        };
        own.or_else(|| self.check.as_ref().and_then(|c| (c.0)(v).err()))
    }

    /// What the field shows when it is not being typed into: a choice's label, yes or no.
    pub fn shown(&self) -> String {
        match &self.kind {
            FieldKind::Choice(options) => options
                .iter()
                .find(|(v, _)| v == self.value())
                .map_or_else(|| self.value().to_string(), |(_, l)| l.clone()),
            FieldKind::YesNo => if self.value() == "true" { "yes" } else { "no" }.into(),
            FieldKind::Money { currency } if !self.value().is_empty() => {
                format!("{} {currency}", self.value())
            }
            _ => self.value().to_string(),
        }
    }
}

/// Whether JSON pointer `inner` is `outer` or a member within it (`/item/name` under `/item`).
fn under(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// "49.00" or "49" as minor units (two decimals).
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let cents = format!("{frac:0<2}").parse::<i64>().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

/// What a key did to the form, for its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Handled; the form stays.
    Stay,
    /// Not a key the form takes.
    Ignored,
    /// Close without saving (nothing changed, or the CSR said to discard).
    Close,
    /// Save these changes: (pointer, new value), in field order.
    Save(Vec<(&'static str, String)>),
    /// Open this multi-line field's text in the user's editor.
    Edit { field: usize, text: String },
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A choice field's picker, open over the form.
    pub picker: Option<Picker>,
    /// A date field's calendar, open over the form.
    pub calendar: Option<Calendar>,
    /// `Esc` with changes: "discard your changes?" is asked.
    pub discarding: bool,
    /// A save is on its way: keys wait.
    pub saving: bool,
    /// What is not about one field: a failed save, someone else's save, the server's warnings.
    pub note: Option<String>,
    /// A form for a new record: saving sends every field, its defaults too.
    pub creating: bool,
}

impl Form {
    pub fn new(title: impl Into<String>, specs: Vec<FieldSpec>) -> Form {
        Form::laid_out(
            title,
            specs.into_iter().map(|s| (s, Layout::default())).collect(),
        )
    }

    /// A long form: each field with its section, line and condition ([`Layout`]).
    pub fn laid_out(title: impl Into<String>, specs: Vec<(FieldSpec, Layout)>) -> Form {
        Form {
            title: title.into(),
            fields: specs.into_iter().map(|(s, l)| Field::new(s, l)).collect(),
            focus: 0,
            picker: None,
            calendar: None,
            discarding: false,
            saving: false,
            note: None,
            creating: false,
        }
    }

    /// The same form for a new record (see [`Form::creating`]).
    pub fn for_new(mut self) -> Form {
        self.creating = true;
        self
    }

    /// Whether anything the CSR can see was changed (a field that no longer applies does
    /// not count: it is not saved).
    pub fn changed(&self) -> bool {
        (0..self.fields.len()).any(|i| self.shown(i) && self.fields[i].changed())
    }

    pub fn field(&self, pointer: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.pointer == pointer)
    }

    /// The value of the field at `pointer`, if the form has it.
    pub fn value(&self, pointer: &str) -> Option<&str> {
        self.field(pointer).map(Field::value)
    }

    /// Whether field `i` applies now: each of its conditions holds (a condition on a field
    /// that is itself hidden does not hold).
    pub fn shown(&self, i: usize) -> bool {
        let Some(f) = self.fields.get(i) else {
            return false;
        };
        f.layout.shown_when.iter().all(|(pointer, values)| {
            self.fields
                .iter()
                .position(|o| o.pointer == *pointer)
                .is_some_and(|j| {
                    j != i && self.shown(j) && values.contains(&self.fields[j].value())
                })
        })
    }

    /// The shown field after (`forward`) or before the one in focus, wrapping round if
    /// `wrap`; the focus itself when there is none.
    fn next_shown(&self, forward: bool, wrap: bool) -> usize {
        let n = self.fields.len();
        let mut i = self.focus;
        for _ in 1..n {
            i = match (forward, wrap) {
                (true, true) => (i + 1) % n,
                (false, true) => (i + n - 1) % n,
                (true, false) if i + 1 < n => i + 1,
                (false, false) if i > 0 => i - 1,
                _ => return self.focus,
            };
            if self.shown(i) {
                return i;
            }
        }
        self.focus
    }

    /// Nothing is open over the fields and nothing is on its way: the owner's own keys apply.
    pub fn at_rest(&self) -> bool {
        !self.saving && !self.discarding && self.picker.is_none() && self.calendar.is_none()
    }

    /// The field in focus takes typed characters (letters are its, not the owner's keys).
    pub fn takes_typing(&self) -> bool {
        self.picker.is_some()
            || self.calendar.is_some()
            || self.fields.get(self.focus).is_some_and(Field::is_typed)
    }

    /// Check the field in focus (it is being left).
    fn check_focused(&mut self) {
        if let Some(f) = self.fields.get_mut(self.focus) {
            f.error = f.problem();
        }
    }

    fn move_focus(&mut self, to: usize) {
        if to == self.focus || self.fields.is_empty() {
            return;
        }
        self.check_focused();
        self.focus = to.min(self.fields.len() - 1);
    }

    /// Every field checked; the changes to save, or the focus moved to the first problem.
    fn try_save(&mut self) -> Outcome {
        let shown: Vec<bool> = (0..self.fields.len()).map(|i| self.shown(i)).collect();
        for (f, shown) in self.fields.iter_mut().zip(&shown) {
            f.error = if *shown { f.problem() } else { None };
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
            self.note = Some("Nothing was saved: mend the fields marked ✗ first.".into());
            return Outcome::Stay;
        }
        let changes: Vec<(&'static str, String)> = self
            .fields
            .iter()
            .zip(&shown)
            .filter(|(f, shown)| **shown && (self.creating || f.changed()))
            .map(|(f, _)| (f.pointer, f.value().trim_end().to_string()))
            .collect();
        if changes.is_empty() {
            return Outcome::Close;
        }
        self.saving = true;
        self.note = None;
        Outcome::Save(changes)
    }

    /// The save failed without a verdict on the fields: say so, keep every edit.
    pub fn save_failed(&mut self, why: &str) {
        self.saving = false;
        self.note = Some(format!(
            "Not saved: {why} Your changes are kept; Ctrl-S tries again."
        ));
    }

    /// The server refused the save (422): each error beside its field; the focus on the first.
    /// Errors on no field of this form go into the note.
    pub fn server_errors(&mut self, errors: &[(String, String)]) {
        self.refuse(errors, "The server refused the save");
    }

    /// Errors by JSON pointer, each beside its field, or the nearest field that holds it (an
    /// error at `/lead_cost/amount_minor` lands on `/lead_cost`); the focus on the first.
    /// `why` starts the note; errors on no field of this form go into it.
    pub fn refuse(&mut self, errors: &[(String, String)], why: &str) {
        self.saving = false;
        let mut elsewhere = Vec::new();
        for (pointer, detail) in errors {
            // The deepest field that holds the pointer: the most precise place for it; else
            // the first field within it (an error at `/item` lands on `/item/name`).
            let deepest = (0..self.fields.len())
                .filter(|&i| under(pointer, self.fields[i].pointer))
                .max_by_key(|&i| self.fields[i].pointer.len());
            let at = deepest.or_else(|| self.fields.iter().position(|f| under(f.pointer, pointer)));
            match at.and_then(|i| self.fields.get_mut(i)) {
                Some(f) => f.error = Some(crate::text::clean_line(detail)),
                None => elsewhere.push(crate::text::clean_line(detail)),
            }
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
        self.note = Some(if elsewhere.is_empty() {
            format!("{why}: see the fields marked ✗.")
        } else {
            format!("{why}: {}", elsewhere.join("; "))
        });
    }

    /// Someone else saved first (412): `current` is the record as it is now, as field values.
    /// A field the CSR did not touch takes the new value; a field the CSR changed keeps the
    /// CSR's value and is marked with theirs. Nothing is saved until the CSR saves again.
    pub fn rebase(&mut self, current: &[(&str, String)]) {
        self.saving = false;
        let mut marked = 0;
        for f in &mut self.fields {
            let Some((_, now)) = current.iter().find(|(p, _)| *p == f.pointer) else {
                continue;
            };
            if *now == f.base {
                continue;
            }
            if f.changed() && f.value() != now {
                f.theirs = Some(now.clone());
                marked += 1;
            } else {
                f.set(now);
            }
            f.base = now.clone();
        }
        self.note = Some(match marked {
            0 => "Someone else saved this record first; their changes are in. Ctrl-S saves yours."
                .into(),
            n => format!(
                "Someone else saved this record first. {n} field{} you changed {} changed by them \
                 too (marked ◆, theirs shown). Ctrl-S saves yours over theirs.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "was" } else { "were" }
            ),
        });
    }

    /// Text back from the editor, cleaned as typing would have been.
    pub fn edited(&mut self, field: usize, text: &str) {
        if let Some(f) = self.fields.get_mut(field) {
            let clean = crate::text::clean_text(text);
            f.set(clean.trim_end_matches('\n'));
            f.error = f.problem();
        }
    }

    /// Text pasted into the field in focus (typed fields only).
    pub fn paste(&mut self, text: &str) {
        if self.saving || self.discarding || self.calendar.is_some() {
            return;
        }
        if let Some(p) = &mut self.picker {
            p.query.push_str(&crate::text::clean_line(text));
            p.refilter();
            return;
        }
        if let Some(f) = self.fields.get_mut(self.focus).filter(|f| f.is_typed()) {
            let text = match f.kind {
                FieldKind::MultiLine { .. } => crate::text::clean_text(text),
                _ => crate::text::clean_line(text),
            };
            f.input.insert_str(&text);
            f.error = None;
        }
    }
}

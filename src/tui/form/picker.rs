//! A choice field's picker: the options, narrowed as you type (a time zone or a country out of
//! hundreds), `↑`/`↓` to choose, `Enter` to take it, `Esc` to leave the field as it was.

/// The picker of one choice field.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// The field it picks for.
    pub field: usize,
    /// (value, label) of every option.
    options: Vec<(String, String)>,
    /// What is typed: options whose label or value contain it (case-insensitive).
    pub query: String,
    /// Indexes into `options` that match, in order.
    pub matches: Vec<usize>,
    /// Index into `matches`.
    pub at: usize,
}

impl Picker {
    /// Open on the option `current` (if it is one).
    pub fn new(field: usize, options: Vec<(String, String)>, current: &str) -> Picker {
        let mut p = Picker {
            field,
            options,
            query: String::new(),
            matches: Vec::new(),
            at: 0,
        };
        p.refilter();
        p.at = p
            .matches
            .iter()
            .position(|&i| p.options[i].0 == current)
            .unwrap_or(0);
        p
    }

    pub fn refilter(&mut self) {
        let q = self.query.to_lowercase();
        // A space or an underscore match each other: "new york" finds America/New_York.
        let words: Vec<String> = q
            .split([' ', '_', '/'])
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        self.matches = self
            .options
            .iter()
            .enumerate()
            .filter(|(_, (v, l))| {
                let hay = format!("{} {}", v.to_lowercase(), l.to_lowercase());
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        self.at = self.at.min(self.matches.len().saturating_sub(1));
    }

    pub fn up(&mut self) {
        self.at = self.at.saturating_sub(1);
    }

    pub fn down(&mut self) {
        self.at = (self.at + 1).min(self.matches.len().saturating_sub(1));
    }

    /// The value chosen, if any option matches.
    pub fn chosen(&self) -> Option<&str> {
        self.matches
            .get(self.at)
            .map(|&i| self.options[i].0.as_str())
    }

    /// The label of the `k`th match.
    pub fn label(&self, k: usize) -> &str {
        self.matches
            .get(k)
            .map_or("", |&i| self.options[i].1.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> Vec<(String, String)> {
        [
            "Europe/Berlin",
            "America/New_York",
            "America/Los_Angeles",
            "Asia/Tokyo",
        ]
        .iter()
        .map(|z| (z.to_string(), z.to_string()))
        .collect()
    }

    #[test]
    fn typing_narrows_and_words_match_in_any_form() {
        let mut p = Picker::new(0, zones(), "Asia/Tokyo");
        assert_eq!(p.chosen(), Some("Asia/Tokyo"));
        p.query = "new york".into();
        p.refilter();
        assert_eq!(p.chosen(), Some("America/New_York"));
        p.query = "america".into();
        p.refilter();
        assert_eq!(p.matches.len(), 2);
        p.down();
        p.down();
        assert_eq!(p.chosen(), Some("America/Los_Angeles"));
        p.query = "zzz".into();
        p.refilter();
        assert_eq!(p.chosen(), None);
    }
}

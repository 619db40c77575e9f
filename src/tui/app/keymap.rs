//! Keys → actions. Every action has default keys (UX.md: the habits of k9s, lazygit, gh-dash)
//! and every one can be rebound in `[keys]` of the config. A key bound to two actions is an
//! error at start, naming both, rather than a surprise later.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::config::KeyBinding;

/// What a key can ask for in the normal view. Modals and the help overlay read raw keys
/// (typing text), so these are the list-and-tab actions only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    NextTab,
    PrevTab,
    Tab1,
    Tab2,
    Tab3,
    Tab4,
    Tab5,
    NextSection,
    PrevSection,
    Down,
    Up,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Refresh,
    Suspend,
    Approve,
    ApproveWithComment,
    Reject,
    Mark,
    MarkAll,
    Clear,
    ToggleDetail,
    DetailDown,
    DetailUp,
    TogglePolling,
    Search,
    Filter,
    Export,
    Copy,
    Impersonate,
    ExitImpersonation,
    Find,
    Sort,
    PartnerRequests,
    PartnerHistory,
    Edit,
    Unassign,
    PrevPage,
    NextPage,
    Create,
    CreateTop,
    SuspendNode,
    Delete,
    ShowInTree,
    Extend,
    Invite,
}

impl Action {
    pub const ALL: [Action; 52] = [
        Action::Quit,
        Action::Help,
        Action::NextTab,
        Action::PrevTab,
        Action::Tab1,
        Action::Tab2,
        Action::Tab3,
        Action::Tab4,
        Action::Tab5,
        Action::NextSection,
        Action::PrevSection,
        Action::Down,
        Action::Up,
        Action::Top,
        Action::Bottom,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::Refresh,
        Action::Suspend,
        Action::Approve,
        Action::ApproveWithComment,
        Action::Reject,
        Action::Mark,
        Action::MarkAll,
        Action::Clear,
        Action::ToggleDetail,
        Action::DetailDown,
        Action::DetailUp,
        Action::TogglePolling,
        Action::Search,
        Action::Filter,
        Action::Export,
        Action::Copy,
        Action::Impersonate,
        Action::ExitImpersonation,
        Action::Find,
        Action::Sort,
        Action::PartnerRequests,
        Action::PartnerHistory,
        Action::Edit,
        Action::Unassign,
        Action::PrevPage,
        Action::NextPage,
        Action::Create,
        Action::CreateTop,
        Action::SuspendNode,
        Action::Delete,
        Action::ShowInTree,
        Action::Extend,
        Action::Invite,
    ];

    /// The name used in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::Tab1 => "tab_1",
            Action::Tab2 => "tab_2",
            Action::Tab3 => "tab_3",
            Action::Tab4 => "tab_4",
            Action::Tab5 => "tab_5",
            Action::NextSection => "next_section",
            Action::PrevSection => "prev_section",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::Refresh => "refresh",
            Action::Suspend => "suspend",
            Action::Approve => "approve",
            Action::ApproveWithComment => "approve_with_comment",
            Action::Reject => "reject",
            Action::Mark => "mark",
            Action::MarkAll => "mark_all",
            Action::Clear => "clear",
            Action::ToggleDetail => "details",
            Action::DetailDown => "details_down",
            Action::DetailUp => "details_up",
            Action::TogglePolling => "pause_polling",
            Action::Search => "search",
            Action::Filter => "filter",
            Action::Export => "export",
            Action::Copy => "copy",
            Action::Impersonate => "impersonate",
            Action::ExitImpersonation => "exit_impersonation",
            Action::Find => "find_partner",
            Action::Sort => "sort",
            Action::PartnerRequests => "partner_requests",
            Action::PartnerHistory => "partner_history",
            Action::Edit => "edit",
            Action::Unassign => "unassign",
            Action::PrevPage => "prev_page",
            Action::NextPage => "next_page",
            Action::Create => "create",
            Action::CreateTop => "create_distributor",
            Action::SuspendNode => "suspend_or_enable",
            Action::Delete => "delete",
            Action::ShowInTree => "show_in_tree",
            Action::Extend => "extend",
            Action::Invite => "invite",
        }
    }

    /// What it does, in the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help: every key, filter by typing",
            Action::NextTab => "next tab",
            Action::PrevTab => "previous tab",
            Action::Tab1 => "Partnership tab",
            Action::Tab2 => "Add-ons tab",
            Action::Tab3 => "Requests tab",
            Action::Tab4 => "My Partners tab",
            Action::Tab5 => "History tab",
            Action::NextSection => "next section",
            Action::PrevSection => "previous section",
            Action::Down => "move down",
            Action::Up => "move up",
            Action::Top => "first item",
            Action::Bottom => "last item",
            Action::HalfPageDown => "half a page down",
            Action::HalfPageUp => "half a page up",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::Refresh => "refresh now",
            Action::Suspend => "suspend (fg to return)",
            Action::Approve => "approve the selected (or marked) items, after y/N",
            Action::ApproveWithComment => {
                "approve with a comment (kept in history and audit); on a partner's Vouchers page, assign a batch"
            }
            Action::Reject => "reject with a reason (emailed to the partner)",
            Action::Mark => "mark / unmark and move down",
            Action::MarkAll => "mark every loaded item",
            Action::Clear => "clear marks",
            Action::ToggleDetail => "expand / collapse the detail pane",
            Action::DetailDown => "scroll the detail pane down",
            Action::DetailUp => "scroll the detail pane up",
            Action::TogglePolling => "pause / resume polling while offline",
            Action::Search => "search by partner name (and title for requests)",
            Action::Filter => "filter by kind, decision and dates",
            Action::Export => "export this history view to CSV",
            Action::Copy => "copy to the clipboard (OSC 52; tmux: set-clipboard on)",
            Action::Impersonate => "impersonate the selected partner (after a reason)",
            Action::ExitImpersonation => "exit impersonating (asks first)",
            Action::Find => "find a partner by a fragment of its name",
            Action::Sort => "sort: by name or status; oldest, newest or price first",
            Action::PartnerRequests => "the selected partner's pending requests (Esc clears)",
            Action::PartnerHistory => "the selected partner's decisions, in History (Esc clears)",
            Action::Edit => "edit the partner's profile (its Overview page)",
            Action::Unassign => "unassign a voucher batch (its Vouchers page; A assigns one)",
            Action::PrevPage => "the partner detail's previous page",
            Action::NextPage => "the partner detail's next page",
            Action::Create => "Hierarchy: create under the selected node",
            Action::CreateTop => "Hierarchy: create a distributor",
            Action::SuspendNode => "Hierarchy: suspend (with a reason) or enable the selected node",
            Action::Delete => "Hierarchy: delete the selected node (typing its name)",
            Action::ShowInTree => "the partner's distributor, in the Hierarchy tree",
            Action::Extend => "Expiring: extend the marked (or selected) by one period",
            Action::Invite => "Lead exchange: invite the partner to its portal (one-time link)",
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Action::Quit => &["q", "ctrl-c"],
            Action::Help => &["?"],
            Action::NextTab => &["tab"],
            Action::PrevTab => &["backtab"],
            Action::Tab1 => &["1"],
            Action::Tab2 => &["2"],
            Action::Tab3 => &["3"],
            Action::Tab4 => &["4"],
            Action::Tab5 => &["5"],
            Action::NextSection => &["]", "l", "right"],
            Action::PrevSection => &["[", "h", "left"],
            Action::Down => &["j", "down"],
            Action::Up => &["k", "up"],
            Action::Top => &["g", "home"],
            Action::Bottom => &["G", "end"],
            Action::HalfPageDown => &["ctrl-d"],
            Action::HalfPageUp => &["ctrl-u"],
            Action::PageDown => &["pgdn"],
            Action::PageUp => &["pgup"],
            Action::Refresh => &["R"],
            Action::Suspend => &["ctrl-z"],
            Action::Approve => &["a"],
            Action::ApproveWithComment => &["A"],
            Action::Reject => &["r"],
            Action::Mark => &["space"],
            Action::MarkAll => &["V"],
            Action::Clear => &["esc"],
            Action::ToggleDetail => &["enter"],
            Action::DetailDown => &["J"],
            Action::DetailUp => &["K"],
            Action::TogglePolling => &["P"],
            Action::Search => &["/"],
            Action::Filter => &["f"],
            Action::Export => &["e"],
            Action::Copy => &["y"],
            Action::Impersonate => &["i"],
            Action::ExitImpersonation => &["X"],
            Action::Find => &[":"],
            Action::Sort => &["s"],
            Action::PartnerRequests => &["p"],
            Action::PartnerHistory => &["H"],
            Action::Edit => &["E"],
            Action::Unassign => &["U"],
            Action::PrevPage => &["<"],
            Action::NextPage => &[">"],
            Action::Create => &["n"],
            Action::CreateTop => &["N"],
            Action::SuspendNode => &["S"],
            Action::Delete => &["D"],
            Action::ShowInTree => &["t"],
            Action::Extend => &["x"],
            Action::Invite => &["I"],
        }
    }

    fn by_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// A key as the keymap compares it: code plus the modifiers that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    /// Normalise a terminal key event: Shift is part of the character for printable keys
    /// ("G" arrives as Char('G') with SHIFT), so it is dropped there.
    pub fn from_event(ev: &KeyEvent) -> Key {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(ev.code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        let code = match ev.code {
            // Some terminals report Shift-Tab as BackTab with SHIFT; one form suffices.
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            c => c,
        };
        Key { code, mods }
    }

    /// Parse "a", "G", "ctrl-d", "alt-enter", "f5", "pgdn", "space", "?".
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => {
                        // ctrl-D and ctrl-d are one key to a terminal.
                        let c = if mods.contains(KeyModifiers::CONTROL) {
                            c.to_ascii_lowercase()
                        } else {
                            c
                        };
                        if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                            mods.remove(KeyModifiers::SHIFT);
                            KeyCode::Char(c.to_ascii_uppercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => {
                        return Err(format!(
                            "{s:?} is not a key (try \"a\", \"G\", \"ctrl-d\", \"enter\", \"f5\")"
                        ));
                    }
                }
            }
        };
        if matches!(code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Ok(Key { code, mods })
    }

    /// How the key bar and help show it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("Alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("Shift-");
        }
        s.push_str(&base);
        s
    }
}

#[derive(Clone)]
pub struct Keymap {
    by_key: HashMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

/// The keys of each action, in a stable order (`by_key` is the same map, turned around).
impl std::fmt::Debug for Keymap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.by_action.iter()).finish()
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::from_config(&BTreeMap::new()).expect("the default keymap has no conflicts")
    }
}

impl Keymap {
    /// The defaults, with `[keys]` overriding whole actions. Every problem is collected, so
    /// one start shows them all.
    pub fn from_config(keys: &BTreeMap<String, KeyBinding>) -> Result<Keymap, Vec<String>> {
        let mut problems = Vec::new();
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        for action in Action::ALL {
            let defaults = action
                .defaults()
                .iter()
                .map(|k| Key::parse(k).expect("default keys parse"));
            by_action.insert(action, defaults.collect());
        }
        for (name, binding) in keys {
            let Some(action) = Action::by_name(name) else {
                let known: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
                problems.push(format!(
                    "[keys] {name}: no such action (known: {})",
                    known.join(", ")
                ));
                continue;
            };
            let mut parsed = Vec::new();
            for k in binding.keys() {
                match Key::parse(k) {
                    Ok(key) => parsed.push(key),
                    Err(e) => problems.push(format!("[keys] {name}: {e}")),
                }
            }
            by_action.insert(action, parsed);
        }
        let mut by_key: HashMap<Key, Action> = HashMap::new();
        for (action, ks) in &by_action {
            for k in ks {
                if let Some(other) = by_key.insert(*k, *action)
                    && other != *action
                {
                    problems.push(format!(
                        "[keys] {} is bound to both {} and {}; rebind one of them",
                        k.label(),
                        other.name(),
                        action.name()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(Keymap { by_key, by_action })
        } else {
            Err(problems)
        }
    }

    pub fn action(&self, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        self.by_key.get(&Key::from_event(ev)).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action
            .get(&action)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first key of an action, for the key bar ("?" for help).
    pub fn first_label(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(Key::label)
    }

    /// Every action with its keys, for the help overlay.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        Action::ALL
            .iter()
            .filter(|a| !self.keys(**a).is_empty())
            .map(|a| {
                let keys: Vec<_> = self.keys(*a).iter().map(Key::label).collect();
                (keys.join(" "), a.describe())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_map_the_ux_keys() {
        let km = Keymap::default();
        assert_eq!(
            km.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            km.action(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevTab)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('3'), KeyModifiers::NONE)),
            Some(Action::Tab3)
        );
        assert_eq!(km.action(&ev(KeyCode::Char('w'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn config_rebinds_and_reports_every_problem() {
        let mut keys = BTreeMap::new();
        keys.insert(
            "down".to_string(),
            KeyBinding::Many(vec!["o".into(), "ctrl-n".into()]),
        );
        let km = Keymap::from_config(&keys).unwrap();
        assert_eq!(
            km.action(&ev(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            None,
            "replaced, not added"
        );

        let mut bad = BTreeMap::new();
        bad.insert("up".to_string(), KeyBinding::One("q".into()));
        bad.insert("fly".to_string(), KeyBinding::One("f".into()));
        bad.insert("refresh".to_string(), KeyBinding::One("ctrl-nope".into()));
        let problems = Keymap::from_config(&bad).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("q is bound to both quit and up")),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.contains("fly: no such action")));
        assert!(problems.iter().any(|p| p.contains("not a key")));
    }

    #[test]
    fn parses_key_names() {
        assert_eq!(
            Key::parse("alt-enter").unwrap(),
            Key {
                code: KeyCode::Enter,
                mods: KeyModifiers::ALT
            }
        );
        assert_eq!(Key::parse("F5").unwrap().code, KeyCode::F(5));
        assert_eq!(Key::parse("shift-g").unwrap().code, KeyCode::Char('G'));
        assert_eq!(Key::parse("ctrl-D").unwrap(), Key::parse("ctrl-d").unwrap());
        assert!(Key::parse("").is_err());
        assert!(Key::parse("hello").is_err());
    }
}

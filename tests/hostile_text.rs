//! QUALITY.md 1, terminal safety: hostile strings, once cleaned by `partner_console::text`,
//! put no C0/C1 control, DEL, bidi control, zero-width or invisible formatting character,
//! line separator, noncharacter or interlinear annotation into any rendered cell.
//!
//! A property-style test without a property crate: a seeded `fastrand::Rng` builds the
//! strings (the same ones on every run; the seed and case number are in every failure), they
//! go through `clean_line` / `clean_text`, then through the ratatui widgets the console uses
//! into a `TestBackend`, and every cell's symbol is scanned.
//!
//! What ratatui 0.30.2 (ratatui-core 0.1.2, unicode-width 0.2) does on its own, found by
//! rendering every forbidden char alone, between letters, inside an emoji and after a CJK char
//! through `Paragraph` with and without `Wrap`: it drops every grapheme that contains a C0/C1
//! control or DEL (`Buffer::set_stringn`, `Span::styled_graphemes`), and it skips graphemes of
//! width 0, which happens to remove the bidi overrides/isolates, LRM/RLM, ALM, ZWSP, word
//! joiner, BOM and soft hyphen too, since they always form graphemes of their own. So in this
//! version bidi controls did not reach a cell, unlike what QUALITY.md says of 0.30; nothing in
//! ratatui promises that, and text printed after the terminal is restored never goes through
//! ratatui at all. What it does let through, and what
//! `the_scanner_sees_what_ratatui_lets_through` therefore uses to prove the scanner works:
//! ZWJ / ZWNJ (U+200D / U+200C), which ride inside the preceding grapheme cluster into its
//! cell; and U+2028 / U+2029, the noncharacters (U+FDD0.., U+xFFFE/F) and the interlinear
//! annotation marks (U+FFF9–U+FFFB), which have width 1 and get cells of their own.

use chrono::{DateTime, Utc};
use partner_console::domain::*;
use partner_console::text::{Clean, MAX_LINE_CHARS, MAX_TEXT_CHARS, clean_line, clean_text};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Text;
use ratatui::widgets::{Block, Borders, Cell, List, ListItem, Paragraph, Row, Table, Tabs, Wrap};
use serde_json::Value;

/// Generated cases for the rendering property (each renders one full 80×24 frame).
const RENDER_CASES: u64 = 2_500;
/// Generated cases for the `Clean`-on-domain-types property.
const DOMAIN_CASES: u64 = 300;
const SEED: u64 = 0x7E47_5AFE;

/// The oracle, written independently of `text.rs`: chars no cell may hold. TAB, LF and CR are
/// in it too: a cell never holds a line break.
fn forbidden(c: char) -> bool {
    let u = c as u32;
    u <= 0x1F
        || (0x7F..=0x9F).contains(&u)
        || matches!(u, 0xAD | 0x61C | 0x180E | 0xFEFF | 0x2028 | 0x2029)
        || (0x200B..=0x200F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2060..=0x2064).contains(&u)
        || (0x2066..=0x2069).contains(&u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || (0xFFF9..=0xFFFB).contains(&u)
        || u & 0xFFFE == 0xFFFE
}

/// Fragments that attack the terminal or the reader.
const HOSTILE: &[&str] = &[
    "\x1b[2J",                                                // CSI: clear screen
    "\x1b[31;1m",                                             // CSI: colour
    "\x1b[?1049l",                                            // CSI: leave the alternate screen
    "\x1b[6n",                                                // CSI: cursor position report
    "\x1b]52;c;aGk=\x07",                                     // OSC 52: write the clipboard
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\", // OSC 8 hyperlink
    "\x1b]0;fake title\x07",                                  // OSC 0: window title
    "\x1bP+q544e\x1b\\",                                      // DCS: XTGETTCAP
    "\x1bP$qm\x1b\\",                                         // DCS: DECRQSS
    "\x1b",                                                   // lone ESC
    "\x07",                                                   // BEL
    "\x08\x08\x08",                                           // BS
    "\r",                                                     // CR alone
    "\r\n",
    "\n",
    "\n\n\n\n\n\n",
    "\t",
    "\x0b\x0c",              // VT, FF
    "\0",                    // NUL
    "\x7f",                  // DEL
    "\u{9b}2J",              // C1 CSI
    "\u{9d}52;c;aGk=\u{9c}", // C1 OSC ... ST
    "\u{90}q\u{9c}",         // C1 DCS
    "\u{85}",                // NEL
    "\u{202A}",
    "\u{202B}",
    "\u{202C}",
    "\u{202D}",
    "\u{202E}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{202E}fdp.exe\u{202C}",
    "\u{2067}\u{2066}admin\u{2069}\u{2069}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{200E}",
    "\u{200F}",
    "\u{61C}",
    "\u{2060}",
    "\u{2061}",
    "\u{2062}",
    "\u{2063}",
    "\u{2064}",
    "\u{FEFF}",
    "\u{AD}",
    "\u{180E}",
    "\u{2028}",
    "\u{2029}",
    "\u{FDD0}",
    "\u{FDEF}",
    "\u{FFFE}",
    "\u{FFFF}",
    "\u{1FFFE}",
    "\u{10FFFF}",
    "\u{FFF9}ruby\u{FFFA}annotation\u{FFFB}",
    "a\u{200D}b", // ZWJ between letters
    "x\u{200C}y", // ZWNJ between letters
];

/// Fragments a real name, title or description may hold; hostile ones are mixed into these.
const NORMAL: &[&str] = &[
    "Acme Corp",
    "ops@acme.example",
    "https://partner.example/path?q=1",
    " ",
    "  ",
    "-",
    "Zoë Ångström",
    "e\u{301}\u{308}\u{323}", // combining marks
    "Z\u{351}\u{34b}\u{34a}\u{36b}a\u{35b}\u{346}l\u{34c}g\u{36f}o", // zalgo
    "東京パートナー株式会社", // wide CJK
    "한국어",
    "👨\u{200D}👩\u{200D}👧", // emoji ZWJ sequence
    "🏳\u{FE0F}\u{200D}🌈",
    "👍🏽",
    "🙂",
    "שלום עולם", // RTL
    "مرحبا بالعالم",
    "\u{E000}\u{F8FF}", // private use
    "Ünïcödé",
    "1,234.56 USD",
];

/// One hostile string: a few fragments, now and then a long run or a random char.
fn hostile_string(rng: &mut fastrand::Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.usize(1..=12) {
        match rng.u8(0..100) {
            0..=44 => s.push_str(HOSTILE[rng.usize(..HOSTILE.len())]),
            45..=84 => s.push_str(NORMAL[rng.usize(..NORMAL.len())]),
            85..=86 => {
                // A very long run of one fragment.
                let pool = if rng.bool() { HOSTILE } else { NORMAL };
                let frag = pool[rng.usize(..pool.len())];
                s.push_str(&frag.repeat(rng.usize(50..=3_000)));
            }
            87..=93 => {
                // Any control, C0 or C1.
                s.push(char::from_u32(rng.u32(0..0xA0)).unwrap_or('?'));
            }
            _ => {
                // Any scalar value at all.
                s.push(char::from_u32(rng.u32(0..0x11_0000)).unwrap_or('\u{FFFD}'));
            }
        }
    }
    s
}

/// Every forbidden char held by any cell, with its position.
fn scan(buf: &Buffer) -> Vec<(u16, u16, char)> {
    scan_area(buf, buf.area)
}

/// The same, for the cells of `area` only.
fn scan_area(buf: &Buffer, area: Rect) -> Vec<(u16, u16, char)> {
    let mut found = Vec::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            for c in buf[(x, y)].symbol().chars() {
                if forbidden(c) {
                    found.push((x, y, c));
                }
            }
        }
    }
    found
}

/// Where each widget goes on the 80×24 screen. Fixed areas, not `Layout`: the constraint
/// solver is what is slow in a debug build, and layout is not what this test is about.
struct Areas {
    /// `Tabs` inside a `Block` with a title.
    tabs: Rect,
    /// `Table` with a header, inside a `Block` with top and bottom titles.
    table: Rect,
    /// `List` inside a `Block` with a title.
    list: Rect,
    /// `Paragraph`, `Wrap { trim: false }`, inside a `Block` with a title.
    narrow: Rect,
    /// `Paragraph`, `Wrap { trim: true }`, inside a `Block` with a title.
    wide: Rect,
}

const SCREEN: Rect = Rect::new(0, 0, 80, 24);

impl Areas {
    const fn of_screen() -> Areas {
        Areas {
            tabs: Rect::new(0, 0, 80, 3),
            table: Rect::new(0, 3, 80, 7),
            list: Rect::new(0, 10, 80, 5),
            narrow: Rect::new(0, 15, 24, 9),
            wide: Rect::new(24, 15, 56, 9),
        }
    }
}

/// The strings of one screen.
struct Screen {
    title: String,
    tabs: Vec<String>,
    rows: Vec<Vec<String>>,
    items: Vec<String>,
    /// Multi-line.
    body: String,
    body2: String,
}

impl Screen {
    fn generate(rng: &mut fastrand::Rng) -> Screen {
        let mut g = || hostile_string(rng);
        Screen {
            title: g(),
            tabs: (0..3).map(|_| g()).collect(),
            rows: (0..3).map(|_| (0..3).map(|_| g()).collect()).collect(),
            items: (0..3).map(|_| g()).collect(),
            body: g(),
            body2: g(),
        }
    }

    fn cleaned(&self) -> Screen {
        Screen {
            title: clean_line(&self.title),
            tabs: self.tabs.iter().map(|s| clean_line(s)).collect(),
            rows: self
                .rows
                .iter()
                .map(|r| r.iter().map(|s| clean_line(s)).collect())
                .collect(),
            items: self.items.iter().map(|s| clean_line(s)).collect(),
            body: clean_text(&self.body),
            body2: clean_text(&self.body2),
        }
    }

    /// All of it, through the widgets the console draws with, on an 80×24 `TestBackend`.
    fn render(&self) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(SCREEN.width, SCREEN.height)).unwrap();
        terminal
            .draw(|f| {
                assert_eq!(f.area(), SCREEN);
                let Areas {
                    tabs: tabs_area,
                    table: table_area,
                    list: list_area,
                    narrow,
                    wide,
                } = Areas::of_screen();

                let tab_titles = self.tabs.iter().map(|s| s.as_str());
                let block = Block::default()
                    .borders(Borders::ALL)
                    .title(self.title.as_str());
                f.render_widget(Tabs::new(tab_titles).select(1).block(block), tabs_area);

                let rows = self
                    .rows
                    .iter()
                    .map(|r| Row::new(r.iter().map(|s| Cell::from(s.as_str()))));
                let header = Row::new(self.tabs.iter().map(|s| Cell::from(s.as_str())));
                let widths = [
                    Constraint::Length(20),
                    Constraint::Percentage(40),
                    Constraint::Min(5),
                ];
                let table = Table::new(rows, widths).header(header).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(self.items[0].as_str())
                        .title_bottom(self.items[1].as_str()),
                );
                f.render_widget(table, table_area);

                let items = self.items.iter().map(|s| ListItem::new(s.as_str()));
                let list = List::new(items).highlight_symbol(">").block(
                    Block::default()
                        .borders(Borders::TOP)
                        .title(self.title.as_str()),
                );
                f.render_widget(list, list_area);

                let wrapped = Paragraph::new(Text::from(self.body.as_str()))
                    .wrap(Wrap { trim: false })
                    .block(
                        Block::default()
                            .borders(Borders::ALL)
                            .title(self.rows[0][0].as_str()),
                    );
                f.render_widget(wrapped, narrow);
                let trimmed = Paragraph::new(Text::from(format!("{}\n{}", self.body2, self.body)))
                    .wrap(Wrap { trim: true })
                    .block(Block::default().title(self.rows[1][1].as_str()));
                f.render_widget(trimmed, wide);
            })
            .unwrap();
        terminal.backend().buffer().clone()
    }
}

#[test]
fn cleaned_hostile_text_never_reaches_a_cell() {
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut strings = 0usize;
    let mut raw_renders = 0usize;
    let mut raw_leaks = 0usize;
    for case in 0..RENDER_CASES {
        let raw = Screen::generate(&mut rng);
        let clean = raw.cleaned();

        // The cleaned strings themselves: nothing forbidden (LF only in multi-line text),
        // within the caps, and cleaning again changes nothing.
        let lines = std::iter::once(&clean.title)
            .chain(&clean.tabs)
            .chain(clean.rows.iter().flatten())
            .chain(&clean.items);
        for (i, s) in lines.enumerate() {
            assert!(
                !s.chars().any(forbidden),
                "seed {SEED:#x} case {case} line {i}: {s:?}"
            );
            assert!(s.chars().count() <= MAX_LINE_CHARS, "case {case} line {i}");
            assert_eq!(&clean_line(s), s, "case {case} line {i}: not idempotent");
            strings += 1;
        }
        for (i, s) in [&clean.body, &clean.body2].into_iter().enumerate() {
            assert!(
                !s.chars().any(|c| c != '\n' && forbidden(c)),
                "seed {SEED:#x} case {case} text {i}: {s:?}"
            );
            assert!(s.chars().count() <= MAX_TEXT_CHARS, "case {case} text {i}");
            assert!(!s.contains("\n\n\n\n"), "case {case} text {i}: blank run");
            assert_eq!(&clean_text(s), s, "case {case} text {i}: not idempotent");
            strings += 1;
        }

        // Through the widgets: no cell holds a forbidden char.
        let leaks = scan(&clean.render());
        assert!(
            leaks.is_empty(),
            "seed {SEED:#x} case {case}: forbidden chars in cells (x, y, char): {:?}",
            leaks
                .iter()
                .map(|(x, y, c)| (*x, *y, format!("U+{:04X}", *c as u32)))
                .collect::<Vec<_>>()
        );

        // Every tenth screen also raw, to show the generator produces text that would leak.
        if case % 10 == 0 {
            raw_renders += 1;
            if !scan(&raw.render()).is_empty() {
                raw_leaks += 1;
            }
        }
    }
    assert!(strings >= 2_000 * 20);
    assert!(
        raw_leaks * 2 > raw_renders,
        "uncleaned, only {raw_leaks} of {raw_renders} screens leaked: the generator is too tame"
    );
}

/// The scanner is proven to work: the same widgets fed raw text do put forbidden chars into
/// cells. Each widget is checked on its own, with chars ratatui 0.30 lets through (see the
/// module docs for what it strips by itself).
#[test]
fn the_scanner_sees_what_ratatui_lets_through() {
    let leaking = [
        ("ZWJ inside an emoji cluster", "👨\u{200D}👩", '\u{200D}'),
        ("ZWJ between letters", "a\u{200D}b", '\u{200D}'),
        ("ZWNJ", "x\u{200C}y", '\u{200C}'),
        ("line separator", "a\u{2028}b", '\u{2028}'),
        ("paragraph separator", "a\u{2029}b", '\u{2029}'),
        ("noncharacter", "a\u{FFFE}b", '\u{FFFE}'),
        ("noncharacter", "a\u{FDD0}b", '\u{FDD0}'),
        ("interlinear annotation", "\u{FFF9}ruby\u{FFFB}", '\u{FFF9}'),
    ];
    for (what, s, c) in leaking {
        let filled = |s: &str| Screen {
            title: s.into(),
            tabs: vec![s.into(); 3],
            rows: vec![vec![s.into(); 3]; 3],
            items: vec![s.into(); 3],
            body: s.into(),
            body2: s.into(),
        };
        // Everything at once ...
        let found = scan(&filled(s).render());
        assert!(found.iter().any(|f| f.2 == c), "{what}: {found:?}");
        // ... and each widget alone: the hostile string only where that widget shows it, and
        // only that widget's area scanned (the fixture reuses strings across widgets).
        let areas = Areas::of_screen();
        let plain = || filled("plain");
        let alone = [
            (
                "block title",
                areas.tabs,
                Screen {
                    title: s.into(),
                    ..plain()
                },
            ),
            (
                "tabs",
                areas.tabs,
                Screen {
                    tabs: vec![s.into(); 3],
                    ..plain()
                },
            ),
            (
                "table header",
                areas.table,
                Screen {
                    tabs: vec![s.into(); 3],
                    ..plain()
                },
            ),
            (
                "table cells",
                areas.table,
                Screen {
                    rows: vec![vec![s.into(); 3]; 3],
                    ..plain()
                },
            ),
            (
                "list items",
                areas.list,
                Screen {
                    items: vec![s.into(); 3],
                    ..plain()
                },
            ),
            (
                "wrapped paragraph",
                areas.narrow,
                Screen {
                    body: s.into(),
                    ..plain()
                },
            ),
            (
                "trimmed paragraph",
                areas.wide,
                Screen {
                    body2: s.into(),
                    ..plain()
                },
            ),
        ];
        assert!(scan(&plain().render()).is_empty());
        for (widget, area, screen) in alone {
            let found = scan_area(&screen.render(), area);
            assert!(
                found.iter().any(|f| f.2 == c),
                "{what} in {widget}: {found:?}"
            );
            // ... and not once cleaned.
            assert!(
                scan(&screen.cleaned().render()).is_empty(),
                "{what} in {widget}"
            );
        }
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

/// A string that is sure to hold at least one forbidden char.
fn nasty(rng: &mut fastrand::Rng) -> String {
    let mut s = HOSTILE[rng.usize(..HOSTILE.len())].to_string();
    s.push_str(&hostile_string(rng));
    assert!(s.chars().any(forbidden));
    s
}

fn hostile_approval(rng: &mut fastrand::Rng) -> Approval {
    let mut n = || nasty(rng);
    Approval {
        id: n(),
        kind: Kind::Ad,
        status: Status::Rejected,
        version: 7,
        title: n(),
        partner: ApprovalPartner {
            id: n(),
            name: n(),
            status: PartnerStatus::Active,
            email: n(),
            phone: n(),
            website: n(),
            standing: Default::default(),
        },
        item: Some(Item {
            name: n(),
            price: Money {
                amount_minor: 1999,
                currency: n(),
            },
        }),
        description: n(),
        requested_at: at(1_700_000_000),
        decided_at: Some(at(1_700_000_100)),
        decided_by: Some(UserRef { id: n(), name: n() }),
        reason: Some(n()),
        details: Details {
            engagement_type: Some(n()),
            audience: Some(n()),
            estimated_reach: Some(10),
            preview: Some(n()),
            starts_at: Some(at(1_700_000_200)),
            impressions: Some(5),
            headline: Some(n()),
            body: Some(n()),
            image_url: Some(n()),
            target_url: Some(n()),
            ends_at: Some(at(1_700_000_300)),
        },
    }
}

/// Fields cleaned as multi-line text: they may keep '\n'.
const MULTI_LINE_KEYS: &[&str] = &[
    "description",
    "reason",
    "preview",
    "body",
    "detail",
    "notes",
];

/// Walk the JSON and check every decoded string (not its escaped form). Returns how many
/// strings were seen. `skip` names keys whose value must be left alone (credentials).
fn check_strings(v: &Value, key: &str, skip: &[&str], path: &str) -> usize {
    match v {
        Value::String(s) => {
            let multi = MULTI_LINE_KEYS.contains(&key);
            let bad: Vec<String> = s
                .chars()
                .filter(|&c| forbidden(c) && !(multi && c == '\n'))
                .map(|c| format!("U+{:04X}", c as u32))
                .collect();
            assert!(bad.is_empty(), "{path}: {bad:?} in {s:?}");
            let cap = if multi {
                MAX_TEXT_CHARS
            } else {
                MAX_LINE_CHARS
            };
            assert!(s.chars().count() <= cap, "{path}: too long");
            1
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| check_strings(item, key, skip, &format!("{path}[{i}]")))
            .sum(),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, item)| check_strings(item, k, skip, &format!("{path}.{k}")))
            .sum(),
        _ => 0,
    }
}

/// How many strings in the JSON hold a forbidden char: all of them, before cleaning.
fn dirty_strings(v: &Value) -> usize {
    match v {
        Value::String(s) => usize::from(s.chars().any(forbidden)),
        Value::Array(items) => items.iter().map(dirty_strings).sum(),
        Value::Object(map) => map.values().map(dirty_strings).sum(),
        _ => 0,
    }
}

/// How many strings the JSON holds, leaving out the values of `skip` keys.
fn count_strings(v: &Value, skip: &[&str]) -> usize {
    match v {
        Value::String(_) => 1,
        Value::Array(items) => items.iter().map(|i| count_strings(i, skip)).sum(),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(_, i)| count_strings(i, skip))
            .sum(),
        _ => 0,
    }
}

/// `value` has `hostile` strings with forbidden chars in them; once cleaned, none of its
/// strings (apart from the `skip` keys) has any.
fn assert_cleans<T: serde::Serialize + Clean>(value: T, hostile: usize, skip: &[&str]) -> T {
    let what = std::any::type_name::<T>();
    let raw = serde_json::to_value(&value).unwrap();
    assert_eq!(
        dirty_strings(&raw),
        hostile,
        "{what}: the fixture is not hostile everywhere"
    );
    let cleaned = value.clean();
    let v = serde_json::to_value(&cleaned).unwrap();
    assert_eq!(
        check_strings(&v, "", skip, what),
        count_strings(&raw, skip),
        "{what}"
    );
    cleaned
}

#[test]
fn clean_leaves_nothing_forbidden_in_any_domain_value() {
    let mut rng = fastrand::Rng::with_seed(SEED ^ 0xD0);
    for case in 0..DOMAIN_CASES {
        // Approval: every one of its 20 string fields hostile, every Option filled.
        let approval = hostile_approval(&mut rng);
        let approval = assert_cleans(approval, 20, &[]);
        // The partner's own view of a request: the approval without its partner (5 strings)
        // and who decided (2).
        assert_cleans(PartnerRequest::from(hostile_approval(&mut rng)), 13, &[]);

        // A problem carrying an approval.
        let problem = Problem {
            type_: nasty(&mut rng),
            title: nasty(&mut rng),
            status: 409,
            detail: nasty(&mut rng),
            code: nasty(&mut rng),
            approval: Some(Box::new(hostile_approval(&mut rng))),
            errors: vec![FieldError {
                field: nasty(&mut rng),
                code: nasty(&mut rng),
                detail: nasty(&mut rng),
            }],
            ..Problem::default()
        };
        let problem = assert_cleans(problem, 27, &[]);
        assert_ne!(problem.approval.as_deref(), Some(&approval));

        let mut n = || nasty(&mut rng);
        let partner = Partner {
            summary: PartnerSummary {
                id: n(),
                name: n(),
                status: PartnerStatus::Suspended,
                package: Some(Item {
                    name: n(),
                    price: Money::new(1, &n()),
                }),
                invoice_id: n(),
                contact_name: n(),
                email: n(),
                distributor: None,
                standing: Default::default(),
                tenant_count: 0,
                version: 1,
            },
            contact: Contact {
                name: n(),
                email: n(),
                phone: n(),
                website: n(),
                address: Address {
                    line1: n(),
                    line2: n(),
                    city: n(),
                    region: n(),
                    postal_code: n(),
                    country: n(),
                },
                time_zone: n(),
            },
            channels: vec![Channel {
                id: n(),
                name: n(),
                kind: n(),
                followers: 1,
            }],
            addons: vec![PartnerAddon {
                name: n(),
                price: Some(Money::new(1, &n())),
                approval_id: n(),
                added_at: at(0),
            }],
            notes: n(),
            created_at: at(0),
            admins: Vec::new(),
        };
        assert_cleans(partner, 25, &[]);

        // The partner record's lists: members and voucher batches.
        let member = Member {
            id: n(),
            login: n(),
            first_name: n(),
            last_name: n(),
            email: n(),
            active: true,
        };
        assert_cleans(member, 5, &[]);
        let batch = VoucherBatch {
            id: n(),
            name: n(),
            exams: vec![n(), n()],
            expires_on: at(0).date_naive(),
            last_exam_on: None,
            value: VoucherValue::Money(Money::new(1, &n())),
            counts: VoucherCounts {
                total: 1,
                used: 0,
                unused: 1,
                expired: 0,
            },
            partner: Some(PartnerRef { id: n(), name: n() }),
            version: 1,
        };
        assert_cleans(batch, 7, &[]);

        // A page: the items cleaned, the cursor (opaque, only ever sent back) left as it came.
        let cursor = n();
        let page = Page {
            items: vec![
                AuditEntry {
                    id: n(),
                    at: at(0),
                    actor: n(),
                    subject: Some(n()),
                    action: n(),
                    target: n(),
                    detail: n(),
                    changes: vec![FieldChange {
                        field: n(),
                        before: Some(n()),
                        after: Some(n()),
                    }],
                    subject_ref: Some(RecordRef {
                        kind: n(),
                        id: n(),
                        name: n(),
                    }),
                },
                AuditEntry {
                    id: n(),
                    at: at(0),
                    actor: n(),
                    subject: None,
                    action: n(),
                    target: n(),
                    detail: n(),
                    changes: vec![],
                    subject_ref: None,
                },
            ],
            next_cursor: Some(cursor.clone()),
        };
        let page = assert_cleans(page, 18, &["next_cursor"]);
        assert_eq!(page.next_cursor.as_deref(), Some(cursor.as_str()));

        let outbox = OutboxEmail {
            id: n(),
            to: n(),
            subject: n(),
            body: n(),
            created_at: at(0),
        };
        assert_cleans(outbox, 4, &[]);
        let engagement = Engagement {
            id: n(),
            title: n(),
            engagement_type: n(),
            status: n(),
            starts_at: at(0),
        };
        assert_cleans(engagement, 4, &[]);
        let me = Me {
            id: n(),
            name: n(),
            email: n(),
            role: Role::Csr,
            assignments: Vec::new(),
        };
        assert_cleans(me, 3, &[]);
        assert_cleans(Health { status: n() }, 1, &[]);

        // Impersonation: everything cleaned except the token, a credential that is never
        // displayed and must be sent back byte for byte.
        let token = n();
        let imp = Impersonation {
            id: n(),
            token: token.clone(),
            partner: PartnerRef { id: n(), name: n() },
            role: Role::PartnerOwner,
            started_at: at(0),
            expires_at: at(1800),
        };
        let imp = assert_cleans(imp, 4, &["token"]);
        assert_eq!(imp.token, token, "case {case}: the token was changed");

        // Events (`ServerEvent` itself is not serializable: its payloads are).
        let created = ApprovalCreated {
            id: n(),
            kind: Kind::Addon,
        };
        let decided = ApprovalDecided {
            id: n(),
            kind: Kind::Broadcast,
            status: Status::Approved,
            decided_by: UserRef { id: n(), name: n() },
        };
        let updated = PartnerUpdated { id: n() };
        let presence = Presence {
            approval_id: n(),
            viewers: vec![
                UserRef { id: n(), name: n() },
                UserRef { id: n(), name: n() },
            ],
        };
        let events = [
            ServerEvent::ApprovalCreated(created.clone()),
            ServerEvent::ApprovalDecided(decided.clone()),
            ServerEvent::PartnerUpdated(updated.clone()),
            ServerEvent::Presence(presence.clone()),
        ];
        let expected = [
            ServerEvent::ApprovalCreated(assert_cleans(created, 1, &[])),
            ServerEvent::ApprovalDecided(assert_cleans(decided, 3, &[])),
            ServerEvent::PartnerUpdated(assert_cleans(updated, 1, &[])),
            ServerEvent::Presence(assert_cleans(presence, 5, &[])),
        ];
        assert_eq!(events.map(Clean::clean), expected, "case {case}");
    }
}

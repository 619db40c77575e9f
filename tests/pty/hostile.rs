//! Hostile data end to end (issue 7, QUALITY.md 1 and 2).
//!
//! A seed file is generated at test time (so it can hold 10,000-character fields without a
//! huge file in git) whose every text field carries terminal attacks — CSI, OSC 52, OSC 8,
//! DCS, lone ESC, BEL, BS, CR, NUL, DEL, C1 controls — and reader attacks — bidi overrides and
//! isolates, zero-width chars, BOM, U+2028/2029 — next to legitimate unusual Unicode (combining
//! marks, wide CJK, emoji with ZWJ, RTL text), spreadsheet formulas, and 10,000-char values.
//! The reference server imports it as is (it stores strings as given), except currencies,
//! which it checks: the hostile ones are written into its database once it has started, as
//! any other backend might serve them.
//!
//! `every_view_of_hostile_data_is_inert`: the console runs in a pty at 120×40 as a CSR, visits
//! every tab and section, opens and scrolls the detail pane, the partner detail, the finder,
//! help, an impersonation (banner, channels, engagements) and its exit, and exports the history
//! with `e` into a config-given directory whose name is hostile too. Then every byte it ever
//! wrote is tokenized ([`audit_stream`]): any escape sequence that is not one a ratatui /
//! crossterm renderer emits, any C0/C1 control, DEL, bidi, zero-width or separator char fails
//! the test, and so does such a char in any cell of the parsed screen after each step.
//!
//! `the_cli_export_of_hostile_history_is_inert`: `partner-console export history` of the same
//! data; [`assert_csv_inert`] checks RFC 4180 framing byte by byte, every char, and that every
//! cell a spreadsheet would take for a formula is prefixed with `'`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{Pty, ServerProc, TempDir, TestHome, keys, pty};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);
const CSR_TOKEN: &str = "hostile-csr-7f3a9c21e5";
const ADMIN_TOKEN: &str = "hostile-admin-0b8d44e6a2";
/// Length of the long fields, in chars.
const LONG: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// The seed

/// Sequences that attack the terminal or the reader.
const ATTACKS: &[&str] = &[
    "\x1b[2J",                                               // CSI: clear the screen
    "\x1b[31;1m",                                            // CSI: colour
    "\x1b[?1049l",                                           // CSI: leave the alternate screen
    "\x1b[6n",                                               // CSI: cursor position report
    "\x1b]52;c;aGk=\x07",                                    // OSC 52: write the clipboard
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", // OSC 8: hyperlink
    "\x1b]0;pwned\x07",                                      // OSC 0: window title
    "\x1bP+q544e\x1b\\",                                     // DCS: XTGETTCAP
    "\x1b",                                                  // lone ESC
    "\x07",                                                  // BEL
    "\x08\x08",                                              // BS
    "\r",                                                    // CR
    "\0",                                                    // NUL
    "\x7f",                                                  // DEL
    "\x0b\x0c",                                              // VT, FF
    "\t",
    "\n",
    "\r\n",
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
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{200E}",
    "\u{200F}",
    "\u{FEFF}",
    "\u{2028}",
    "\u{2029}",
    "\u{2060}",
    "\u{AD}",
    "\u{61C}",
];

/// Legitimate unusual Unicode that must survive (and must not break the layout).
const UNUSUAL: &[&str] = &[
    "e\u{301}\u{308}",                          // combining marks
    "Z\u{351}\u{34b}a\u{35b}l\u{34c}g\u{36f}o", // zalgo
    "東京パートナー株式会社",                   // wide CJK
    "👨\u{200D}👩\u{200D}👧",                   // emoji ZWJ sequence
    "🏳\u{FE0F}\u{200D}🌈",                      // flag with ZWJ and VS16
    "👍🏽",                                       // skin tone modifier
    "שלום עולם",                                // RTL
    "مرحبا بالعالم",                            // RTL (Arabic)
    "\u{E000}",                                 // private use
];

/// A short hostile value: an invisible bidi/zero-width lead, `marker` (plain ASCII, so the test
/// can find it on the screen), then every attack and every piece of unusual Unicode.
fn hostile(marker: &str) -> String {
    format!(
        "\u{202E}\u{200B}{marker}{}{}",
        ATTACKS.concat(),
        UNUSUAL.concat()
    )
}

/// A hostile value of exactly [`LONG`] chars: `marker`, then attacks and unusual Unicode
/// interleaved, repeated.
fn long(marker: &str) -> String {
    let mut s = format!("\u{2067}{marker} ");
    let mut i = 0;
    while s.chars().count() < LONG {
        s.push_str(ATTACKS[i % ATTACKS.len()]);
        s.push_str(UNUSUAL[i % UNUSUAL.len()]);
        s.push_str(" x ");
        i += 1;
    }
    s.chars().take(LONG).collect()
}

/// Values a spreadsheet would evaluate, each behind invisible leads in some cases.
const FORMULAS: &[&str] = &[
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTAB=1",
    "\r=CR",
    "\u{FEFF}=BOM()",
    "\u{200B}=ZW()",
    "\u{200E}-LRM",
    "\u{202E}@RLO",
    "\0=NUL",
    "＝FULLWIDTH()",
    "  =SPACED()",
];

fn details_for(kind: &str, m: &str, long_fields: bool) -> Value {
    let t = |f: &str| {
        let marker = format!("{m}-{f}");
        if long_fields {
            long(&marker)
        } else {
            hostile(&marker)
        }
    };
    match kind {
        "broadcast" => json!({
            "engagement_type": t("etype"),
            "starts_at": "2025-03-20T08:00:00Z",
            "audience": t("aud"),
            "estimated_reach": 48000,
            "preview": t("preview"),
        }),
        "advertising_package" => json!({ "impressions": 250000 }),
        "ad" => json!({
            "headline": t("headline"),
            "body": t("body"),
            "image_url": format!("https://evil.example/{}", hostile("img")),
            "target_url": format!("https://evil.example/\x1b]8;;x\x07{}", t("url")),
            "impressions": 1000,
            "starts_at": "2025-04-01T00:00:00Z",
            "ends_at": "2025-04-30T00:00:00Z",
        }),
        _ => json!({}),
    }
}

/// The seed file: two staff users with hostile names, three partners (hostile short fields,
/// 10,000-char fields, formulas), and approvals of all five kinds, pending, approved and
/// rejected, whose every text field is hostile.
fn seed() -> Value {
    let csr_name = hostile("Dana");
    let admin_name = long("Omar");
    let users = json!([
        { "name": csr_name, "email": "dana@partners.example", "role": "csr", "token": CSR_TOKEN },
        { "name": admin_name, "email": "omar@partners.example", "role": "admin", "token": ADMIN_TOKEN },
    ]);

    let partner = |id: &str, name: String, f: &dyn Fn(&str) -> String, currency: &str| {
        json!({
            "id": id,
            "name": name,
            "status": "active",
            "invoice_id": f("INV"),
            "package": { "name": f("Pkg"), "price": { "amount_minor": 4900, "currency": currency } },
            "contact": {
                "name": f("Contact"),
                "email": format!("{}@evil.example", f("mail")),
                "phone": f("+49 30"),
                "website": f("https://evil.example/"),
                "address": f("Street 1"),
                "time_zone": f("Europe/Berlin"),
            },
            "channels": [
                { "name": f("Chan1"), "kind": f("newsletter"), "followers": 1200 },
                { "name": f("Chan2"), "kind": f("youtube"), "followers": 5 },
            ],
            "engagements": [
                { "title": f("Eng1"), "engagement_type": f("push"), "status": f("sent"),
                  "starts_at": "2025-02-14T17:30:00Z" },
                { "title": f("Eng2"), "engagement_type": f("sms"), "status": f("draft"),
                  "starts_at": "2025-03-24T15:00:00Z" },
            ],
            "created_at": "2024-06-12T08:30:00Z",
        })
    };
    let short = |m: &str| hostile(m);
    let longf = |m: &str| long(m);
    let formula = |m: &str| format!("{}{m}", FORMULAS[m.len() % FORMULAS.len()]);
    let partners = json!([
        partner("ptn_kestrel", hostile("Kestrel"), &short, "EUR"),
        partner("ptn_lynx", long("Lynx"), &longf, "USD"),
        partner(
            "ptn_formula",
            FORMULAS[0].to_string(),
            &formula,
            FORMULA_CURRENCY.0
        ),
    ]);

    let kinds = [
        "partnership",
        "addon",
        "broadcast",
        "advertising_package",
        "ad",
    ];
    let partners_ids = ["ptn_kestrel", "ptn_lynx", "ptn_formula"];
    let mut approvals = Vec::new();
    let mut n = 0;
    for (k, kind) in kinds.iter().enumerate() {
        for (s, status) in ["pending", "approved", "rejected"].iter().enumerate() {
            for (p, partner) in partners_ids.iter().enumerate() {
                n += 1;
                let m = format!("{}{}{}", &kind[..2].to_uppercase(), &status[..1], p);
                let long_fields = p == 1;
                let text = |f: &str| {
                    if p == 2 {
                        format!("{}{m}-{f}", FORMULAS[(n + f.len()) % FORMULAS.len()])
                    } else if long_fields {
                        long(&format!("{m}-{f}"))
                    } else {
                        hostile(&format!("{m}-{f}"))
                    }
                };
                let mut a = json!({
                    "id": if p == 2 && s == 1 { format!("=ap-eq-{n}") }
                          else if p == 2 && s == 2 { format!("@ap-at-{n}") }
                          else { format!("ap_{n:03}") },
                    "kind": kind,
                    "status": status,
                    "title": text("title"),
                    "partner": partner,
                    "description": text("desc"),
                    // Oldest first, so the newest (and first listed) are the last ones here.
                    "requested_at": format!("2025-03-{:02}T09:{:02}:00Z", 1 + k, 10 + n),
                    "details": details_for(kind, &m, long_fields),
                });
                if matches!(*kind, "partnership" | "addon" | "advertising_package") {
                    a["item"] = json!({
                        "name": text("item"),
                        "price": { "amount_minor": 1900 + n, "currency": if p == 2 { ITEM_CURRENCY.0 } else { "USD" } },
                    });
                }
                if s > 0 {
                    a["decided_at"] = json!(format!("2025-03-{:02}T10:{:02}:00Z", 10 + k, 10 + n));
                    a["decided_by"] = json!(if p == 0 { &csr_name } else { &admin_name });
                    // Reasons are at most 2,000 chars.
                    let reason: String = text("reason").chars().take(1_990).collect();
                    a["reason"] = json!(reason);
                }
                approvals.push(a);
            }
        }
    }
    // The record's pages: each partner's members, notes on several lines, and a voucher batch
    // it holds, all as hostile as the rest.
    let mut partners = partners;
    for (i, p) in partners.as_array_mut().unwrap().iter_mut().enumerate() {
        let m = format!("M{i}");
        p["notes"] = json!(format!(
            "{}\n{}",
            hostile(&format!("{m}-note")),
            hostile(&format!("{m}-note2"))
        ));
        p["members"] = json!([{
            "login": hostile(&format!("{m}-login")),
            "first_name": hostile(&format!("{m}-first")),
            "last_name": hostile(&format!("{m}-last")),
            "email": hostile(&format!("{m}-email")),
        }]);
    }
    let voucher_batches: Vec<_> = partners_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            json!({
                "name": hostile(&format!("VB{i}-name")),
                "exams": [hostile(&format!("VB{i}-exam"))],
                "expires_on": "2030-01-31",
                "value": { "percent": 50 },
                "counts": { "total": 10 },
                "partner": id,
            })
        })
        .collect();
    json!({
        "users": users,
        "partners": partners,
        "approvals": approvals,
        "voucher_batches": voucher_batches,
    })
}

fn write_seed(dir: &Path) -> PathBuf {
    let file = dir.join("hostile_seed.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&seed()).unwrap()).unwrap();
    file
}

/// Currencies the seed import refuses (it wants three capital letters): the seed carries a
/// stand-in, and [`start_server`] puts the hostile value in its place in the database.
const FORMULA_CURRENCY: (&str, &str) = ("QQF", "=\u{202E}EU\x1b[31mR");
const ITEM_CURRENCY: (&str, &str) = ("QQI", "+US");

fn start_server(dir: &TempDir) -> ServerProc {
    let file = write_seed(dir.path());
    let server = ServerProc::start_with(&["--seed", file.to_str().unwrap()]);
    let db = rusqlite::Connection::open(&server.db).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let partners = db
        .execute(
            "UPDATE partners SET package_currency = ?2 WHERE package_currency = ?1",
            FORMULA_CURRENCY,
        )
        .unwrap();
    let items = db
        .execute(
            "UPDATE approvals SET item_currency = ?2 WHERE item_currency = ?1",
            ITEM_CURRENCY,
        )
        .unwrap();
    assert!(
        partners == 1 && items > 0,
        "{partners} partners, {items} items"
    );
    server
}

// ---------------------------------------------------------------------------------------------
// What may never reach the terminal, a cell or a CSV

/// Chars that are never written raw: C0 controls, DEL, C1 controls, bidi embeddings,
/// overrides, isolates and marks, zero-width and invisible formatting chars, BOM, line and
/// paragraph separators, noncharacters, interlinear annotations. (The stream tokenizer allows
/// ESC, CR and LF itself, in their places.)
fn forbidden(c: char) -> bool {
    let u = c as u32;
    u <= 0x1F
        || (0x7F..=0x9F).contains(&u)
        || matches!(u, 0xAD | 0x61C | 0x180E | 0xFEFF | 0x2028 | 0x2029)
        || (0x200B..=0x200F).contains(&u)
        || (0x202A..=0x202E).contains(&u)
        || (0x2060..=0x206F).contains(&u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || (0xFFF9..=0xFFFB).contains(&u)
        || u & 0xFFFE == 0xFFFE
}

/// What the renderer legitimately writes, by kind, with counts (for the failure message).
type Seen = BTreeMap<String, usize>;

/// Is this CSI one a ratatui/crossterm renderer (or our enter/restore sequences) writes?
/// Returns its class name.
fn renderer_csi(params: &str, inter: &str, fin: char) -> Option<&'static str> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !inter.is_empty() {
        return None;
    }
    match fin {
        // MoveTo (crossterm: row;col, 1-based).
        'H' if params.split(';').count() <= 2 && params.split(';').all(digits) => Some("move"),
        // SGR: colours and attributes (38;5;n, 38;2;r;g;b, 0..9, 22..29, 39, 49, ...).
        'm' if params
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b';' || b == b':') =>
        {
            Some("sgr")
        }
        'J' if matches!(params, "" | "0" | "1" | "2" | "3") => Some("erase display"),
        'K' if matches!(params, "" | "0" | "1" | "2") => Some("erase line"),
        'h' | 'l' => match params {
            "?25" => Some("cursor shown/hidden"),
            "?1049" => Some("alternate screen"),
            "?2004" => Some("bracketed paste"),
            "?2026" => Some("synchronized output"),
            _ => None,
        },
        _ => None,
    }
}

/// Tokenizes everything the console wrote and fails on anything a renderer does not write:
/// an escape sequence other than the CSIs of [`renderer_csi`] (every OSC — clipboard, title,
/// hyperlink —, DCS, APC, PM, SOS, a two-byte ESC sequence, a malformed or unterminated CSI),
/// a raw C0 control other than CR/LF, DEL, bytes that are not UTF-8 (raw 8-bit C1 controls),
/// and any [`forbidden`] char as text (UTF-8 C1, bidi, zero-width, separators).
fn audit_stream(bytes: &[u8]) -> Result<Seen, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        format!(
            "not UTF-8 at byte {at} (a raw C1 control?): {:?}",
            String::from_utf8_lossy(&bytes[at.saturating_sub(40)..(at + 40).min(bytes.len())])
        )
    })?;
    let context = |at: usize| {
        let start = text.floor_char_boundary(at.saturating_sub(60));
        let end = text.ceil_char_boundary((at + 60).min(text.len()));
        format!("{:?}", &text[start..end])
    };
    let mut seen = Seen::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\x1b' => {
                let Some((_, next)) = chars.next() else {
                    return Err(format!("lone ESC at the end (byte {at})"));
                };
                if next != '[' {
                    let what = match next {
                        ']' => "OSC",
                        'P' => "DCS",
                        '_' => "APC",
                        '^' => "PM",
                        'X' => "SOS",
                        _ => "ESC sequence",
                    };
                    return Err(format!(
                        "{what} (ESC {next:?}) at byte {at}: {}",
                        context(at)
                    ));
                }
                let mut params = String::new();
                let mut inter = String::new();
                let fin = loop {
                    match chars.next() {
                        Some((_, p @ '\x30'..='\x3f')) if inter.is_empty() => params.push(p),
                        Some((_, i @ '\x20'..='\x2f')) => inter.push(i),
                        Some((_, f @ '\x40'..='\x7e')) => break f,
                        other => {
                            return Err(format!(
                                "malformed CSI at byte {at} (then {other:?}): {}",
                                context(at)
                            ));
                        }
                    }
                };
                match renderer_csi(&params, &inter, fin) {
                    Some(class) => *seen.entry(class.to_string()).or_default() += 1,
                    None => {
                        return Err(format!(
                            "unexpected CSI {params:?} {inter:?} {fin:?} at byte {at}: {}",
                            context(at)
                        ));
                    }
                }
            }
            '\r' | '\n' => *seen.entry("CR/LF".into()).or_default() += 1,
            c if forbidden(c) => {
                return Err(format!(
                    "U+{:04X} written raw at byte {at}: {}",
                    c as u32,
                    context(at)
                ));
            }
            _ => *seen.entry("text".into()).or_default() += 1,
        }
    }
    Ok(seen)
}

/// Every forbidden char in a cell of the parsed screen, with its row and column.
fn forbidden_cells(term: &Pty) -> Vec<(u16, u16, char)> {
    term.with_screen(forbidden_in)
}

fn forbidden_in(s: &vt100::Screen) -> Vec<(u16, u16, char)> {
    {
        let (rows, cols) = s.size();
        let mut found = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                if let Some(cell) = s.cell(r, c) {
                    found.extend(
                        cell.contents()
                            .chars()
                            .filter(|&ch| forbidden(ch))
                            .map(|ch| (r, c, ch)),
                    );
                }
            }
        }
        found
    }
}

/// Waits for `needle`, then checks the screen's cells.
#[track_caller]
fn step(term: &Pty, needle: &str, server: &ServerProc) {
    let at = std::panic::Location::caller();
    if let Err(e) = term.wait_for(needle, WAIT) {
        panic!("at {at}: {e}\nserver log:\n{}", server.stderr_text());
    }
    let bad = forbidden_cells(term);
    assert!(
        bad.is_empty(),
        "{}",
        term.failure(&format!(
            "forbidden chars in cells (row, col, char): {bad:?}"
        ))
    );
}

/// Scrolls the detail pane down (`J`) until `needle` shows, checking the cells each time.
#[track_caller]
fn scroll_until(term: &mut Pty, needle: &str, server: &ServerProc) {
    for _ in 0..100 {
        let (text, bad) = term.with_screen(|s| (pty::screen_to_text(s), forbidden_in(s)));
        assert!(
            bad.is_empty(),
            "{}",
            term.failure(&format!(
                "forbidden chars in cells (row, col, char): {bad:?}"
            ))
        );
        if text.contains(needle) {
            return;
        }
        term.send("J");
        std::thread::sleep(Duration::from_millis(30));
        term.wait_quiet(Duration::from_millis(30), WAIT).unwrap();
        // A request's pane is "Details"; a partner's names its pages.
        let pane = if text.contains("[Overview]") {
            "[Overview]"
        } else {
            "┌ Details"
        };
        step(term, pane, server);
    }
    panic!(
        "{}",
        term.failure(&format!("{needle:?} not reached by scrolling"))
    );
}

// ---------------------------------------------------------------------------------------------
// CSV

/// First chars a spreadsheet reads as a formula (after invisible leads and spaces).
fn formula_start(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0' | '＝' | '＋' | '－' | '＠'
    )
}

/// Checks an exported CSV; see [`csv_problem`]. Returns the records.
#[track_caller]
fn assert_csv_inert(bytes: &[u8]) -> Vec<Vec<String>> {
    csv_problem(bytes).unwrap_or_else(|e| panic!("the CSV is not inert: {e}"))
}

/// RFC 4180 framing, byte by byte: a quote opens only at the start of a cell and closes only
/// before a comma or a CRLF, quotes inside are doubled; CR only in the CRLF that ends a record;
/// LF only there or inside a quoted cell. No other control char and no [`forbidden`] char
/// anywhere. Every record as wide as the header. No cell that a spreadsheet would take for a
/// formula (`= + - @`, TAB, CR, LF, NUL or their full-width forms first, after spaces and
/// invisible formatting chars) without the `'` guard.
fn csv_problem(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let ctx = |at: usize| {
        format!(
            "{:?}",
            &text[text.floor_char_boundary(at.saturating_sub(40))
                ..text.ceil_char_boundary((at + 40).min(text.len()))]
        )
    };
    let mut in_quotes = false;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p].1);
        let next = chars.get(i + 1).map(|x| x.1);
        match c {
            '"' if in_quotes && next == Some('"') => i += 1,
            '"' if in_quotes => {
                if !matches!(next, None | Some(',') | Some('\r')) {
                    return Err(format!(
                        "text after a closing quote at byte {at}: {}",
                        ctx(at)
                    ));
                }
                in_quotes = false;
            }
            '"' => {
                if !matches!(prev, None | Some(',') | Some('\n')) {
                    return Err(format!(
                        "quote inside an unquoted cell at byte {at}: {}",
                        ctx(at)
                    ));
                }
                in_quotes = true;
            }
            '\r' if in_quotes || next != Some('\n') => {
                return Err(format!(
                    "CR that does not end a record at byte {at}: {}",
                    ctx(at)
                ));
            }
            '\n' if !in_quotes && prev != Some('\r') => {
                return Err(format!("bare LF outside quotes at byte {at}: {}", ctx(at)));
            }
            '\r' | '\n' => {}
            c if forbidden(c) => {
                return Err(format!("U+{:04X} at byte {at}: {}", c as u32, ctx(at)));
            }
            _ => {}
        }
        i += 1;
    }
    if in_quotes {
        return Err("unterminated quoted cell".into());
    }
    if !text.ends_with("\r\n") {
        return Err("the last record does not end with CRLF".into());
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut records: Vec<Vec<String>> = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| format!("not RFC 4180: {e}"))?;
        records.push(r.iter().map(str::to_string).collect());
    }
    let width = records.first().map_or(0, Vec::len);
    for (i, rec) in records.iter().enumerate() {
        if rec.len() != width {
            return Err(format!(
                "record {i} has {} cells, the header {width}",
                rec.len()
            ));
        }
        for cell in rec {
            // Skip what a spreadsheet may skip: spaces and invisible formatting chars (not
            // controls: TAB, CR, LF and NUL are formula starts themselves).
            let first = cell
                .chars()
                .find(|&c| c != ' ' && (c.is_control() || !forbidden(c)));
            if first.is_some_and(formula_start) {
                return Err(format!("record {i}: unguarded formula cell {cell:?}"));
            }
        }
    }
    Ok(records)
}

/// The export holds the hostile history and guarded it (rather than the test passing because
/// nothing hostile was exported).
fn assert_history_exported(records: &[Vec<String>]) {
    // 5 kinds × (approved + rejected) × 3 partners.
    assert_eq!(records.len(), 1 + 30, "header and every decision");
    let all: Vec<&str> = records.iter().flatten().map(String::as_str).collect();
    for expected in [
        "'=HYPERLINK(\"http://evil.example\",\"x\")",
        "'=ap-eq-",
        "'@ap-at-",
    ] {
        assert!(
            all.iter().any(|c| c.starts_with(expected)),
            "no cell starts with {expected:?}"
        );
    }
    let guarded = all.iter().filter(|c| c.starts_with('\'')).count();
    assert!(guarded >= 30, "only {guarded} guarded cells");
    // The marker of a hostile field survived, cleaned.
    assert!(
        all.iter().any(|c| c.starts_with("Kestrel[2J")),
        "cleaned partner name"
    );
    assert!(
        all.iter()
            .any(|c| c.starts_with("Lynx ") && c.chars().count() >= 900),
        "long partner name"
    );
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn every_view_of_hostile_data_is_inert() {
    let seed_dir = TempDir::new("hostile-seed");
    let server = start_server(&seed_dir);

    let home = TestHome::new();
    // The config is an untrusted source too: the export dir's name is hostile, and the console
    // shows it in the "Exported" message.
    let exports = home.path().join("exp\u{1b}[2J\u{202E}\u{7}orts\u{200B}");
    home.write_config(&format!(
        "[export]\ndir = {}\n",
        toml_string(exports.to_str().unwrap())
    ));
    let mut term = Pty::spawn_in(
        home,
        &["--url", &server.url],
        &[("PARTNER_CONSOLE_TOKEN", CSR_TOKEN)],
        120,
        40,
    );
    step(&term, "● live", &server);
    step(&term, "Dana", &server);

    // Every tab, every section; the detail pane on the first row of each, scrolled.
    // (tab key, [(section marker, rows)]): 3 partners × (pending | approved + rejected).
    let tabs: [(&str, &[(&str, usize)]); 5] = [
        ("1", &[("[Pending]", 3), ("[History]", 6)]),
        ("2", &[("[Pending]", 3), ("[History]", 6)]),
        (
            "3",
            &[
                ("[Broadcasts]", 3),
                ("[Advertising packages]", 3),
                ("[Ads]", 3),
                ("[History]", 18),
            ],
        ),
        ("4", &[("[Partners]", 3)]),
        ("5", &[("Decision", 30)]),
    ];
    for (tab, sections) in tabs {
        term.send(tab);
        for (i, &(section, rows)) in sections.iter().enumerate() {
            if i > 0 {
                term.send("]");
            }
            step(&term, section, &server);
            // Its rows are in (the position counter shows).
            step(&term, &format!("1 of {rows} "), &server);
            if tab == "4" {
                continue;
            }
            term.send(keys::ENTER);
            step(&term, "┌ Details", &server);
            for _ in 0..6 {
                term.send("J");
            }
            term.send("j");
            term.wait_quiet(Duration::from_millis(150), WAIT).unwrap();
            step(&term, section, &server);
            term.send(keys::ENTER);
            term.wait_quiet(Duration::from_millis(100), WAIT).unwrap();
        }
    }

    // The partner detail from the directory: the long one (second row) and the others.
    term.send("4");
    step(&term, "Invoice ID", &server);
    for _ in 0..3 {
        term.send(keys::ENTER);
        step(&term, "Partner  ", &server);
        // The full record (contact, channels) comes from the server.
        term.wait_quiet(Duration::from_millis(300), WAIT).unwrap();
        scroll_until(&mut term, "Time zone", &server);
        scroll_until(&mut term, "Channels", &server);
        // The record's other pages: its voucher batch and its members.
        term.send(">");
        step(&term, "[Tiers & campaigns]", &server);
        term.send(">");
        step(&term, "[Vouchers]", &server);
        step(&term, "unused of 10", &server);
        term.send(">");
        step(&term, "[Members]", &server);
        step(&term, "-login", &server);
        term.send(">");
        step(&term, "[Lead exchange]", &server);
        step(&term, "Type and prices", &server);
        term.send(">");
        step(&term, "[Overview]", &server);
        term.send(keys::ENTER);
        term.wait_quiet(Duration::from_millis(150), WAIT).unwrap();
        term.send("j");
    }

    // Help.
    term.send("?");
    step(&term, "Help ·", &server);
    term.send(keys::ESC);
    term.wait_gone("Help ·", WAIT).unwrap();

    // The finder, a partner's detail, and an impersonation of it (banner, channels,
    // engagements), for the short hostile partner and the one with 10,000-char fields.
    for (query, name) in [("k", "Kestrel"), ("lyn", "Lynx")] {
        term.send(":");
        step(&term, "Find a partner", &server);
        term.send(query);
        step(&term, &format!("▶ {name}"), &server);
        term.send(keys::ENTER);
        step(&term, "[Overview]", &server);
        term.wait_quiet(Duration::from_millis(300), WAIT).unwrap();
        scroll_until(&mut term, "Time zone", &server);
        term.send("i");
        step(&term, &format!("Impersonate {name}"), &server);
        // A reason typed with invisible chars and pasted with bidi controls: neither shows.
        term.send("Checking\u{202E} channels\u{200B} ");
        term.send(&keys::paste("\u{2066}pasted\u{200F}\u{7} text"));
        step(&term, "Checking channels pasted text", &server);
        term.send(keys::ENTER);
        step(&term, "as Partner Owner", &server);
        step(&term, "Channels (2)", &server);
        step(&term, "Chan1", &server);
        step(&term, "Engagements (2)", &server);
        term.send("J");
        term.send("j");
        term.wait_quiet(Duration::from_millis(150), WAIT).unwrap();
        step(&term, "as Partner Owner", &server);
        term.send("X");
        step(&term, "Are you sure?", &server);
        term.send("y");
        step(&term, "You are back as", &server);
        term.wait_gone("as Partner Owner", WAIT).unwrap();
    }

    // Export the history from the console.
    term.send("5");
    step(&term, "Decision", &server);
    term.send("e");
    step(&term, "Exported 30 rows", &server);
    let files: Vec<PathBuf> = std::fs::read_dir(&exports)
        .expect("the export dir")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let records = assert_csv_inert(&std::fs::read(&files[0]).unwrap());
    assert_history_exported(&records);

    // Still alive and responsive.
    assert!(!term.has_exited(), "the console died");
    term.send("1");
    step(&term, "Package (price)", &server);
    term.send("q");
    let status = term.exit_status(Duration::from_secs(5)).unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!term.alternate_screen() && term.cursor_visible());

    let bytes = term.bytes();
    let seen = audit_stream(&bytes).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{} bytes written: {seen:?}", bytes.len());
    for class in ["move", "sgr", "synchronized output", "alternate screen"] {
        assert!(seen.contains_key(class), "no {class} seen: {seen:?}");
    }
    // Belt and braces for the headline attacks, on the raw bytes.
    for needle in [
        &b"\x1b]"[..],
        b"\x1bP",
        b"\x07",
        b"\0",
        b"\xc2\x9b",
        b"\xc2\x9d",
        b"\xe2\x80\xae",
    ] {
        assert!(!pty::contains(&bytes, needle), "{needle:?} written");
    }
}

#[test]
fn the_cli_export_of_hostile_history_is_inert() {
    let seed_dir = TempDir::new("hostile-seed-cli");
    let server = start_server(&seed_dir);
    let home = TestHome::new();
    let out = home
        .command(&["export", "history", "--url", &server.url])
        .env("PARTNER_CONSOLE_TOKEN", CSR_TOKEN)
        .output()
        .expect("run export history");
    assert!(
        out.status.success(),
        "{:?}\n{}\nserver log:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        server.stderr_text()
    );
    let records = assert_csv_inert(&out.stdout);
    assert_history_exported(&records);
    // What it says on stderr is inert too.
    audit_stream(&out.stderr).unwrap_or_else(|e| panic!("stderr: {e}"));
}

/// `s` as a TOML basic string: every control char escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The checkers themselves: each attack they exist for is caught, and what a renderer and an
/// RFC 4180 writer legitimately produce passes.
#[test]
fn the_checkers_catch_what_they_are_for() {
    let frame =
        "\x1b[?2026h\x1b[1;1H\x1b[38;5;12m\x1b[1mhi 東京 👨👩👧\x1b[0m\x1b[K\x1b[?25l\x1b[?2026l";
    let seen = audit_stream(frame.as_bytes()).expect("a renderer's frame");
    assert_eq!(seen["synchronized output"], 2);
    for (bad, why) in [
        ("\x1b]52;c;aGk=\x07", "OSC 52"),
        ("\x1b]8;;http://e/\x1b\\x\x1b]8;;\x1b\\", "OSC 8"),
        ("\x1b]0;title\x07", "OSC 0"),
        ("\x1bP+q544e\x1b\\", "DCS"),
        ("\x1b_x\x1b\\", "APC"),
        ("\x1b7", "ESC 7"),
        ("a\x1b", "lone ESC"),
        ("\x1b[6n", "cursor report"),
        ("\x1b[c", "device attributes"),
        ("\x1b[?1000h", "mouse reporting"),
        ("\x1b[>4;1m", "modifyOtherKeys"),
        ("\x1b[2 q", "cursor style"),
        ("\x1b[3;1", "unterminated CSI"),
        ("\x1b[3;\x071H", "BEL inside a CSI"),
        ("\x07", "BEL"),
        ("\0", "NUL"),
        ("a\x08", "BS"),
        ("\x7f", "DEL"),
        ("\t", "TAB"),
        ("\u{9b}2J", "C1 CSI as UTF-8"),
        ("\u{85}", "NEL"),
        ("\u{202E}", "RLO"),
        ("\u{2067}", "RLI"),
        ("\u{200B}", "ZWSP"),
        ("\u{200D}", "ZWJ"),
        ("\u{FEFF}", "BOM"),
        ("\u{2028}", "LS"),
    ] {
        assert!(audit_stream(bad.as_bytes()).is_err(), "{why} passed");
    }
    assert!(audit_stream(b"\x9b2J").is_err(), "raw 8-bit CSI passed");

    for good in [
        &b"id,name\r\n1,'=1+1\r\n"[..],
        b"a,b\r\n\"x\ny\",\"say \"\"hi\"\"\"\r\n",
        b"a,b\r\n,\r\n",
        "a\r\n東京 👨👩👧\r\n".as_bytes(),
    ] {
        csv_problem(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
    for (bad, why) in [
        (&b"a\r\n=1+1\r\n"[..], "formula"),
        (b"a\r\n+1\r\n", "plus"),
        (b"a\r\n-1\r\n", "minus"),
        (b"a\r\n@x\r\n", "at"),
        (b"a\r\n  =x\r\n", "spaces then formula"),
        ("a\r\n＝x\r\n".as_bytes(), "full-width equals"),
        ("a\r\n\u{200B}=x\r\n".as_bytes(), "zero-width then formula"),
        (b"a\r\n\"\nx\"\r\n", "LF first"),
        (b"a\r\nx\ty\r\n", "TAB"),
        (b"a\r\nx\x07\r\n", "BEL"),
        (b"a\r\nx\0\r\n", "NUL"),
        (b"a\r\nx\x1b[2J\r\n", "ESC"),
        ("a\r\nx\u{202E}y\r\n".as_bytes(), "RLO"),
        ("a\r\nx\u{9b}y\r\n".as_bytes(), "C1"),
        (b"a\r\n\"x\ry\"\r\n", "CR in a quoted cell"),
        (b"a\r\nx\ry\r\n", "lone CR"),
        (b"a\r\nx\ny\r\n", "LF outside quotes"),
        (b"a\nb\n", "LF line ends"),
        (b"a\r\nx\"y\r\n", "quote inside a cell"),
        (b"a\r\n\"x\"y\r\n", "text after a closing quote"),
        (b"a\r\n\"x\r\n", "unterminated quote"),
        (b"a,b\r\nx\r\n", "short record"),
        (b"a\r\nx", "no final CRLF"),
    ] {
        assert!(csv_problem(bad).is_err(), "{why} passed");
    }
}

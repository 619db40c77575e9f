//! What `q` matches of a partner, kept folded (lower case) beside the partner's row so that a
//! search reads one column instead of five:
//! - `q_approvals`: what `q` on approvals matches of the partner: name, email, invoice ID.
//! - `q_partners`: what `q` on the directory matches: those, the contact's name and phone, and
//!   the phone's digits alone (so `(415) 555-0142` finds `+1 415 555 0142`, see
//!   [`phone_pattern`]).
//!
//! Fields are joined by a line break, which a trimmed `q` of one line never spans. Folded in
//! Rust (`str::to_lowercase`), like `name_lower` and `like_pattern`, so that non-ASCII letters
//! match whatever their case. Written where partners are written (the seed's import) and by
//! migration 6 for the partners already there.

use super::db::{Connection, params};

use super::StoreResult;

/// The two folded search columns of a partner: `(q_approvals, q_partners)`.
pub fn partner_search_keys(
    name: &str,
    email: &str,
    invoice_id: &str,
    contact_name: &str,
    phone: &str,
) -> (String, String) {
    let approvals = [name, email, invoice_id].map(str::to_lowercase).join("\n");
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let partners = [
        approvals.as_str(),
        &contact_name.to_lowercase(),
        &phone.to_lowercase(),
        &digits,
    ]
    .join("\n");
    (approvals, partners)
}

/// Characters a phone number is written with besides its digits.
const PHONE_PUNCTUATION: &[char] = &[' ', '+', '-', '.', '(', ')', '/'];

/// For a `q` written like a phone number (digits and phone punctuation only, at least three
/// digits, some punctuation), the `LIKE` pattern of its digits alone, which matches the
/// partner's phone digits whatever punctuation either side uses. `None` for any other `q`
/// (its plain pattern already says everything).
pub fn phone_pattern(q: &str) -> Option<String> {
    let q = q.trim();
    if !q
        .chars()
        .all(|c| c.is_ascii_digit() || PHONE_PUNCTUATION.contains(&c))
    {
        return None;
    }
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 3 && digits.len() < q.len()).then(|| format!("%{digits}%"))
}

/// Fills the search columns of every partner (migration 6).
pub(super) fn backfill_partner_keys(conn: &Connection) -> StoreResult<()> {
    let rows: Vec<(String, String, String, String, String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT id, name, contact_email, invoice_id, contact_name, contact_phone FROM partners",
        )?;
        let rows = stmt.query_map(params![], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut update =
        conn.prepare("UPDATE partners SET q_approvals = ?1, q_partners = ?2 WHERE id = ?3")?;
    for (id, name, email, invoice, contact, phone) in rows {
        let (approvals, partners) = partner_search_keys(&name, &email, &invoice, &contact, &phone);
        update.execute(params![approvals, partners, id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_written_with_other_punctuation_is_matched_by_its_digits() {
        assert_eq!(
            phone_pattern("(415) 555-0142").as_deref(),
            Some("%4155550142%")
        );
        assert_eq!(phone_pattern(" +1 415 ").as_deref(), Some("%1415%"));
        // Digits alone already match as they are; too short, or not a phone: no second pattern.
        assert_eq!(phone_pattern("4155550142"), None);
        assert_eq!(phone_pattern("1-2"), None);
        assert_eq!(phone_pattern("INV-2026-1091"), None);
        assert_eq!(phone_pattern("kira@"), None);
    }

    #[test]
    fn the_keys_hold_each_field_folded_on_a_line_of_its_own() {
        let (approvals, partners) = partner_search_keys(
            "Pixel Forge",
            "Kira@PixelForge.example",
            "INV-2026-1091",
            "Kira Nakamura",
            "+1 (415) 555-0142",
        );
        assert_eq!(
            approvals,
            "pixel forge\nkira@pixelforge.example\ninv-2026-1091"
        );
        assert_eq!(
            partners,
            format!("{approvals}\nkira nakamura\n+1 (415) 555-0142\n14155550142")
        );
    }
}

//! The partner record in seed data (RECORDS.md §2): members and voucher batches, checked and
//! inserted in the import's transaction. A partner's profile text is stored as given, like
//! every string of a seed (tests seed hostile text on purpose, to see the console clean it);
//! the profile's rules apply to a CSR's edits.

use crate::server::store::db::{Connection, params};

use super::file::{SeedMember, SeedVoucherBatch};
use super::import::{ImportError, PartnerIds, currency, invalid, required};
use crate::domain::VoucherValue;
use crate::server::store::new_id;

pub(super) fn import_members(
    tx: &Connection,
    partner: usize,
    partner_id: &str,
    members: &[SeedMember],
) -> Result<(), ImportError> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO members (id, partner_id, login, first_name, last_name, email, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (j, m) in members.iter().enumerate() {
        let place = |f: &str| format!("partners[{partner}].members[{j}].{f}");
        required(place("login"), &m.login)?;
        let id = m.id.clone().unwrap_or_else(|| new_id("mb"));
        required(place("id"), &id)?;
        ins.execute(params![
            id,
            partner_id,
            m.login,
            m.first_name,
            m.last_name,
            m.email,
            m.active
        ])
        .map_err(|e| invalid(place("id"), e.to_string()))?;
    }
    Ok(())
}

pub(super) fn import_batches(
    tx: &Connection,
    batches: &[SeedVoucherBatch],
    partners: &PartnerIds,
) -> Result<(), ImportError> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO voucher_batches (id, name, name_lower, q, exams, expires_on, last_exam_on,
                value_amount, value_currency, value_percent, total, used, expired, partner_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for (i, b) in batches.iter().enumerate() {
        let place = |f: &str| format!("voucher_batches[{i}].{f}");
        required(place("name"), &b.name)?;
        for (j, exam) in b.exams.iter().enumerate() {
            required(place(&format!("exams[{j}]")), exam)?;
        }
        let c = b.counts;
        if c.total < 0 || c.used < 0 || c.expired < 0 || c.used + c.expired > c.total {
            return Err(invalid(
                place("counts"),
                "must be at least 0, with used + expired at most total",
            ));
        }
        if b.last_exam_on.is_some_and(|d| d < b.expires_on) {
            return Err(invalid(place("last_exam_on"), "is before expires_on"));
        }
        let (amount, currency_code, percent) = match &b.value {
            VoucherValue::Money(m) => {
                currency(place("value.money.currency"), &m.currency)?;
                if m.amount_minor <= 0 {
                    return Err(invalid(
                        place("value.money.amount_minor"),
                        "must be above 0",
                    ));
                }
                (Some(m.amount_minor), Some(m.currency.clone()), None)
            }
            VoucherValue::Percent(p) if (1..=100).contains(p) => (None, None, Some(*p)),
            VoucherValue::Percent(_) => {
                return Err(invalid(place("value.percent"), "must be from 1 to 100"));
            }
        };
        let partner_id = b
            .partner
            .as_deref()
            .map(|p| partners.resolve(place("partner"), p))
            .transpose()?;
        let id = b.id.clone().unwrap_or_else(|| new_id("vb"));
        required(place("id"), &id)?;
        let q = std::iter::once(b.name.as_str())
            .chain(b.exams.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\u{1f}")
            .to_lowercase();
        let exams = serde_json::to_string(&b.exams).unwrap_or_else(|_| "[]".into());
        let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        ins.execute(params![
            id,
            b.name,
            b.name.to_lowercase(),
            q,
            exams,
            date(b.expires_on),
            b.last_exam_on.map(date),
            amount,
            currency_code,
            percent,
            c.total,
            c.used,
            c.expired,
            partner_id
        ])
        .map_err(|e| invalid(place("id"), e.to_string()))?;
    }
    Ok(())
}

//! A partner's members (view-only) and the voucher batches that can be assigned to a partner
//! (RECORDS.md §2).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Money, PartnerRef};
use crate::text::{Clean, line};

/// `GET /partners/{id}/members`: a person who signs in to the partner's account. Members are
/// managed elsewhere; the console only shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub active: bool,
}

impl Clean for Member {
    fn clean(self) -> Self {
        Member {
            id: line(self.id),
            login: line(self.login),
            first_name: line(self.first_name),
            last_name: line(self.last_name),
            email: line(self.email),
            active: self.active,
        }
    }
}

/// What each voucher of a batch is worth: an amount off, or a percentage off the exam's price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherValue {
    Money(Money),
    Percent(i64),
}

impl Clean for VoucherValue {
    fn clean(self) -> Self {
        match self {
            VoucherValue::Money(m) => VoucherValue::Money(m.clean()),
            p => p,
        }
    }
}

/// How many vouchers a batch holds, and what became of them: `unused` is what is left to use
/// (`total - used - expired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherCounts {
    pub total: i64,
    pub used: i64,
    pub unused: i64,
    pub expired: i64,
}

/// A batch of exam vouchers; at most one partner holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherBatch {
    pub id: String,
    pub name: String,
    /// The exams a voucher of the batch can be used for.
    pub exams: Vec<String>,
    /// The last day a voucher can be redeemed; the batch is expired after it.
    pub expires_on: NaiveDate,
    /// The last day an exam can be taken with a redeemed voucher, if later than `expires_on`.
    pub last_exam_on: Option<NaiveDate>,
    pub value: VoucherValue,
    pub counts: VoucherCounts,
    /// The partner the batch is assigned to.
    pub partner: Option<PartnerRef>,
    pub version: i64,
}

impl Clean for VoucherBatch {
    fn clean(self) -> Self {
        VoucherBatch {
            id: line(self.id),
            name: line(self.name),
            exams: self.exams.into_iter().map(line).collect(),
            expires_on: self.expires_on,
            last_exam_on: self.last_exam_on,
            value: self.value.clean(),
            counts: self.counts,
            partner: self.partner.clean(),
            version: self.version,
        }
    }
}

impl VoucherBatch {
    /// Expired on `today` (a UTC date): its last day has passed.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.expires_on < today
    }
}

/// The filters of `GET /voucher_batches`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VoucherBatchQuery {
    /// Only the batches of this partner.
    pub partner_id: Option<String>,
    /// `Some(true)`: only batches no partner holds; `Some(false)`: only batches a partner holds.
    pub unassigned: Option<bool>,
    /// A case-insensitive substring of the batch's name or of one of its exams.
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

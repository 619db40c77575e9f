//! The demo's partner records (RECORDS.md §2): each partner's members (most have 0 to 12) and a
//! few hundred voucher batches, some assigned, some expired. Drawn from generators of their
//! own, so the rest of the demo data (which tests name) stays as it was.

use chrono::{DateTime, Duration, Utc};

use super::demo::{FIRST, LAST, Rng, slug};
use super::file::{SeedMember, SeedPartner, SeedVoucherBatch, SeedVoucherCounts};
use crate::domain::{Money, VoucherValue};

/// How many voucher batches the demo has.
pub const DEMO_BATCHES: usize = 300;

/// The members of each partner, in place.
pub fn add_members(partners: &mut [SeedPartner]) {
    let mut rng = Rng(0x4e4d_b3e5);
    for (i, p) in partners.iter_mut().enumerate() {
        let domain = format!("{}.example", slug(&p.name));
        p.members = (0..rng.below(13))
            .map(|j| {
                let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
                let login = format!("{}.{}{j}", first.to_lowercase(), last.to_lowercase());
                SeedMember {
                    id: Some(format!("mb_{:03}_{j:02}", i + 1)),
                    email: format!("{login}@{domain}"),
                    login,
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    // One in seven has left.
                    active: rng.below(7) != 0,
                }
            })
            .collect();
    }
}

/// (track, its exams)
const TRACKS: &[(&str, &[&str])] = &[
    ("Cloud Fundamentals", &["CLF-100"]),
    ("Cloud Architect", &["CLA-201", "CLA-202"]),
    ("Security Analyst", &["SEC-210", "SEC-220", "SEC-230"]),
    ("Data Engineer", &["DAT-300", "DAT-310"]),
    ("Network Associate", &["NET-110"]),
    ("DevOps Professional", &["DOP-400", "DOP-410"]),
    ("Project Manager", &["PMP-500"]),
];

/// `n` batches over the `partners`, named by track and quarter; expiry dates around `now`
/// (from four months ago to a year ahead, so about one in five has expired); a little over
/// half assigned to a partner.
pub fn voucher_batches(
    partners: &[SeedPartner],
    now: DateTime<Utc>,
    n: usize,
) -> Vec<SeedVoucherBatch> {
    let mut rng = Rng(0x0b47_c4e5);
    (0..n)
        .map(|i| {
            let (track, exams) = *rng.pick(TRACKS);
            let expires_on = (now + Duration::days(rng.below(485) as i64 - 120)).date_naive();
            let expired_already = expires_on < now.date_naive();
            let total = *rng.pick(&[10i64, 25, 50, 100, 200]);
            let used = rng.below(total as u64 + 1) as i64;
            let value = if rng.below(5) < 3 {
                VoucherValue::Percent(*rng.pick(&[10i64, 25, 50, 100]))
            } else {
                let currency = *rng.pick(&["USD", "EUR", "GBP"]);
                VoucherValue::Money(Money::new(*rng.pick(&[5000i64, 15000, 30000]), currency))
            };
            let partner = (rng.below(20) < 11).then(|| {
                let p = rng.pick(partners);
                p.id.clone().unwrap_or_else(|| p.name.clone())
            });
            let quarter = 1 + (i % 4);
            SeedVoucherBatch {
                id: Some(format!("vb_{:04}", i + 1)),
                name: format!("{track} Q{quarter} #{:03}", i + 1),
                exams: exams.iter().map(|e| e.to_string()).collect(),
                expires_on,
                last_exam_on: (rng.below(2) == 0)
                    .then(|| expires_on + Duration::days(30 + rng.below(60) as i64)),
                value,
                counts: SeedVoucherCounts {
                    total,
                    used,
                    expired: if expired_already { total - used } else { 0 },
                },
                partner,
            }
        })
        .collect()
}

//! `serve --simulate PER_MINUTE [--simulate-seed N]`: the server plays partners submitting
//! realistic requests of every kind at that rate, for demos and load (RECORDS.md §5). Each
//! request goes through [`submit`](super::submit::submit), the path of `POST
//! /partner/requests`: the same rules, store function, audit entry and `approval.created`.
//!
//! A tick picks a partner that is not suspended (by itself or its distributor) and a kind,
//! with a seeded generator, so the same seed on the same data submits the same requests. A
//! partner at its `--max-pending` limit for that kind is skipped quietly (a few others are
//! tried in the same tick), as is one suspended since the list was read; anything else is
//! logged, at most once a minute.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::AppState;
use super::seed::{Rng, realistic_request};
use super::store::{self, SimulatedPartner, Submitter};
use crate::cli::UserError;
use crate::domain::{Kind, codes, field_rules::is_https_url};

/// The highest rate `--simulate` takes, per minute (1,000 a second).
pub const MAX_PER_MINUTE: f64 = 60_000.0;
/// How often the list of partners to play is read again.
const PARTNERS_EVERY: Duration = Duration::from_secs(30);
/// The most partners the simulation plays (a large seed has 100,000).
const MAX_PARTNERS: u32 = 100_000;
/// Partners tried in one tick before it is given up (each may be at its limit).
const TRIES: usize = 5;
/// The least time between two of the simulation's warnings.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// What `--simulate` and `--simulate-seed` asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulation {
    pub per_minute: f64,
    pub seed: u64,
}

impl Simulation {
    /// `--simulate RATE` and `--simulate-seed N` as typed: a user's mistake is one sentence
    /// naming the flag, the value and what it takes. Without a seed the simulation is seeded
    /// from the clock.
    pub fn from_args(rate: Option<&str>, seed: Option<&str>) -> Result<Option<Self>, UserError> {
        let Some(rate) = rate else {
            return match seed {
                Some(_) => Err(UserError::new(
                    "--simulate-seed seeds the simulation; add --simulate PER_MINUTE to run one",
                )),
                None => Ok(None),
            };
        };
        let per_minute = rate
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_PER_MINUTE)
            .ok_or_else(|| {
                UserError::new(format!(
                    "--simulate takes requests per minute, a number above 0 and at most {MAX_PER_MINUTE} (for example --simulate 60), not {rate:?}"
                ))
            })?;
        let seed = match seed {
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64),
            Some(s) => s.trim().parse::<u64>().map_err(|_| {
                UserError::new(format!(
                    "--simulate-seed takes a whole number from 0 to {}, not {s:?}",
                    u64::MAX
                ))
            })?,
        };
        Ok(Some(Simulation { per_minute, seed }))
    }
}

/// `--max-pending N` as typed: 1 to 1,000,000.
pub fn max_pending_from_arg(value: &str) -> Result<u32, UserError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(|| {
            UserError::new(format!(
                "--max-pending takes the most pending requests a partner may have of one kind, a whole number from 1 to 1000000, not {value:?}"
            ))
        })
}

/// Starts the simulation on the server's state; it runs until the task is aborted.
pub(super) fn spawn(st: Arc<AppState>, sim: Simulation) -> JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(
            "simulating partners: {} requests a minute (seed {})",
            sim.per_minute,
            sim.seed
        );
        let mut rng = Rng(sim.seed);
        let mut tick = tokio::time::interval(Duration::from_secs_f64(60.0 / sim.per_minute));
        // A slow write delays the next tick rather than bunching the missed ones up.
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut partners: Vec<SimulatedPartner> = Vec::new();
        let mut read_at: Option<Instant> = None;
        let mut warned: Option<Instant> = None;
        let mut warn = |what: String| {
            if warned.is_none_or(|w| w.elapsed() >= WARN_EVERY) {
                tracing::warn!("simulation: {what}");
                warned = Some(Instant::now());
            }
        };
        loop {
            tick.tick().await;
            if read_at.is_none_or(|t| t.elapsed() >= PARTNERS_EVERY) {
                read_at = Some(Instant::now());
                match st
                    .store
                    .read(|c| store::simulation_partners(c, MAX_PARTNERS))
                    .await
                {
                    Ok(found) => partners = found,
                    Err(e) => warn(format!("cannot read the partners: {e}")),
                }
            }
            if partners.is_empty() {
                warn("no partner to play (none, or all suspended)".into());
                continue;
            }
            for _ in 0..TRIES {
                let p = rng.pick(&partners);
                let kind = *rng.pick(&Kind::ALL);
                // The partner's own site when it has a usable one; ads link to it.
                let website = if is_https_url(&p.website) {
                    p.website.trim_end_matches('/').to_string()
                } else {
                    format!("https://{}.partners.example", p.id)
                };
                let now = chrono::Utc::now();
                let request = realistic_request(
                    &mut rng,
                    kind,
                    &p.name,
                    &website,
                    p.currency.as_deref(),
                    now,
                );
                let submitted =
                    super::submit::submit(&st, p.id.clone(), Submitter::Simulation, request, None)
                        .await;
                match submitted {
                    Ok(_) => break,
                    // At its limit, suspended or deleted since the list was read: another.
                    Err(e)
                        if [
                            codes::TOO_MANY_PENDING,
                            codes::PARTNER_SUSPENDED,
                            codes::NOT_FOUND,
                        ]
                        .contains(&e.0.code.as_str()) => {}
                    Err(e) => {
                        warn(format!("a request was refused: {}", e.0.detail));
                        break;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<impl std::fmt::Debug, UserError>) -> String {
        r.map(|v| format!("ok {v:?}"))
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn a_rate_is_a_positive_number_of_requests_a_minute() {
        assert_eq!(
            Simulation::from_args(Some("600"), Some("7")).unwrap(),
            Some(Simulation {
                per_minute: 600.0,
                seed: 7
            })
        );
        assert_eq!(
            Simulation::from_args(Some("0.5"), None)
                .unwrap()
                .map(|s| s.per_minute),
            Some(0.5)
        );
        assert_eq!(Simulation::from_args(None, None).unwrap(), None);
        for bad in ["-5", "0", "abc", "NaN", "inf", "1e9", ""] {
            let m = message(Simulation::from_args(Some(bad), None));
            assert!(
                m.starts_with("--simulate takes requests per minute"),
                "{bad}: {m}"
            );
            assert_eq!(m.lines().count(), 1);
        }
        let m = message(Simulation::from_args(Some("60"), Some("-1")));
        assert!(m.starts_with("--simulate-seed takes a whole number"), "{m}");
        let m = message(Simulation::from_args(None, Some("1")));
        assert!(m.contains("add --simulate"), "{m}");
    }

    #[test]
    fn max_pending_is_a_whole_number_from_one() {
        assert_eq!(max_pending_from_arg("20").unwrap(), 20);
        for bad in ["0", "-1", "x", "2000000"] {
            assert!(
                message(max_pending_from_arg(bad)).starts_with("--max-pending takes"),
                "{bad}"
            );
        }
    }
}

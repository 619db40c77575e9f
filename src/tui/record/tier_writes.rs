//! Writes to tier assignments and campaign links: what is sent (`PeriodWrite`, `send`) and
//! what its answer does (the form closes with a toast and the Tiers page is read again, or the
//! form says why not, naming the assignment an overlap is with).

use chrono::{DateTime, Utc};

use super::profile::FormTarget;
use super::tiers::period_name;
use crate::client::ApiError;
use crate::domain::*;
use crate::tui::app::App;
use crate::tui::app::effect::Effect;
use crate::tui::app::focus::Layer;

/// A write to a period, as sent.
#[derive(Debug, Clone, PartialEq)]
pub enum PeriodWrite {
    Create {
        kind: PeriodKind,
        partner_id: String,
        key: String,
        what: String,
        starts_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    },
    Update {
        kind: PeriodKind,
        id: String,
        version: i64,
        patch: DatesPatch,
    },
    Delete {
        kind: PeriodKind,
        id: String,
        version: i64,
        name: String,
        /// An active one is ended now; a scheduled or expired one is deleted.
        ends: bool,
    },
}

/// Sends `write`: the period as it is after (none after a delete).
pub async fn send(
    api: &dyn crate::client::Api,
    write: &PeriodWrite,
) -> Result<Option<Period>, ApiError> {
    Ok(match write {
        PeriodWrite::Create {
            kind,
            partner_id,
            key,
            what,
            starts_at,
            expires_at,
        } => Some(
            api.create_period(*kind, partner_id, key, what, *starts_at, *expires_at)
                .await?
                .record,
        ),
        PeriodWrite::Update {
            kind,
            id,
            version,
            patch,
        } => Some(api.update_period(*kind, id, *version, patch).await?.record),
        PeriodWrite::Delete {
            kind, id, version, ..
        } => {
            api.delete_period(*kind, id, *version).await?;
            None
        }
    })
}

impl App {
    /// A period write answered: the form closes with a toast and the page (and the Expiring
    /// list) read again, or the form says why not.
    pub(in crate::tui) fn on_period_written(
        &mut self,
        write: PeriodWrite,
        result: Result<Option<Period>, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(saved) => {
                self.focus.close(
                    |l| matches!(l, Layer::Form(d) if matches!(d.target, FormTarget::Period(_))),
                );
                let said = match (&write, &saved) {
                    (PeriodWrite::Create { .. }, Some(p)) => {
                        format!("Added the {}.", period_name(p))
                    }
                    (PeriodWrite::Update { .. }, Some(p)) => {
                        format!("Saved the dates of the {}.", period_name(p))
                    }
                    (
                        PeriodWrite::Delete {
                            name, ends: true, ..
                        },
                        _,
                    ) => format!("Ended the {name}."),
                    (PeriodWrite::Delete { name, .. }, _) => format!("Deleted the {name}."),
                    _ => "Saved.".into(),
                };
                let mut fx = self.toast(said);
                fx.extend(self.reload_tiers());
                fx
            }
            Err(e) => {
                let why = match (e.code(), e.problem()) {
                    (Some(codes::ASSIGNMENT_OVERLAP), Some(p)) => match &p.overlapping {
                        Some(o) => {
                            format!("It overlaps the {} tier: {}", o.tier.name, e.user_message())
                        }
                        None => e.user_message(),
                    },
                    _ => e.user_message(),
                };
                self.form_refused(|t| matches!(t, FormTarget::Period(_)), &e, why)
            }
        }
    }
}

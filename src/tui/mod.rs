//! The console: an Elm-style core (`app/`: `update(Msg, now) -> Vec<Effect>`, pure), features
//! in their own folders (`queue/`, `decide/`, `partners/`, `history/`), each with its state,
//! keys and drawing side by side, the chrome (`view/`), and the machine (`platform/`: the
//! terminal, the runtime that performs effects, the event loop). docs/ARCHITECTURE.md follows a
//! key press through them.

pub mod app;
pub mod decide;
pub mod form;
pub mod hierarchy;
pub mod history;
pub mod partners;
pub mod platform;
pub mod queue;
pub mod record;
#[cfg(test)]
mod test_data;
pub mod textarea;
pub mod view;

use std::collections::BTreeMap;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};

use crate::config::{KeyBinding, ReasonTemplate};
use app::keymap::Keymap;
use app::{App, Session};
pub use platform::event_loop::run;

/// What the console needs besides the API: who/where (for the header and banners) and the
/// user's keys and preferences.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    pub profile: String,
    pub production: bool,
    pub read_only: bool,
    pub poll_interval: Duration,
    pub confirm_approve: bool,
    pub confirm_when_watched: bool,
    pub export_dir: std::path::PathBuf,
    pub keys: BTreeMap<String, KeyBinding>,
    /// Pending longer than this, a request is marked as aging (`[ui] stale_after_hours`).
    pub stale_after: Option<Duration>,
    /// `[reasons]`: what `Ctrl-T` offers in the reject dialog.
    pub reasons: Vec<ReasonTemplate>,
}

impl TuiOptions {
    pub fn from_settings(s: &crate::config::Settings) -> TuiOptions {
        TuiOptions {
            profile: s.profile_name.clone(),
            production: s.production,
            read_only: s.read_only,
            poll_interval: Duration::from_secs(s.ui.poll_interval_secs.max(1)),
            confirm_approve: s.ui.confirm_approve,
            confirm_when_watched: s.ui.confirm_when_watched,
            export_dir: s.export_dir.clone(),
            keys: s.keys.clone(),
            stale_after: s.ui.stale_after(),
            reasons: s.reasons.clone(),
        }
    }
}

/// Build the app from options; a keymap with conflicts or unknown names is refused here,
/// before the terminal is touched, with every problem listed. `key_seed` makes this run's
/// decision keys its own (the runtime picks it at random).
pub fn build_app(opts: &TuiOptions, key_seed: u64) -> Result<App> {
    let keymap = Keymap::from_config(&opts.keys).map_err(|problems| {
        eyre!(
            "the [keys] of the config have problems:\n  {}",
            problems.join("\n  ")
        )
    })?;
    let session = Session {
        profile: opts.profile.clone(),
        production: opts.production,
        read_only: opts.read_only,
        poll_interval: opts.poll_interval,
        confirm_approve: opts.confirm_approve,
        confirm_when_watched: opts.confirm_when_watched,
        export_dir: opts.export_dir.clone(),
        key_seed,
        stale_after: opts.stale_after,
        reasons: opts.reasons.clone(),
    };
    Ok(App::new(session, keymap))
}

//! The console: an Elm-style core (`app.rs`: `update(Msg) -> Vec<Effect>`, pure), a runtime
//! that runs effects on tokio tasks (`runtime.rs`), the view (`view.rs`) and the terminal it
//! draws on (`terminal.rs`). `run` is the event loop that ties them together.

pub mod app;
pub mod decide;
pub mod history;
pub mod partners;
pub mod platform;
pub mod queue;
pub mod textarea;
pub mod view;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::client::Api;
use crate::config::KeyBinding;
use app::effect::Effect;
use app::keymap::Keymap;
use app::msg::Msg;
use app::{App, Session};
use platform::runtime::Runtime;
use view::theme::Theme;

/// What the console needs besides the API: who/where (for the header and banners) and the
/// user's keys and preferences.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    pub profile: String,
    pub production: bool,
    pub read_only: bool,
    pub poll_interval: Duration,
    pub confirm_approve: bool,
    pub export_dir: std::path::PathBuf,
    pub keys: BTreeMap<String, KeyBinding>,
}

impl TuiOptions {
    pub fn from_settings(s: &crate::config::Settings) -> TuiOptions {
        TuiOptions {
            profile: s.profile_name.clone(),
            production: s.production,
            read_only: s.read_only,
            poll_interval: Duration::from_secs(s.ui.poll_interval_secs.max(1)),
            confirm_approve: s.ui.confirm_approve,
            export_dir: s.export_dir.clone(),
            keys: s.keys.clone(),
        }
    }
}

/// Build the app from options; a keymap with conflicts or unknown names is refused here,
/// before the terminal is touched, with every problem listed.
pub fn build_app(opts: &TuiOptions) -> Result<App> {
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
        export_dir: opts.export_dir.clone(),
    };
    Ok(App::new(session, keymap))
}

/// Run the console until the user quits or a signal ends it. The terminal is restored on every
/// way out (the guard's Drop; the panic hook for panics).
pub async fn run(opts: TuiOptions, api: Arc<dyn Api>) -> Result<()> {
    let mut app = build_app(&opts)?;
    let theme = Theme::new(platform::terminal::colors_enabled());
    let (guard, mut term) = platform::terminal::TerminalGuard::enter()?;

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let runtime = Runtime::new(api.clone(), tx.clone());
    let events_tx = tx.clone();
    let events_api = api.clone();
    let events_task = tokio::spawn(async move {
        let mut stream = events_api.events();
        while let Some(item) = stream.next().await {
            if events_tx.send(Msg::Stream(item)).is_err() {
                break;
            }
        }
    });
    let mut signals = platform::terminal::signals()?;
    let mut input = EventStream::new();

    for fx in app.init() {
        runtime.spawn(fx);
    }
    let mut hangup = false;
    // Debug builds only: proves in a pty test that a panic gives the terminal back first.
    let debug_panic =
        cfg!(debug_assertions) && std::env::var_os("PARTNER_CONSOLE_DEBUG_PANIC").is_some();
    loop {
        if app.dirty {
            let size = term.size().unwrap_or_default();
            app.page_rows = view::list_rows(&app, size.height);
            let now = chrono::Utc::now();
            if let Err(e) =
                platform::terminal::draw_frame(&mut term, |f| view::render(&app, f, &theme, now))
            {
                // The terminal is gone (an SSH drop): leave as from a hangup.
                tracing::info!("drawing failed: {e}; leaving");
                hangup = true;
                break;
            }
            app.dirty = false;
            if debug_panic && app.user.is_some() {
                panic!("PARTNER_CONSOLE_DEBUG_PANIC: a deliberate panic");
            }
        }
        if app.quitting {
            break;
        }
        let msg = tokio::select! {
            Some(msg) = rx.recv() => msg,
            ev = input.next() => match ev {
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Paste(s))) => Msg::Paste(s),
                Some(Ok(Event::Resize(..))) => {
                    if let Err(e) = term.autoresize() {
                        tracing::warn!("resize failed: {e}");
                    }
                    Msg::Resize
                }
                Some(Ok(_)) => continue,
                // The terminal is gone (an SSH drop closes it): leave without spinning.
                Some(Err(e)) => {
                    tracing::info!("terminal input failed: {e}; leaving");
                    hangup = true;
                    Msg::Shutdown
                }
                None => {
                    hangup = true;
                    Msg::Shutdown
                }
            },
            Some(sig) = signals.recv() => match sig {
                platform::terminal::Signal::Hangup => {
                    hangup = true;
                    Msg::Shutdown
                }
                platform::terminal::Signal::Interrupt | platform::terminal::Signal::Terminate => Msg::Shutdown,
                platform::terminal::Signal::Continue => {
                    platform::terminal::resume(&mut term)?;
                    app.dirty = true;
                    continue;
                }
            },
        };
        for fx in app.update(msg) {
            match fx {
                Effect::Quit => {}
                Effect::Copy { text } => {
                    use std::io::Write;
                    let in_tmux = std::env::var_os("TMUX").is_some();
                    // Buffered with the next frame (the toast that says it was copied).
                    let _ = term
                        .backend_mut()
                        .write_all(&platform::clipboard::osc52(&text, in_tmux));
                }
                Effect::Suspend => {
                    platform::terminal::suspend()?;
                    platform::terminal::force_full_redraw(&mut term)?;
                    app.dirty = true;
                }
                other => runtime.spawn(other),
            }
        }
    }
    events_task.abort();
    // Quitting while impersonating ends the session on the backend too (briefly: a dead
    // backend must not hold the exit; the token expires by itself at the latest).
    if let Some(imp) = &app.impersonating {
        let wait = if hangup {
            Duration::from_millis(700)
        } else {
            Duration::from_secs(3)
        };
        match tokio::time::timeout(wait, api.end_impersonation(&imp.session.id)).await {
            Ok(Ok(())) => tracing::info!("impersonation {} ended on quit", imp.session.id),
            Ok(Err(e)) => tracing::warn!("could not end impersonation on quit: {e}"),
            Err(_) => tracing::warn!("ending impersonation on quit timed out"),
        }
    }
    if hangup {
        // The pty is gone: restore what can be restored without waiting on it.
        guard.abandon();
    } else {
        drop(guard);
    }
    Ok(())
}

//! The event loop: terminal input, signals and the runtime's answers become messages; each goes
//! through `App::update` with the time it arrived, its effects through the runtime, and the frame
//! is drawn again (the terminal's diff writes nothing when nothing changed, so idle costs no
//! bytes).

use std::io::Write;
use std::sync::Arc;

use color_eyre::eyre::Result;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::runtime::{Console, Flow, Runtime};
use super::{clipboard, editor, signals, terminal};
use crate::client::Api;
use crate::tui::app::msg::Msg;
use crate::tui::view::{self, theme::Theme};
use crate::tui::{TuiOptions, build_app};

/// The real terminal as the runtime sees it.
struct TermConsole<'a> {
    term: &'a mut ratatui::Terminal<terminal::Backend>,
    /// The keyboard's stream: put aside while an editor has the terminal.
    input: &'a mut EventStream,
}

impl Console for TermConsole<'_> {
    fn copy(&mut self, text: &str) {
        let in_tmux = std::env::var_os("TMUX").is_some();
        // Buffered with the next frame (the toast that says it was copied).
        let _ = self
            .term
            .backend_mut()
            .write_all(&clipboard::osc52(text, in_tmux));
    }

    fn suspend(&mut self) -> std::io::Result<()> {
        terminal::suspend()?;
        terminal::force_full_redraw(self.term)
    }

    fn edit(&mut self, text: &str) -> Result<String, String> {
        // Dropping the input stream stops its reader thread, so every key reaches the editor;
        // a new one reads again once the loop polls it.
        drop(std::mem::replace(self.input, EventStream::new()));
        let result = terminal::handed_over(|| editor::edit(text))
            .map_err(|e| format!("Could not hand the terminal to the editor: {e}."))
            .and_then(|r| r);
        if let Err(e) = terminal::force_full_redraw(self.term) {
            tracing::warn!("redraw after the editor: {e}");
        }
        result
    }
}

/// Run the console until the user quits or a signal ends it. The terminal is restored on every
/// way out (the guard's Drop; the panic hook for panics).
pub async fn run(opts: TuiOptions, api: Arc<dyn Api>) -> Result<()> {
    let mut app = build_app(&opts, fastrand::u64(..))?;
    let theme = Theme::new(terminal::colors_enabled());
    let (guard, mut term) = terminal::TerminalGuard::enter()?;

    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut runtime = Runtime::new(api.clone(), tx.clone());
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
    let mut signals = signals::signals()?;
    let mut input = EventStream::new();

    let size = term.size().unwrap_or_default();
    let mut pending = vec![Msg::Resize {
        width: size.width,
        height: size.height,
    }];
    let mut effects = app.init();
    let mut hangup = false;
    // Debug builds only: proves in a pty test that a panic gives the terminal back first.
    let debug_panic =
        cfg!(debug_assertions) && std::env::var_os("PARTNER_CONSOLE_DEBUG_PANIC").is_some();
    'run: loop {
        // A frame only when something may have changed on screen: a presence timer's word to
        // the server changes nothing, and an idle console writes nothing.
        let mut redraw = false;
        for msg in pending.drain(..) {
            redraw |= !msg.is_quiet();
            effects.extend(app.update(msg, chrono::Utc::now()));
        }
        for fx in effects.drain(..) {
            let mut console = TermConsole {
                term: &mut term,
                input: &mut input,
            };
            if runtime.run(fx, &mut console).await == Flow::Quit {
                break 'run;
            }
        }
        let now = chrono::Utc::now();
        if !redraw {
            // Nothing to draw: straight to waiting for the next message.
        } else if let Err(e) =
            terminal::draw_frame(&mut term, |f| view::render(&app, f, &theme, now))
        {
            // The terminal is gone (an SSH drop): leave as from a hangup.
            tracing::info!("drawing failed: {e}; leaving");
            hangup = true;
            runtime.hung_up();
            pending.push(Msg::Shutdown);
            continue;
        }
        if debug_panic && app.user.is_some() {
            panic!("PARTNER_CONSOLE_DEBUG_PANIC: a deliberate panic");
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
                    let size = term.size().unwrap_or_default();
                    Msg::Resize { width: size.width, height: size.height }
                }
                Some(Ok(_)) => continue,
                // The terminal is gone (an SSH drop closes it): leave without spinning.
                Some(Err(e)) => {
                    tracing::info!("terminal input failed: {e}; leaving");
                    hangup = true;
                    runtime.hung_up();
                    Msg::Shutdown
                }
                None => {
                    hangup = true;
                    runtime.hung_up();
                    Msg::Shutdown
                }
            },
            Some(sig) = signals.recv() => match sig {
                signals::Signal::Hangup => {
                    hangup = true;
                    runtime.hung_up();
                    Msg::Shutdown
                }
                signals::Signal::Interrupt | signals::Signal::Terminate => Msg::Shutdown,
                // Back from Ctrl-Z: the terminal was the shell's meanwhile, so the whole screen
                // is drawn again (as after a resize, which is what a message of its size asks).
                signals::Signal::Continue => {
                    terminal::resume(&mut term)?;
                    let size = term.size().unwrap_or_default();
                    Msg::Resize { width: size.width, height: size.height }
                }
            },
        };
        pending.push(msg);
    }
    events_task.abort();
    if hangup {
        // The pty is gone: restore what can be restored without waiting on it.
        guard.abandon();
    } else {
        drop(guard);
    }
    Ok(())
}

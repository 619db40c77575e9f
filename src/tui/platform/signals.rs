//! The signals that still reach the console from outside in raw mode (`kill`, a closed SSH
//! session, `fg`), as a stream the event loop selects on.

use std::io;

use super::terminal::{HANGUP_EXIT_DEADLINE, exit_deadline};

/// A signal that reached the process from outside.
///
/// What the app does with each:
/// - [`Interrupt`](Signal::Interrupt), [`Terminate`](Signal::Terminate): quit as with `q`
///   (without asking); the guard restores the terminal; exit with [`Signal::exit_code`].
/// - [`Hangup`](Signal::Hangup): the SSH session or the terminal window is gone. Exit within
///   2 s and do not spin: stop drawing, leave the loop, and end with
///   [`TerminalGuard::abandon`](super::terminal::TerminalGuard::abandon) (a 2 s [`exit_deadline`] safety net, then a restore that waits
///   at most 250 ms) instead of dropping the guard; do not wait for requests in flight. An
///   error or the end of the input event stream means the same thing.
/// - [`Continue`](Signal::Continue): the process was stopped and continued: call [`resume`](super::terminal::resume),
///   then draw.
///
/// Ctrl-C and Ctrl-Z typed in the console are not signals: raw mode turns them into keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// SIGINT
    Interrupt,
    /// SIGTERM
    Terminate,
    /// SIGHUP
    Hangup,
    /// SIGCONT
    Continue,
}

impl Signal {
    /// The signal's number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Hangup => libc::SIGHUP,
            Signal::Continue => libc::SIGCONT,
        }
    }

    /// The exit status a shell expects from a process ended by this signal: 128 + its number.
    pub fn exit_code(self) -> i32 {
        128 + self.number()
    }
}

/// Starts listening for SIGINT, SIGTERM, SIGHUP and SIGCONT and delivers them in order on the
/// returned channel (see [`Signal`] for what to do with each). Once this is called, those
/// signals no longer end the process by themselves: the app has to act on them.
///
/// # Panics
/// Outside a tokio runtime.
pub fn signals() -> io::Result<tokio::sync::mpsc::Receiver<Signal>> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut cont = signal(SignalKind::from_raw(libc::SIGCONT))?;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let received = tokio::select! {
                Some(()) = interrupt.recv() => Signal::Interrupt,
                Some(()) = terminate.recv() => Signal::Terminate,
                Some(()) = hangup.recv() => {
                    // The 2 s of QUALITY.md 9 count from the hangup, not from the moment the
                    // event loop gets to it (under load that came 2.5 s late once in CI).
                    exit_deadline(HANGUP_EXIT_DEADLINE, Signal::Hangup.exit_code());
                    Signal::Hangup
                }
                Some(()) = cont.recv() => Signal::Continue,
                else => break,
            };
            tracing::info!("signal: {received:?}");
            if tx.send(received).await.is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

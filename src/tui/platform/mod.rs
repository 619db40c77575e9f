//! What the console needs of the machine: the terminal and its guard, signals, the clipboard,
//! the runtime that performs every effect, and the event loop that ties them to `App`.

pub mod clipboard;
pub mod editor;
pub mod event_loop;
pub mod runtime;
pub mod signals;
pub mod terminal;

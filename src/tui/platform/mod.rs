//! What the console needs of the machine: the terminal and its guard, signals, the clipboard,
//! and the runtime that performs effects.

pub mod clipboard;
pub mod runtime;
pub mod terminal;

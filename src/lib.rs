//! partner-console: a keyboard-driven terminal console for the CSRs of a partner program, and
//! the reference backend it is tested against. `main.rs` only parses the command line and calls
//! into here.

pub mod cli;
pub mod client;
pub mod config;
#[cfg(feature = "server")]
pub mod demo;
pub mod domain;
pub mod export;
pub mod format;
pub mod info;
pub mod logging;
pub mod owner_only;
pub mod secret;
#[cfg(feature = "server")]
pub mod server;
pub mod text;
pub mod tui;

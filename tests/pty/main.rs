//! The console end to end: the built binary in a pseudo-terminal (`support::Pty`) against the
//! reference server as a process of its own (`support::ServerProc`), one file per feature.
//!
//! One test binary, not one per file: each binary links the whole crate, and on CI's two cores
//! the links add up. Run one feature with `cargo test --test pty console::`.
#![cfg(all(unix, feature = "server"))]

#[path = "../support/mod.rs"]
mod support;

mod console;
mod decide;
mod harness;
mod hierarchy;
mod history;
mod hostile;
mod lead;
mod live_queue;
mod partners;
mod records;
mod steps;
mod tiers;

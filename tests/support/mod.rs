//! What the integration tests and the benchmarks share: one temporary directory, one home for
//! child processes, the reference server (in-process, or the built binary's `serve`), one pty
//! driver, and fixed data for rendering.
//!
//! A test file includes it with `mod support;`, a benchmark with
//! `#[path = "../tests/support/mod.rs"] mod support;` (and `tests/pty/main.rs`, one folder
//! down, with `#[path = "../support/mod.rs"]`); each uses what it needs:
//! ```ignore
//! use support::{Pty, ServerProc, keys};
//! ```
//!
//! | file | holds |
//! | --- | --- |
//! | `tempdir.rs` | [`TempDir`] (the crate's unit tests include it too) |
//! | `home.rs` | [`TestHome`]: `HOME` and XDG dirs and the environment of a child process |
//! | `server.rs` | the reference server in-process ([`TestServer`], [`launch`]), [`client_for`] |
//! | `postgres.rs` | the test servers on PostgreSQL (`PC_TEST_DB=postgres`) |
//! | `server_process.rs` | [`ServerProc`]: `partner-console serve` as a child process |
//! | `pty/` | [`Pty`]: the built binary in a pseudo-terminal, its screen, [`keys`] |
//! | `fixtures.rs` | fixed rows and a fixed "now" for snapshots and the render benchmark |
// Each test binary and benchmark uses only part of this.
#![allow(dead_code)]

pub mod fixtures;
mod home;
#[cfg(feature = "server")]
pub mod postgres;
#[cfg(unix)]
pub mod pty;
#[cfg(feature = "server")]
mod server;
mod server_process;
mod tempdir;

// What the tests import, whichever file holds it (`unused_imports`: likewise only in part).
#[allow(unused_imports)]
pub use home::TestHome;
#[cfg(unix)]
#[allow(unused_imports)]
pub use pty::{Pty, keys};
#[cfg(feature = "server")]
#[allow(unused_imports)]
pub use server::{TestServer, client_for, launch, launch_at, launch_options, launch_with};
#[allow(unused_imports)]
pub use server_process::ServerProc;
#[allow(unused_imports)]
pub use tempdir::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_partner-console");

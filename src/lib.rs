//! orgsim: an agent-based simulator of how top-down hierarchies, leader-leader
//! hierarchies and peer (distributed leadership) organizations behave when
//! leaders leave and shocks hit.
//!
//! The simulation core (`model`, `org`, `rng`, `params`, `analysis`) knows
//! nothing of files, terminals or charts. `scenario` turns text into a
//! validated run description; `engine` runs it in parallel and hands rows to a
//! sink; `output`, `stats` and the CLI are layers around them. See
//! `ARCHITECTURE.md`.

/// The build: the package version and the git commit it was built from
/// (`-dirty` with uncommitted changes), as `--version`, `run.json` and the
/// manifests state it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("ORGSIM_BUILD"));

/// Prints to standard output like `println!`, but a closed pipe (the reader
/// stopped early, as `| head` does) is not an error: the output is dropped
/// and the work goes on, so a run piped into `head` still finishes and
/// publishes its results.
#[macro_export]
macro_rules! say {
    () => {
        $crate::output::say_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::say_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` with the same closed-pipe rule as [`say!`].
#[macro_export]
macro_rules! say_part {
    ($($arg:tt)*) => {
        $crate::output::say_fmt(format_args!($($arg)*))
    };
}

pub mod adaptive;
pub mod analysis;
pub mod chart_svg;
pub mod cli;
pub mod describe;
pub mod engine;
pub mod explain;
pub mod files;
pub mod limits;
pub mod lock;
pub mod manifest;
pub mod map;
pub mod metric;
pub mod model;
pub mod org;
pub mod output;
pub mod params;
pub mod pipeline;
pub mod plot;
pub mod reference;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod studio;

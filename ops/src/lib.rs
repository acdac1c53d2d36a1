//! The `yiwang` command as a library, so end-to-end tests can run its subcommands in-process.

pub mod cli;
pub mod cmd;
pub mod memory;
pub mod telemetry;

use anyhow::Context;

/// Runs one parsed command line.
pub fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(cmd::dispatch(cli))
}

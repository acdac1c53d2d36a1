//! Logging through `tracing`: pretty on a terminal, JSON when configured. The filter is
//! `RUST_LOG` when set, else `[log] filter` (`YIWANG_LOG__FILTER`).

use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use tracing_subscriber::EnvFilter;
use yiwang_core::config::LogConfig;

fn filter(config: &LogConfig) -> EnvFilter {
    EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the global subscriber once; later calls do nothing (tests start many apps).
pub fn init(config: &LogConfig) {
    let filter = filter(config);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Logs to a file (appending), for commands that draw on the terminal (the console).
pub fn init_file(config: &LogConfig, path: &Path) -> anyhow::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the log file {}", path.display()))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter(config))
        .with_ansi(false)
        .with_writer(Mutex::new(file));
    let _ = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    Ok(())
}

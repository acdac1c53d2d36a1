//! Logging through `tracing`: pretty on a terminal, JSON when configured. The filter is
//! `RUST_LOG` when set, else `[log] filter` (`YIWANG_LOG__FILTER`).

use tracing_subscriber::EnvFilter;
use yiwang_core::config::LogConfig;

/// Installs the global subscriber once; later calls do nothing (tests start many apps).
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

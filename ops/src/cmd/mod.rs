//! One module per subcommand.

pub mod admin;
pub mod calendar;
pub mod cases;
pub mod cockpit;
pub mod console;
pub mod demo;
pub mod demo_devices;
pub mod demo_queue;
pub mod devices;
pub mod loadgen;
pub mod loadgen_cases;
pub mod loadgen_cockpit;
pub mod loadgen_console;
pub mod loadgen_crossing;
pub mod loadgen_devices;
pub mod loadgen_events;
pub mod loadgen_outbox;
pub mod loadgen_queue;
pub mod loadgen_transitions;
pub mod outbox;
pub mod serve;

use anyhow::Context;
use yiwang_core::config::Config;

use crate::cli::{Cli, Command, StorageArgs};

/// The configuration: file and environment, then the storage flags.
pub fn load_config(args: &StorageArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(args.config.as_deref()).context("reading the configuration")?;
    if let Some(d) = &args.data {
        config.data_dir = d.clone();
    }
    if let Some(u) = &args.database_url {
        config.database_url = Some(u.clone());
    }
    Ok(config)
}

pub async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli.storage)?;
    // The console draws on this terminal: it and the demo that opens it log to a file instead.
    match &cli.command {
        Command::Console(args) => {
            let path = args
                .log_file
                .clone()
                .unwrap_or_else(|| console::default_log_file("yiwang-console.log"));
            crate::telemetry::init_file(&config.log, &path)?;
        }
        Command::Demo {
            headless: false, ..
        } => {
            crate::telemetry::init_file(
                &config.log,
                &console::default_log_file("yiwang-demo.log"),
            )?;
        }
        _ => crate::telemetry::init(&config.log),
    }
    match cli.command {
        Command::Serve { listen } => serve::serve(config, listen).await,
        Command::Migrate => admin::migrate(config).await,
        Command::User(cmd) => admin::user(config, cmd).await,
        Command::Token(cmd) => admin::token(config, cmd).await,
        Command::Audit(cmd) => admin::audit(config, cmd).await,
        Command::Calendar(cmd) => calendar::calendar(config, cmd).await,
        Command::Cases(cmd) => cases::cases(config, cmd).await,
        Command::Demo {
            listen,
            headless,
            lang,
        } => demo::demo(config, &listen, headless, &lang).await,
        Command::Loadgen(cmd) => loadgen::loadgen(config, cmd).await,
        Command::Console(args) => console::console(args).await,
        Command::Devices(cmd) => devices::devices(cmd).await,
        Command::Outbox(cmd) => outbox::outbox(config, cmd).await,
        Command::Cockpit(cmd) => cockpit::cockpit(config, cmd).await,
    }
}

//! One module per subcommand.

pub mod admin;
pub mod demo;
pub mod loadgen;
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
    crate::telemetry::init(&config.log);
    match cli.command {
        Command::Serve { listen } => serve::serve(config, listen).await,
        Command::Migrate => admin::migrate(config).await,
        Command::User(cmd) => admin::user(config, cmd).await,
        Command::Token(cmd) => admin::token(config, cmd).await,
        Command::Audit(cmd) => admin::audit(config, cmd).await,
        Command::Demo {
            listen,
            headless,
            lang,
        } => demo::demo(config, &listen, headless, &lang).await,
        Command::Loadgen(cmd) => loadgen::loadgen(cmd).await,
        Command::Console { server } => {
            anyhow::bail!(
                "the console is not built yet (it is the console issue's work). \
                 Meanwhile the server at {server} answers the API: try {server}/api/v1/openapi.json"
            )
        }
    }
}

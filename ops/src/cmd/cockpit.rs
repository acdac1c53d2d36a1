//! `yiwang cockpit rebuild`: recomputes the cockpit's rollups from the source tables.

use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;

use crate::cli::CockpitCommand;

pub async fn cockpit(config: Config, cmd: CockpitCommand) -> anyhow::Result<()> {
    let CockpitCommand::Rebuild = cmd;
    let services = Services::start(config, Clock::System).await?;
    let actor = Actor {
        id: None,
        label: "operator (yiwang command)".into(),
    };
    let done = services.rebuild_cockpit(actor).await?;
    println!(
        "cockpit rollups rebuilt: {} rows, folded up to event {}",
        done.rows, done.cursor
    );
    Ok(())
}

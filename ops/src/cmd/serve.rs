//! `yiwang serve`.

use anyhow::Context;
use yiwang_api::Application;
use yiwang_core::config::Config;

pub async fn serve(mut config: Config, listen: Option<String>) -> anyhow::Result<()> {
    if let Some(l) = listen {
        config.listen = l;
    }
    let url = config.db_url().context("choosing the database")?;
    let app = Application::build(config)
        .await
        .context("starting the server")?;
    tracing::info!(port = app.port(), database = ?url, "yiwang is serving");
    crate::memory::spawn_trimmer();
    app.run_until_stopped().await.context("serving")
}

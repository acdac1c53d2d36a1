//! `yiwang calendar`: the years of the working-day calendar in use, and loading a year file
//! (next year's holidays, once the State Council publishes them) straight into storage.

use anyhow::Context;
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::domain::calendar::YearFile;
use yiwang_core::service::Services;
use yiwang_core::wire::calendar::{CalendarOrigin, CalendarYear};

use crate::cli::CalendarCommand;
use crate::cmd::admin::operator;

fn line(y: &CalendarYear) -> String {
    let origin = match y.origin {
        CalendarOrigin::Bundled => "shipped".to_owned(),
        CalendarOrigin::Loaded => format!(
            "loaded {} by {}",
            y.loaded_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            y.loaded_by.as_deref().unwrap_or("?")
        ),
    };
    format!(
        "{}: {} days off, {} make-up working days ({origin}){}",
        y.year,
        y.holidays,
        y.make_up_workdays,
        y.source
            .as_deref()
            .map(|s| format!("\n      {s}"))
            .unwrap_or_default()
    )
}

pub async fn calendar(config: Config, cmd: CalendarCommand) -> anyhow::Result<()> {
    let services = Services::start(config, Clock::System).await?;
    match cmd {
        CalendarCommand::List => {
            for y in services.calendar_years().await? {
                println!("{}", line(&y));
            }
        }
        CalendarCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let year = YearFile::from_json(&text)?;
            let loaded = services.load_calendar_file(operator(), year).await?;
            println!("{}", line(&loaded));
        }
    }
    Ok(())
}

//! `yiwang loadgen crossing`: how long after an open case crosses a time threshold its card
//! and event exist (issue #5: within 1 s). Runs the supervision jobs in process over the
//! `--data` folder (stopped server; `ops/bench/crossing.sh` fills it with open cases accepted
//! over the past weeks) with a clock this command moves: to each next local midnight in turn,
//! where the time-limit rules cross for the cases whose share of the limit or remaining working
//! days passes a threshold that day. Per midnight, it times from moving the clock to the first
//! and the last `anomaly.opened` event reaching a subscriber of the event hub (what the live
//! stream sends), through the engine's 250 ms tick, judging, storing and the commit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Days, TimeZone};
use serde_json::json;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::service::Services;
use yiwang_core::service::events::LoggedEvent;
use yiwang_core::service::jobs::{JobRunner, JobsView};

/// How long one midnight may take before the run gives up on it.
const PATIENCE: Duration = Duration::from_secs(120);

pub async fn run(config: Config, days: u32) -> anyhow::Result<()> {
    let tz = config.time_zone()?;
    let clock = Clock::manual(chrono::Utc::now().timestamp_millis());
    let services = Services::start(config, clock.clone())
        .await
        .context("opening the data folder")?;
    let mut events = services.events.subscribe();
    let runner = JobRunner::start(services.clone(), yiwang_core::service::supervision::jobs());
    let view = runner.view();
    let started = Instant::now();
    wait_runs(&view, 1).await?;
    let loaded = started.elapsed();
    println!(
        "{}",
        json!({"bench": "crossing", "phase": "loaded", "ms": loaded.as_millis(),
               "outcome": outcome(&view)})
    );
    // The cards of the first run (everything already past a threshold) are not measured: wait
    // until the hub has published every event stored, then drop them.
    let stored = services.latest_event_id().await?;
    let publishing = Instant::now();
    while services.events.head() < stored {
        if publishing.elapsed() > PATIENCE {
            bail!("the hub did not publish the first run's events within {PATIENCE:?}");
        }
        drain(&mut events);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drain(&mut events);
    for day in 1..=days {
        let now = clock.now();
        let today = tz
            .timestamp_millis_opt(now)
            .single()
            .context("the clock's time")?
            .date_naive();
        let Some(midnight) = today
            .checked_add_days(Days::new(1))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| tz.from_local_datetime(&t).single())
        else {
            bail!("no midnight after {today}");
        };
        let runs = supervision_runs(&view);
        clock.advance(midnight.timestamp_millis() - now);
        let moved = Instant::now();
        let (mut first, mut last, mut opened) = (None, None, 0u64);
        // Done when a tick that began after the move has finished and its events arrived.
        loop {
            let settled = supervision_runs(&view) >= runs + 2;
            match tokio::time::timeout(Duration::from_millis(20), events.recv()).await {
                Ok(Ok(e)) if e.event.kind == "anomaly.opened" => {
                    opened += 1;
                    first.get_or_insert(moved.elapsed());
                    last = Some(moved.elapsed());
                }
                Ok(Ok(_)) => {}
                Ok(Err(RecvError::Lagged(n))) => {
                    // The hub outran this reader: the events were committed, count them.
                    opened += n;
                    first.get_or_insert(moved.elapsed());
                    last = Some(moved.elapsed());
                }
                Ok(Err(RecvError::Closed)) => bail!("the event hub closed"),
                Err(_) if settled => break,
                Err(_) => {}
            }
            if moved.elapsed() > PATIENCE {
                bail!("midnight {day} took longer than {PATIENCE:?}");
            }
        }
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1000.0);
        println!(
            "{}",
            json!({"bench": "crossing", "day": day, "date": midnight.date_naive().to_string(),
                   "opened": opened, "first_event_ms": ms(first), "last_event_ms": ms(last),
                   "outcome": outcome(&view)})
        );
    }
    runner.shutdown().await;
    Ok(())
}

fn supervision_runs(view: &JobsView) -> u64 {
    view.states()
        .iter()
        .find(|s| s.name == "supervision")
        .map_or(0, |s| s.runs)
}

fn outcome(view: &JobsView) -> Option<String> {
    view.states()
        .into_iter()
        .find(|s| s.name == "supervision")
        .and_then(|s| s.last_outcome)
}

async fn wait_runs(view: &JobsView, runs: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    while supervision_runs(view) < runs {
        if started.elapsed() > PATIENCE {
            bail!("the supervision job did not run within {PATIENCE:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

fn drain(events: &mut Receiver<Arc<LoggedEvent>>) {
    while !matches!(
        events.try_recv(),
        Err(TryRecvError::Empty | TryRecvError::Closed)
    ) {}
}

//! `yiwang outbox …`: the connectors' backlog and lag, parked deliveries, replay, pause and
//! resume, reconciliation, on storage directly (beside a running server, like `yiwang audit`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use yiwang_core::clock::Clock;
use yiwang_core::config::Config;
use yiwang_core::service::Services;
use yiwang_core::service::audit::Actor;
use yiwang_core::wire::PageQuery;
use yiwang_core::wire::integrations::{ConnectorState, ReconcileQuery};

use crate::cli::OutboxCommand;

fn operator() -> Actor {
    Actor {
        id: None,
        label: "operator (yiwang outbox)".into(),
    }
}

fn line(c: &ConnectorState) -> String {
    format!(
        "{:<16} {:<15} {:<8} backlog {:>7}  parked {:>5}  delivered {:>9}  lag {:>8.1} s  cursor {}/{}",
        c.name,
        c.format,
        if !c.enabled {
            "off"
        } else if c.paused {
            "paused"
        } else {
            "running"
        },
        c.backlog,
        c.parked,
        c.delivered,
        c.lag_seconds,
        c.cursor,
        c.log_head
    )
}

fn time(s: Option<&str>, what: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
    s.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .with_context(|| {
                format!("--{what} takes an RFC 3339 time, e.g. 2026-12-01T00:00:00+08:00")
            })
    })
    .transpose()
}

pub async fn outbox(config: Config, cmd: OutboxCommand) -> anyhow::Result<()> {
    let services = Services::start(config, Clock::System).await?;
    match cmd {
        OutboxCommand::Status => {
            for c in services.connectors(None).await? {
                println!("{}", line(&c));
            }
        }
        OutboxCommand::Parked { connector } => {
            let mut after = None;
            loop {
                let page = services
                    .parked_deliveries(
                        None,
                        &connector,
                        PageQuery {
                            after,
                            limit: Some(500),
                        },
                    )
                    .await?;
                for d in &page.items {
                    println!(
                        "event {:>10}  {:<28} attempts {:>3}  {}",
                        d.event_id,
                        d.event_kind,
                        d.attempts,
                        d.last_error.as_deref().unwrap_or("")
                    );
                }
                match page.next_after {
                    Some(a) => after = Some(a),
                    None => break,
                }
            }
        }
        OutboxCommand::Replay { connector, event } => {
            let r = services
                .replay_parked(operator(), None, &connector, event)
                .await?;
            println!(
                "{}: {} parked deliveries back in the backlog",
                r.connector, r.replayed
            );
        }
        OutboxCommand::Pause { connector } => {
            let c = services
                .pause_connector(operator(), None, &connector, true)
                .await?;
            println!("{}", line(&c));
        }
        OutboxCommand::Resume { connector } => {
            let c = services
                .pause_connector(operator(), None, &connector, false)
                .await?;
            println!("{}", line(&c));
        }
        OutboxCommand::Reconcile {
            connector,
            from,
            to,
        } => {
            let q = ReconcileQuery {
                from: time(from.as_deref(), "from")?,
                to: time(to.as_deref(), "to")?,
            };
            let r = services.reconcile_connector(None, &connector, q).await?;
            println!(
                "{} {} – {}: owed {}, acknowledged {}, pending {}, parked {}, not yet taken in {}",
                r.connector,
                r.from,
                r.to,
                r.owed,
                r.acknowledged,
                r.pending,
                r.parked,
                r.not_taken_in
            );
            for d in &r.unacknowledged {
                println!(
                    "  unacknowledged: event {} {} ({:?}, {} attempts) {}",
                    d.event_id,
                    d.event_kind,
                    d.status,
                    d.attempts,
                    d.last_error.as_deref().unwrap_or("")
                );
            }
        }
    }
    Ok(())
}

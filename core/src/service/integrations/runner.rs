//! The delivery runner: one task per connector, so a slow, dead or paused peer holds up only
//! its own deliveries. Each round takes in the events after the connector's cursor, sends what
//! is due (up to `max_in_flight` requests at once) and writes the outcomes in one transaction.
//! Only the leader sends; a task on another node idles, checking leadership twice a second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};

use std::collections::BTreeMap;

use super::config::{ConnectorConfig, Format, IntegrationsConfig};
use super::deliveries::{self, DeliveryRow, Outcome};
use super::formats;
use crate::config::Config;
use crate::domain::integrations::DeliveryStatus;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::jobs::JobsView;

/// The name of the connector that mails notices.
pub const EMAIL: &str = "email";
/// Events read from the log per intake transaction.
const INTAKE_PAGE: i64 = 1_000;
/// The most of a peer's answer that is read.
const MAX_ANSWER: usize = 64 * 1024;
/// How long an idle connector waits before it looks again (sooner after a local commit).
const IDLE: Duration = Duration::from_millis(250);

/// The running connectors; [`Outbox::shutdown`] stops them (dropping it does too).
pub struct Outbox {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Outbox {
    /// Stops every connector at once, in-flight requests abandoned: their deliveries are still
    /// pending and go out again (with the same idempotency key) after the next start.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Starts one task per configured connector; a connector configured wrongly stops the start.
pub fn start(services: Services, leader: JobsView) -> Result<Outbox, Error> {
    for (name, cfg) in connectors(&services.config) {
        cfg.check(&name)?;
    }
    let client = http_client(&services.config.integrations)?;
    let (stop, rx) = watch::channel(false);
    let tasks = connectors(&services.config)
        .into_iter()
        .map(|(name, cfg)| {
            let c = Connector {
                name,
                prefixes: cfg.events(),
                cfg: Arc::new(cfg),
                services: services.clone(),
                client: client.clone(),
            };
            tokio::spawn(run(c, leader.clone(), rx.clone()))
        })
        .collect();
    Ok(Outbox { stop, tasks })
}

/// The connectors' HTTP client: rustls with the bundled public roots and the configured extra
/// root CA (a government network's own), so https peers work without OpenSSL.
fn http_client(cfg: &IntegrationsConfig) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .pool_max_idle_per_host(64);
    if let Some(path) = &cfg.extra_root_ca {
        let field = "integrations.extra_root_ca";
        let pem = std::fs::read(path)
            .map_err(|e| Error::invalid(field, format!("{}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| Error::invalid(field, format!("not PEM certificates: {e}")))?;
        if certs.is_empty() {
            return Err(Error::invalid(field, "no certificate in the file"));
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    builder
        .build()
        .map_err(|e| Error::Internal(format!("the connectors' HTTP client: {e}")))
}

/// The configured connectors, and the `email` connector implied by `notify.smtp.enabled` when
/// the file does not configure one itself.
pub fn connectors(config: &Config) -> BTreeMap<String, ConnectorConfig> {
    let mut all = config.integrations.connectors.clone();
    if config.notify.smtp.enabled {
        all.entry(EMAIL.to_owned())
            .or_insert_with(|| ConnectorConfig {
                format: Format::Email,
                endpoint: format!(
                    "smtp://{}:{}",
                    config.notify.smtp.host, config.notify.smtp.port
                ),
                timeout_ms: config.notify.smtp.timeout_ms,
                max_in_flight: 4,
                batch: 64,
                ..ConnectorConfig::default()
            });
    }
    all
}

struct Connector {
    name: String,
    cfg: Arc<ConnectorConfig>,
    prefixes: Vec<String>,
    services: Services,
    client: reqwest::Client,
}

enum Round {
    /// Did something; there may be more at once.
    Busy,
    Idle,
    Stopped,
}

async fn run(c: Connector, leader: JobsView, mut stop: watch::Receiver<bool>) {
    let mut commits = c.services.store.commits();
    let mut gauges_at: Option<Instant> = None;
    let span = tracing::info_span!("connector", name = %c.name);
    loop {
        if *stop.borrow() {
            break;
        }
        let mut busy = false;
        if c.cfg.enabled && leader.is_leader() {
            match round(&c, &mut stop).await {
                Ok(Round::Busy) => busy = true,
                Ok(Round::Idle) => {}
                Ok(Round::Stopped) => break,
                Err(e) => {
                    let _e = span.enter();
                    tracing::warn!(error = %e, "connector round failed");
                }
            }
            if gauges_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                gauges_at = Some(Instant::now());
                if let Err(e) = refresh_gauges(&c).await {
                    tracing::warn!(connector = %c.name, error = %e, "connector gauges");
                }
            }
        }
        if !busy {
            tokio::select! {
                changed = stop.changed() => if changed.is_err() { break },
                _ = commits.changed() => {}
                () = tokio::time::sleep(IDLE) => {}
            }
        }
    }
}

/// One round: intake, then one batch of due deliveries.
async fn round(c: &Connector, stop: &mut watch::Receiver<bool>) -> Result<Round, Error> {
    let store = &c.services.store;
    let name = c.name.clone();
    let (cursor, paused) = store
        .read(move |conn| deliveries::cursor_of(conn, &name))
        .await?;
    let mut busy = intake(c, cursor).await?;
    if paused {
        return Ok(if busy { Round::Busy } else { Round::Idle });
    }
    let now = c.services.clock.now();
    let (name, cfg, batch) = (c.name.clone(), c.cfg.clone(), c.cfg.batch());
    let vault = c.services.vault.clone();
    // Bodies are built in the same read as the batch, so a round costs one read.
    let due: Vec<(DeliveryRow, Result<Option<Value>, Error>)> = store
        .read(move |conn| {
            let rows = deliveries::due(conn, &name, now, batch)?;
            Ok(rows
                .into_iter()
                .map(|(d, e)| {
                    let body =
                        formats::body(conn, &vault, (name.as_str(), &*cfg), &e, &d.idempotency_key);
                    (d, body)
                })
                .collect())
        })
        .await?;
    if due.is_empty() {
        return Ok(if busy { Round::Busy } else { Round::Idle });
    }
    busy = true;
    let outcomes = tokio::select! {
        o = send_all(c, due) => o,
        _ = stop.changed() => return Ok(Round::Stopped),
    };
    let jitters: Vec<f64> = outcomes.iter().map(|_| rand::random::<f64>()).collect();
    let (name, cfg) = (c.name.clone(), c.cfg.clone());
    let now = c.services.clock.now();
    let delivered = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Delivered(_)))
        .count();
    let failed = outcomes.len() - delivered;
    let parked = store
        .write(move |conn| {
            let mut j = jitters.into_iter();
            let parked = deliveries::record_outcomes(conn, &cfg, &outcomes, now, &mut || {
                j.next().unwrap_or(0.5)
            })?;
            for p in &parked {
                record_parked(conn, now, &name, p)?;
            }
            for (row, outcome) in &outcomes {
                if let Outcome::Delivered(receipt) = outcome {
                    let receipt = receipt.as_deref();
                    formats::delivered(conn, &name, cfg.format, row.event_id, receipt, now)?;
                }
            }
            Ok(parked.len())
        })
        .await?;
    metrics::counter!("yiwang_connector_delivered_total", "connector" => c.name.clone())
        .increment(delivered as u64);
    metrics::counter!("yiwang_connector_failures_total", "connector" => c.name.clone())
        .increment(failed as u64);
    if parked > 0 {
        tracing::warn!(connector = %c.name, parked, "deliveries parked after their last attempt");
    }
    Ok(if busy { Round::Busy } else { Round::Idle })
}

/// Takes in the events after the cursor, a page per transaction; answers whether a page was
/// full (more to take in at once).
async fn intake(c: &Connector, cursor: i64) -> Result<bool, Error> {
    let store = &c.services.store;
    let page = store
        .read(move |conn| deliveries::events_after(conn, cursor, INTAKE_PAGE))
        .await?;
    if page.is_empty() {
        return Ok(false);
    }
    let full = page.len() as i64 == INTAKE_PAGE;
    let (name, prefixes) = (c.name.clone(), c.prefixes.clone());
    let now = c.services.clock.now();
    store
        .write(move |conn| deliveries::take_in(conn, &name, &prefixes, cursor, &page, now))
        .await?;
    Ok(full)
}

/// Sends a batch with at most `max_in_flight` requests at once.
async fn send_all(
    c: &Connector,
    due: Vec<(DeliveryRow, Result<Option<Value>, Error>)>,
) -> Vec<(DeliveryRow, Outcome)> {
    let permits = Arc::new(Semaphore::new(c.cfg.in_flight()));
    let mut set = JoinSet::new();
    let mut done = Vec::with_capacity(due.len());
    for (row, body) in due {
        match body {
            Ok(Some(body)) => {
                let (client, cfg, permits) = (c.client.clone(), c.cfg.clone(), permits.clone());
                let services = c.services.clone();
                set.spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    let outcome = if cfg.format == Format::Email {
                        let smtp = &services.config.notify.smtp;
                        match formats::email::send(smtp, &row.idempotency_key, &body).await {
                            Ok(()) => Outcome::Delivered(None),
                            Err(e) => Outcome::Failed(e),
                        }
                    } else {
                        send(&client, &cfg, &row.idempotency_key, &body).await
                    };
                    (row, outcome)
                });
            }
            // Nothing owed after all (the case is gone, not a case event): settled as is.
            Ok(None) => done.push((row, Outcome::Delivered(None))),
            Err(e) => done.push((row, Outcome::Failed(format!("building the message: {e}")))),
        }
    }
    while let Some(r) = set.join_next().await {
        if let Ok(pair) = r {
            done.push(pair);
        }
    }
    done
}

/// One try: POST the body with its idempotency key and the peer's credentials.
async fn send(client: &reqwest::Client, cfg: &ConnectorConfig, key: &str, body: &Value) -> Outcome {
    let mut req = client
        .post(&cfg.endpoint)
        .timeout(cfg.timeout())
        .header("Idempotency-Key", key)
        .json(body);
    if let Some(k) = &cfg.api_key {
        req = req.bearer_auth(k.0.expose_secret());
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(describe(&e, cfg)),
    };
    let status = resp.status().as_u16();
    match read_answer(resp).await {
        Ok(text) => match formats::accept(cfg.format, status, &text) {
            Ok(receipt) => Outcome::Delivered(receipt),
            Err(e) => Outcome::Failed(e),
        },
        Err(e) => Outcome::Failed(format!(
            "HTTP {status}, reading the answer: {}",
            describe(&e, cfg)
        )),
    }
}

/// The answer's text, at most [`MAX_ANSWER`] bytes of it: a peer (or a proxy in front of it)
/// answering megabytes must not cost the node its memory.
async fn read_answer(mut resp: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = MAX_ANSWER.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_ANSWER {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn describe(e: &reqwest::Error, cfg: &ConnectorConfig) -> String {
    if e.is_timeout() {
        format!("no answer within {} ms", cfg.timeout_ms)
    } else if e.is_connect() {
        "cannot connect to the peer".into()
    } else {
        e.to_string()
    }
}

/// A parked delivery is a state change operators must see: an audit entry and an event.
fn record_parked(
    conn: &mut crate::store::DbConn,
    now: i64,
    connector: &str,
    row: &DeliveryRow,
) -> Result<(), Error> {
    let payload = json!({
        "connector": connector, "event_id": row.event_id, "attempts": row.attempts,
        "error": row.last_error,
    });
    audit::record(
        conn,
        now,
        &Actor::system(),
        Change {
            before: Some(json!({"status": DeliveryStatus::Pending.as_str()})),
            after: Some(json!({"status": DeliveryStatus::Parked.as_str()})),
            payload,
            ..Change::new("outbox.park", "outbox.parked", "outbox_delivery", row.id)
        },
    )?;
    Ok(())
}

/// Backlog, parked count and lag of this connector in `/metrics`.
async fn refresh_gauges(c: &Connector) -> Result<(), Error> {
    let name = c.name.clone();
    let (backlog, parked, oldest, paused) = c
        .services
        .store
        .read(move |conn| {
            Ok((
                deliveries::count(conn, &name, DeliveryStatus::Pending)?,
                deliveries::count(conn, &name, DeliveryStatus::Parked)?,
                deliveries::oldest_pending(conn, &name)?,
                deliveries::cursor_of(conn, &name)?.1,
            ))
        })
        .await?;
    let now = c.services.clock.now();
    let lag = oldest.map_or(0.0, |t| (now - t).max(0) as f64 / 1000.0);
    let l = c.name.clone();
    metrics::gauge!("yiwang_connector_backlog", "connector" => l.clone()).set(backlog as f64);
    metrics::gauge!("yiwang_connector_parked", "connector" => l.clone()).set(parked as f64);
    metrics::gauge!("yiwang_connector_lag_seconds", "connector" => l.clone()).set(lag);
    metrics::gauge!("yiwang_connector_paused", "connector" => l).set(if paused {
        1.0
    } else {
        0.0
    });
    Ok(())
}

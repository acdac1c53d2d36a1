//! All HTTP: logging in, probing `/readyz` and `/metrics`, counting records, following the
//! event stream. Results go back to the event loop as [`Action`]s; the loop's [`Effect`]s come in.
//! Dropping the [`Worker`] stops every task.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use tokio::sync::{RwLock, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use yiwang_core::domain::ids::HallId;
use yiwang_core::wire::Page;
use yiwang_core::wire::auth::{LoginResponse, Me};
use yiwang_core::wire::events::Event;
use yiwang_core::wire::org::Hall;
use yiwang_core::wire::queue::{QueueState, Ticket};

use crate::action::{Action, Counts, Effect, Readiness};
use crate::metrics_text;
use crate::sse::SseParser;
use crate::state::queues::{Coalescer, Waiting};

/// How the console proves who it is.
#[derive(Debug, Clone)]
pub enum Login {
    Token(String),
    Password { username: String, password: String },
}

/// How often the probes run while the server answers.
const PROBE_EVERY: Duration = Duration::from_secs(2);
/// The longest wait between tries while the server is away.
const MAX_BACKOFF_S: u64 = 16;
/// The shortest time between two refreshes of one hall's queue.
pub const QUEUE_GAP: Duration = Duration::from_millis(200);
/// Events fetched from the log at start, so the feed and its sparkline are not empty.
const BACKFILL: i64 = 2_000;

/// The running tasks.
pub struct Worker {
    _tasks: JoinSet<()>,
}

#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    login: Login,
    pub(crate) token: Arc<RwLock<String>>,
    pub(crate) tx: mpsc::Sender<Action>,
}

/// Starts the worker against `base` (e.g. `http://127.0.0.1:8080`).
pub fn spawn(
    base: String,
    login: Login,
    tx: mpsc::Sender<Action>,
    effects: mpsc::UnboundedReceiver<Effect>,
) -> Worker {
    let mut tasks = JoinSet::new();
    let ctx = Ctx {
        http: reqwest::Client::new(),
        base: base.trim_end_matches('/').to_owned(),
        login,
        token: Arc::new(RwLock::new(String::new())),
        tx,
    };
    tasks.spawn(probe(ctx.clone()));
    tasks.spawn(main(ctx, effects));
    Worker { _tasks: tasks }
}

fn backoff(failures: u32) -> u64 {
    (1u64 << failures.min(4)).min(MAX_BACKOFF_S)
}

/// Logs in (or checks the token), then follows the stream and answers effects.
async fn main(ctx: Ctx, mut effects: mpsc::UnboundedReceiver<Effect>) {
    let mut failures = 0;
    let me = loop {
        match authenticate(&ctx).await {
            Ok(me) => break me,
            Err(Failure::Rejected(msg)) => {
                let _ = ctx.tx.send(Action::AuthFailed(msg)).await;
                return;
            }
            Err(Failure::Unreachable(e)) => {
                tracing::info!(error = %e, "login: server unreachable");
                tokio::time::sleep(Duration::from_secs(backoff(failures))).await;
                failures += 1;
            }
        }
    };
    if ctx.tx.send(Action::LoggedIn(Box::new(me))).await.is_err() {
        return;
    }
    // Owned here, so aborting this task (dropping the worker) ends the stream too.
    let mut stream = JoinSet::new();
    stream.spawn(follow(ctx.clone()));
    let (queue_tx, queue_rx) = mpsc::unbounded_channel();
    stream.spawn(queues(ctx.clone(), queue_rx));
    let (cards_tx, cards_rx) = mpsc::unbounded_channel();
    stream.spawn(refresh_cards(ctx.clone(), cards_rx));
    send_counts(&ctx).await;
    while let Some(effect) = effects.recv().await {
        // Reap the finished one-off tasks; the long-lived ones stay.
        while stream.try_join_next().is_some() {}
        match effect {
            Effect::FetchCounts => send_counts(&ctx).await,
            Effect::FetchHalls => send_halls(&ctx).await,
            Effect::FetchQueue { hall, waiting } => {
                let _ = queue_tx.send((hall, waiting));
            }
            Effect::RefreshAnomalies(ids) => {
                let _ = cards_tx.send(ids);
            }
            other => {
                stream.spawn(crate::records::run(ctx.clone(), other));
            }
        }
    }
}

/// Reads cards again as events name them, one at a time: ids named while a read runs are
/// gathered, so a burst of events about one card costs one read.
async fn refresh_cards(ctx: Ctx, mut asks: mpsc::UnboundedReceiver<Vec<i64>>) {
    while let Some(first) = asks.recv().await {
        let mut ids: std::collections::BTreeSet<i64> = first.into_iter().collect();
        while let Ok(more) = asks.try_recv() {
            ids.extend(more);
        }
        let mut changed = Vec::new();
        for id in ids {
            let path = format!("/api/v1/supervision/anomalies/{id}");
            match get_json::<yiwang_core::wire::supervision::AnomalyDetail>(&ctx, &path).await {
                Ok(d) => changed.push(d.anomaly),
                Err(e) => tracing::info!(error = %e, id, "card refresh failed"),
            }
        }
        if !changed.is_empty()
            && ctx
                .tx
                .send(Action::AnomaliesChanged(changed))
                .await
                .is_err()
        {
            return;
        }
    }
}

/// Lists the halls the caller may read (every page).
async fn send_halls(ctx: &Ctx) {
    let mut halls = Vec::new();
    let mut after = 0;
    loop {
        let page: Page<Hall> =
            match get_json(ctx, &format!("/api/v1/halls?limit=500&after={after}")).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::info!(error = %e, "listing halls failed");
                    let _ = ctx.tx.send(Action::HallsFailed(e.to_string())).await;
                    return;
                }
            };
        halls.extend(page.items.into_iter().map(|h| (h.id, h.name)));
        match page.next_after {
            Some(a) => after = a,
            None => break,
        }
    }
    let _ = ctx.tx.send(Action::Halls(halls)).await;
}

/// Refreshes halls' live queues as the events ask, at most once per hall per [`QUEUE_GAP`]: a
/// burst of events for one hall costs one fetch when it starts and one when the gap has passed.
async fn queues(ctx: Ctx, mut asks: mpsc::UnboundedReceiver<(HallId, bool)>) {
    let mut co = Coalescer::new(QUEUE_GAP);
    loop {
        let next = co.next_due(Instant::now());
        tokio::select! {
            ask = asks.recv() => match ask {
                Some((h, waiting)) => co.ask(h, waiting),
                None => return,
            },
            () = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {}
        }
        for (hall, waiting) in co.due(Instant::now()) {
            match fetch_queue(&ctx, hall, waiting).await {
                Ok(action) => {
                    if ctx.tx.send(action).await.is_err() {
                        return;
                    }
                }
                Err(e) => tracing::info!(error = %e, hall = hall.0, "queue refresh failed"),
            }
        }
    }
}

/// A hall's live state, then (when asked) its waiting tickets, every page, 500 at a time.
async fn fetch_queue(ctx: &Ctx, hall: HallId, list: bool) -> Result<Action, reqwest::Error> {
    let live: QueueState = get_json(ctx, &format!("/api/v1/halls/{}/queue", hall.0)).await?;
    if !list {
        return Ok(Action::HallQueue {
            live: Box::new(live),
            waiting: None,
        });
    }
    let mut waiting = Vec::new();
    let mut after = 0;
    loop {
        let page: Page<Ticket> = get_json(
            ctx,
            &format!(
                "/api/v1/halls/{}/tickets?status=waiting&limit=500&after={after}",
                hall.0
            ),
        )
        .await?;
        waiting.extend(page.items.into_iter().map(|t| Waiting {
            ticket_id: t.id,
            number: t.number,
            area_id: t.area_id,
            taken_at: t.taken_at,
        }));
        match page.next_after {
            Some(a) => after = a,
            None => break,
        }
    }
    Ok(Action::HallQueue {
        live: Box::new(live),
        waiting: Some(waiting),
    })
}

enum Failure {
    Rejected(String),
    Unreachable(String),
}

async fn authenticate(ctx: &Ctx) -> Result<Me, Failure> {
    let unreachable = |e: reqwest::Error| Failure::Unreachable(e.to_string());
    match &ctx.login {
        Login::Token(t) => {
            *ctx.token.write().await = t.clone();
            let res = ctx
                .http
                .get(format!("{}/api/v1/auth/me", ctx.base))
                .bearer_auth(t)
                .send()
                .await
                .map_err(unreachable)?;
            if res.status() == StatusCode::UNAUTHORIZED {
                return Err(Failure::Rejected("token rejected (401)".into()));
            }
            res.error_for_status()
                .map_err(unreachable)?
                .json()
                .await
                .map_err(unreachable)
        }
        Login::Password { username, password } => {
            let body = serde_json::json!({ "username": username, "password": password });
            let res = ctx
                .http
                .post(format!("{}/api/v1/auth/login", ctx.base))
                .json(&body)
                .send()
                .await
                .map_err(unreachable)?;
            let status = res.status();
            if status.is_client_error() {
                return Err(Failure::Rejected(format!("{username}: {status}")));
            }
            let l: LoginResponse = res
                .error_for_status()
                .map_err(unreachable)?
                .json()
                .await
                .map_err(unreachable)?;
            *ctx.token.write().await = l.token;
            Ok(l.user)
        }
    }
}

pub(crate) async fn get_json<T: DeserializeOwned>(
    ctx: &Ctx,
    path: &str,
) -> Result<T, reqwest::Error> {
    let token = ctx.token.read().await.clone();
    ctx.http
        .get(format!("{}{path}", ctx.base))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// Counts a paged list by walking it (500 a page); `None` when the caller may not list it.
async fn count(ctx: &Ctx, path: &str) -> Option<u64> {
    let mut n = 0;
    let mut after = 0;
    loop {
        let page: Page<serde_json::Value> =
            get_json(ctx, &format!("{path}?limit=500&after={after}"))
                .await
                .ok()?;
        n += page.items.len() as u64;
        match page.next_after {
            Some(a) => after = a,
            None => return Some(n),
        }
    }
}

async fn send_counts(ctx: &Ctx) {
    let (halls, regions, users) = tokio::join!(
        count(ctx, "/api/v1/halls"),
        count(ctx, "/api/v1/regions"),
        count(ctx, "/api/v1/users")
    );
    if let (Some(halls), Some(regions)) = (halls, regions) {
        let _ = ctx
            .tx
            .send(Action::Counts(Counts {
                halls,
                regions,
                users,
            }))
            .await;
    }
}

/// `/readyz` and `/metrics` every two seconds; with back-off while the server is away.
async fn probe(ctx: Ctx) {
    let mut failures = 0;
    loop {
        let result = probe_once(&ctx).await;
        let wait = match result {
            Ok(actions) => {
                failures = 0;
                for a in actions {
                    if ctx.tx.send(a).await.is_err() {
                        return;
                    }
                }
                PROBE_EVERY
            }
            Err(e) => {
                let retry_in_s = backoff(failures);
                failures += 1;
                tracing::info!(error = %e, retry_in_s, "server unreachable");
                if ctx
                    .tx
                    .send(Action::ServerDown {
                        error: e.to_string(),
                        retry_in_s,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
                Duration::from_secs(retry_in_s)
            }
        };
        tokio::time::sleep(wait).await;
    }
}

async fn probe_once(ctx: &Ctx) -> Result<Vec<Action>, reqwest::Error> {
    // 503 still carries the readiness body: read it either way.
    let ready: Readiness = ctx
        .http
        .get(format!("{}/readyz", ctx.base))
        .send()
        .await?
        .json()
        .await?;
    let text = ctx
        .http
        .get(format!("{}/metrics", ctx.base))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let at = chrono::Utc::now();
    Ok(vec![
        Action::Ready(ready),
        Action::Metrics {
            at,
            scrape: metrics_text::parse(&text),
        },
    ])
}

/// Follows `/events/stream`, resuming from the last id seen after every drop.
async fn follow(ctx: Ctx) {
    let mut last: Option<i64> = None;
    let mut failures = 0;
    loop {
        match stream_once(&ctx, &mut last).await {
            Ok(()) => failures = 0,
            Err(e) => {
                tracing::info!(error = %e, "event stream dropped");
                failures += 1;
            }
        }
        if ctx.tx.send(Action::StreamDown).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(backoff(failures))).await;
    }
}

async fn stream_once(ctx: &Ctx, last: &mut Option<i64>) -> anyhow::Result<()> {
    let mut req = ctx.http.get(format!("{}/api/v1/events/stream", ctx.base));
    req = match *last {
        Some(id) => req.header("Last-Event-ID", id.to_string()),
        None => {
            // First connection: start a little back in the log so the feed has history.
            let ready: Readiness = ctx
                .http
                .get(format!("{}/readyz", ctx.base))
                .send()
                .await?
                .json()
                .await?;
            req.query(&[("after", (ready.event_log_head - BACKFILL).max(0))])
        }
    };
    let token = ctx.token.read().await.clone();
    let res = req.bearer_auth(token).send().await?;
    if res.status() == StatusCode::UNAUTHORIZED {
        // The token expired or was revoked: log in again when we can.
        if let Login::Password { .. } = ctx.login {
            authenticate(ctx)
                .await
                .map_err(|_| anyhow::anyhow!("login again failed"))?;
        }
        anyhow::bail!("stream answered 401");
    }
    let res = res.error_for_status()?;
    let _ = ctx.tx.send(Action::StreamUp).await;
    let mut parser = SseParser::new();
    let mut body = res.bytes_stream();
    while let Some(chunk) = body.next().await {
        let events: Vec<Event> = parser
            .feed(&chunk?)
            .into_iter()
            .filter_map(|f| {
                if let Some(id) = f.id.as_deref().and_then(|i| i.parse().ok()) {
                    *last = Some(id);
                }
                serde_json::from_str(&f.data)
                    .map_err(|e| tracing::warn!(error = %e, "unreadable event"))
                    .ok()
            })
            .collect();
        if !events.is_empty() && ctx.tx.send(Action::Events(events)).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

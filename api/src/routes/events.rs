//! The event log: pages (`GET /events?after=ID`) and a server-sent-events stream that resumes
//! from `Last-Event-ID` (or `?after=`).

use std::time::Duration;

use actix_web::{HttpRequest, get, web};
use actix_web_lab::sse::{self, Sse};
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use utoipa_actix_web::service_config::ServiceConfig;
use yiwang_core::service::Services;
use yiwang_core::service::events::{EventFilter, LoggedEvent};
use yiwang_core::wire::events::Event;
use yiwang_core::wire::{Page, PageQuery};

use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;

/// How often a stream re-checks that its token is still valid.
const RECHECK: Duration = Duration::from_secs(30);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events).service(stream_events);
}

/// Events after a cursor, oldest first, that the caller may see.
#[utoipa::path(tag = "events", params(PageQuery), responses(
    (status = 200, body = Page<Event>), (status = 403, body = Problem)), security(("bearer" = [])))]
#[get("/events")]
pub async fn list_events(
    services: web::Data<Services>,
    auth: Authenticated,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<Event>>> {
    Ok(web::Json(
        services.list_events(&auth, page.into_inner()).await?,
    ))
}

/// The stream type the SSE responder reads from.
type SseStream =
    actix_web_lab::util::InfallibleStream<tokio_stream::wrappers::ReceiverStream<sse::Event>>;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Resume after this event id (the `Last-Event-ID` header wins when both are sent).
    pub after: Option<i64>,
}

/// A live stream of events (`text/event-stream`): each with `id`, `event` (the kind) and JSON
/// `data`. On reconnect, send `Last-Event-ID` to get what was missed, then live events.
#[utoipa::path(tag = "events", params(StreamQuery), responses(
    (status = 200, content_type = "text/event-stream", body = Event), (status = 403, body = Problem)),
    security(("bearer" = [])))]
#[get("/events/stream")]
pub async fn stream_events(
    req: HttpRequest,
    services: web::Data<Services>,
    auth: Authenticated,
    query: web::Query<StreamQuery>,
) -> ApiResult<Sse<SseStream>> {
    let filter = services.event_filter(&auth).await?;
    let last_id = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    // A stream that asks for no past events starts at what is stored now, not at the hub's head,
    // which may lag a commit by a moment (the caller's own login event, say).
    let after = match last_id.or(query.after) {
        Some(after) => after,
        None => services.latest_event_id().await?,
    };
    let (tx, rx) = mpsc::channel::<sse::Event>(256);
    let live = services.events.subscribe();
    let services = services.into_inner();
    tokio::spawn(async move {
        pump(&services, &filter, after, live, tx, auth.token).await;
    });
    Ok(Sse::from_infallible_receiver(rx)
        .with_keep_alive(Duration::from_secs(15))
        .with_retry_duration(Duration::from_secs(2)))
}

fn frame(e: &LoggedEvent) -> Option<sse::Event> {
    let data = sse::Data::new_json(&e.event).ok()?;
    Some(
        data.id(e.event.id.0.to_string())
            .event(e.event.kind.clone())
            .into(),
    )
}

/// Catches up from the log, then forwards live events; falls back to the log when it lags.
async fn pump(
    services: &Services,
    filter: &EventFilter,
    mut last: i64,
    mut live: broadcast::Receiver<std::sync::Arc<LoggedEvent>>,
    tx: mpsc::Sender<sse::Event>,
    token: Option<String>,
) {
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    'catch_up: loop {
        loop {
            let Ok(batch) = services.events_after(filter, last, 500).await else {
                return;
            };
            let n = batch.len();
            for e in &batch {
                last = e.event.id.0;
                if let Some(f) = frame(e)
                    && tx.send(f).await.is_err()
                {
                    return;
                }
            }
            if n < 500 {
                break;
            }
        }
        loop {
            tokio::select! {
                got = live.recv() => match got {
                    Ok(e) => {
                        if e.event.id.0 <= last {
                            continue;
                        }
                        if e.event.id.0 > last + 1 && !filter.allows(&e) {
                            // Events the caller cannot see still advance the cursor.
                            last = e.event.id.0;
                            continue;
                        }
                        last = e.event.id.0;
                        if filter.allows(&e)
                            && let Some(f) = frame(&e)
                            && tx.send(f).await.is_err()
                        {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue 'catch_up,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = recheck.tick() => {
                    if let Some(t) = &token
                        && services.resolve_token(t).await.is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
}

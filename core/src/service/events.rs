//! The event log as readers see it: pages of past events, and the hub that tells live streams
//! about new ones (one query per commit for all subscribers, not one per subscriber).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use tokio::sync::broadcast;

use crate::domain::access::{Caller, Permission};
use crate::domain::ids::EventId;
use crate::error::Error;
use crate::service::Services;
use crate::service::org::ScopeSql;
use crate::store::schema::events;
use crate::store::{DbConn, Store};
use crate::wire::events::Event;
use crate::wire::{Page, PageQuery, page_of, time};

/// How often a node looks for events written by other nodes (PostgreSQL scale-out).
const POLL: Duration = Duration::from_millis(500);

/// An event with the columns that decide who may see it.
#[derive(Debug, Clone)]
pub struct LoggedEvent {
    pub event: Event,
    pub department_id: Option<i64>,
    pub owner_id: Option<i64>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = events)]
struct EventRow {
    id: i64,
    at: i64,
    kind: String,
    entity: String,
    entity_id: i64,
    region_id: Option<i64>,
    department_id: Option<i64>,
    owner_id: Option<i64>,
    payload: String,
}

impl EventRow {
    fn logged(self) -> LoggedEvent {
        LoggedEvent {
            event: Event {
                id: EventId(self.id),
                at: time(self.at),
                kind: self.kind,
                entity: self.entity,
                entity_id: self.entity_id,
                region_id: self.region_id,
                payload: serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null),
            },
            department_id: self.department_id,
            owner_id: self.owner_id,
        }
    }
}

/// Which events a reader may see, checkable in memory for streamed events.
#[derive(Debug, Clone)]
pub struct EventFilter {
    global: bool,
    regions: HashSet<i64>,
    departments: HashSet<i64>,
    owner: Option<i64>,
}

impl EventFilter {
    fn from_scope(s: ScopeSql) -> Self {
        EventFilter {
            global: s.global,
            regions: s.region_ids.into_iter().collect(),
            departments: s.department_ids.into_iter().collect(),
            owner: s.owner,
        }
    }

    pub fn allows(&self, e: &LoggedEvent) -> bool {
        self.global
            || e.event.region_id.is_some_and(|r| self.regions.contains(&r))
            || e.department_id
                .is_some_and(|d| self.departments.contains(&d))
            || (e.owner_id.is_some() && e.owner_id == self.owner)
    }
}

fn load_after(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
    filter: Option<&EventFilter>,
) -> Result<Vec<LoggedEvent>, Error> {
    let mut q = events::table
        .filter(events::id.gt(after))
        .order(events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(f) = filter.filter(|f| !f.global) {
        let regions: Vec<i64> = f.regions.iter().copied().collect();
        let departments: Vec<i64> = f.departments.iter().copied().collect();
        q = q.filter(
            events::region_id
                .eq_any(regions)
                .or(events::department_id.eq_any(departments))
                .or(events::owner_id.eq(f.owner.unwrap_or(-1))),
        );
    }
    let rows: Vec<EventRow> = q.load(conn)?;
    Ok(rows.into_iter().map(EventRow::logged).collect())
}

/// Broadcasts new events to live streams.
#[derive(Clone)]
pub struct EventHub {
    tx: broadcast::Sender<Arc<LoggedEvent>>,
    head: Arc<AtomicI64>,
}

impl EventHub {
    /// Starts following the log from its current head.
    pub async fn start(store: Store) -> Result<EventHub, Error> {
        let head: i64 = store
            .read(|conn| {
                Ok(events::table
                    .select(diesel::dsl::max(events::id))
                    .get_result::<Option<i64>>(conn)?
                    .unwrap_or(0))
            })
            .await?;
        let (tx, _) = broadcast::channel(4_096);
        let hub = EventHub {
            tx,
            head: Arc::new(AtomicI64::new(head)),
        };
        tokio::spawn(follow(store, hub.clone()));
        Ok(hub)
    }

    /// The id of the newest event seen.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Relaxed)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LoggedEvent>> {
        self.tx.subscribe()
    }
}

async fn follow(store: Store, hub: EventHub) {
    let mut commits = store.commits();
    loop {
        tokio::select! {
            changed = commits.changed() => if changed.is_err() { break },
            () = tokio::time::sleep(POLL) => {}
        }
        loop {
            let after = hub.head();
            let batch = store
                .read(move |conn| load_after(conn, after, 1_000, None))
                .await;
            match batch {
                Ok(batch) => {
                    let full = batch.len() == 1_000;
                    for e in batch {
                        hub.head.store(e.event.id.0, Ordering::Relaxed);
                        let _ = hub.tx.send(Arc::new(e));
                    }
                    metrics::gauge!("yiwang_event_log_head").set(hub.head() as f64);
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event hub cannot read the log");
                    break;
                }
            }
        }
    }
}

impl Services {
    /// The filter for a reader of the event log; forbidden without event.read.
    pub async fn event_filter(&self, caller: &Caller) -> Result<EventFilter, Error> {
        if !caller.has(Permission::EventRead) {
            return Err(Error::forbidden("reading events needs event.read"));
        }
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                Ok(EventFilter::from_scope(ScopeSql::load(
                    conn,
                    &caller,
                    Permission::EventRead,
                )?))
            })
            .await
    }

    /// Events after a cursor that the caller may see, oldest first.
    pub async fn list_events(
        &self,
        caller: &Caller,
        page: PageQuery,
    ) -> Result<Page<Event>, Error> {
        let filter = self.event_filter(caller).await?;
        let limit = page.limit();
        let after = page.after();
        let rows = self
            .store
            .read(move |conn| load_after(conn, after, limit + 1, Some(&filter)))
            .await?;
        Ok(page_of(
            rows.into_iter().map(|e| e.event).collect(),
            limit,
            |e| e.id.0,
        ))
    }

    /// The id of the newest event stored now (the hub's head may lag it by a moment): where a
    /// stream that asks for no past events starts.
    pub async fn latest_event_id(&self) -> Result<i64, Error> {
        self.store
            .read(|conn| {
                Ok(events::table
                    .select(diesel::dsl::max(events::id))
                    .get_result::<Option<i64>>(conn)?
                    .unwrap_or(0))
            })
            .await
    }

    /// Events after `after` visible through `filter`, for catching up a stream.
    pub async fn events_after(
        &self,
        filter: &EventFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<LoggedEvent>, Error> {
        let filter = filter.clone();
        self.store
            .read(move |conn| load_after(conn, after, limit, Some(&filter)))
            .await
    }
}

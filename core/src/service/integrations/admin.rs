//! What operators do with connectors (API and `yiwang outbox`): state with backlog and lag,
//! parked deliveries, replay, pause and resume, reconciliation. Connectors are the platform's,
//! so reading needs `integration.read` and acting `integration.manage`, held over the root
//! region. `caller` is `None` for the operator at the `yiwang` command.

use diesel::prelude::*;
use serde_json::json;

use super::config::ConnectorConfig;
use super::deliveries::{self, DeliveryRow, EventRow};
use super::runner::connectors;
use crate::domain::access::{Caller, Permission, Target, region_path};
use crate::domain::integrations::{DeliveryStatus, wants};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{events, outbox_deliveries};
use crate::wire::integrations::{
    ConnectorState, Delivery, ReconcileQuery, Reconciliation, Replayed,
};
use crate::wire::{Page, PageQuery, page_of, time};

const DAY_MS: i64 = 86_400_000;

impl Services {
    fn connector_config(&self, name: &str) -> Result<ConnectorConfig, Error> {
        connectors(&self.config)
            .remove(name)
            .ok_or_else(|| Error::not_found("connector", name))
    }

    /// The caller holds `perm` over the whole platform (the root region).
    async fn check_platform(&self, caller: Option<&Caller>, perm: Permission) -> Result<(), Error> {
        let Some(caller) = caller else {
            return Ok(());
        };
        if !caller.has(perm) {
            return Err(Error::forbidden(format!("this needs {}", perm.as_str())));
        }
        let root = self.root_region().await?;
        let path = region_path(None, root.id);
        let target = Target {
            region_path: Some(&path),
            ..Default::default()
        };
        if caller.may(perm, &target) {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "connectors serve the whole platform: {} over the root region is needed",
                perm.as_str()
            )))
        }
    }

    /// Every configured connector with its backlog and lag.
    pub async fn connectors(&self, caller: Option<&Caller>) -> Result<Vec<ConnectorState>, Error> {
        self.check_platform(caller, Permission::IntegrationRead)
            .await?;
        let mut out = Vec::new();
        for name in connectors(&self.config).keys() {
            out.push(self.connector_state(name).await?);
        }
        Ok(out)
    }

    /// One connector with its backlog and lag.
    pub async fn connector(
        &self,
        caller: Option<&Caller>,
        name: &str,
    ) -> Result<ConnectorState, Error> {
        self.check_platform(caller, Permission::IntegrationRead)
            .await?;
        self.connector_state(name).await
    }

    async fn connector_state(&self, name: &str) -> Result<ConnectorState, Error> {
        let cfg = self.connector_config(name)?;
        let now = self.clock.now();
        let n = name.to_owned();
        let (cursor, paused, head, backlog, parked, delivered, oldest) = self
            .store
            .read(move |conn| {
                let (cursor, paused) = deliveries::cursor_of(conn, &n)?;
                let head: Option<i64> = events::table
                    .select(diesel::dsl::max(events::id))
                    .get_result(conn)?;
                Ok((
                    cursor,
                    paused,
                    head.unwrap_or(0),
                    deliveries::count(conn, &n, DeliveryStatus::Pending)?,
                    deliveries::count(conn, &n, DeliveryStatus::Parked)?,
                    deliveries::count(conn, &n, DeliveryStatus::Delivered)?,
                    deliveries::oldest_pending(conn, &n)?,
                ))
            })
            .await?;
        Ok(ConnectorState {
            name: name.to_owned(),
            format: cfg.format.as_str().to_owned(),
            endpoint: cfg.endpoint.clone(),
            enabled: cfg.enabled,
            paused,
            cursor,
            log_head: head,
            backlog,
            parked,
            delivered,
            lag_seconds: oldest.map_or(0.0, |t| (now - t).max(0) as f64 / 1000.0),
            oldest_pending_at: oldest.map(time),
        })
    }

    /// Parked deliveries of a connector with their last errors, oldest event first.
    pub async fn parked_deliveries(
        &self,
        caller: Option<&Caller>,
        name: &str,
        page: PageQuery,
    ) -> Result<Page<Delivery>, Error> {
        self.check_platform(caller, Permission::IntegrationRead)
            .await?;
        self.connector_config(name)?;
        let (n, after, limit) = (name.to_owned(), page.after(), page.limit());
        let rows: Vec<(DeliveryRow, EventRow)> = self
            .store
            .read(move |conn| {
                Ok(outbox_deliveries::table
                    .inner_join(events::table)
                    .filter(outbox_deliveries::connector.eq(&n))
                    .filter(outbox_deliveries::status.eq(DeliveryStatus::Parked.as_str()))
                    .filter(outbox_deliveries::event_id.gt(after))
                    .order(outbox_deliveries::event_id.asc())
                    .limit(limit + 1)
                    .select((DeliveryRow::as_select(), EventRow::as_select()))
                    .load(conn)?)
            })
            .await?;
        let items = rows.iter().map(|(d, e)| d.wire(e)).collect();
        Ok(page_of(items, limit, |d: &Delivery| d.event_id))
    }

    /// Puts parked deliveries back in the backlog with a fresh set of attempts: one (by its
    /// event id) or all of the connector's.
    pub async fn replay_parked(
        &self,
        actor: Actor,
        caller: Option<&Caller>,
        name: &str,
        event_id: Option<i64>,
    ) -> Result<Replayed, Error> {
        self.check_platform(caller, Permission::IntegrationManage)
            .await?;
        self.connector_config(name)?;
        let n = name.to_owned();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let mut q = outbox_deliveries::table
                    .filter(outbox_deliveries::connector.eq(&n))
                    .filter(outbox_deliveries::status.eq(DeliveryStatus::Parked.as_str()))
                    .select(outbox_deliveries::id)
                    .into_boxed();
                if let Some(e) = event_id {
                    q = q.filter(outbox_deliveries::event_id.eq(e));
                }
                let ids: Vec<i64> = q.load(conn)?;
                if ids.is_empty() && event_id.is_some() {
                    return Err(Error::not_found("parked delivery", event_id.unwrap_or(0)));
                }
                let replayed = diesel::update(
                    outbox_deliveries::table.filter(outbox_deliveries::id.eq_any(&ids)),
                )
                .set((
                    outbox_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                    outbox_deliveries::attempts.eq(0_i64),
                    outbox_deliveries::next_try_at.eq(now),
                    outbox_deliveries::finished_at.eq(None::<i64>),
                ))
                .execute(conn)? as i64;
                let payload = json!({"connector": n, "event_id": event_id, "replayed": replayed});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        after: Some(payload.clone()),
                        payload,
                        ..Change::new("outbox.replay", "outbox.replayed", "connector", 0)
                    },
                )?;
                Ok(Replayed {
                    connector: n,
                    replayed,
                })
            })
            .await
    }

    /// Pauses (nothing is sent; events are still taken in, so none is missed) or resumes a
    /// connector.
    pub async fn pause_connector(
        &self,
        actor: Actor,
        caller: Option<&Caller>,
        name: &str,
        paused: bool,
    ) -> Result<ConnectorState, Error> {
        self.check_platform(caller, Permission::IntegrationManage)
            .await?;
        self.connector_config(name)?;
        let n = name.to_owned();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (_, before) = deliveries::cursor_of(conn, &n)?;
                deliveries::save_cursor(conn, &n, None, Some(paused), now)?;
                let (action, event) = if paused {
                    ("outbox.pause", "outbox.paused")
                } else {
                    ("outbox.resume", "outbox.resumed")
                };
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        before: Some(json!({"paused": before})),
                        after: Some(json!({"paused": paused})),
                        payload: json!({"connector": n, "paused": paused}),
                        ..Change::new(action, event, "connector", 0)
                    },
                )?;
                Ok(())
            })
            .await?;
        self.connector_state(name).await
    }

    /// What was sent against what the peer acknowledged, for events logged in `[from, to)`
    /// (default: the last 24 hours).
    pub async fn reconcile_connector(
        &self,
        caller: Option<&Caller>,
        name: &str,
        q: ReconcileQuery,
    ) -> Result<Reconciliation, Error> {
        self.check_platform(caller, Permission::IntegrationRead)
            .await?;
        let cfg = self.connector_config(name)?;
        let now = self.clock.now();
        let to = q.to.map_or(now, |t| t.timestamp_millis());
        let from = q.from.map_or(to - DAY_MS, |t| t.timestamp_millis());
        if from >= to {
            return Err(Error::invalid("from", "must be before `to`"));
        }
        let n = name.to_owned();
        let prefixes = cfg.events();
        self.store
            .read_heavy(move |conn| reconcile(conn, &n, &prefixes, from, to))
            .await
    }
}

fn reconcile(
    conn: &mut DbConn,
    name: &str,
    prefixes: &[String],
    from: i64,
    to: i64,
) -> Result<Reconciliation, Error> {
    let in_range = || {
        outbox_deliveries::table
            .filter(outbox_deliveries::connector.eq(name))
            .filter(outbox_deliveries::event_at.ge(from))
            .filter(outbox_deliveries::event_at.lt(to))
    };
    let by_status: Vec<(String, i64)> = in_range()
        .group_by(outbox_deliveries::status)
        .select((outbox_deliveries::status, diesel::dsl::count_star()))
        .load(conn)?;
    let of = |s: DeliveryStatus| {
        by_status
            .iter()
            .find(|(k, _)| k == s.as_str())
            .map_or(0, |(_, n)| *n)
    };
    let (cursor, _) = deliveries::cursor_of(conn, name)?;
    let unread: Vec<String> = events::table
        .filter(events::id.gt(cursor))
        .filter(events::at.ge(from))
        .filter(events::at.lt(to))
        .select(events::kind)
        .limit(1_000_000)
        .load(conn)?;
    let not_taken_in = unread.iter().filter(|k| wants(prefixes, k)).count() as i64;
    let missing: Vec<(DeliveryRow, EventRow)> = in_range()
        .inner_join(events::table)
        .filter(
            outbox_deliveries::status
                .ne(DeliveryStatus::Delivered.as_str())
                .or(outbox_deliveries::receipt.is_null()),
        )
        .order(outbox_deliveries::event_id.asc())
        .limit(100)
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .load(conn)?;
    let acknowledged: i64 = in_range()
        .filter(outbox_deliveries::status.eq(DeliveryStatus::Delivered.as_str()))
        .filter(outbox_deliveries::receipt.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(Reconciliation {
        connector: name.to_owned(),
        from: time(from),
        to: time(to),
        owed: by_status.iter().map(|(_, n)| n).sum::<i64>() + not_taken_in,
        acknowledged,
        pending: of(DeliveryStatus::Pending),
        parked: of(DeliveryStatus::Parked),
        not_taken_in,
        unacknowledged: missing.iter().map(|(d, e)| d.wire(e)).collect(),
    })
}

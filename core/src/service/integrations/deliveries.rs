//! The outbox's rows: each connector's cursor and its delivery records. Plain functions over a
//! connection, called inside the runner's and the operators' transactions.

use diesel::prelude::*;

use crate::domain::integrations::{
    AfterFailure, DeliveryStatus, after_failure, idempotency_key, wants,
};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{connector_cursors, events, outbox_deliveries};
use crate::wire::integrations::Delivery;
use crate::wire::time;

use super::config::ConnectorConfig;

/// An event as a format needs it.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = events)]
pub(crate) struct EventRow {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub entity: String,
    pub entity_id: i64,
    pub region_id: Option<i64>,
    pub payload: String,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = outbox_deliveries)]
pub(crate) struct DeliveryRow {
    pub id: i64,
    pub connector: String,
    pub event_id: i64,
    pub event_at: i64,
    pub idempotency_key: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_try_at: i64,
    pub receipt: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

impl DeliveryRow {
    pub(crate) fn wire(&self, event: &EventRow) -> Delivery {
        Delivery {
            connector: self.connector.clone(),
            event_id: self.event_id,
            event_kind: event.kind.clone(),
            event_at: time(self.event_at),
            entity: event.entity.clone(),
            entity_id: event.entity_id,
            status: DeliveryStatus::parse(&self.status).unwrap_or(DeliveryStatus::Pending),
            attempts: self.attempts,
            last_error: self.last_error.clone(),
            idempotency_key: self.idempotency_key.clone(),
            next_try_at: time(self.next_try_at),
            receipt: self.receipt.clone(),
            created_at: time(self.created_at),
            finished_at: self.finished_at.map(time),
        }
    }
}

/// A connector's cursor and pause flag; (0, false) before its first intake.
pub(crate) fn cursor_of(conn: &mut DbConn, connector: &str) -> Result<(i64, bool), Error> {
    Ok(connector_cursors::table
        .find(connector)
        .select((connector_cursors::cursor, connector_cursors::paused))
        .get_result(conn)
        .optional()?
        .unwrap_or((0, false)))
}

/// Moves the cursor (creating it on first use); `paused` is kept unless given.
pub(crate) fn save_cursor(
    conn: &mut DbConn,
    connector: &str,
    cursor: Option<i64>,
    paused: Option<bool>,
    now: i64,
) -> Result<(), Error> {
    let (old_cursor, old_paused) = cursor_of(conn, connector)?;
    let cursor = cursor.unwrap_or(old_cursor);
    let paused = paused.unwrap_or(old_paused);
    let n = diesel::update(connector_cursors::table.find(connector))
        .set((
            connector_cursors::cursor.eq(cursor),
            connector_cursors::paused.eq(paused),
            connector_cursors::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(connector_cursors::table)
            .values((
                connector_cursors::connector.eq(connector),
                connector_cursors::cursor.eq(cursor),
                connector_cursors::paused.eq(paused),
                connector_cursors::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The next events after `cursor`: (id, kind, at), oldest first.
pub(crate) fn events_after(
    conn: &mut DbConn,
    cursor: i64,
    limit: i64,
) -> Result<Vec<(i64, String, i64)>, Error> {
    Ok(events::table
        .filter(events::id.gt(cursor))
        .order(events::id.asc())
        .limit(limit)
        .select((events::id, events::kind, events::at))
        .load(conn)?)
}

/// Takes in a page of events read after `from`: a pending delivery for each one the connector
/// wants, and the cursor moved past them, in the caller's one transaction. Answers how many
/// were owed. A cursor that moved meanwhile (another leader) leaves everything as it was.
pub(crate) fn take_in(
    conn: &mut DbConn,
    connector: &str,
    prefixes: &[String],
    from: i64,
    page: &[(i64, String, i64)],
    now: i64,
) -> Result<usize, Error> {
    let Some(&(last, _, _)) = page.last() else {
        return Ok(0);
    };
    let (cursor, _) = cursor_of(conn, connector)?;
    if cursor != from {
        return Ok(0);
    }
    let mut owed = 0;
    for (id, kind, at) in page {
        if !wants(prefixes, kind) {
            continue;
        }
        diesel::insert_into(outbox_deliveries::table)
            .values((
                outbox_deliveries::connector.eq(connector),
                outbox_deliveries::event_id.eq(id),
                outbox_deliveries::event_at.eq(at),
                outbox_deliveries::idempotency_key.eq(idempotency_key(connector, *id)),
                outbox_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                outbox_deliveries::attempts.eq(0_i64),
                outbox_deliveries::next_try_at.eq(now),
                outbox_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
        owed += 1;
    }
    save_cursor(conn, connector, Some(last), None, now)?;
    Ok(owed)
}

/// Pending deliveries due now with their events, oldest event first.
pub(crate) fn due(
    conn: &mut DbConn,
    connector: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<(DeliveryRow, EventRow)>, Error> {
    Ok(outbox_deliveries::table
        .inner_join(events::table)
        .filter(outbox_deliveries::connector.eq(connector))
        .filter(outbox_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(outbox_deliveries::next_try_at.le(now))
        .order(outbox_deliveries::event_id.asc())
        .limit(limit)
        .select((DeliveryRow::as_select(), EventRow::as_select()))
        .load(conn)?)
}

/// How one try ended.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// Acknowledged, with the peer's receipt id when it gave one.
    Delivered(Option<String>),
    Failed(String),
}

/// Writes the outcomes of one round; answers the rows that were parked now. A delivery that is
/// no longer pending (replayed or finished meanwhile by another node) is left alone.
pub(crate) fn record_outcomes(
    conn: &mut DbConn,
    cfg: &ConnectorConfig,
    outcomes: &[(DeliveryRow, Outcome)],
    now: i64,
    jitter: &mut dyn FnMut() -> f64,
) -> Result<Vec<DeliveryRow>, Error> {
    let mut parked = Vec::new();
    for (row, outcome) in outcomes {
        let target = outbox_deliveries::table
            .filter(outbox_deliveries::id.eq(row.id))
            .filter(outbox_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(outbox_deliveries::attempts.eq(row.attempts));
        let attempts = row.attempts + 1;
        match outcome {
            Outcome::Delivered(receipt) => {
                diesel::update(target)
                    .set((
                        outbox_deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
                        outbox_deliveries::attempts.eq(attempts),
                        outbox_deliveries::receipt.eq(receipt),
                        outbox_deliveries::finished_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Outcome::Failed(error) => {
                let error: String = error.chars().take(500).collect();
                match after_failure(now, attempts, cfg.max_attempts, cfg.backoff(), jitter()) {
                    AfterFailure::RetryAt(at) => {
                        diesel::update(target)
                            .set((
                                outbox_deliveries::attempts.eq(attempts),
                                outbox_deliveries::last_error.eq(&error),
                                outbox_deliveries::next_try_at.eq(at),
                            ))
                            .execute(conn)?;
                    }
                    AfterFailure::Park => {
                        let n = diesel::update(target)
                            .set((
                                outbox_deliveries::status.eq(DeliveryStatus::Parked.as_str()),
                                outbox_deliveries::attempts.eq(attempts),
                                outbox_deliveries::last_error.eq(&error),
                                outbox_deliveries::finished_at.eq(now),
                            ))
                            .execute(conn)?;
                        if n == 1 {
                            parked.push(DeliveryRow {
                                attempts,
                                last_error: Some(error),
                                ..row.clone()
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(parked)
}

/// How many deliveries of a connector are in `status` (an index range, not a scan).
pub(crate) fn count(
    conn: &mut DbConn,
    connector: &str,
    status: DeliveryStatus,
) -> Result<i64, Error> {
    Ok(outbox_deliveries::table
        .filter(outbox_deliveries::connector.eq(connector))
        .filter(outbox_deliveries::status.eq(status.as_str()))
        .count()
        .get_result(conn)?)
}

/// The time of the oldest event still pending: what the lag is measured from.
pub(crate) fn oldest_pending(conn: &mut DbConn, connector: &str) -> Result<Option<i64>, Error> {
    Ok(outbox_deliveries::table
        .filter(outbox_deliveries::connector.eq(connector))
        .filter(outbox_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .select(diesel::dsl::min(outbox_deliveries::event_at))
        .get_result(conn)?)
}

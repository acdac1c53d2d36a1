//! The queue's background jobs: clearing yesterday's unfinished tickets in halls that want it,
//! and marking appointments whose slot is over as no-shows.

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;

use super::{
    DetailRow, EventExtra, HotRow, TicketRow, close_interval, load_settings, record_ticket,
    window_loc,
};
use crate::domain::queue::TicketStatus;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor};
use crate::service::jobs::JobSpec;
use crate::store::schema::{halls, queue_ticket_details, queue_tickets};

/// Tickets cleared per transaction at most; the next run takes the rest.
const CLEAR_BATCH: i64 = 2_000;

/// The queue's jobs, declared with the platform's own.
pub fn jobs() -> Vec<JobSpec> {
    vec![
        JobSpec::new(
            "queue-night-clear",
            Duration::from_secs(60),
            |s: Services| async move {
                let n = s.clear_unfinished_tickets().await?;
                Ok(format!("{n} unfinished tickets of earlier days voided"))
            },
        ),
        JobSpec::new(
            "queue-no-show",
            Duration::from_secs(60),
            |s: Services| async move {
                let n = s.mark_no_shows().await?;
                Ok(format!("{n} appointments marked no-show"))
            },
        ),
    ]
}

impl Services {
    /// Voids the tickets still open from an earlier local day in every hall whose settings
    /// clear at night (`void_reason` `cleared`, a `ticket.voided` event each). Halls that keep
    /// them keep serving them the next day. Returns how many were voided.
    pub async fn clear_unfinished_tickets(&self) -> Result<usize, Error> {
        let now = self.clock.now();
        let today = super::issue::day_of(self, now)?;
        self.store
            .write(move |conn| {
                audit::lock_chain(conn)?;
                let open: Vec<TicketRow> = queue_tickets::table
                    .inner_join(queue_ticket_details::table)
                    .filter(queue_tickets::status.eq_any([
                        TicketStatus::Waiting.as_str(),
                        TicketStatus::Called.as_str(),
                        TicketStatus::Serving.as_str(),
                    ]))
                    .filter(queue_tickets::day.lt(&today))
                    .order(queue_tickets::id.asc())
                    .limit(CLEAR_BATCH)
                    .select((HotRow::as_select(), DetailRow::as_select()))
                    .load::<(HotRow, DetailRow)>(conn)?
                    .into_iter()
                    .map(TicketRow::from)
                    .collect();
                let mut clears: HashMap<i64, (bool, i64)> = HashMap::new();
                let mut n = 0;
                for mut row in open {
                    let (clear, region_id) = match clears.get(&row.hall_id) {
                        Some(c) => *c,
                        None => {
                            let settings = load_settings(conn, row.hall_id)?;
                            let region: i64 = halls::table
                                .find(row.hall_id)
                                .select(halls::region_id)
                                .get_result(conn)?;
                            clears.insert(row.hall_id, (settings.clear_at_night, region));
                            (settings.clear_at_night, region)
                        }
                    };
                    if !clear {
                        continue;
                    }
                    let before = row.status();
                    let window = match row.window_id {
                        Some(w) => window_loc(conn, w)?,
                        None => None,
                    };
                    row.status = TicketStatus::Void.as_str().to_owned();
                    row.void_reason = Some("cleared".into());
                    row.finished_at = Some(now);
                    diesel::update(
                        queue_tickets::table
                            .filter(queue_tickets::id.eq(row.id))
                            .filter(queue_tickets::status.eq(before.as_str())),
                    )
                    .set((
                        queue_tickets::status.eq(&row.status),
                        queue_tickets::finished_at.eq(now),
                    ))
                    .execute(conn)?;
                    diesel::update(queue_ticket_details::table.find(row.id))
                        .set(queue_ticket_details::void_reason.eq(row.void_reason.as_deref()))
                        .execute(conn)?;
                    close_interval(conn, row.id, now, "clear")?;
                    record_ticket(
                        conn,
                        now,
                        &Actor::system(),
                        region_id,
                        &row,
                        window.as_ref(),
                        ("ticket.clear", "ticket.voided"),
                        Some(before),
                        EventExtra::default(),
                    )?;
                    n += 1;
                }
                Ok(n)
            })
            .await
    }
}

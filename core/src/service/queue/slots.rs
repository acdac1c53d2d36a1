//! Appointment slots: bookable time windows of an area (and item) with a capacity.

use diesel::prelude::*;
use serde_json::json;

use super::issue::{area_prefix, check_item};
use super::{HallLoc, hall_in_scope};
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{AreaId, HallId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{halls, queue_slots, regions};
use crate::wire::queue::{NewSlot, Slot, SlotQuery};
use crate::wire::time;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = queue_slots)]
pub(super) struct SlotRow {
    pub(super) id: i64,
    pub(super) hall_id: i64,
    pub(super) area_id: i64,
    pub(super) item_code: Option<String>,
    pub(super) starts_at: i64,
    pub(super) ends_at: i64,
    pub(super) capacity: i64,
    pub(super) booked: i64,
}

impl SlotRow {
    pub(super) fn wire(&self) -> Slot {
        Slot {
            id: self.id,
            hall_id: HallId(self.hall_id),
            area_id: AreaId(self.area_id),
            item_code: self.item_code.clone(),
            starts_at: time(self.starts_at),
            ends_at: time(self.ends_at),
            capacity: self.capacity,
            booked: self.booked,
        }
    }
}

/// The slot with its hall, or not-found (also outside the caller's scope).
pub(super) fn slot_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: i64,
) -> Result<(SlotRow, HallLoc), Error> {
    let (slot, region_id, path): (SlotRow, i64, String) = queue_slots::table
        .inner_join(
            crate::store::schema::hall_areas::table
                .inner_join(halls::table.inner_join(regions::table)),
        )
        .filter(queue_slots::id.eq(id))
        .select((SlotRow::as_select(), halls::region_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("slot", id))?;
    let hall = HallLoc {
        id: slot.hall_id,
        region_id,
        path,
    };
    caller.check(perm, Permission::QueueRead, &hall.target(), "slot", id)?;
    Ok((slot, hall))
}

impl Services {
    /// Opens a bookable slot in an area of a hall.
    pub async fn create_slot(
        &self,
        caller: &Caller,
        hall: HallId,
        new: NewSlot,
    ) -> Result<Slot, Error> {
        let mut v = Validator::new();
        v.check(
            new.ends_at > new.starts_at,
            "ends_at",
            "must be after starts_at",
        )
        .check(
            (1..=1_000).contains(&new.capacity),
            "capacity",
            "must be 1 to 1000",
        );
        if let Some(code) = &new.item_code {
            v.text(code, "item_code", 64);
        }
        v.finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueManage, hall)?;
                area_prefix(conn, h.id, new.area_id.0)?;
                let item = new.item_code.as_deref().map(str::trim).map(str::to_owned);
                if let Some(code) = &item {
                    check_item(conn, code, "item_code")?;
                }
                let row = SlotRow {
                    id: 0,
                    hall_id: h.id,
                    area_id: new.area_id.0,
                    item_code: item,
                    starts_at: new.starts_at.timestamp_millis(),
                    ends_at: new.ends_at.timestamp_millis(),
                    capacity: new.capacity,
                    booked: 0,
                };
                let id: i64 = diesel::insert_into(queue_slots::table)
                    .values((
                        queue_slots::hall_id.eq(row.hall_id),
                        queue_slots::area_id.eq(row.area_id),
                        queue_slots::item_code.eq(row.item_code.as_deref()),
                        queue_slots::starts_at.eq(row.starts_at),
                        queue_slots::ends_at.eq(row.ends_at),
                        queue_slots::capacity.eq(row.capacity),
                        queue_slots::booked.eq(0_i64),
                        queue_slots::created_at.eq(now),
                    ))
                    .returning(queue_slots::id)
                    .get_result(conn)?;
                let slot = SlotRow { id, ..row }.wire();
                let after = json!(slot);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(h.region_id),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("slot.create", "slot.created", "slot", id)
                    },
                )?;
                Ok(slot)
            })
            .await
    }

    /// A hall's slots starting in `[from, to)` (default: from now on), earliest first.
    pub async fn list_slots(
        &self,
        caller: &Caller,
        hall: HallId,
        query: SlotQuery,
    ) -> Result<Vec<Slot>, Error> {
        let caller = caller.clone();
        let from = query
            .from
            .map_or(self.clock.now(), |t| t.timestamp_millis());
        let to = query.to.map_or(i64::MAX, |t| t.timestamp_millis());
        self.store
            .read(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                let rows: Vec<SlotRow> = queue_slots::table
                    .filter(queue_slots::hall_id.eq(h.id))
                    .filter(queue_slots::starts_at.ge(from))
                    .filter(queue_slots::starts_at.lt(to))
                    .order((queue_slots::starts_at.asc(), queue_slots::id.asc()))
                    .select(SlotRow::as_select())
                    .load(conn)?;
                Ok(rows.iter().map(SlotRow::wire).collect())
            })
            .await
    }
}

//! The hall's front desk (服务台信息录入, R-2.6.4): every enquiry with the item asked about,
//! the answer, any referral and ticket issued, and how long the visitor waited at the desk.
//! Enquiries count in the hot-items analytics.

use diesel::prelude::*;
use serde_json::json;

use super::hall_in_scope;
use super::issue::check_item;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{HallId, UserId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::schema::{queue_desk_enquiries, queue_tickets};
use crate::wire::queue::{Enquiry, NewEnquiry};
use crate::wire::{Page, PageQuery, page_of, time};

#[derive(Queryable, Selectable)]
#[diesel(table_name = queue_desk_enquiries)]
struct EnquiryRow {
    id: i64,
    hall_id: i64,
    item_code: Option<String>,
    question: String,
    answer: String,
    referral: Option<String>,
    ticket_id: Option<i64>,
    desk_wait_ms: i64,
    staff_id: Option<i64>,
    at: i64,
}

impl EnquiryRow {
    fn wire(self) -> Enquiry {
        Enquiry {
            id: self.id,
            hall_id: HallId(self.hall_id),
            item_code: self.item_code,
            question: self.question,
            answer: self.answer,
            referral: self.referral,
            ticket_id: self.ticket_id,
            desk_wait_seconds: self.desk_wait_ms / 1_000,
            staff_id: self.staff_id.map(UserId),
            at: time(self.at),
        }
    }
}

impl Services {
    /// Records one front-desk enquiry.
    pub async fn record_enquiry(
        &self,
        caller: &Caller,
        hall: HallId,
        new: NewEnquiry,
    ) -> Result<Enquiry, Error> {
        let mut v = Validator::new();
        v.text(&new.question, "question", 2_000)
            .text(&new.answer, "answer", 2_000)
            .check(
                (0..=86_400).contains(&new.desk_wait_seconds),
                "desk_wait_seconds",
                "must be 0 to 86400",
            );
        if let Some(r) = &new.referral {
            v.text(r, "referral", 200);
        }
        if let Some(c) = &new.item_code {
            v.text(c, "item_code", 64);
        }
        v.finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueTake, hall)?;
                let item = new.item_code.as_deref().map(str::trim).map(str::to_owned);
                if let Some(code) = &item {
                    check_item(conn, code, "item_code")?;
                }
                if let Some(t) = new.ticket_id {
                    let owner: Option<i64> = queue_tickets::table
                        .find(t)
                        .select(queue_tickets::hall_id)
                        .get_result(conn)
                        .optional()?;
                    if owner != Some(h.id) {
                        return Err(Error::invalid("ticket_id", "no such ticket in this hall"));
                    }
                }
                let row = EnquiryRow {
                    id: 0,
                    hall_id: h.id,
                    item_code: item,
                    question: new.question.trim().to_owned(),
                    answer: new.answer.trim().to_owned(),
                    referral: new.referral.as_deref().map(str::trim).map(str::to_owned),
                    ticket_id: new.ticket_id,
                    desk_wait_ms: new.desk_wait_seconds * 1_000,
                    staff_id: Some(caller.user_id.0),
                    at: now,
                };
                let id: i64 = diesel::insert_into(queue_desk_enquiries::table)
                    .values((
                        queue_desk_enquiries::hall_id.eq(row.hall_id),
                        queue_desk_enquiries::item_code.eq(row.item_code.as_deref()),
                        queue_desk_enquiries::question.eq(&row.question),
                        queue_desk_enquiries::answer.eq(&row.answer),
                        queue_desk_enquiries::referral.eq(row.referral.as_deref()),
                        queue_desk_enquiries::ticket_id.eq(row.ticket_id),
                        queue_desk_enquiries::desk_wait_ms.eq(row.desk_wait_ms),
                        queue_desk_enquiries::staff_id.eq(row.staff_id),
                        queue_desk_enquiries::at.eq(now),
                    ))
                    .returning(queue_desk_enquiries::id)
                    .get_result(conn)?;
                let e = EnquiryRow { id, ..row }.wire();
                let after = json!(e);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(h.region_id),
                        after: Some(after.clone()),
                        payload: json!({"enquiry_id": id, "hall_id": h.id, "item_code": e.item_code, "ticket_id": e.ticket_id}),
                        ..Change::new("desk.enquiry", "desk.enquiry_recorded", "enquiry", id)
                    },
                )?;
                Ok(e)
            })
            .await
    }

    /// The hall's front-desk enquiries, oldest first.
    pub async fn list_enquiries(
        &self,
        caller: &Caller,
        hall: HallId,
        page: PageQuery,
    ) -> Result<Page<Enquiry>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let h = hall_in_scope(conn, &caller, Permission::QueueRead, hall)?;
                let limit = page.limit();
                let rows: Vec<EnquiryRow> = queue_desk_enquiries::table
                    .filter(queue_desk_enquiries::hall_id.eq(h.id))
                    .filter(queue_desk_enquiries::id.gt(page.after()))
                    .order(queue_desk_enquiries::id.asc())
                    .limit(limit + 1)
                    .select(EnquiryRow::as_select())
                    .load(conn)?;
                Ok(page_of(
                    rows.into_iter().map(EnquiryRow::wire).collect(),
                    limit,
                    |e| e.id,
                ))
            })
            .await
    }
}

//! Supervision orders (督查督办, R-2.6.1.5/6): issued from an anomaly or straight from a case to
//! the window head with a reply deadline in working days; the reply gives cause and correction
//! and confirms or disputes the anomaly; the office closes the order. Orders not answered in
//! time are escalated by the leader's `supervision-orders` job.

use chrono::{Days, TimeZone};
use diesel::prelude::*;
use serde_json::json;

use super::anomalies::transition;
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::DepartmentId;
use crate::domain::supervision::cards::AnomalyAction;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, calendar, local_date};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{anomalies, cases, regions, supervision_orders};
use crate::wire::supervision::{
    CloseOrder, CloseOutcome, NewOrder, OrderQuery, OrderReply, OrderStatus, ReplyVerdict,
    StoredReply, SupervisionOrder,
};
use crate::wire::{Page, PageQuery, page_of, time};

const MAX_TEXT: usize = 2_000;

/// A stored order.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = supervision_orders)]
pub(crate) struct OrderRow {
    pub id: i64,
    pub order_no: String,
    pub anomaly_id: Option<i64>,
    pub case_id: i64,
    pub region_id: i64,
    pub department_id: i64,
    pub addressee: String,
    pub content: String,
    pub status: String,
    pub reply_due_at: i64,
    pub reply: Option<String>,
    pub replied_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

impl OrderRow {
    pub(crate) fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::Closed)
    }

    pub(crate) fn reply(&self) -> Option<StoredReply> {
        self.reply
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
    }

    pub(crate) fn wire(&self, case_no: &str) -> SupervisionOrder {
        SupervisionOrder {
            id: self.id,
            order_no: self.order_no.clone(),
            anomaly_id: self.anomaly_id,
            case_id: self.case_id,
            case_no: case_no.to_owned(),
            region_id: self.region_id,
            department_id: self.department_id,
            addressee: self.addressee.clone(),
            content: self.content.clone(),
            status: self.status(),
            reply_due_at: time(self.reply_due_at),
            reply: self.reply(),
            replied_at: self.replied_at.map(time),
            closed_at: self.closed_at.map(time),
            escalated_at: self.escalated_at.map(time),
            created_by: self.created_by.clone(),
            created_at: time(self.created_at),
        }
    }
}

/// An order with its case's number and its region's path.
pub(crate) fn located_order(
    conn: &mut DbConn,
    id: i64,
) -> Result<(OrderRow, String, String), Error> {
    supervision_orders::table
        .inner_join(cases::table)
        .inner_join(regions::table.on(regions::id.eq(supervision_orders::region_id)))
        .filter(supervision_orders::id.eq(id))
        .select((OrderRow::as_select(), cases::case_no, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("supervision order", id))
}

fn target<'a>(row: &OrderRow, path: &'a str) -> Target<'a> {
    Target {
        region_path: Some(path),
        department_id: Some(DepartmentId(row.department_id)),
        owner_id: None,
    }
}

/// Readers of an order: the office (supervision.read) and the window it is addressed to
/// (supervision.reply); others get not-found.
pub(crate) fn check_read(caller: &Caller, row: &OrderRow, path: &str) -> Result<(), Error> {
    let t = target(row, path);
    if caller.may(Permission::SupervisionRead, &t) || caller.may(Permission::SupervisionReply, &t) {
        Ok(())
    } else {
        Err(Error::not_found("supervision order", row.id))
    }
}

fn check_perm(caller: &Caller, perm: Permission, row: &OrderRow, path: &str) -> Result<(), Error> {
    check_read(caller, row, path)?;
    if caller.may(perm, &target(row, path)) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "this needs {} over the order's region or department",
            perm.as_str()
        )))
    }
}

/// The start of the day after the N-th working day after today: when a reply is overdue.
pub(crate) fn reply_due(now: Millis, tz: chrono_tz::Tz, days: u32) -> Result<Millis, Error> {
    let cal = calendar()?;
    let cal = &*cal;
    let due = cal.add_working_days(local_date(now, tz), days);
    let after = due
        .checked_add_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| Error::Internal("reply deadline out of range".into()))?;
    tz.from_local_datetime(&after)
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| Error::Internal("reply deadline has no local time".into()))
}

fn record(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &OrderRow,
    action: &str,
    event: &str,
    before: Option<&str>,
) -> Result<(), Error> {
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            before: before.map(|b| json!({"status": b})),
            after: Some(json!({"status": row.status, "reply_due_at": row.reply_due_at})),
            payload: json!({
                "order_no": row.order_no, "case_id": row.case_id, "anomaly_id": row.anomaly_id,
                "addressee": row.addressee, "status": row.status,
            }),
            ..Change::new(action, event, "supervision_order", row.id)
        },
    )?;
    Ok(())
}

/// Overdue orders are escalated: one audited change each, in one transaction.
pub async fn escalate_overdue(services: Services) -> Result<String, Error> {
    let now = services.clock.now();
    // A read first: most runs find nothing and need no write transaction.
    let any: Option<i64> = services
        .store
        .read(move |conn| {
            Ok(supervision_orders::table
                .filter(supervision_orders::status.eq(OrderStatus::Issued.as_str()))
                .filter(supervision_orders::reply_due_at.le(now))
                .select(diesel::dsl::min(supervision_orders::id))
                .get_result(conn)?)
        })
        .await?;
    if any.is_none() {
        return Ok("no overdue orders".into());
    }
    let n = services
        .store
        .write(move |conn| {
            let due: Vec<OrderRow> = supervision_orders::table
                .filter(supervision_orders::status.eq(OrderStatus::Issued.as_str()))
                .filter(supervision_orders::reply_due_at.le(now))
                .order(supervision_orders::id.asc())
                .limit(500)
                .select(OrderRow::as_select())
                .load(conn)?;
            for mut row in due.iter().cloned() {
                diesel::update(supervision_orders::table.find(row.id))
                    .set((
                        supervision_orders::status.eq(OrderStatus::Escalated.as_str()),
                        supervision_orders::escalated_at.eq(now),
                    ))
                    .execute(conn)?;
                row.status = OrderStatus::Escalated.as_str().into();
                record(
                    conn,
                    now,
                    &Actor::system(),
                    &row,
                    "supervision_order.escalate",
                    "supervision_order.escalated",
                    Some(OrderStatus::Issued.as_str()),
                )?;
            }
            Ok(due)
        })
        .await?;
    for row in &n {
        let subject = format!("督办单逾期未复 {}", row.order_no);
        let body = format!(
            "{no}\n督办单逾期未回复,已升级。\n承办窗口负责人:{to}\n督办事由:{content}\n",
            no = row.order_no,
            to = row.addressee,
            content = row.content,
        );
        super::notify::send(&services, &[], &subject, body).await;
    }
    Ok(format!("{} overdue orders escalated", n.len()))
}

impl Services {
    /// Issues an order from an anomaly (which moves to `ordered`) or straight from a case.
    pub async fn issue_order(
        &self,
        caller: &Caller,
        new: NewOrder,
    ) -> Result<SupervisionOrder, Error> {
        let mut v = Validator::new();
        v.text(&new.addressee, "addressee", 200);
        v.text(&new.content, "content", MAX_TEXT);
        v.check(
            new.anomaly_id.is_some() != new.case_id.is_some(),
            "anomaly_id",
            "name either an anomaly or a case",
        );
        let days = new.reply_days.unwrap_or(3);
        v.check(
            (1..=30).contains(&days),
            "reply_days",
            "1 to 30 working days",
        );
        v.finish()?;
        super::notify::check_addresses(&new.notify)?;
        let notify = new.notify.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let due = reply_due(now, tz, days)?;
        let caller = caller.clone();
        let order = self
            .store
            .write(move |conn| {
                let case_id = match new.anomaly_id {
                    Some(a) => anomalies::table
                        .find(a)
                        .select(anomalies::case_id)
                        .get_result(conn)
                        .optional()?
                        .ok_or_else(|| Error::not_found("anomaly", a))?,
                    None => new.case_id.unwrap_or(0),
                };
                let (case, path): (CaseRow, String) = cases::table
                    .inner_join(regions::table)
                    .filter(cases::id.eq(case_id))
                    .select((CaseRow::as_select(), regions::path))
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("case", case_id))?;
                let t = Target {
                    region_path: Some(&path),
                    department_id: Some(DepartmentId(case.department_id)),
                    owner_id: None,
                };
                caller.check(
                    Permission::SupervisionManage,
                    Permission::SupervisionRead,
                    &t,
                    "case",
                    case_id,
                )?;
                if let Some(a) = new.anomaly_id {
                    transition(
                        conn,
                        now,
                        &caller,
                        a,
                        AnomalyAction::Order,
                        Some(&new.content),
                    )?;
                }
                let id: i64 = diesel::insert_into(supervision_orders::table)
                    .values((
                        supervision_orders::order_no.eq(format!("pending-{now}-{case_id}")),
                        supervision_orders::anomaly_id.eq(new.anomaly_id),
                        supervision_orders::case_id.eq(case_id),
                        supervision_orders::region_id.eq(case.region_id),
                        supervision_orders::department_id.eq(case.department_id),
                        supervision_orders::addressee.eq(new.addressee.trim()),
                        supervision_orders::content.eq(new.content.trim()),
                        supervision_orders::status.eq(OrderStatus::Issued.as_str()),
                        supervision_orders::reply_due_at.eq(due),
                        supervision_orders::created_by.eq(&caller.username),
                        supervision_orders::created_at.eq(now),
                    ))
                    .returning(supervision_orders::id)
                    .get_result(conn)?;
                let order_no = format!("DB-{}-{id:06}", local_date(now, tz).format("%Y%m%d"));
                diesel::update(supervision_orders::table.find(id))
                    .set(supervision_orders::order_no.eq(&order_no))
                    .execute(conn)?;
                let (row, case_no, _) = located_order(conn, id)?;
                record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    &row,
                    "supervision_order.issue",
                    "supervision_order.issued",
                    None,
                )?;
                Ok(row.wire(&case_no))
            })
            .await?;
        let body = format!(
            "{no}\n督查督办通知单\n承办窗口负责人:{to}\n办件编号:{case}\n督办事由:{content}\n\
             回复期限:{due}前\n请登录一网平台回复原因及整改情况。\n",
            no = order.order_no,
            to = order.addressee,
            case = order.case_no,
            content = order.content,
            due = (order.reply_due_at - chrono::Duration::milliseconds(1))
                .with_timezone(&tz)
                .format("%Y年%m月%d日"),
        );
        let subject = format!("督查督办通知单 {}", order.order_no);
        super::notify::send(self, &notify, &subject, body).await;
        Ok(order)
    }

    /// Orders the caller may read (the office's, or those addressed to the caller's windows).
    pub async fn list_orders(
        &self,
        caller: &Caller,
        query: OrderQuery,
    ) -> Result<Page<SupervisionOrder>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let read = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                let reply = ScopeSql::load(conn, &caller, Permission::SupervisionReply)?;
                if read.is_empty() && reply.is_empty() {
                    return Err(Error::forbidden(
                        "reading orders needs supervision.read or supervision.reply",
                    ));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = supervision_orders::table
                    .inner_join(cases::table)
                    .filter(supervision_orders::id.gt(page.after()))
                    .order(supervision_orders::id.asc())
                    .limit(limit + 1)
                    .select((OrderRow::as_select(), cases::case_no))
                    .into_boxed();
                let scope = read.union(reply);
                if !scope.global {
                    q = q.filter(
                        supervision_orders::region_id
                            .eq_any(scope.region_ids)
                            .or(supervision_orders::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(supervision_orders::status.eq(s.as_str()));
                }
                if let Some(c) = query.case_id {
                    q = q.filter(supervision_orders::case_id.eq(c));
                }
                let rows: Vec<(OrderRow, String)> = q.load(conn)?;
                let items = rows.iter().map(|(r, no)| r.wire(no)).collect();
                Ok(page_of(items, limit, |o: &SupervisionOrder| o.id))
            })
            .await
    }

    /// One order.
    pub async fn get_order(&self, caller: &Caller, id: i64) -> Result<SupervisionOrder, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, case_no, path) = located_order(conn, id)?;
                check_read(&caller, &row, &path)?;
                Ok(row.wire(&case_no))
            })
            .await
    }

    /// The window head's reply: cause, correction, confirming or disputing the anomaly.
    pub async fn reply_to_order(
        &self,
        caller: &Caller,
        id: i64,
        reply: OrderReply,
    ) -> Result<SupervisionOrder, Error> {
        let mut v = Validator::new();
        v.text(&reply.cause, "cause", MAX_TEXT);
        v.text(&reply.correction, "correction", MAX_TEXT);
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, path) = located_order(conn, id)?;
                check_perm(&caller, Permission::SupervisionReply, &row, &path)?;
                let before = row.status();
                if !matches!(before, OrderStatus::Issued | OrderStatus::Escalated) {
                    return Err(Error::Conflict {
                        message: format!("a {} order takes no reply", before.as_str()),
                        allowed: Vec::new(),
                    });
                }
                let stored = StoredReply {
                    cause: reply.cause.trim().to_owned(),
                    correction: reply.correction.trim().to_owned(),
                    verdict: reply.verdict,
                    by: caller.username.clone(),
                };
                let text = serde_json::to_string(&stored)
                    .map_err(|e| Error::Internal(format!("order reply: {e}")))?;
                diesel::update(supervision_orders::table.find(id))
                    .set((
                        supervision_orders::status.eq(OrderStatus::Replied.as_str()),
                        supervision_orders::reply.eq(text),
                        supervision_orders::replied_at.eq(now),
                    ))
                    .execute(conn)?;
                if let Some(a) = row.anomaly_id {
                    let verdict = match reply.verdict {
                        ReplyVerdict::Confirm => "确认异常",
                        ReplyVerdict::Dispute => "认为不属异常",
                    };
                    let note = format!("{verdict}:{}", stored.cause);
                    transition(conn, now, &caller, a, AnomalyAction::Reply, Some(&note))?;
                }
                let (row, case_no, _) = located_order(conn, id)?;
                record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    &row,
                    "supervision_order.reply",
                    "supervision_order.replied",
                    Some(before.as_str()),
                )?;
                Ok(row.wire(&case_no))
            })
            .await
    }

    /// The office closes an order, confirming or dismissing its anomaly.
    pub async fn close_order(
        &self,
        caller: &Caller,
        id: i64,
        close: CloseOrder,
    ) -> Result<SupervisionOrder, Error> {
        let mut v = Validator::new();
        v.check(
            close.note.chars().count() <= MAX_TEXT,
            "note",
            "must be at most 2000 characters",
        );
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, path) = located_order(conn, id)?;
                check_perm(&caller, Permission::SupervisionManage, &row, &path)?;
                let before = row.status();
                if before == OrderStatus::Closed {
                    return Err(Error::conflict("the order is closed already"));
                }
                diesel::update(supervision_orders::table.find(id))
                    .set((
                        supervision_orders::status.eq(OrderStatus::Closed.as_str()),
                        supervision_orders::closed_at.eq(now),
                    ))
                    .execute(conn)?;
                if let Some(a) = row.anomaly_id {
                    let action = match (before, close.outcome) {
                        (OrderStatus::Replied, CloseOutcome::Confirmed) => AnomalyAction::Confirm,
                        (OrderStatus::Replied, CloseOutcome::Dismissed) => AnomalyAction::Dismiss,
                        _ => AnomalyAction::Close,
                    };
                    let note = Some(close.note.trim()).filter(|n| !n.is_empty());
                    transition(conn, now, &caller, a, action, note)?;
                }
                let (row, case_no, _) = located_order(conn, id)?;
                record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    &row,
                    "supervision_order.close",
                    "supervision_order.closed",
                    Some(before.as_str()),
                )?;
                Ok(row.wire(&case_no))
            })
            .await
    }

    /// The order as an A4 page to print and sign (Chinese, with the bureau's header).
    pub async fn print_order(&self, caller: &Caller, id: i64) -> Result<String, Error> {
        let caller = caller.clone();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let (row, case_no, path) = located_order(conn, id)?;
                check_read(&caller, &row, &path)?;
                let case: CaseRow = cases::table
                    .find(row.case_id)
                    .select(CaseRow::as_select())
                    .get_result(conn)?;
                let bureau: String = regions::table
                    .filter(regions::parent_id.is_null())
                    .select(regions::name)
                    .get_result(conn)
                    .optional()?
                    .unwrap_or_default();
                let item = case.details()?.item_name;
                Ok(super::print::order_page(&bureau, &row, &case_no, &item, tz))
            })
            .await
    }
}

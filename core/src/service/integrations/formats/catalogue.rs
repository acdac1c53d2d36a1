//! Provincial catalogue sync, outgoing (事项同步, R-2.1.4): every published, changed, retired
//! or kept item version sends the version as it stands, in the province's item shape:
//!
//! ```json
//! {"sys_code": "350100-YW", "sync_id": "yiwang:catalogue:42", "event_type": "item.published",
//!  "event_time": "2026-12-01T08:00:00Z",
//!  "item": {"item_code": "11350100MB0001-001", "region_code": "350102",
//!           "department_code": "SCJ", "version": 3, "status": "published",
//!           "change_kind": "change", "published_at": "…", "retired_at": null,
//!           "content": {"item_code": "…", "name": "食品经营许可", "item_type": "licensing", …}}}
//! ```
//! The province keeps the highest version per region and item code. A retirement because a
//! newer version was published is not sent (the newer version says it), nor is a version that
//! is the province's own change applied here. The answer must be 2xx JSON with a non-empty
//! `receipt_id`; from then on the province has seen that version (`catalogue_sync_items`).

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use super::payload;
use crate::error::Error;
use crate::service::catalogue::ItemRow;
use crate::service::catalogue_sync::{OURS, from_province, mark_synced};
use crate::store::DbConn;
use crate::store::schema::{catalogue_items, departments, events, regions};
use crate::wire::time;

/// The version an event owes the province, with its region's and department's codes; `None`
/// when the event owes it nothing.
fn owed(conn: &mut DbConn, event: &EventRow) -> Result<Option<(ItemRow, String, String)>, Error> {
    if event.entity != "item" {
        return Ok(None);
    }
    if event.kind == "item.retired" && payload(event)["reason"] == "superseded" {
        return Ok(None);
    }
    let Some((row, region_code, department_code)) = catalogue_items::table
        .inner_join(regions::table)
        .inner_join(departments::table)
        .filter(catalogue_items::id.eq(event.entity_id))
        .select((ItemRow::as_select(), regions::code, departments::code))
        .get_result::<(ItemRow, String, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let echo = event.kind != "catalogue_sync.kept" && from_province(conn, &row)?;
    Ok((!echo).then_some((row, region_code, department_code)))
}

pub(crate) fn body(
    conn: &mut DbConn,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    let Some((row, region_code, department_code)) = owed(conn, event)? else {
        return Ok(None);
    };
    let content = row.content()?;
    Ok(Some(json!({
        "sys_code": cfg.system_code,
        "sync_id": key,
        "event_type": event.kind,
        "event_time": time(event.at),
        "item": {
            "item_code": row.item_code, "region_code": region_code,
            "department_code": department_code, "version": row.version,
            "status": row.status, "change_kind": row.change_kind,
            "published_at": row.published_at.map(time), "retired_at": row.retired_at.map(time),
            "content": content,
        },
    })))
}

/// The province acknowledged the version an event sent: both sides agree on it now.
pub(crate) fn delivered(
    conn: &mut DbConn,
    connector: &str,
    event_id: i64,
    now: i64,
) -> Result<(), Error> {
    let Some(event) = events::table
        .find(event_id)
        .select(EventRow::as_select())
        .get_result(conn)
        .optional()?
    else {
        return Ok(());
    };
    if let Some((row, _, _)) = owed(conn, &event)? {
        mark_synced(conn, connector, &row, OURS, now)?;
    }
    Ok(())
}

//! The 12345 hotline (R-2.4.2): a complaint the hotline brought in (`source` `hotline`) has its
//! outcome reported back when it is published (`complaint.published`), under the hotline's own
//! work-order number:
//!
//! ```json
//! {"report_id": "yiwang:hotline:42", "sys_code": "350100-YW", "work_order_no": "12345-0001",
//!  "complaint_no": "TS-20261201-000001", "status": "concluded",
//!  "result": "经核实……", "concluded_at": "2026-12-03T08:00:00Z"}
//! ```
//! The result is the published notice's text (public by nature); the complainant's data is not
//! sent back. Other complaints owe the hotline nothing. The answer must be 2xx, empty or JSON.

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{complaint_steps, complaints};
use crate::wire::time;

pub(crate) fn body(
    conn: &mut DbConn,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    if event.entity != "complaint" {
        return Ok(None);
    }
    let Some((no, source, source_ref)) = complaints::table
        .find(event.entity_id)
        .select((
            complaints::complaint_no,
            complaints::source,
            complaints::source_ref,
        ))
        .get_result::<(String, String, Option<String>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    if source != "hotline" {
        return Ok(None);
    }
    let Some((text, at)) = complaint_steps::table
        .filter(complaint_steps::complaint_id.eq(event.entity_id))
        .filter(complaint_steps::step.eq("publish"))
        .order(complaint_steps::id.desc())
        .select((complaint_steps::body, complaint_steps::at))
        .first::<(String, i64)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(json!({
        "report_id": key,
        "sys_code": cfg.system_code,
        "work_order_no": source_ref,
        "complaint_no": no,
        "status": "concluded",
        "result": text,
        "concluded_at": time(at),
    })))
}

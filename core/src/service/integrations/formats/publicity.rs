//! Double publicity (双公示, R-2.2.1.6): each concluded licensing decision (`publicity.opened`,
//! written with the approval) goes to the credit platform in the fields its department chose:
//!
//! ```json
//! {"sys_code": "350100-YW", "report_id": "yiwang:credit:42", "category": "行政许可",
//!  "department_code": "SCJ",
//!  "decision": {"case_no": "…", "item_name": "食品经营许可", "decision": "准予许可",
//!               "decided_at": "2026-12-01T08:00:00Z", "applicant_name": "张*", …}}
//! ```
//! `case_no` is always there; personal data only masked (a person's name keeps its first
//! character, an ID number its first 6 and last 4). The answer must be 2xx JSON with a
//! non-empty `receipt_id`, which marks the report as made; the platform's validation comes
//! back later through `POST /connectors/NAME/publicity-results`, naming the `report_id`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use crate::crypto::mask;
use crate::error::Error;
use crate::service::cases::CaseRow;
use crate::service::catalogue::ItemRow;
use crate::service::publicity::fields::selected;
use crate::service::publicity::{report_of, reported};
use crate::store::DbConn;
use crate::store::schema::{cases, catalogue_items, departments, events, licenses, regions};
use crate::wire::cases::ApplicantKind;
use crate::wire::time;

/// The event that owes the platform a case's decision.
const OPENED: &str = "publicity.opened";

pub(crate) fn body(
    conn: &mut DbConn,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    if event.entity != "case" || event.kind != OPENED {
        return Ok(None);
    }
    let Some(report) = report_of(conn, event.entity_id)? else {
        return Ok(None);
    };
    let (row, region_code): (CaseRow, String) = cases::table
        .inner_join(regions::table)
        .filter(cases::id.eq(report.case_id))
        .select((CaseRow::as_select(), regions::code))
        .get_result(conn)?;
    let d = row.details()?;
    let (department_code, department_name): (String, String) = departments::table
        .find(row.department_id)
        .select((departments::code, departments::name))
        .get_result(conn)?;
    let item: ItemRow = catalogue_items::table
        .find(row.item_id)
        .select(ItemRow::as_select())
        .get_result(conn)?;
    let license: Option<(String, String, String)> = licenses::table
        .filter(licenses::case_id.eq(row.id))
        .order(licenses::id.asc())
        .select((
            licenses::license_no,
            licenses::valid_from,
            licenses::valid_to,
        ))
        .first(conn)
        .optional()?;
    let name = match d.applicant_kind {
        ApplicantKind::Person => mask(&d.applicant_name, 1, 0),
        ApplicantKind::Organisation => d.applicant_name.clone(),
    };
    let (license_no, valid_from, valid_to) = match license {
        Some((no, from, to)) => (json!(no), json!(from), json!(to)),
        None => (Value::Null, Value::Null, Value::Null),
    };
    let all: BTreeMap<&str, Value> = BTreeMap::from([
        ("case_no", json!(row.case_no)),
        ("item_code", json!(row.item_code)),
        ("item_name", json!(d.item_name)),
        ("decision", json!("准予许可")),
        (
            "decided_at",
            json!(time(d.concluded_at.unwrap_or(report.concluded_at))),
        ),
        ("applicant_kind", json!(d.applicant_kind)),
        ("applicant_name", json!(name)),
        ("applicant_id", json!(d.id_masked)),
        ("license_no", license_no),
        ("license_valid_from", valid_from),
        ("license_valid_to", valid_to),
        ("department_name", json!(department_name)),
        ("region_code", json!(region_code)),
        ("legal_basis", json!(item.content()?.legal_basis)),
    ]);
    let decision: serde_json::Map<String, Value> = selected(conn, row.department_id)?
        .into_iter()
        .filter_map(|f| all.get(f.as_str()).map(|v| (f, v.clone())))
        .collect();
    Ok(Some(json!({
        "sys_code": cfg.system_code,
        "report_id": key,
        "category": "行政许可",
        "department_code": department_code,
        "decision": decision,
    })))
}

/// The platform acknowledged a report: the case's decision is reported.
pub(crate) fn delivered(
    conn: &mut DbConn,
    event_id: i64,
    receipt: Option<&str>,
    now: i64,
) -> Result<(), Error> {
    let event: Option<(String, String, i64)> = events::table
        .find(event_id)
        .select((events::kind, events::entity, events::entity_id))
        .get_result(conn)
        .optional()?;
    match event {
        Some((kind, entity, case_id)) if kind == OPENED && entity == "case" => {
            reported(conn, case_id, receipt, now)
        }
        _ => Ok(()),
    }
}

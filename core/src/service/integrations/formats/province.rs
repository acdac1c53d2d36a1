//! Provincial case reporting (办件报送, R-2.2.1.2): every event of a case sends the case as it
//! stands now, in the province's case-data shape. The province keeps the latest report per
//! `case_no` (a later report of the same case supersedes an earlier one, so retries and the
//! order of arrival do not matter) and acknowledges each with its receipt id, which is stored
//! and compared by the reconciliation.
//!
//! ```json
//! {"sys_code": "yiwang", "report_id": "yiwang:province:42", "event_type": "case.accepted",
//!  "event_time": "2026-12-01T08:00:00Z",
//!  "case": {"case_no": "…", "item_code": "…", "region_code": "350102", "status": "accepted",
//!           "channel": "window", "submitted_at": "…", "concluded_at": null,
//!           "applicant": {"kind": "person", "name": "张*", "id_number": "110105********0021"},
//!           "steps": [{"time": "…", "actor": "staff_a", "action": "accept",
//!                      "result": "accepted", "opinion": null}]}}
//! ```
//! The applicant is masked as the province requires: a person's name keeps its first
//! character, an ID number its first 6 and last 4; an organisation's name is public.
//! The answer must be 2xx JSON with a non-empty `receipt_id`.

use diesel::prelude::*;
use serde_json::{Value, json};

use super::super::config::ConnectorConfig;
use super::super::deliveries::EventRow;
use super::excerpt;
use crate::crypto::mask;
use crate::error::Error;
use crate::service::cases::CaseRow;
use crate::store::DbConn;
use crate::store::schema::{case_history, cases, regions};
use crate::wire::cases::ApplicantKind;
use crate::wire::time;

pub(crate) fn body(
    conn: &mut DbConn,
    cfg: &ConnectorConfig,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    if event.entity != "case" {
        return Ok(None);
    }
    let Some((row, region_code)) = cases::table
        .inner_join(regions::table)
        .filter(cases::id.eq(event.entity_id))
        .select((CaseRow::as_select(), regions::code))
        .get_result::<(CaseRow, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let details = row.details()?;
    let name = match details.applicant_kind {
        ApplicantKind::Person => mask(&details.applicant_name, 1, 0),
        ApplicantKind::Organisation => details.applicant_name.clone(),
    };
    type Step = (i64, String, String, String, Option<String>);
    let steps: Vec<Step> = case_history::table
        .filter(case_history::case_id.eq(row.id))
        .order(case_history::id.asc())
        .select((
            case_history::at,
            case_history::actor,
            case_history::action,
            case_history::status,
            case_history::opinion,
        ))
        .load(conn)?;
    let steps: Vec<Value> = steps
        .into_iter()
        .map(|(at, actor, action, status, opinion)| {
            json!({"time": time(at), "actor": actor, "action": action, "result": status,
                   "opinion": opinion})
        })
        .collect();
    Ok(Some(json!({
        "sys_code": cfg.system_code,
        "report_id": key,
        "event_type": event.kind,
        "event_time": time(event.at),
        "case": {
            "case_no": row.case_no, "item_code": row.item_code, "region_code": region_code,
            "status": row.status, "channel": row.channel,
            "submitted_at": time(row.submitted_at),
            "concluded_at": details.concluded_at.map(time),
            "applicant": {"kind": details.applicant_kind, "name": name,
                          "id_number": details.id_masked},
            "steps": steps,
        },
    })))
}

pub(crate) fn accept(body: &str) -> Result<Option<String>, String> {
    let v: Value = serde_json::from_str(body)
        .map_err(|_| format!("the answer is not JSON: {}", excerpt(body)))?;
    match v.get("receipt_id").and_then(Value::as_str).map(str::trim) {
        Some(r) if !r.is_empty() => Ok(Some(r.to_owned())),
        _ => Err(format!("the answer has no receipt_id: {}", excerpt(body))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_receipt_acknowledges() {
        assert_eq!(accept(r#"{"receipt_id":"SX-1"}"#), Ok(Some("SX-1".into())));
        assert!(accept(r#"{"receipt_id":" "}"#).is_err());
        assert!(accept(r#"{"ok":true}"#).is_err());
        assert!(accept("").is_err());
        assert!(accept("garbage").is_err());
    }
}

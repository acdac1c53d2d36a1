//! Pushes to a regulating department (审管互动, R-2.3, R-2.2.5): every event of a case of an
//! item the regulator is set up for sends the case as it stands, cut down to the fields the
//! regulator may receive (the filter of supervision information). A case of another item, or
//! a connector with no active regulator, owes nothing.
//!
//! ```json
//! {"push_id": "yiwang:scj:42", "regulator": "scj", "event_type": "case.approved",
//!  "event_time": "2026-12-01T08:00:00Z", "feedback_days": 5,
//!  "case": {"case_no": "…", "item_code": "…", "item_name": "…", "status": "approved",
//!           "applicant": {"kind": "organisation", "name": "…", "number": "913501********Y43"},
//!           "steps": [{"time": "…", "actor": "…", "action": "approve", "result": "approved",
//!                      "opinion": "…"}],
//!           "license": {"license_no": "DZZZ-…", "kind": "…", "valid_from": "…",
//!                       "valid_to": "…"}}}
//! ```
//! Numbers are always masked; a person's name keeps its first character. The regulator
//! acknowledges with a 2xx JSON answer carrying a non-empty `receipt_id`; an acknowledged
//! result (`case.approved`, `case.denied`) then waits for the regulator's feedback.

use diesel::prelude::*;
use serde_json::{Map, Value, json};

use super::super::deliveries::EventRow;
use crate::crypto::mask;
use crate::domain::regulation::PushField;
use crate::error::Error;
use crate::service::cases::CaseRow;
use crate::service::regulators::by_connector;
use crate::store::DbConn;
use crate::store::schema::{case_history, cases, licenses, regions};
use crate::wire::cases::ApplicantKind;
use crate::wire::time;

pub(crate) fn body(
    conn: &mut DbConn,
    connector: &str,
    event: &EventRow,
    key: &str,
) -> Result<Option<Value>, Error> {
    if event.entity != "case" {
        return Ok(None);
    }
    let Some(regulator) = by_connector(conn, connector)?.filter(|r| r.active) else {
        return Ok(None);
    };
    let Some((row, region_code)) = cases::table
        .inner_join(regions::table)
        .filter(cases::id.eq(event.entity_id))
        .select((CaseRow::as_select(), regions::code))
        .get_result::<(CaseRow, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    if !regulator.item_codes().contains(&row.item_code) {
        return Ok(None);
    }
    let fields = regulator.fields();
    let has = |f: PushField| fields.contains(&f);
    let d = row.details()?;
    let mut case = Map::new();
    if has(PushField::CaseNo) {
        case.insert("case_no".into(), json!(row.case_no));
    }
    if has(PushField::Item) {
        case.insert("item_code".into(), json!(row.item_code));
        case.insert("item_name".into(), json!(d.item_name));
    }
    if has(PushField::Region) {
        case.insert("region_code".into(), json!(region_code));
        case.insert("department_id".into(), json!(row.department_id));
    }
    if has(PushField::Status) {
        case.insert("status".into(), json!(row.status));
    }
    if has(PushField::Applicant) {
        let name = match d.applicant_kind {
            ApplicantKind::Person => mask(&d.applicant_name, 1, 0),
            ApplicantKind::Organisation => d.applicant_name.clone(),
        };
        case.insert(
            "applicant".into(),
            json!({"kind": d.applicant_kind, "name": name, "number": d.id_masked}),
        );
    }
    if has(PushField::Times) {
        case.insert("submitted_at".into(), json!(time(row.submitted_at)));
        case.insert("accepted_at".into(), json!(row.accepted_at.map(time)));
        case.insert("concluded_at".into(), json!(d.concluded_at.map(time)));
    }
    if has(PushField::Steps) || has(PushField::Opinions) {
        case.insert("steps".into(), steps(conn, row.id, &fields)?);
    }
    if has(PushField::License) {
        let license: Option<(String, String, String, String)> = licenses::table
            .filter(licenses::case_id.eq(row.id))
            .select((
                licenses::license_no,
                licenses::kind,
                licenses::valid_from,
                licenses::valid_to,
            ))
            .get_result(conn)
            .optional()?;
        case.insert(
            "license".into(),
            json!(license.map(|(no, kind, from, to)| json!({
                "license_no": no, "kind": kind, "valid_from": from, "valid_to": to,
            }))),
        );
    }
    Ok(Some(json!({
        "push_id": key,
        "regulator": connector,
        "event_type": event.kind,
        "event_time": time(event.at),
        "feedback_days": regulator.feedback_days,
        "case": case,
    })))
}

/// The case's history: each step's time, actor, action and result when `steps` is allowed,
/// the opinion when `opinions` is.
fn steps(conn: &mut DbConn, case: i64, fields: &[PushField]) -> Result<Value, Error> {
    type Step = (i64, String, String, String, Option<String>);
    let rows: Vec<Step> = case_history::table
        .filter(case_history::case_id.eq(case))
        .order(case_history::id.asc())
        .select((
            case_history::at,
            case_history::actor,
            case_history::action,
            case_history::status,
            case_history::opinion,
        ))
        .load(conn)?;
    let (steps, opinions) = (
        fields.contains(&PushField::Steps),
        fields.contains(&PushField::Opinions),
    );
    Ok(Value::Array(
        rows.into_iter()
            .map(|(at, actor, action, status, opinion)| {
                let mut m = Map::new();
                m.insert("time".into(), json!(time(at)));
                m.insert("action".into(), json!(action));
                if steps {
                    m.insert("actor".into(), json!(actor));
                    m.insert("result".into(), json!(status));
                }
                if opinions {
                    m.insert("opinion".into(), json!(opinion));
                }
                Value::Object(m)
            })
            .collect(),
    ))
}

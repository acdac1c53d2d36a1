//! A sub-case closed: the combined case follows its denial rule, terminating the open rest after
//! a denial under `deny_all`, and concludes once every sub-case has.

use diesel::prelude::*;
use serde_json::json;

use super::CombinedRow;
use crate::domain::case::CaseStatus;
use crate::domain::combined::{CombinedStatus, outcome};
use crate::error::Error;
use crate::service::audit::{self, Actor, Change};
use crate::service::case_hooks::When;
use crate::service::cases::{CaseRow, details_json, local_date, record_change};
use crate::service::single_window;
use crate::store::DbConn;
use crate::store::schema::{cases, combined_case_parts, combined_cases};

/// Why the platform terminates the open sub-cases after a denial under `deny_all`.
const TERMINATION_REASON: &str = "联办事项中有事项不予许可，其余事项一并终止";

/// Called in the transaction that closed `row`; does nothing for a case outside any combined case.
pub(crate) fn sub_case_closed(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CaseRow,
    when: When,
) -> Result<(), Error> {
    let combined: Option<CombinedRow> = combined_case_parts::table
        .inner_join(combined_cases::table)
        .filter(combined_case_parts::case_id.eq(row.id))
        .select(CombinedRow::as_select())
        .get_result(conn)
        .optional()?;
    let Some(combined) = combined else {
        return Ok(());
    };
    if combined.status() != CombinedStatus::InProgress {
        return Ok(());
    }
    let parts: Vec<CaseRow> = combined_case_parts::table
        .inner_join(cases::table)
        .filter(combined_case_parts::combined_id.eq(combined.id))
        .order(combined_case_parts::position.asc())
        .select(CaseRow::as_select())
        .load(conn)?;
    let statuses: Vec<CaseStatus> = parts.iter().map(CaseRow::status).collect();
    let (status, terminate_open) = outcome(combined.rule(), &statuses);
    if terminate_open {
        for part in parts.iter().filter(|p| p.status().is_open()) {
            terminate(conn, actor, part, when)?;
        }
    }
    if status == CombinedStatus::InProgress {
        return Ok(());
    }
    let now = when.0;
    diesel::update(combined_cases::table.find(combined.id))
        .set((
            combined_cases::status.eq(status.as_str()),
            combined_cases::concluded_at.eq(now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(combined.region_id),
            before: Some(json!({"status": combined.status})),
            after: Some(json!({"status": status.as_str()})),
            payload: json!({
                "combined_no": combined.combined_no, "status": status.as_str(),
                "closing_case": row.case_no,
            }),
            ..Change::new(
                "combined_case.conclude",
                "combined_case.concluded",
                "combined_case",
                combined.id,
            )
        },
    )?;
    Ok(())
}

/// Terminates an open sub-case (终止) as its own action would: status, closed suspensions,
/// history row, audit entry and `case.terminated` event; its result goes to the output window.
fn terminate(
    conn: &mut DbConn,
    actor: &Actor,
    part: &CaseRow,
    (now, tz): When,
) -> Result<(), Error> {
    let before = part.status();
    let mut d = part.details()?;
    let today = local_date(now, tz);
    for s in d.suspensions.iter_mut().filter(|s| s.to.is_none()) {
        s.to = Some(today);
    }
    d.concluded_at = Some(now);
    let after = CaseStatus::Terminated.as_str();
    diesel::update(cases::table.find(part.id))
        .set((
            cases::status.eq(after),
            cases::details.eq(details_json(&d)?),
        ))
        .execute(conn)?;
    let row: CaseRow = cases::table
        .find(part.id)
        .select(CaseRow::as_select())
        .get_result(conn)?;
    record_change(
        conn,
        now,
        actor,
        &row,
        before,
        "terminate",
        "terminated",
        part.step_index,
        Some(TERMINATION_REASON),
    )?;
    single_window::result_ready(conn, part.id, now)
}

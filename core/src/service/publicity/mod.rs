//! Double publicity (双公示, R-2.2.1.6): every approved case of a licensing item owes the credit
//! platform its decision within 7 working days of the conclusion. The report is opened in the
//! case's own transaction (audit entry and `publicity.opened` event), the `credit_publicity`
//! connector delivers it in the fields the department chose, its acknowledgement closes it, a
//! missed deadline raises its own red card, and the platform's validation result is kept on
//! it. See `docs/integrations.md`.

pub(crate) mod fields;
mod results;

use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::case::CaseId;
use crate::domain::catalogue::ItemType;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::case_hooks::When;
use crate::service::cases::{CaseRow, case_in_scope};
use crate::service::intermediaries::working_days_end;
use crate::service::jobs::JobSpec;
use crate::service::supervision::workflow_cards::{self, Late};
use crate::store::DbConn;
use crate::store::schema::{catalogue_items, publicity_reports, workflow_cards as cards};
use crate::wire::complaints::CardSubject;
use crate::wire::publicity::{PublicityReport, Validation};
use crate::wire::time;

/// Working days the platform allows for a decision's report.
pub(crate) const DAYS: u32 = 7;
/// The step a late report's card names.
pub(crate) const REPORT: &str = "report";

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = publicity_reports)]
pub(crate) struct ReportRow {
    pub case_id: i64,
    pub region_id: i64,
    pub department_id: i64,
    pub concluded_at: i64,
    pub due_at: i64,
    pub reported_at: Option<i64>,
    pub receipt: Option<String>,
    pub validation_status: Option<String>,
    pub validation_message: Option<String>,
    pub validated_at: Option<i64>,
}

pub(crate) fn report_of(conn: &mut DbConn, case_id: i64) -> Result<Option<ReportRow>, Error> {
    Ok(publicity_reports::table
        .find(case_id)
        .select(ReportRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// A case was just approved: a licensing decision owes the platform its report.
pub(crate) fn concluded(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CaseRow,
    (now, tz): When,
) -> Result<(), Error> {
    let item_type: String = catalogue_items::table
        .find(row.item_id)
        .select(catalogue_items::item_type)
        .get_result(conn)?;
    if item_type != ItemType::Licensing.as_str() || report_of(conn, row.id)?.is_some() {
        return Ok(());
    }
    let due_at = working_days_end(now, tz, DAYS)?;
    diesel::insert_into(publicity_reports::table)
        .values((
            publicity_reports::case_id.eq(row.id),
            publicity_reports::region_id.eq(row.region_id),
            publicity_reports::department_id.eq(row.department_id),
            publicity_reports::concluded_at.eq(now),
            publicity_reports::due_at.eq(due_at),
        ))
        .execute(conn)?;
    let payload = json!({"case_no": row.case_no, "due_at": time(due_at)});
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            after: Some(payload.clone()),
            payload,
            ..Change::new("publicity.open", "publicity.opened", "case", row.id)
        },
    )?;
    Ok(())
}

/// The platform acknowledged a case's report: it is reported, and a late card closes.
pub(crate) fn reported(
    conn: &mut DbConn,
    case_id: i64,
    receipt: Option<&str>,
    now: Millis,
) -> Result<(), Error> {
    let n = diesel::update(
        publicity_reports::table
            .find(case_id)
            .filter(publicity_reports::reported_at.is_null()),
    )
    .set((
        publicity_reports::reported_at.eq(now),
        publicity_reports::receipt.eq(receipt),
    ))
    .execute(conn)?;
    let Some(r) = report_of(conn, case_id)?.filter(|_| n == 1) else {
        return Ok(());
    };
    let actor = Actor::system();
    let payload = json!({"receipt": receipt, "late": now > r.due_at});
    audit::record(
        conn,
        now,
        &actor,
        Change {
            region_id: Some(r.region_id),
            department_id: Some(r.department_id),
            after: Some(payload.clone()),
            payload,
            ..Change::new("publicity.report", "publicity.reported", "case", case_id)
        },
    )?;
    workflow_cards::close(conn, now, &actor, CardSubject::Publicity, case_id, REPORT)
}

/// The leader's jobs of double publicity.
pub fn jobs() -> Vec<JobSpec> {
    vec![JobSpec::new(
        "publicity-deadlines",
        Duration::from_secs(2),
        raise_late,
    )]
}

/// A red card for every report past its deadline that has none yet.
pub async fn raise_late(services: Services) -> Result<String, Error> {
    let now = services.clock.now();
    let late: Vec<(i64, i64, i64, i64)> = services
        .store
        .read(move |conn| {
            Ok(publicity_reports::table
                .filter(publicity_reports::reported_at.is_null())
                .filter(publicity_reports::due_at.le(now))
                .filter(
                    publicity_reports::case_id.ne_all(
                        cards::table
                            .filter(cards::subject.eq(CardSubject::Publicity.as_str()))
                            .select(cards::subject_id),
                    ),
                )
                .order(publicity_reports::case_id.asc())
                .limit(500)
                .select((
                    publicity_reports::case_id,
                    publicity_reports::region_id,
                    publicity_reports::department_id,
                    publicity_reports::due_at,
                ))
                .load(conn)?)
        })
        .await?;
    if late.is_empty() {
        return Ok("no late reports".into());
    }
    let opened = services
        .store
        .write(move |conn| {
            let mut n = 0;
            for (case_id, region_id, department_id, due_at) in &late {
                let card = Late {
                    subject: CardSubject::Publicity,
                    subject_id: *case_id,
                    step: REPORT,
                    region_id: *region_id,
                    department_id: Some(*department_id),
                    due_at: *due_at,
                };
                n += usize::from(workflow_cards::open(conn, now, &card)?);
            }
            Ok(n)
        })
        .await?;
    Ok(format!("{opened} publicity cards opened"))
}

impl Services {
    /// A case's report to the credit platform (`case.read` over the case); 404 when the case
    /// owes none (not an approved licensing decision).
    pub async fn case_publicity(
        &self,
        caller: &Caller,
        id: CaseId,
    ) -> Result<PublicityReport, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                case_in_scope(conn, &caller, Permission::CaseRead, id)?;
                let r = report_of(conn, id.0)?
                    .ok_or_else(|| Error::not_found("publicity report", id))?;
                let cards = workflow_cards::cards_of(conn, CardSubject::Publicity, id.0)?;
                Ok(PublicityReport {
                    case_id: r.case_id,
                    concluded_at: time(r.concluded_at),
                    due_at: time(r.due_at),
                    reported_at: r.reported_at.map(time),
                    receipt: r.receipt,
                    overdue: r.reported_at.is_none() && now > r.due_at,
                    validation: r.validation_status.as_deref().and_then(Validation::parse),
                    validation_message: r.validation_message,
                    validated_at: r.validated_at.map(time),
                    cards,
                })
            })
            .await
    }
}

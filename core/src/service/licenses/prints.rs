//! Paper certificates (制证, R-3.1): queued for a license, printed, handed out to someone.

use diesel::prelude::*;
use serde_json::json;

use super::{license_in_scope, origin_of};
use crate::domain::access::{Caller, Permission};
use crate::domain::license::{LicenseSource, LicenseStatus, PrintStatus};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{license_prints, licenses};
use crate::wire::licenses::{HandOut, PrintJob, PrintQuery};
use crate::wire::{Page, PageQuery, page_of, time};

#[derive(Queryable, Selectable)]
#[diesel(table_name = license_prints)]
struct PrintRow {
    id: i64,
    license_id: i64,
    status: String,
    queued_at: i64,
    queued_by: String,
    printed_at: Option<i64>,
    printed_by: Option<String>,
    handed_out_at: Option<i64>,
    handed_out_by: Option<String>,
    received_by: Option<String>,
}

impl PrintRow {
    fn status(&self) -> PrintStatus {
        PrintStatus::parse(&self.status).unwrap_or(PrintStatus::HandedOut)
    }

    fn wire(self, license_no: String) -> PrintJob {
        PrintJob {
            id: self.id,
            license_id: self.license_id,
            license_no,
            status: self.status(),
            queued_at: time(self.queued_at),
            queued_by: self.queued_by,
            printed_at: self.printed_at.map(time),
            printed_by: self.printed_by,
            handed_out_at: self.handed_out_at.map(time),
            handed_out_by: self.handed_out_by,
            received_by: self.received_by,
        }
    }
}

/// A print job and its license number, checked against the caller's `case.handle` scope.
fn job_in_scope(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<(PrintRow, String), Error> {
    let job: PrintRow = license_prints::table
        .find(id)
        .select(PrintRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("print job", id))?;
    let license = license_in_scope(conn, caller, Permission::CaseHandle, job.license_id).map_err(
        |e| match e {
            Error::NotFound { .. } => Error::not_found("print job", id),
            other => other,
        },
    )?;
    Ok((job, license.license_no))
}

impl Services {
    /// Queues a paper certificate of a valid license; one run at a time per license.
    pub async fn queue_print(&self, caller: &Caller, license_id: i64) -> Result<PrintJob, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let license = license_in_scope(conn, &caller, Permission::CaseHandle, license_id)?;
                if license.status() == LicenseStatus::Revoked {
                    return Err(Error::conflict("a revoked license is not printed"));
                }
                if origin_of(conn, license.id)?.0 != LicenseSource::Issued {
                    return Err(Error::conflict(
                        "only licenses issued here are printed; its issuer prints the others",
                    ));
                }
                let running: i64 = license_prints::table
                    .filter(license_prints::license_id.eq(license_id))
                    .filter(license_prints::status.ne(PrintStatus::HandedOut.as_str()))
                    .count()
                    .get_result(conn)?;
                if running > 0 {
                    return Err(Error::conflict(
                        "the license's certificate is already in the print queue",
                    ));
                }
                let id: i64 = diesel::insert_into(license_prints::table)
                    .values((
                        license_prints::license_id.eq(license_id),
                        license_prints::status.eq(PrintStatus::Queued.as_str()),
                        license_prints::queued_at.eq(now),
                        license_prints::queued_by.eq(&caller.username),
                    ))
                    .returning(license_prints::id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(license.region_id),
                        department_id: Some(license.department_id),
                        after: Some(json!({"status": "queued"})),
                        payload: json!({"license_no": license.license_no, "license_id": license_id}),
                        ..Change::new("license.print_queue", "license.print_queued", "license_print", id)
                    },
                )?;
                let job: PrintRow = license_prints::table
                    .find(id)
                    .select(PrintRow::as_select())
                    .get_result(conn)?;
                Ok(job.wire(license.license_no))
            })
            .await
    }

    /// Moves a print job on: `printed`, or `handed_out` with who received the certificate.
    pub async fn advance_print(
        &self,
        caller: &Caller,
        id: i64,
        to: PrintStatus,
        hand_out: Option<HandOut>,
    ) -> Result<PrintJob, Error> {
        let received_by = match (to, hand_out) {
            (PrintStatus::HandedOut, Some(h)) => {
                Validator::new()
                    .text(&h.received_by, "received_by", 200)
                    .finish()?;
                Some(h.received_by.trim().to_owned())
            }
            (PrintStatus::HandedOut, None) => {
                return Err(Error::invalid("received_by", "must not be empty"));
            }
            _ => None,
        };
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (job, license_no) = job_in_scope(conn, &caller, id)?;
                let from = job.status();
                if from.next() != Some(to) {
                    return Err(Error::Conflict {
                        message: format!(
                            "a {} certificate cannot become {}",
                            from.as_str(),
                            to.as_str()
                        ),
                        allowed: from
                            .next()
                            .map(|n| n.as_str().to_owned())
                            .into_iter()
                            .collect(),
                    });
                }
                let who = caller.username.clone();
                match to {
                    PrintStatus::Printed => diesel::update(license_prints::table.find(id))
                        .set((
                            license_prints::status.eq(to.as_str()),
                            license_prints::printed_at.eq(now),
                            license_prints::printed_by.eq(&who),
                        ))
                        .execute(conn)?,
                    _ => diesel::update(license_prints::table.find(id))
                        .set((
                            license_prints::status.eq(to.as_str()),
                            license_prints::handed_out_at.eq(now),
                            license_prints::handed_out_by.eq(&who),
                            license_prints::received_by.eq(&received_by),
                        ))
                        .execute(conn)?,
                };
                let (region_id, department_id): (i64, i64) = licenses::table
                    .find(job.license_id)
                    .select((licenses::region_id, licenses::department_id))
                    .get_result(conn)?;
                let (action, event) = match to {
                    PrintStatus::Printed => ("license.print", "license.printed"),
                    _ => ("license.hand_out", "license.handed_out"),
                };
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(region_id),
                        department_id: Some(department_id),
                        before: Some(json!({"status": from.as_str()})),
                        after: Some(json!({"status": to.as_str()})),
                        payload: json!({"license_no": license_no, "received_by": received_by}),
                        ..Change::new(action, event, "license_print", id)
                    },
                )?;
                let job: PrintRow = license_prints::table
                    .find(id)
                    .select(PrintRow::as_select())
                    .get_result(conn)?;
                Ok(job.wire(license_no))
            })
            .await
    }

    /// The print queue within the caller's case.handle scope, oldest first.
    pub async fn list_prints(
        &self,
        caller: &Caller,
        query: PrintQuery,
    ) -> Result<Page<PrintJob>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CaseHandle)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("the print queue needs case.handle"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = license_prints::table
                    .inner_join(licenses::table)
                    .filter(license_prints::id.gt(page.after()))
                    .order(license_prints::id.asc())
                    .limit(limit + 1)
                    .select((PrintRow::as_select(), licenses::license_no))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        licenses::region_id
                            .eq_any(scope.region_ids)
                            .or(licenses::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(license_prints::status.eq(s.as_str()));
                }
                let rows: Vec<(PrintRow, String)> = q.load(conn)?;
                let items = rows.into_iter().map(|(r, no)| r.wire(no)).collect();
                Ok(page_of(items, limit, |j: &PrintJob| j.id))
            })
            .await
    }
}

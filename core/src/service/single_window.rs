//! Single-window intake (一窗受理, R-2.2.2): a comprehensive window of a hall takes cases in for
//! any department's items of the hall's region; the case goes to the item department's back
//! office (it is that department's case) and its result comes back to one output window.

use diesel::prelude::*;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::ids::{DepartmentId, HallId, WindowId};
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::{CaseRow, case_in_scope};
use crate::store::DbConn;
use crate::store::schema::{case_windows, cases, halls, regions, result_handovers, windows};
use crate::wire::cases::NewCase;
use crate::wire::licenses::{CaseRouting, WindowResult};
use crate::wire::{Page, PageQuery, page_of, time};

/// A window with its hall and the hall region's path.
struct WindowPlace {
    hall_id: i64,
    department_id: Option<i64>,
    path: String,
}

fn window_place(conn: &mut DbConn, id: WindowId) -> Result<Option<WindowPlace>, Error> {
    let found: Option<(i64, Option<i64>, String)> = windows::table
        .inner_join(halls::table.inner_join(regions::table))
        .filter(windows::id.eq(id.0))
        .select((windows::hall_id, windows::department_id, regions::path))
        .get_result(conn)
        .optional()?;
    Ok(found.map(|(hall_id, department_id, path)| WindowPlace {
        hall_id,
        department_id,
        path,
    }))
}

pub(crate) fn hall_target(path: &str) -> Target<'_> {
    Target {
        region_path: Some(path),
        department_id: None,
        owner_id: None,
    }
}

/// Records where a case just filed came in and where its result goes, when it names an intake
/// window: the caller must handle cases over the window's hall, the window must be a
/// comprehensive one (or the item department's own), the item must lie in the hall's region,
/// and the output window (the intake window by default) must be in the same hall.
pub(crate) fn route(
    conn: &mut DbConn,
    caller: &Caller,
    row: &CaseRow,
    new: &NewCase,
) -> Result<(), Error> {
    let Some(intake) = new.intake_window_id else {
        if new.output_window_id.is_some() {
            return Err(Error::invalid(
                "output_window_id",
                "an output window needs an intake_window_id",
            ));
        }
        return Ok(());
    };
    let field = "intake_window_id";
    let place =
        window_place(conn, intake)?.ok_or_else(|| Error::invalid(field, "no such window"))?;
    if !caller.may(Permission::CaseHandle, &hall_target(&place.path)) {
        return Err(Error::forbidden(
            "taking cases in at a window needs case.handle over the window's hall",
        ));
    }
    if place.department_id.is_some_and(|d| d != row.department_id) {
        return Err(Error::invalid(
            field,
            "a department's own window takes in only that department's items",
        ));
    }
    let item_path: String = regions::table
        .find(row.region_id)
        .select(regions::path)
        .get_result(conn)?;
    if !item_path.starts_with(&place.path) {
        return Err(Error::invalid(
            field,
            "the item is implemented outside the window's hall's region",
        ));
    }
    let output = new.output_window_id.unwrap_or(intake);
    let out_place = window_place(conn, output)?;
    if out_place.as_ref().map(|p| p.hall_id) != Some(place.hall_id) {
        return Err(Error::invalid(
            "output_window_id",
            "must be a window of the intake window's hall",
        ));
    }
    diesel::insert_into(case_windows::table)
        .values((
            case_windows::case_id.eq(row.id),
            case_windows::hall_id.eq(place.hall_id),
            case_windows::intake_window_id.eq(intake.0),
            case_windows::output_window_id.eq(output.0),
        ))
        .execute(conn)?;
    Ok(())
}

/// The result of a closed case has reached its output window (if it was routed).
pub(crate) fn result_ready(conn: &mut DbConn, case_id: i64, now: Millis) -> Result<(), Error> {
    diesel::update(
        case_windows::table
            .filter(case_windows::case_id.eq(case_id))
            .filter(case_windows::result_ready_at.is_null()),
    )
    .set(case_windows::result_ready_at.eq(now))
    .execute(conn)?;
    Ok(())
}

impl Services {
    /// Where a case came in and where its result goes; 404 when it was not taken in at a window.
    pub async fn case_routing(&self, caller: &Caller, id: CaseId) -> Result<CaseRouting, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let located = case_in_scope(conn, &caller, Permission::CaseRead, id)?;
                let (hall, intake, output, ready): (i64, i64, i64, Option<i64>) =
                    case_windows::table
                        .find(id.0)
                        .select((
                            case_windows::hall_id,
                            case_windows::intake_window_id,
                            case_windows::output_window_id,
                            case_windows::result_ready_at,
                        ))
                        .get_result(conn)
                        .optional()?
                        .ok_or_else(|| Error::not_found("case routing", id))?;
                Ok(CaseRouting {
                    case_id: id,
                    hall_id: HallId(hall),
                    intake_window_id: WindowId(intake),
                    department_id: DepartmentId(located.row.department_id),
                    output_window_id: WindowId(output),
                    result_ready_at: ready.map(time),
                })
            })
            .await
    }

    /// The results waiting at an output window (not yet handed over), oldest first; needs
    /// `case.read` over its hall.
    pub async fn window_results(
        &self,
        caller: &Caller,
        window: WindowId,
        page: PageQuery,
    ) -> Result<Page<WindowResult>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let place = window_place(conn, window)?
                    .ok_or_else(|| Error::not_found("window", window))?;
                caller.check(
                    Permission::CaseRead,
                    Permission::CaseRead,
                    &hall_target(&place.path),
                    "window",
                    window,
                )?;
                let limit = page.limit();
                let rows: Vec<(i64, CaseRow)> = case_windows::table
                    .inner_join(cases::table)
                    .filter(case_windows::output_window_id.eq(window.0))
                    .filter(case_windows::result_ready_at.is_not_null())
                    .filter(diesel::dsl::not(diesel::dsl::exists(
                        result_handovers::table
                            .filter(result_handovers::case_id.eq(case_windows::case_id)),
                    )))
                    .filter(case_windows::case_id.gt(page.after()))
                    .order(case_windows::case_id.asc())
                    .limit(limit + 1)
                    .select((
                        case_windows::result_ready_at.assume_not_null(),
                        CaseRow::as_select(),
                    ))
                    .load(conn)?;
                let items = rows
                    .into_iter()
                    .map(|(ready, row)| {
                        let d = row.details()?;
                        Ok(WindowResult {
                            case_id: CaseId(row.id),
                            case_no: row.case_no.clone(),
                            item_name: d.item_name,
                            applicant_name: d.applicant_name,
                            status: row.status(),
                            department_id: DepartmentId(row.department_id),
                            result_ready_at: time(ready),
                        })
                    })
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok(page_of(items, limit, |r: &WindowResult| r.case_id.0))
            })
            .await
    }
}

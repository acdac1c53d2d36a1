//! Combined-case reads: one with its sub-cases' states, and the scoped list.

use diesel::prelude::*;

use super::CombinedRow;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::ids::{DepartmentId, ItemId, RegionId};
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::CaseRow;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{cases, combined_case_parts, combined_cases, regions};
use crate::wire::combined::{CombinedCase, SubCase};
use crate::wire::{Page, PageQuery, page_of, time};

/// The combined case as answered, with its sub-cases in application order.
pub(super) fn wire_combined(conn: &mut DbConn, id: i64) -> Result<CombinedCase, Error> {
    let row: CombinedRow = combined_cases::table
        .find(id)
        .select(CombinedRow::as_select())
        .get_result(conn)?;
    let parts: Vec<CaseRow> = combined_case_parts::table
        .inner_join(cases::table)
        .filter(combined_case_parts::combined_id.eq(id))
        .order(combined_case_parts::position.asc())
        .select(CaseRow::as_select())
        .load(conn)?;
    wire(&row, &parts)
}

fn wire(row: &CombinedRow, parts: &[CaseRow]) -> Result<CombinedCase, Error> {
    let sub_cases = parts
        .iter()
        .map(|p| {
            Ok(SubCase {
                case_id: CaseId(p.id),
                case_no: p.case_no.clone(),
                item_id: ItemId(p.item_id),
                item_name: p.details()?.item_name,
                department_id: DepartmentId(p.department_id),
                status: p.status(),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(CombinedCase {
        id: row.id,
        combined_no: row.combined_no.clone(),
        region_id: RegionId(row.region_id),
        denial_rule: row.rule(),
        status: row.status(),
        applicant_name: row.applicant_name.clone(),
        applicant_id_number: row.applicant_masked.clone(),
        created_at: time(row.created_at),
        concluded_at: row.concluded_at.map(time),
        sub_cases,
    })
}

impl Services {
    /// A combined case with its sub-cases' states. Readable with `case.read` over its region or
    /// over one of its sub-cases (the sub-case's region or department).
    pub async fn get_combined_case(&self, caller: &Caller, id: i64) -> Result<CombinedCase, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let found: Option<(CombinedRow, String)> = combined_cases::table
                    .inner_join(regions::table)
                    .filter(combined_cases::id.eq(id))
                    .select((CombinedRow::as_select(), regions::path))
                    .get_result(conn)
                    .optional()?;
                let (row, path) = found.ok_or_else(|| Error::not_found("combined case", id))?;
                let located: Vec<(CaseRow, String)> = combined_case_parts::table
                    .inner_join(cases::table.inner_join(regions::table))
                    .filter(combined_case_parts::combined_id.eq(id))
                    .order(combined_case_parts::position.asc())
                    .select((CaseRow::as_select(), regions::path))
                    .load(conn)?;
                let region = Target {
                    region_path: Some(&path),
                    department_id: None,
                    owner_id: None,
                };
                // Whoever may read one sub-case (by its region or its department) reads the
                // overview; the other sub-cases' own records stay out of their reach.
                let visible = caller.may(Permission::CaseRead, &region)
                    || located.iter().any(|(p, part_path)| {
                        caller.may(
                            Permission::CaseRead,
                            &Target {
                                region_path: Some(part_path),
                                department_id: Some(DepartmentId(p.department_id)),
                                owner_id: None,
                            },
                        )
                    });
                let parts: Vec<CaseRow> = located.into_iter().map(|(p, _)| p).collect();
                if !visible {
                    return Err(Error::not_found("combined case", id));
                }
                wire(&row, &parts)
            })
            .await
    }

    /// Combined cases of the regions within the caller's case.read scope, and those with a
    /// sub-case within it, oldest first.
    pub async fn list_combined_cases(
        &self,
        caller: &Caller,
        page: PageQuery,
    ) -> Result<Page<CombinedCase>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CaseRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("reading combined cases needs case.read"));
                }
                let limit = page.limit();
                let mut q = combined_cases::table
                    .filter(combined_cases::id.gt(page.after()))
                    .order(combined_cases::id.asc())
                    .limit(limit + 1)
                    .select(combined_cases::id)
                    .into_boxed();
                if !scope.global {
                    // Those of the caller's regions, and those with a sub-case of theirs (a
                    // district's part of a city's combined case).
                    let with_part: Vec<i64> = combined_case_parts::table
                        .inner_join(cases::table)
                        .filter(
                            cases::region_id
                                .eq_any(&scope.region_ids)
                                .or(cases::department_id.eq_any(&scope.department_ids)),
                        )
                        .select(combined_case_parts::combined_id)
                        .distinct()
                        .load(conn)?;
                    q = q.filter(
                        combined_cases::region_id
                            .eq_any(scope.region_ids)
                            .or(combined_cases::id.eq_any(with_part)),
                    );
                }
                let ids: Vec<i64> = q.load(conn)?;
                let items = ids
                    .into_iter()
                    .map(|id| wire_combined(conn, id))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(page_of(items, limit, |c: &CombinedCase| c.id))
            })
            .await
    }
}

//! Dry runs: a draft rule evaluated on the stored cases, to see what it would flag before it is
//! enabled. Reads only; the caller sees only cases in their supervision.read scope.

use diesel::prelude::*;

use super::clocks::{Context, facts_json, today_rank};
use super::rules::{condition_error, reach_of};
use crate::domain::access::{Caller, Permission};
use crate::domain::case::CaseStatus;
use crate::domain::supervision::{holds, parse};
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::{CaseRow, calendar, local_date};
use crate::service::org::ScopeSql;
use crate::store::schema::cases;
use crate::wire::supervision::{DryRun, DryRunHit, DryRunResult};

/// Cases read per query.
const CHUNK: i64 = 2_000;

impl Services {
    /// Evaluates a draft condition on every stored case the caller may read (open ones, or all).
    pub async fn dry_run(&self, caller: &Caller, draft: DryRun) -> Result<DryRunResult, Error> {
        if !caller.has(Permission::SupervisionRead) {
            return Err(Error::forbidden("a dry run needs supervision.read"));
        }
        let expr = parse(&draft.condition).map_err(|e| condition_error(&e))?;
        let limit = usize::try_from(draft.limit.unwrap_or(100).clamp(1, 1_000)).unwrap_or(100);
        let caller = caller.clone();
        let tz = self.config.time_zone()?;
        let now = self.clock.now();
        let cal = calendar()?;
        self.store
            .read_heavy(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                let reach = reach_of(conn, &draft.scope)?;
                let rank = today_rank(&cal, now, tz);
                let today = local_date(now, tz);
                let mut result = DryRunResult {
                    cases_checked: 0,
                    flagged: 0,
                    hits: Vec::new(),
                };
                let mut after = 0_i64;
                loop {
                    let mut q = cases::table
                        .filter(cases::id.gt(after))
                        .order(cases::id.asc())
                        .limit(CHUNK)
                        .select(CaseRow::as_select())
                        .into_boxed();
                    if !draft.include_closed {
                        q = q.filter(cases::status.eq_any(CaseStatus::OPEN));
                    }
                    if !scope.global {
                        q = q.filter(
                            cases::region_id
                                .eq_any(scope.region_ids.clone())
                                .or(cases::department_id.eq_any(scope.department_ids.clone())),
                        );
                    }
                    let rows: Vec<CaseRow> = q.load(conn)?;
                    let Some(last) = rows.last() else { break };
                    after = last.id;
                    let ctx = Context::load(conn, &rows, false)?;
                    for row in &rows {
                        let clocks = ctx.clocks(row, now, tz)?;
                        if !reach.covers(&clocks) {
                            continue;
                        }
                        result.cases_checked += 1;
                        if !holds(&expr, &clocks, rank) {
                            continue;
                        }
                        result.flagged += 1;
                        if result.hits.len() < limit {
                            result.hits.push(DryRunHit {
                                case_id: row.id,
                                case_no: row.case_no.clone(),
                                step: if expr.of_step() {
                                    i64::from(clocks.step)
                                } else {
                                    -1
                                },
                                facts: facts_json(&expr, &clocks, rank, today),
                            });
                        }
                    }
                }
                Ok(result)
            })
            .await
    }
}

//! Case reads: one case with its clocks, the scoped list, the history.

use diesel::prelude::*;

use super::{CaseRow, calendar, case_in_scope, wire_case};
use crate::domain::access::{Caller, Permission};
use crate::domain::case::{CaseId, CaseStatus};
use crate::domain::identity::{CreditCode, IdNumber};
use crate::domain::ids::UserId;
use crate::error::Error;
use crate::service::Services;
use crate::service::org::ScopeSql;
use crate::store::schema::{case_history, cases};
use crate::wire::cases::{Case, CaseHistoryEntry, CaseQuery};
use crate::wire::{Page, PageQuery, page_of, time};

/// The canonical form of a number searched for: an ID number or a credit code.
fn searched_number(input: &str) -> Result<String, Error> {
    IdNumber::parse(input)
        .map(|n| n.as_str().to_owned())
        .or_else(|_| CreditCode::parse(input).map(|c| c.as_str().to_owned()))
        .map_err(|e| Error::invalid("id_number", e.to_string()))
}

/// The open cases, written as the partial indexes on open cases are (SQLite uses such an index
/// only when the query repeats its condition, and a bound parameter would not).
fn open_cases() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    let list = CaseStatus::OPEN
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    diesel::dsl::sql(&format!("cases.status IN ({list})"))
}

impl Services {
    /// One case with its legal, promised and current-step clocks.
    pub async fn get_case(&self, caller: &Caller, id: CaseId) -> Result<Case, Error> {
        calendar()?;
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let located = case_in_scope(conn, &caller, Permission::CaseRead, id)?;
                wire_case(&located.row, now, tz)
            })
            .await
    }

    /// Cases within the caller's case.read scope, filtered, oldest id first.
    pub async fn list_cases(&self, caller: &Caller, query: CaseQuery) -> Result<Page<Case>, Error> {
        calendar()?;
        let blind = match query.id_number.as_deref() {
            Some(n) => Some(self.vault.blind_index(&searched_number(n)?)),
            None => None,
        };
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CaseRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("reading cases needs case.read"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = cases::table
                    .filter(cases::id.gt(page.after()))
                    .order(cases::id.asc())
                    .limit(limit + 1)
                    .select(CaseRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        cases::region_id
                            .eq_any(scope.region_ids)
                            .or(cases::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(cases::status.eq(s.as_str()));
                }
                match query.open {
                    Some(true) => q = q.filter(open_cases()),
                    Some(false) => q = q.filter(diesel::dsl::not(open_cases())),
                    None => {}
                }
                if let Some(code) = &query.item_code {
                    q = q.filter(cases::item_code.eq(code.trim().to_owned()));
                }
                if let Some(d) = query.department_id {
                    q = q.filter(cases::department_id.eq(d));
                }
                if let Some(b) = blind {
                    q = q.filter(cases::id_blind.eq(b));
                }
                if let Some(n) = &query.case_no {
                    q = q.filter(cases::case_no.eq(n.trim().to_owned()));
                }
                let rows: Vec<CaseRow> = q.load(conn)?;
                let items = rows
                    .iter()
                    .map(|r| wire_case(r, now, tz))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(page_of(items, limit, |c| c.id.0))
            })
            .await
    }

    /// Every change of a case, in the order it happened.
    pub async fn case_history(
        &self,
        caller: &Caller,
        id: CaseId,
    ) -> Result<Vec<CaseHistoryEntry>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                case_in_scope(conn, &caller, Permission::CaseRead, id)?;
                type HistoryRow = (
                    i64,
                    i64,
                    Option<i64>,
                    String,
                    String,
                    String,
                    i64,
                    Option<String>,
                );
                let rows: Vec<HistoryRow> = case_history::table
                    .filter(case_history::case_id.eq(id.0))
                    .order(case_history::id.asc())
                    .select((
                        case_history::id,
                        case_history::at,
                        case_history::actor_id,
                        case_history::actor,
                        case_history::action,
                        case_history::status,
                        case_history::step_index,
                        case_history::opinion,
                    ))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, at, actor_id, actor, action, status, step, opinion)| {
                        CaseHistoryEntry {
                            id,
                            at: time(at),
                            actor_id: actor_id.map(UserId),
                            actor,
                            action,
                            status: CaseStatus::parse(&status).unwrap_or(CaseStatus::Terminated),
                            step: u32::try_from(step).unwrap_or(0),
                            opinion,
                        }
                    })
                    .collect())
            })
            .await
    }
}

//! The intermediary market (中介超市): a department posts a service project (for an applicant's
//! case or its own needs); agencies bid; the agency is chosen directly, by a seeded random draw
//! among the qualified agencies, or by the lowest bid. What follows the selection is in
//! `contract.rs`.

use diesel::prelude::*;
use serde_json::json;

use super::projects::{
    At, ProjectRow, answer, candidates, expect_status, place, project, project_for, qualified,
    record, validate,
};
use super::{AgencyRow, agency, encode};
use crate::crypto::Vault;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::DepartmentId;
use crate::domain::intermediary::{ProjectStatus, Selection, draw};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::cases::local_date;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{
    catalogue_items, intermediary_bids, intermediary_project_progress, intermediary_projects,
};
use crate::wire::intermediaries::{NewBid, NewProject, Project, ProjectQuery, SelectAgency};
use crate::wire::{Page, PageQuery, page_of};

impl Services {
    /// Posts a service project (`intermediary.market` over its place).
    pub async fn post_project(&self, caller: &Caller, new: NewProject) -> Result<Project, Error> {
        let now = self.clock.now();
        validate(&new, now)?;
        let tz = self.config.time_zone()?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (region_id, department_id, path) = place(conn, &new)?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: department_id.map(DepartmentId),
                    owner_id: None,
                };
                if !caller.may(Permission::IntermediaryMarket, &target) {
                    return Err(Error::forbidden(
                        "posting a project needs intermediary.market over its place",
                    ));
                }
                let item: Option<i64> = catalogue_items::table
                    .filter(catalogue_items::item_code.eq(new.item_code.trim()))
                    .select(catalogue_items::id)
                    .first(conn)
                    .optional()?;
                if item.is_none() {
                    return Err(Error::invalid("item_code", "no such catalogue item"));
                }
                let id: i64 = diesel::insert_into(intermediary_projects::table)
                    .values((
                        intermediary_projects::project_no.eq(format!("pending-{now}")),
                        intermediary_projects::region_id.eq(region_id),
                        intermediary_projects::department_id.eq(department_id),
                        intermediary_projects::case_id.eq(new.case_id),
                        intermediary_projects::title.eq(new.title.trim()),
                        intermediary_projects::service_type.eq(new.service_type.trim()),
                        intermediary_projects::item_code.eq(new.item_code.trim()),
                        intermediary_projects::budget_fen.eq(new.budget_fen),
                        intermediary_projects::bid_deadline.eq(new.bid_deadline.timestamp_millis()),
                        intermediary_projects::selection.eq(new.selection.as_str()),
                        intermediary_projects::status.eq(ProjectStatus::Open.as_str()),
                        intermediary_projects::created_by.eq(caller.user_id.0),
                        intermediary_projects::created_at.eq(now),
                    ))
                    .returning(intermediary_projects::id)
                    .get_result(conn)?;
                let no = format!("ZJ-{}-{id:06}", local_date(now, tz).format("%Y%m%d"));
                diesel::update(intermediary_projects::table.find(id))
                    .set(intermediary_projects::project_no.eq(&no))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ("intermediary_project.post", "intermediary_project.posted"),
                    None,
                    json!({"project_no": no, "case_id": row.case_id, "service_type": row.service_type,
                           "item_code": row.item_code, "budget_fen": row.budget_fen,
                           "selection": row.selection}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }

    /// Records an agency's bid on an open project before its deadline: the agency must be
    /// qualified and the price within the budget; one bid per agency.
    pub async fn bid_on_project(
        &self,
        caller: &Caller,
        id: i64,
        bid: NewBid,
    ) -> Result<Project, Error> {
        validate_bid(bid.price_fen, &bid.note)?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let caller = caller.clone();
        let vault = self.vault.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                let (bidder, _) = agency(conn, bid.intermediary_id)
                    .map_err(|_| Error::invalid("intermediary_id", "no such agency"))?;
                let at = At {
                    today: local_date(now, tz),
                    now,
                };
                place_bid(conn, &vault, &caller, &row, &bidder, &bid, at)?;
                answer(conn, &row, now)
            })
            .await
    }

    /// Selects the agency by the project's method. A suspended or removed agency, or one whose
    /// qualification for the type has expired today, is never selected. A draw records its seed
    /// and candidates so that it can be recomputed.
    pub async fn select_agency(
        &self,
        caller: &Caller,
        id: i64,
        input: SelectAgency,
    ) -> Result<Project, Error> {
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let seed: u64 = rand::random();
        let caller = caller.clone();
        let vault = self.vault.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Open, "selection")?;
                let at = At {
                    today: local_date(now, tz),
                    now,
                };
                let method = row.selection();
                if method != Selection::Direct && input.intermediary_id.is_some() {
                    return Err(Error::invalid(
                        "intermediary_id",
                        "only a direct selection names the agency",
                    ));
                }
                let (chosen, price, seed, pool) = match method {
                    Selection::Direct => {
                        let chosen = input.intermediary_id.ok_or_else(|| {
                            Error::invalid("intermediary_id", "name the agency chosen")
                        })?;
                        let (agency_row, _) = agency(conn, chosen)
                            .map_err(|_| Error::invalid("intermediary_id", "no such agency"))?;
                        qualified(conn, &vault, &agency_row, &row, at)?;
                        (chosen, None, None, None)
                    }
                    Selection::Draw => {
                        let pool = candidates(conn, &vault, &row, at)?;
                        let chosen = draw(seed, &pool).ok_or_else(|| {
                            Error::conflict("no agency is qualified for this project today")
                        })?;
                        (chosen, None, Some(seed.to_string()), Some(encode(&pool)?))
                    }
                    Selection::LowestPrice => {
                        if now < row.bid_deadline {
                            return Err(Error::conflict(
                                "a lowest-price selection waits for the bid deadline",
                            ));
                        }
                        let bids: Vec<(i64, i64)> = intermediary_bids::table
                            .filter(intermediary_bids::project_id.eq(id))
                            .order((
                                intermediary_bids::price_fen.asc(),
                                intermediary_bids::id.asc(),
                            ))
                            .select((
                                intermediary_bids::intermediary_id,
                                intermediary_bids::price_fen,
                            ))
                            .load(conn)?;
                        let mut won = None;
                        for (bidder, price) in bids {
                            let (agency_row, _) = agency(conn, bidder)?;
                            if qualified(conn, &vault, &agency_row, &row, at).is_ok() {
                                won = Some((bidder, price));
                                break;
                            }
                        }
                        let (chosen, price) = won.ok_or_else(|| {
                            Error::conflict("no bid from an agency qualified today")
                        })?;
                        (chosen, Some(price), None, None)
                    }
                };
                diesel::update(intermediary_projects::table.find(id))
                    .set((
                        intermediary_projects::status.eq(ProjectStatus::Selected.as_str()),
                        intermediary_projects::intermediary_id.eq(chosen),
                    ))
                    .execute(conn)?;
                diesel::insert_into(intermediary_project_progress::table)
                    .values((
                        intermediary_project_progress::project_id.eq(id),
                        intermediary_project_progress::price_fen.eq(price),
                        intermediary_project_progress::draw_seed.eq(&seed),
                        intermediary_project_progress::draw_candidates.eq(&pool),
                        intermediary_project_progress::selected_at.eq(now),
                        intermediary_project_progress::late.eq(false),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.select",
                        "intermediary_project.selected",
                    ),
                    Some(ProjectStatus::Open),
                    json!({"project_no": row.project_no, "selection": row.selection,
                           "intermediary_id": chosen, "price_fen": price,
                           "draw_seed": seed, "draw_candidates": pool}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }

    /// Projects in the caller's `intermediary.read` scope (region, department, or their own).
    pub async fn list_projects(
        &self,
        caller: &Caller,
        query: ProjectQuery,
    ) -> Result<Page<Project>, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::IntermediaryRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("projects need intermediary.read"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = intermediary_projects::table
                    .filter(intermediary_projects::id.gt(page.after()))
                    .order(intermediary_projects::id.asc())
                    .limit(limit + 1)
                    .select(ProjectRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        intermediary_projects::region_id
                            .eq_any(scope.region_ids)
                            .or(intermediary_projects::department_id.eq_any(scope.department_ids))
                            .or(intermediary_projects::created_by.nullable().eq(scope.owner)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(intermediary_projects::status.eq(s.as_str()));
                }
                if let Some(a) = query.intermediary_id {
                    q = q.filter(intermediary_projects::intermediary_id.eq(a));
                }
                let contracted = ProjectStatus::Contracted.as_str();
                match query.overdue {
                    Some(true) => {
                        q = q
                            .filter(intermediary_projects::status.eq(contracted))
                            .filter(intermediary_projects::due_at.le(now));
                    }
                    Some(false) => {
                        q = q.filter(
                            intermediary_projects::status
                                .ne(contracted)
                                .or(intermediary_projects::due_at.gt(now)),
                        );
                    }
                    None => {}
                }
                let rows: Vec<ProjectRow> = q.load(conn)?;
                let mut items = Vec::with_capacity(rows.len());
                for row in &rows {
                    items.push(answer(conn, row, now)?);
                }
                Ok(page_of(items, limit, |p: &Project| p.id))
            })
            .await
    }

    /// One project with its bids, draw and clock.
    pub async fn get_project(&self, caller: &Caller, id: i64) -> Result<Project, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryRead, id)?;
                answer(conn, &row, now)
            })
            .await
    }
}

pub(super) fn validate_bid(price_fen: i64, note: &str) -> Result<(), Error> {
    Validator::new()
        .check(price_fen > 0, "price_fen", "must be positive")
        .check(
            note.chars().count() <= 1_000,
            "note",
            "at most 1000 characters",
        )
        .finish()
}

/// Records `bidder`'s bid on an open lowest-price project before its deadline: the agency must
/// be qualified and the price within the budget; one bid per agency.
pub(super) fn place_bid(
    conn: &mut DbConn,
    vault: &Vault,
    caller: &Caller,
    row: &ProjectRow,
    bidder: &AgencyRow,
    bid: &NewBid,
    at: At,
) -> Result<(), Error> {
    expect_status(row, ProjectStatus::Open, "bidding")?;
    if row.selection() != Selection::LowestPrice {
        return Err(Error::conflict("only lowest-price projects take bids"));
    }
    if at.now >= row.bid_deadline {
        return Err(Error::conflict("the bid deadline has passed"));
    }
    if bid.price_fen > row.budget_fen {
        return Err(Error::invalid("price_fen", "must not exceed the budget"));
    }
    qualified(conn, vault, bidder, row, at)?;
    let already: Option<i64> = intermediary_bids::table
        .filter(intermediary_bids::project_id.eq(row.id))
        .filter(intermediary_bids::intermediary_id.eq(bidder.id))
        .select(intermediary_bids::id)
        .get_result(conn)
        .optional()?;
    if already.is_some() {
        return Err(Error::conflict("this agency has already bid"));
    }
    diesel::insert_into(intermediary_bids::table)
        .values((
            intermediary_bids::project_id.eq(row.id),
            intermediary_bids::intermediary_id.eq(bidder.id),
            intermediary_bids::price_fen.eq(bid.price_fen),
            intermediary_bids::note.eq(bid.note.trim()),
            intermediary_bids::at.eq(at.now),
        ))
        .execute(conn)?;
    record(
        conn,
        at.now,
        caller,
        row,
        (
            "intermediary_project.bid",
            "intermediary_project.bid_received",
        ),
        None,
        json!({"project_no": row.project_no, "intermediary_id": bidder.id,
               "price_fen": bid.price_fen}),
    )
}

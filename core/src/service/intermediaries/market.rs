//! The intermediary market (中介超市): a department posts a service project (for an applicant's
//! case or its own needs); the agency is chosen directly, by a seeded random draw among the
//! qualified agencies, or by the lowest bid; the contract sets the service time limit in
//! working days; the result goes into the applicant's case as a material; the poster evaluates.

use diesel::prelude::*;
use serde_json::json;

use super::{AgencyRow, agency, encode, working_days_end};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::{DepartmentId, UserId};
use crate::domain::intermediary::{
    AgencyFacts, AgencyStatus, ProjectStatus, Selection, check_qualified, draw,
};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, details_json, local_date, record_change};
use crate::service::org::ScopeSql;
use crate::service::supervision::workflow_cards::{OpenCards, close};
use crate::store::DbConn;
use crate::store::schema::{
    cases, catalogue_items, departments, intermediaries, intermediary_bids,
    intermediary_project_progress, intermediary_projects, regions,
};
use crate::wire::complaints::CardSubject;
use crate::wire::intermediaries::{
    Bid, ContractTerms, Delivery, DrawRecord, NewBid, NewProject, Project, ProjectEvaluation,
    ProjectQuery, SelectAgency,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// The step of a late project's workflow card.
pub(crate) const DELIVER: &str = "deliver";

/// A late project: id, region, department, end of its service time limit.
pub(crate) type LateProject = (i64, i64, Option<i64>, Millis);

/// Contracted projects past their service time limit with no open workflow card (`carded`);
/// the supervision job raises their red cards.
pub(crate) fn late_projects(
    conn: &mut DbConn,
    now: Millis,
    carded: OpenCards,
) -> Result<Vec<LateProject>, Error> {
    Ok(intermediary_projects::table
        .filter(intermediary_projects::status.eq(ProjectStatus::Contracted.as_str()))
        .filter(intermediary_projects::due_at.le(now))
        .filter(intermediary_projects::id.ne_all(carded))
        .order(intermediary_projects::id.asc())
        .limit(500)
        .select((
            intermediary_projects::id,
            intermediary_projects::region_id,
            intermediary_projects::department_id,
            intermediary_projects::due_at.assume_not_null(),
        ))
        .load(conn)?)
}

/// A stored project.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = intermediary_projects)]
pub(crate) struct ProjectRow {
    pub id: i64,
    pub project_no: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub case_id: Option<i64>,
    pub title: String,
    pub service_type: String,
    pub item_code: String,
    pub budget_fen: i64,
    pub bid_deadline: i64,
    pub selection: String,
    pub status: String,
    pub intermediary_id: Option<i64>,
    pub due_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
}

/// A project's selection, contract, delivery and evaluation.
#[derive(Queryable, Selectable, Clone, Debug, Default)]
#[diesel(table_name = intermediary_project_progress)]
pub(crate) struct ProgressRow {
    pub price_fen: Option<i64>,
    pub draw_seed: Option<String>,
    pub draw_candidates: Option<String>,
    pub selected_at: i64,
    pub service_days: Option<i64>,
    pub contracted_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub result_material: Option<String>,
    pub late: bool,
    pub evaluation_score: Option<i64>,
    pub evaluation_comment: Option<String>,
}

impl ProjectRow {
    fn status(&self) -> ProjectStatus {
        ProjectStatus::parse(&self.status).unwrap_or(ProjectStatus::Evaluated)
    }

    fn selection(&self) -> Selection {
        Selection::parse(&self.selection).unwrap_or(Selection::Direct)
    }

    fn target<'a>(&self, path: &'a str) -> Target<'a> {
        Target {
            region_path: Some(path),
            department_id: self.department_id.map(DepartmentId),
            owner_id: Some(UserId(self.created_by)),
        }
    }

    fn overdue(&self, now: Millis) -> bool {
        self.status() == ProjectStatus::Contracted && self.due_at.is_some_and(|d| d <= now)
    }
}

/// The draw as recorded, recomputed.
fn draw_record(row: &ProjectRow, g: &ProgressRow) -> Result<Option<DrawRecord>, Error> {
    let (Some(seed), Some(candidates), Some(chosen)) = (
        g.draw_seed.as_deref(),
        g.draw_candidates.as_deref(),
        row.intermediary_id,
    ) else {
        return Ok(None);
    };
    let candidates: Vec<i64> = super::decode(row.id, candidates)?;
    let verified = seed.parse::<u64>().ok().and_then(|s| draw(s, &candidates)) == Some(chosen);
    Ok(Some(DrawRecord {
        seed: seed.to_owned(),
        candidates,
        chosen,
        verified,
    }))
}

/// A project with its region's path, or not found.
fn project(conn: &mut DbConn, id: i64) -> Result<(ProjectRow, String), Error> {
    intermediary_projects::table
        .inner_join(regions::table)
        .filter(intermediary_projects::id.eq(id))
        .select((ProjectRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("intermediary project", id))
}

/// The progress of a project past its selection.
fn progress(conn: &mut DbConn, id: i64) -> Result<ProgressRow, Error> {
    intermediary_project_progress::table
        .find(id)
        .select(ProgressRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::Internal(format!("intermediary project {id} has no progress")))
}

/// A project the caller may use `perm` on: not found outside their read scope, forbidden
/// inside it.
fn project_for(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: i64,
) -> Result<ProjectRow, Error> {
    let (row, path) = project(conn, id)?;
    caller.check(
        perm,
        Permission::IntermediaryRead,
        &row.target(&path),
        "intermediary project",
        id,
    )?;
    Ok(row)
}

fn answer(conn: &mut DbConn, row: &ProjectRow, now: Millis) -> Result<Project, Error> {
    let bids: Vec<(i64, i64, String, i64)> = intermediary_bids::table
        .filter(intermediary_bids::project_id.eq(row.id))
        .order(intermediary_bids::id.asc())
        .select((
            intermediary_bids::intermediary_id,
            intermediary_bids::price_fen,
            intermediary_bids::note,
            intermediary_bids::at,
        ))
        .load(conn)?;
    let g: Option<ProgressRow> = intermediary_project_progress::table
        .find(row.id)
        .select(ProgressRow::as_select())
        .get_result(conn)
        .optional()?;
    let selected = g.is_some();
    let g = g.unwrap_or_default();
    Ok(Project {
        id: row.id,
        project_no: row.project_no.clone(),
        region_id: row.region_id,
        department_id: row.department_id,
        case_id: row.case_id,
        title: row.title.clone(),
        service_type: row.service_type.clone(),
        item_code: row.item_code.clone(),
        budget_fen: row.budget_fen,
        bid_deadline: time(row.bid_deadline),
        selection: row.selection(),
        status: row.status(),
        intermediary_id: row.intermediary_id,
        price_fen: g.price_fen,
        draw: draw_record(row, &g)?,
        bids: bids
            .into_iter()
            .map(|(intermediary_id, price_fen, note, at)| Bid {
                intermediary_id,
                price_fen,
                note,
                at: time(at),
            })
            .collect(),
        selected_at: selected.then(|| time(g.selected_at)),
        service_days: g.service_days.and_then(|d| u32::try_from(d).ok()),
        contracted_at: g.contracted_at.map(time),
        due_at: row.due_at.map(time),
        overdue: row.overdue(now),
        delivered_at: g.delivered_at.map(time),
        result_material: g.result_material.clone(),
        late: g.late,
        evaluation_score: g.evaluation_score,
        evaluation_comment: g.evaluation_comment.clone(),
        created_at: time(row.created_at),
    })
}

/// Refuses a step out of order: 409 naming the project's status.
fn expect_status(row: &ProjectRow, wanted: ProjectStatus, doing: &str) -> Result<(), Error> {
    if row.status() == wanted {
        Ok(())
    } else {
        Err(Error::conflict(format!(
            "{doing} needs a {} project; this one is {}",
            wanted.as_str(),
            row.status
        )))
    }
}

/// Whether agency `row` may take the project on `today`; 409 with the reason when not.
fn qualified(row: &AgencyRow, project: &ProjectRow, today: chrono::NaiveDate) -> Result<(), Error> {
    let p = row.profile()?;
    let facts = AgencyFacts {
        status: row.status(),
        service_types: &p.service_types,
        items: &p.items,
        qualifications: &p.qualifications,
    };
    check_qualified(&facts, &project.service_type, &project.item_code, today)
        .map_err(|e| Error::conflict(format!("agency {} cannot be selected: {e}", row.id)))
}

/// Every agency qualified for the project on `today`, ascending ids.
fn candidates(
    conn: &mut DbConn,
    project: &ProjectRow,
    today: chrono::NaiveDate,
) -> Result<Vec<i64>, Error> {
    // The JSON lists narrow the rows in SQL; `qualified` decides on each.
    let rows: Vec<AgencyRow> = intermediaries::table
        .filter(intermediaries::status.eq(AgencyStatus::Admitted.as_str()))
        .filter(intermediaries::service_types.like(super::quoted(&project.service_type)))
        .filter(intermediaries::items.like(super::quoted(&project.item_code)))
        .order(intermediaries::id.asc())
        .select(AgencyRow::as_select())
        .load(conn)?;
    let mut ids = Vec::new();
    for row in &rows {
        if qualified(row, project, today).is_ok() {
            ids.push(row.id);
        }
    }
    Ok(ids)
}

fn record(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &ProjectRow,
    (action, event): (&str, &str),
    before: Option<ProjectStatus>,
    payload: serde_json::Value,
) -> Result<(), Error> {
    // The audit entry keeps the whole change (a draw's seed and candidates included).
    let mut after = payload.clone();
    if let Some(fields) = after.as_object_mut() {
        fields.insert("status".into(), json!(row.status));
        fields.insert("intermediary_id".into(), json!(row.intermediary_id));
    }
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            department_id: row.department_id,
            owner_id: Some(row.created_by),
            before: before.map(|b| json!({"status": b.as_str()})),
            after: Some(after),
            payload,
            ..Change::new(action, event, "intermediary_project", row.id)
        },
    )?;
    Ok(())
}

/// Where a new project belongs: (region, department, region path).
fn place(conn: &mut DbConn, new: &NewProject) -> Result<(i64, Option<i64>, String), Error> {
    if let Some(case) = new.case_id {
        let (region, department, path): (i64, i64, String) = cases::table
            .inner_join(regions::table)
            .filter(cases::id.eq(case))
            .select((cases::region_id, cases::department_id, regions::path))
            .get_result(conn)
            .optional()?
            .ok_or_else(|| Error::invalid("case_id", "no such case"))?;
        return Ok((region, Some(department), path));
    }
    let region = new
        .region_id
        .ok_or_else(|| Error::invalid("region_id", "name the case or the region"))?;
    let path: String = regions::table
        .find(region)
        .select(regions::path)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("region_id", "no such region"))?;
    if let Some(d) = new.department_id {
        let known: Option<i64> = departments::table
            .find(d)
            .select(departments::id)
            .get_result(conn)
            .optional()?;
        if known.is_none() {
            return Err(Error::invalid("department_id", "no such department"));
        }
    }
    Ok((region, new.department_id, path))
}

fn validate(new: &NewProject, now: Millis) -> Result<(), Error> {
    let mut v = Validator::new();
    v.text(&new.title, "title", 200);
    super::code_like(&mut v, new.service_type.trim(), "service_type");
    super::code_like(&mut v, new.item_code.trim(), "item_code");
    v.check(new.budget_fen > 0, "budget_fen", "must be positive");
    v.check(
        new.bid_deadline.timestamp_millis() > now,
        "bid_deadline",
        "must be in the future",
    );
    v.check(
        new.case_id.is_none() || (new.region_id.is_none() && new.department_id.is_none()),
        "case_id",
        "a project for a case takes its region and department from the case",
    );
    v.finish()
}

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
        Validator::new()
            .check(bid.price_fen > 0, "price_fen", "must be positive")
            .check(
                bid.note.chars().count() <= 1_000,
                "note",
                "at most 1000 characters",
            )
            .finish()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Open, "bidding")?;
                if row.selection() != Selection::LowestPrice {
                    return Err(Error::conflict("only lowest-price projects take bids"));
                }
                if now >= row.bid_deadline {
                    return Err(Error::conflict("the bid deadline has passed"));
                }
                if bid.price_fen > row.budget_fen {
                    return Err(Error::invalid("price_fen", "must not exceed the budget"));
                }
                let (bidder, _) = agency(conn, bid.intermediary_id)
                    .map_err(|_| Error::invalid("intermediary_id", "no such agency"))?;
                qualified(&bidder, &row, local_date(now, tz))?;
                let already: Option<i64> = intermediary_bids::table
                    .filter(intermediary_bids::project_id.eq(id))
                    .filter(intermediary_bids::intermediary_id.eq(bidder.id))
                    .select(intermediary_bids::id)
                    .get_result(conn)
                    .optional()?;
                if already.is_some() {
                    return Err(Error::conflict("this agency has already bid"));
                }
                diesel::insert_into(intermediary_bids::table)
                    .values((
                        intermediary_bids::project_id.eq(id),
                        intermediary_bids::intermediary_id.eq(bidder.id),
                        intermediary_bids::price_fen.eq(bid.price_fen),
                        intermediary_bids::note.eq(bid.note.trim()),
                        intermediary_bids::at.eq(now),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.bid",
                        "intermediary_project.bid_received",
                    ),
                    None,
                    json!({"project_no": row.project_no, "intermediary_id": bidder.id,
                           "price_fen": bid.price_fen}),
                )?;
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
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Open, "selection")?;
                let today = local_date(now, tz);
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
                        qualified(&agency_row, &row, today)?;
                        (chosen, None, None, None)
                    }
                    Selection::Draw => {
                        let pool = candidates(conn, &row, today)?;
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
                            if qualified(&agency_row, &row, today).is_ok() {
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

    /// Signs the contract: the price (the winning bid's, for lowest-price projects) and the
    /// service time limit in working days, which starts the service clock.
    pub async fn contract_project(
        &self,
        caller: &Caller,
        id: i64,
        terms: ContractTerms,
    ) -> Result<Project, Error> {
        Validator::new()
            .check(
                (1..=365).contains(&terms.service_days),
                "service_days",
                "from 1 to 365 working days",
            )
            .check(
                terms.price_fen.is_none_or(|p| p > 0),
                "price_fen",
                "must be positive",
            )
            .finish()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let due = working_days_end(now, tz, terms.service_days)?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Selected, "the contract")?;
                let bid = progress(conn, id)?.price_fen;
                let price = match (bid, terms.price_fen) {
                    (Some(bid), None) => bid,
                    (Some(bid), Some(p)) if p == bid => bid,
                    (Some(_), Some(_)) => {
                        return Err(Error::invalid(
                            "price_fen",
                            "the winning bid sets the price",
                        ));
                    }
                    (None, Some(p)) if p <= row.budget_fen => p,
                    (None, Some(_)) => {
                        return Err(Error::invalid("price_fen", "must not exceed the budget"));
                    }
                    (None, None) => return Err(Error::invalid("price_fen", "name the price")),
                };
                diesel::update(intermediary_projects::table.find(id))
                    .set((
                        intermediary_projects::status.eq(ProjectStatus::Contracted.as_str()),
                        intermediary_projects::due_at.eq(due),
                    ))
                    .execute(conn)?;
                diesel::update(intermediary_project_progress::table.find(id))
                    .set((
                        intermediary_project_progress::price_fen.eq(price),
                        intermediary_project_progress::service_days
                            .eq(i64::from(terms.service_days)),
                        intermediary_project_progress::contracted_at.eq(now),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.contract",
                        "intermediary_project.contracted",
                    ),
                    Some(ProjectStatus::Selected),
                    json!({"project_no": row.project_no, "intermediary_id": row.intermediary_id,
                           "price_fen": price, "service_days": terms.service_days, "due_at": due}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }

    /// Records the agency's result; with a case, the result becomes one of its materials (a
    /// missing material of that name is no longer missing) in the case's history.
    pub async fn deliver_project(
        &self,
        caller: &Caller,
        id: i64,
        delivery: Delivery,
    ) -> Result<Project, Error> {
        Validator::new()
            .text(&delivery.material, "material", 100)
            .check(
                delivery.note.chars().count() <= 1_000,
                "note",
                "at most 1000 characters",
            )
            .finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Contracted, "delivery")?;
                let material = delivery.material.trim().to_owned();
                if let Some(case_id) = row.case_id {
                    add_case_material(conn, now, &caller, case_id, &material, &row.project_no)?;
                }
                let late = row.due_at.is_some_and(|d| d <= now);
                close(
                    conn,
                    now,
                    &Actor::of(&caller),
                    CardSubject::IntermediaryProject,
                    id,
                    DELIVER,
                )?;
                diesel::update(intermediary_projects::table.find(id))
                    .set(intermediary_projects::status.eq(ProjectStatus::Delivered.as_str()))
                    .execute(conn)?;
                diesel::update(intermediary_project_progress::table.find(id))
                    .set((
                        intermediary_project_progress::delivered_at.eq(now),
                        intermediary_project_progress::result_material.eq(&material),
                        intermediary_project_progress::late.eq(late),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.deliver",
                        "intermediary_project.delivered",
                    ),
                    Some(ProjectStatus::Contracted),
                    json!({"project_no": row.project_no, "case_id": row.case_id,
                           "material": material, "late": late,
                           "note": delivery.note.trim()}),
                )?;
                answer(conn, &row, now)
            })
            .await
    }

    /// The poster's evaluation of a delivered project (1 to 5), part of the agency's credit.
    pub async fn evaluate_project(
        &self,
        caller: &Caller,
        id: i64,
        evaluation: ProjectEvaluation,
    ) -> Result<Project, Error> {
        Validator::new()
            .check(
                (1..=5).contains(&evaluation.score),
                "score",
                "1 (very unsatisfied) to 5 (very satisfied)",
            )
            .check(
                evaluation.comment.chars().count() <= 1_000,
                "comment",
                "at most 1000 characters",
            )
            .finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = project_for(conn, &caller, Permission::IntermediaryMarket, id)?;
                expect_status(&row, ProjectStatus::Delivered, "the evaluation")?;
                diesel::update(intermediary_projects::table.find(id))
                    .set(intermediary_projects::status.eq(ProjectStatus::Evaluated.as_str()))
                    .execute(conn)?;
                diesel::update(intermediary_project_progress::table.find(id))
                    .set((
                        intermediary_project_progress::evaluation_score.eq(evaluation.score),
                        intermediary_project_progress::evaluation_comment
                            .eq(evaluation.comment.trim()),
                    ))
                    .execute(conn)?;
                let (row, _) = project(conn, id)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.evaluate",
                        "intermediary_project.evaluated",
                    ),
                    Some(ProjectStatus::Delivered),
                    json!({"project_no": row.project_no, "intermediary_id": row.intermediary_id,
                           "score": evaluation.score}),
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

/// Adds the result to an open case's materials, in the case's history and audit.
fn add_case_material(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    case_id: i64,
    material: &str,
    project_no: &str,
) -> Result<(), Error> {
    let case: CaseRow = cases::table
        .find(case_id)
        .select(CaseRow::as_select())
        .get_result(conn)?;
    let status = case.status();
    if !status.is_open() {
        return Err(Error::conflict(
            "the project's case is closed: its result cannot be added",
        ));
    }
    let mut d = case.details()?;
    if !d.materials.iter().any(|m| m == material) {
        d.materials.push(material.to_owned());
    }
    d.missing.retain(|m| m != material);
    diesel::update(cases::table.find(case_id))
        .set(cases::details.eq(details_json(&d)?))
        .execute(conn)?;
    let case = CaseRow {
        details: details_json(&d)?,
        ..case
    };
    let note = format!("{material}（中介服务项目 {project_no}）");
    record_change(
        conn,
        now,
        &Actor::of(caller),
        &case,
        status,
        "add_intermediary_result",
        "intermediary_result_added",
        case.step_index,
        Some(&note),
    )
}

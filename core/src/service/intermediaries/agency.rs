//! An agency's own staff in the market: a user holding `intermediary.agency` (the built-in
//! role `intermediary_agency`, scope `own`) and bound to one agency by the registry's keeper.
//! Their data scope is their agency: the projects open to it (by service type and item) and
//! the projects it was selected for, with its own bids only; they bid, accept the contract,
//! deliver, and see their evaluations and credit score. Other agencies' bids, a draw's
//! candidates and projects given to others never show.

use diesel::prelude::*;
use serde_json::json;

use super::contract::{deliver, validate_delivery};
use super::market::{place_bid, validate_bid};
use super::projects::{At, ProjectRow, answer, expect_status, project, record};
use super::{AgencyRow, agency, check_manage, credit};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::intermediary::ProjectStatus;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::local_date;
use crate::store::DbConn;
use crate::store::schema::{
    intermediary_logins, intermediary_project_progress, intermediary_projects, role_permissions,
    user_roles, users,
};
use crate::wire::intermediaries::{
    AgencyBid, AgencyLogin, AgencyProjectQuery, Delivery, Intermediary, NewAgencyLogin, NewBid,
    Project,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// The agency the caller acts for: 403 without `intermediary.agency` or without a binding.
fn bound_agency(conn: &mut DbConn, caller: &Caller) -> Result<AgencyRow, Error> {
    if !caller.has(Permission::IntermediaryAgency) {
        return Err(Error::forbidden(
            "the agency's views need intermediary.agency",
        ));
    }
    let id: i64 = intermediary_logins::table
        .find(caller.user_id.0)
        .select(intermediary_logins::intermediary_id)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::forbidden("this login is not bound to an agency"))?;
    Ok(agency(conn, id)?.0)
}

/// Whether the agency sees the project: it was selected for it, or the project is open and
/// asks for a service type and an item the agency offers.
fn sees(agency: &AgencyRow, row: &ProjectRow) -> Result<bool, Error> {
    if row.intermediary_id == Some(agency.id) {
        return Ok(true);
    }
    let p = agency.profile()?;
    Ok(row.status() == ProjectStatus::Open
        && p.service_types.contains(&row.service_type)
        && p.items.contains(&row.item_code))
}

/// A project the agency sees, or not found.
fn agency_project(conn: &mut DbConn, agency: &AgencyRow, id: i64) -> Result<ProjectRow, Error> {
    let (row, _) = project(conn, id).map_err(|_| Error::not_found("intermediary project", id))?;
    if sees(agency, &row)? {
        Ok(row)
    } else {
        Err(Error::not_found("intermediary project", id))
    }
}

/// The project as the agency may see it: its own bid only and no draw (whose candidates are
/// other agencies).
fn agency_view(
    conn: &mut DbConn,
    agency: &AgencyRow,
    row: &ProjectRow,
    now: Millis,
) -> Result<Project, Error> {
    let mut p = answer(conn, row, now)?;
    p.bids.retain(|b| b.intermediary_id == agency.id);
    p.draw = None;
    Ok(p)
}

/// The agency's own project in the wanted status, or 409 naming what it allows.
fn own_project(
    conn: &mut DbConn,
    agency: &AgencyRow,
    id: i64,
    wanted: ProjectStatus,
    doing: &str,
) -> Result<ProjectRow, Error> {
    let row = agency_project(conn, agency, id)?;
    if row.intermediary_id != Some(agency.id) {
        return Err(Error::conflict(format!(
            "{doing} is for the agency selected for the project"
        )));
    }
    expect_status(&row, wanted, doing)?;
    Ok(row)
}

/// Whether the user holds a role that runs the market (`intermediary.market` or
/// `intermediary.manage`): such a user acting for an agency would select it.
fn keeps_the_market(conn: &mut DbConn, user_id: i64) -> Result<bool, Error> {
    let roles: Vec<i64> = user_roles::table
        .filter(user_roles::user_id.eq(user_id))
        .select(user_roles::role_id)
        .load(conn)?;
    let held: i64 = role_permissions::table
        .filter(role_permissions::role_id.eq_any(roles))
        .filter(role_permissions::permission.eq_any([
            Permission::IntermediaryMarket.as_str(),
            Permission::IntermediaryManage.as_str(),
        ]))
        .count()
        .get_result(conn)?;
    Ok(held > 0)
}

fn login_answer(
    conn: &mut DbConn,
    user_id: i64,
    intermediary_id: i64,
    at: i64,
) -> Result<AgencyLogin, Error> {
    let (username, display_name): (String, String) = users::table
        .find(user_id)
        .select((users::username, users::display_name))
        .get_result(conn)?;
    Ok(AgencyLogin {
        user_id,
        username,
        display_name,
        intermediary_id,
        created_at: time(at),
    })
}

impl Services {
    /// Binds a user to an agency (`intermediary.manage` over the agency's region): they act
    /// for it through `/agency` once they hold the `intermediary_agency` role. A user serves
    /// one agency.
    pub async fn bind_agency_login(
        &self,
        caller: &Caller,
        id: i64,
        new: NewAgencyLogin,
    ) -> Result<AgencyLogin, Error> {
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path) = agency(conn, id)?;
                check_manage(&caller, &path, id)?;
                let exists: Option<i64> = users::table
                    .find(new.user_id)
                    .select(users::id)
                    .get_result(conn)
                    .optional()?;
                if exists.is_none() {
                    return Err(Error::invalid("user_id", "no such user"));
                }
                if keeps_the_market(conn, new.user_id)? {
                    return Err(Error::conflict(
                        "this user posts, selects or keeps the market's agencies and cannot also \
                         act for one",
                    ));
                }
                let bound: Option<i64> = intermediary_logins::table
                    .find(new.user_id)
                    .select(intermediary_logins::intermediary_id)
                    .get_result(conn)
                    .optional()?;
                if let Some(other) = bound {
                    return Err(Error::conflict(format!(
                        "user {} is already bound to agency {other}",
                        new.user_id
                    )));
                }
                diesel::insert_into(intermediary_logins::table)
                    .values((
                        intermediary_logins::user_id.eq(new.user_id),
                        intermediary_logins::intermediary_id.eq(id),
                        intermediary_logins::created_by.eq(caller.user_id.0),
                        intermediary_logins::created_at.eq(now),
                    ))
                    .execute(conn)?;
                let login = login_answer(conn, new.user_id, id, now)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        after: Some(json!({"user_id": new.user_id})),
                        payload: json!({"user_id": new.user_id, "username": login.username}),
                        ..Change::new(
                            "intermediary.bind_login",
                            "intermediary.login_bound",
                            "intermediary",
                            id,
                        )
                    },
                )?;
                Ok(login)
            })
            .await
    }

    /// Unbinds a user from an agency (`intermediary.manage` over the agency's region): from
    /// the next request on they no longer act for it. 404 when the user is not bound to it.
    pub async fn unbind_agency_login(
        &self,
        caller: &Caller,
        id: i64,
        user_id: i64,
    ) -> Result<(), Error> {
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path) = agency(conn, id)?;
                check_manage(&caller, &path, id)?;
                let n = diesel::delete(
                    intermediary_logins::table
                        .filter(intermediary_logins::user_id.eq(user_id))
                        .filter(intermediary_logins::intermediary_id.eq(id)),
                )
                .execute(conn)?;
                if n == 0 {
                    return Err(Error::not_found(
                        "agency login",
                        format!("{user_id} of agency {id}"),
                    ));
                }
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        before: Some(json!({"user_id": user_id})),
                        payload: json!({"user_id": user_id}),
                        ..Change::new(
                            "intermediary.unbind_login",
                            "intermediary.login_unbound",
                            "intermediary",
                            id,
                        )
                    },
                )?;
                Ok(())
            })
            .await
    }

    /// The users bound to an agency (`intermediary.manage` over its region).
    pub async fn agency_logins(&self, caller: &Caller, id: i64) -> Result<Vec<AgencyLogin>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (_, path) = agency(conn, id)?;
                check_manage(&caller, &path, id)?;
                let rows: Vec<(i64, i64)> = intermediary_logins::table
                    .filter(intermediary_logins::intermediary_id.eq(id))
                    .order(intermediary_logins::user_id.asc())
                    .select((
                        intermediary_logins::user_id,
                        intermediary_logins::created_at,
                    ))
                    .load(conn)?;
                rows.into_iter()
                    .map(|(user, at)| login_answer(conn, user, id, at))
                    .collect()
            })
            .await
    }

    /// The caller's agency with its credit score.
    pub async fn my_agency(&self, caller: &Caller) -> Result<Intermediary, Error> {
        let weights = self.credit_weights()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let row = bound_agency(conn, &caller)?;
                credit::answer(conn, &weights, &row, now)
            })
            .await
    }

    /// The projects open to the caller's agency and those it was selected for.
    pub async fn agency_projects(
        &self,
        caller: &Caller,
        query: AgencyProjectQuery,
    ) -> Result<Page<Project>, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let agency = bound_agency(conn, &caller)?;
                let profile = agency.profile()?;
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = intermediary_projects::table
                    .filter(intermediary_projects::id.gt(page.after()))
                    .filter(
                        intermediary_projects::intermediary_id.eq(agency.id).or(
                            intermediary_projects::status
                                .eq(ProjectStatus::Open.as_str())
                                .and(
                                    intermediary_projects::service_type
                                        .eq_any(profile.service_types.clone()),
                                )
                                .and(
                                    intermediary_projects::item_code.eq_any(profile.items.clone()),
                                ),
                        ),
                    )
                    .order(intermediary_projects::id.asc())
                    .limit(limit + 1)
                    .select(ProjectRow::as_select())
                    .into_boxed();
                if let Some(s) = query.status {
                    q = q.filter(intermediary_projects::status.eq(s.as_str()));
                }
                let rows: Vec<ProjectRow> = q.load(conn)?;
                let mut items = Vec::with_capacity(rows.len());
                for row in &rows {
                    items.push(agency_view(conn, &agency, row, now)?);
                }
                Ok(page_of(items, limit, |p: &Project| p.id))
            })
            .await
    }

    /// One project the caller's agency sees.
    pub async fn agency_project(&self, caller: &Caller, id: i64) -> Result<Project, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let agency = bound_agency(conn, &caller)?;
                let row = agency_project(conn, &agency, id)?;
                agency_view(conn, &agency, &row, now)
            })
            .await
    }

    /// The caller's agency bids on an open lowest-price project.
    pub async fn agency_bid(
        &self,
        caller: &Caller,
        id: i64,
        bid: AgencyBid,
    ) -> Result<Project, Error> {
        validate_bid(bid.price_fen, &bid.note)?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let caller = caller.clone();
        let vault = self.vault.clone();
        self.store
            .write(move |conn| {
                let agency = bound_agency(conn, &caller)?;
                let row = agency_project(conn, &agency, id)?;
                let bid = NewBid {
                    intermediary_id: agency.id,
                    price_fen: bid.price_fen,
                    note: bid.note,
                };
                let at = At {
                    today: local_date(now, tz),
                    now,
                };
                place_bid(conn, &vault, &caller, &row, &agency, &bid, at)?;
                agency_view(conn, &agency, &row, now)
            })
            .await
    }

    /// The selected agency accepts (countersigns) the contract the poster signed; it delivers
    /// only after that.
    pub async fn agency_accept(&self, caller: &Caller, id: i64) -> Result<Project, Error> {
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let agency = bound_agency(conn, &caller)?;
                let row = own_project(
                    conn,
                    &agency,
                    id,
                    ProjectStatus::Contracted,
                    "accepting the contract",
                )?;
                let accepted: Option<i64> = intermediary_project_progress::table
                    .find(id)
                    .select(intermediary_project_progress::accepted_at)
                    .get_result(conn)?;
                if accepted.is_some() {
                    return Err(Error::conflict("the contract is accepted already"));
                }
                diesel::update(intermediary_project_progress::table.find(id))
                    .set(intermediary_project_progress::accepted_at.eq(now))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    (
                        "intermediary_project.accept",
                        "intermediary_project.accepted",
                    ),
                    Some(ProjectStatus::Contracted),
                    json!({"project_no": row.project_no, "intermediary_id": agency.id}),
                )?;
                agency_view(conn, &agency, &row, now)
            })
            .await
    }

    /// The selected agency delivers its result (into the case, when there is one), once it has
    /// accepted the contract.
    pub async fn agency_deliver(
        &self,
        caller: &Caller,
        id: i64,
        delivery: Delivery,
    ) -> Result<Project, Error> {
        validate_delivery(&delivery)?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let agency = bound_agency(conn, &caller)?;
                let row = own_project(conn, &agency, id, ProjectStatus::Contracted, "delivery")?;
                let accepted: Option<i64> = intermediary_project_progress::table
                    .find(id)
                    .select(intermediary_project_progress::accepted_at)
                    .get_result(conn)?;
                if accepted.is_none() {
                    return Err(Error::conflict(
                        "accept the contract before delivering (allowed now: accept)",
                    ));
                }
                let row = deliver(conn, now, &caller, &row, &delivery)?;
                agency_view(conn, &agency, &row, now)
            })
            .await
    }
}

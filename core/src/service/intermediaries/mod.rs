//! Intermediary agencies (涉审中介, R-3.3): the registry kept by the approval bureau (admission,
//! suspension, reinstatement, removal, each with its history), credit records and the credit
//! score; the market's projects are in `projects.rs` (rows and shared checks), `market.rs`
//! (posting, bids, selection) and `contract.rs` (contract, delivery, evaluation).

mod agency;
mod contract;
mod credit;
mod market;
mod projects;

pub(crate) use projects::{DELIVER, late_projects};

use chrono::{Days, TimeZone};
use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::identity::CreditCode;
use crate::domain::intermediary::{AgencyAction, AgencyStatus, Qualification};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{calendar, local_date};
use crate::store::DbConn;
use crate::store::schema::{intermediaries, intermediary_history, regions};
use crate::wire::intermediaries::{
    AgencyChange, AgencyHistoryEntry, AgencyStaff, Intermediary, IntermediaryProfile,
    IntermediaryQuery, NewIntermediary,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// Most entries in one of an agency's lists (types, items, qualifications, staff).
const MAX_LIST: usize = 200;

/// A stored agency.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = intermediaries)]
pub(crate) struct AgencyRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub region_id: i64,
    pub status: String,
    pub service_types: String,
    pub items: String,
    pub qualifications: String,
    pub fee_min_fen: i64,
    pub fee_max_fen: i64,
    pub staff: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An agency's JSON lists, decoded.
pub(crate) struct Profile {
    pub service_types: Vec<String>,
    pub items: Vec<String>,
    pub qualifications: Vec<Qualification>,
    pub staff: Vec<AgencyStaff>,
}

fn decode<T: serde::de::DeserializeOwned>(id: i64, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("intermediary {id}: {e}")))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

impl AgencyRow {
    pub(crate) fn status(&self) -> AgencyStatus {
        AgencyStatus::parse(&self.status).unwrap_or(AgencyStatus::Removed)
    }

    pub(crate) fn profile(&self) -> Result<Profile, Error> {
        Ok(Profile {
            service_types: decode(self.id, &self.service_types)?,
            items: decode(self.id, &self.items)?,
            qualifications: decode(self.id, &self.qualifications)?,
            staff: decode(self.id, &self.staff)?,
        })
    }
}

/// An agency with its region's path, or not found.
pub(crate) fn agency(conn: &mut DbConn, id: i64) -> Result<(AgencyRow, String), Error> {
    intermediaries::table
        .inner_join(regions::table)
        .filter(intermediaries::id.eq(id))
        .select((AgencyRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("intermediary", id))
}

/// The registry is public to every holder of `intermediary.read` (the market publishes it);
/// changes need `intermediary.manage` over the agency's region.
fn check_manage(caller: &Caller, path: &str, id: i64) -> Result<(), Error> {
    let target = Target {
        region_path: Some(path),
        ..Default::default()
    };
    if caller.may(Permission::IntermediaryManage, &target) {
        Ok(())
    } else if caller.has(Permission::IntermediaryRead) {
        Err(Error::forbidden(
            "this needs intermediary.manage over the agency's region",
        ))
    } else {
        Err(Error::not_found("intermediary", id))
    }
}

fn check_read(caller: &Caller) -> Result<(), Error> {
    if caller.has(Permission::IntermediaryRead) {
        Ok(())
    } else {
        Err(Error::forbidden("the registry needs intermediary.read"))
    }
}

/// The end of the `days`-th working day after `now`'s day, in the platform's zone.
pub(crate) fn working_days_end(now: Millis, tz: chrono_tz::Tz, days: u32) -> Result<Millis, Error> {
    let last = calendar()?.add_working_days(local_date(now, tz), days);
    day_end(last, tz)
}

/// The start of the day after `day`, local time, as Unix ms.
pub(crate) fn day_end(day: chrono::NaiveDate, tz: chrono_tz::Tz) -> Result<Millis, Error> {
    let next = day
        .checked_add_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| Error::invalid("date", "out of range"))?;
    tz.from_local_datetime(&next)
        .earliest()
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| Error::invalid("date", "has no local midnight"))
}

fn code_like(v: &mut Validator, value: &str, field: &str) {
    v.check(
        !value.is_empty()
            && value.len() <= 64
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        field,
        "1 to 64 letters, digits, '_' or '-'",
    );
}

fn validate(new: &NewIntermediary) -> Result<CreditCode, Error> {
    let mut v = Validator::new();
    let code = match CreditCode::parse(new.credit_code.trim()) {
        Ok(c) => Some(c),
        Err(e) => {
            v.push("credit_code", e.to_string());
            None
        }
    };
    validate_profile(&mut v, &new.profile());
    v.finish()?;
    code.ok_or_else(|| Error::invalid("credit_code", "invalid"))
}

fn validate_profile(v: &mut Validator, new: &IntermediaryProfile) {
    v.text(&new.name, "name", 200);
    v.check(
        !new.service_types.is_empty() && new.service_types.len() <= MAX_LIST,
        "service_types",
        "name 1 to 200 service types",
    );
    for (i, t) in new.service_types.iter().enumerate() {
        code_like(v, t, &format!("service_types[{i}]"));
    }
    v.check(
        !new.items.is_empty() && new.items.len() <= MAX_LIST,
        "items",
        "name 1 to 200 catalogue item codes",
    );
    for (i, t) in new.items.iter().enumerate() {
        code_like(v, t, &format!("items[{i}]"));
    }
    v.check(
        !new.qualifications.is_empty() && new.qualifications.len() <= MAX_LIST,
        "qualifications",
        "name 1 to 200 qualifications",
    );
    for (i, q) in new.qualifications.iter().enumerate() {
        let f = format!("qualifications[{i}]");
        v.check(
            new.service_types.contains(&q.service_type),
            &format!("{f}.service_type"),
            "must be one of the agency's service types",
        );
        v.text(&q.name, &format!("{f}.name"), 200);
        v.text(&q.certificate_no, &format!("{f}.certificate_no"), 100);
        v.check(
            q.valid_from <= q.valid_to,
            &format!("{f}.valid_to"),
            "must not be before valid_from",
        );
    }
    v.check(new.fee_min_fen >= 0, "fee_min_fen", "must not be negative");
    v.check(
        new.fee_max_fen >= new.fee_min_fen,
        "fee_max_fen",
        "must not be below fee_min_fen",
    );
    v.check(new.staff.len() <= MAX_LIST, "staff", "at most 200 people");
    for (i, s) in new.staff.iter().enumerate() {
        v.text(&s.name, &format!("staff[{i}].name"), 50);
        v.text(&s.title, &format!("staff[{i}].title"), 100);
    }
}

/// The profile's lists as stored: trimmed, JSON.
struct StoredProfile {
    service_types: String,
    items: String,
    qualifications: String,
    staff: String,
}

fn stored(p: &IntermediaryProfile) -> Result<StoredProfile, Error> {
    let quals: Vec<Qualification> = p
        .qualifications
        .iter()
        .map(|q| Qualification {
            service_type: q.service_type.trim().to_owned(),
            name: q.name.trim().to_owned(),
            certificate_no: q.certificate_no.trim().to_owned(),
            ..q.clone()
        })
        .collect();
    let staff: Vec<AgencyStaff> = p
        .staff
        .iter()
        .map(|s| AgencyStaff {
            name: s.name.trim().to_owned(),
            title: s.title.trim().to_owned(),
        })
        .collect();
    Ok(StoredProfile {
        service_types: encode(&trimmed(&p.service_types))?,
        items: encode(&trimmed(&p.items))?,
        qualifications: encode(&quals)?,
        staff: encode(&staff)?,
    })
}

fn trimmed(list: &[String]) -> Vec<String> {
    list.iter().map(|s| s.trim().to_owned()).collect()
}

fn add_history(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    id: i64,
    action: &str,
    status: AgencyStatus,
    reason: &str,
) -> Result<(), Error> {
    diesel::insert_into(intermediary_history::table)
        .values((
            intermediary_history::intermediary_id.eq(id),
            intermediary_history::action.eq(action),
            intermediary_history::status.eq(status.as_str()),
            intermediary_history::reason.eq(reason),
            intermediary_history::actor.eq(&caller.username),
            intermediary_history::at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

impl Services {
    /// Admits an agency to the registry (`intermediary.manage` over its region). A credit code
    /// already registered is a conflict.
    pub async fn register_intermediary(
        &self,
        caller: &Caller,
        new: NewIntermediary,
    ) -> Result<Intermediary, Error> {
        let code = validate(&new)?;
        let weights = self.credit_weights()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let path: String = regions::table
                    .find(new.region_id)
                    .select(regions::path)
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::invalid("region_id", "no such region"))?;
                let target = Target {
                    region_path: Some(&path),
                    ..Default::default()
                };
                if !caller.may(Permission::IntermediaryManage, &target) {
                    return Err(Error::forbidden(
                        "admitting an agency needs intermediary.manage over its region",
                    ));
                }
                let taken: Option<i64> = intermediaries::table
                    .filter(intermediaries::credit_code.eq(code.as_str()))
                    .select(intermediaries::id)
                    .get_result(conn)
                    .optional()?;
                if let Some(other) = taken {
                    return Err(Error::conflict(format!(
                        "an agency with this credit code is already registered (id {other})"
                    )));
                }
                let lists = stored(&new.profile())?;
                let id: i64 = diesel::insert_into(intermediaries::table)
                    .values((
                        intermediaries::credit_code.eq(code.as_str()),
                        intermediaries::name.eq(new.name.trim()),
                        intermediaries::region_id.eq(new.region_id),
                        intermediaries::status.eq(AgencyStatus::Admitted.as_str()),
                        intermediaries::service_types.eq(&lists.service_types),
                        intermediaries::items.eq(&lists.items),
                        intermediaries::qualifications.eq(&lists.qualifications),
                        intermediaries::fee_min_fen.eq(new.fee_min_fen),
                        intermediaries::fee_max_fen.eq(new.fee_max_fen),
                        intermediaries::staff.eq(&lists.staff),
                        intermediaries::created_at.eq(now),
                        intermediaries::updated_at.eq(now),
                    ))
                    .returning(intermediaries::id)
                    .get_result(conn)?;
                add_history(
                    conn,
                    now,
                    &caller,
                    id,
                    "register",
                    AgencyStatus::Admitted,
                    "",
                )?;
                let (row, _) = agency(conn, id)?;
                let answer = credit::answer(conn, &weights, &row, now)?;
                let after =
                    serde_json::to_value(&answer).map_err(|e| Error::Internal(e.to_string()))?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        after: Some(after),
                        payload: json!({"credit_code": row.credit_code, "name": row.name,
                                        "status": row.status}),
                        ..Change::new(
                            "intermediary.register",
                            "intermediary.registered",
                            "intermediary",
                            id,
                        )
                    },
                )?;
                Ok(answer)
            })
            .await
    }

    /// Replaces an agency's profile (`intermediary.manage` over its region): a renewed
    /// qualification, items, fees, staff. A removed agency stays as it was (409).
    pub async fn update_intermediary(
        &self,
        caller: &Caller,
        id: i64,
        profile: IntermediaryProfile,
    ) -> Result<Intermediary, Error> {
        let mut v = Validator::new();
        validate_profile(&mut v, &profile);
        v.finish()?;
        let lists = stored(&profile)?;
        let weights = self.credit_weights()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, path) = agency(conn, id)?;
                check_manage(&caller, &path, id)?;
                if row.status() == AgencyStatus::Removed {
                    return Err(Error::conflict("a removed agency is not changed any more"));
                }
                let before = credit::answer(conn, &weights, &row, now)?;
                diesel::update(intermediaries::table.find(id))
                    .set((
                        intermediaries::name.eq(profile.name.trim()),
                        intermediaries::service_types.eq(&lists.service_types),
                        intermediaries::items.eq(&lists.items),
                        intermediaries::qualifications.eq(&lists.qualifications),
                        intermediaries::fee_min_fen.eq(profile.fee_min_fen),
                        intermediaries::fee_max_fen.eq(profile.fee_max_fen),
                        intermediaries::staff.eq(&lists.staff),
                        intermediaries::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                add_history(conn, now, &caller, id, "update", row.status(), "")?;
                let (row, _) = agency(conn, id)?;
                let after = credit::answer(conn, &weights, &row, now)?;
                let json = |a: &Intermediary| {
                    serde_json::to_value(a).map_err(|e| Error::Internal(e.to_string()))
                };
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        before: Some(json(&before)?),
                        after: Some(json(&after)?),
                        payload: json!({"credit_code": row.credit_code, "name": row.name}),
                        ..Change::new(
                            "intermediary.update",
                            "intermediary.updated",
                            "intermediary",
                            id,
                        )
                    },
                )?;
                Ok(after)
            })
            .await
    }

    /// Suspends, reinstates (`admit`) or removes an agency, with the reason in its history.
    pub async fn change_intermediary(
        &self,
        caller: &Caller,
        id: i64,
        action: AgencyAction,
        change: AgencyChange,
    ) -> Result<Intermediary, Error> {
        Validator::new()
            .text(&change.reason, "reason", 1_000)
            .finish()?;
        let weights = self.credit_weights()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, path) = agency(conn, id)?;
                check_manage(&caller, &path, id)?;
                let before = row.status();
                let after = action.apply(before).map_err(|m| Error::Conflict {
                    message: m.to_owned(),
                    allowed: allowed_actions(before),
                })?;
                diesel::update(intermediaries::table.find(id))
                    .set((
                        intermediaries::status.eq(after.as_str()),
                        intermediaries::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                add_history(
                    conn,
                    now,
                    &caller,
                    id,
                    action.as_str(),
                    after,
                    change.reason.trim(),
                )?;
                let event = match action {
                    AgencyAction::Admit => "intermediary.admitted",
                    AgencyAction::Suspend => "intermediary.suspended",
                    AgencyAction::Remove => "intermediary.removed",
                };
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        before: Some(json!({"status": before.as_str()})),
                        after: Some(json!({"status": after.as_str()})),
                        payload: json!({"credit_code": row.credit_code, "status": after.as_str(),
                                        "reason": change.reason.trim()}),
                        ..Change::new(
                            &format!("intermediary.{}", action.as_str()),
                            event,
                            "intermediary",
                            id,
                        )
                    },
                )?;
                let (row, _) = agency(conn, id)?;
                credit::answer(conn, &weights, &row, now)
            })
            .await
    }

    /// The registry, filtered by status, service type or item.
    pub async fn list_intermediaries(
        &self,
        caller: &Caller,
        query: IntermediaryQuery,
    ) -> Result<Page<Intermediary>, Error> {
        check_read(caller)?;
        let weights = self.credit_weights()?;
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = intermediaries::table
                    .filter(intermediaries::id.gt(page.after()))
                    .order(intermediaries::id.asc())
                    .limit(limit + 1)
                    .select(AgencyRow::as_select())
                    .into_boxed();
                if let Some(s) = query.status {
                    q = q.filter(intermediaries::status.eq(s.as_str()));
                }
                // The lists are JSON arrays of strings: a quoted element matches exactly.
                if let Some(t) = &query.service_type {
                    q = q.filter(intermediaries::service_types.like(quoted(t)));
                }
                if let Some(i) = &query.item_code {
                    q = q.filter(intermediaries::items.like(quoted(i)));
                }
                let rows: Vec<AgencyRow> = q.load(conn)?;
                let mut items = Vec::with_capacity(rows.len());
                for row in &rows {
                    items.push(credit::answer(conn, &weights, row, now)?);
                }
                Ok(page_of(items, limit, |a: &Intermediary| a.id))
            })
            .await
    }

    /// One agency with its credit score.
    pub async fn get_intermediary(&self, caller: &Caller, id: i64) -> Result<Intermediary, Error> {
        check_read(caller)?;
        let weights = self.credit_weights()?;
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let (row, _) = agency(conn, id)?;
                credit::answer(conn, &weights, &row, now)
            })
            .await
    }

    /// An agency's admissions, suspensions, reinstatements and removal, oldest first.
    pub async fn intermediary_history(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<AgencyHistoryEntry>, Error> {
        check_read(caller)?;
        self.store
            .read(move |conn| {
                agency(conn, id)?;
                let rows: Vec<(String, String, String, String, i64)> = intermediary_history::table
                    .filter(intermediary_history::intermediary_id.eq(id))
                    .order(intermediary_history::id.asc())
                    .select((
                        intermediary_history::action,
                        intermediary_history::status,
                        intermediary_history::reason,
                        intermediary_history::actor,
                        intermediary_history::at,
                    ))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(action, status, reason, actor, at)| AgencyHistoryEntry {
                        action,
                        status: AgencyStatus::parse(&status).unwrap_or(AgencyStatus::Removed),
                        reason,
                        actor,
                        at: time(at),
                    })
                    .collect())
            })
            .await
    }
}

/// A `LIKE` pattern matching `value` as one element of a stored JSON list of codes.
fn quoted(value: &str) -> String {
    let escaped: String = value
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    format!("%\"{escaped}\"%")
}

fn allowed_actions(status: AgencyStatus) -> Vec<String> {
    [
        AgencyAction::Admit,
        AgencyAction::Suspend,
        AgencyAction::Remove,
    ]
    .into_iter()
    .filter(|a| a.apply(status).is_ok())
    .map(|a| a.as_str().to_owned())
    .collect()
}

//! The punishment list (失信/联合惩戒名单, R-2.3): people by ID number and organisations by
//! credit code, sealed with a blind index like applicants, each with its source and the days it
//! binds. Entries come from regulators' feedback (`service::regulators`) or are added by hand;
//! they are lifted, never deleted. At intake an applicant on the list flags the case (joint
//! punishment); an agency on it cannot be selected in the intermediary market.

use chrono::{Days, NaiveDate};
use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::crypto::Vault;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::regulation::{EntityKind, in_force};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, local_date};
use crate::service::intermediaries::day_end;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{punishment_list, regions};
use crate::wire::regulation::{
    FlagEntry, JointPunishment, ListedEntity, NewPunishment, NumberCheck, Punishment,
    PunishmentCheck, PunishmentQuery,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// What the window reads on a flagged case.
const NOTICE: &str = "申请人在失信联合惩戒名单中,请依法审慎办理";
const NOTICE_EN: &str = "The applicant is on the joint punishment list: handle with due care";

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = punishment_list)]
pub(crate) struct PunishmentRow {
    pub id: i64,
    pub entity_kind: String,
    pub name: String,
    pub number_masked: String,
    pub reason: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub region_id: i64,
    pub valid_from: i64,
    pub valid_to: i64,
    pub status: String,
    pub listed_by: String,
    pub listed_at: i64,
    pub lifted: Option<String>,
}

/// Who lifted an entry, when and why (`punishment_list.lifted`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Lifted {
    by: String,
    at: Millis,
    reason: String,
}

impl PunishmentRow {
    fn lifted(&self) -> Option<Lifted> {
        serde_json::from_str(self.lifted.as_deref()?).ok()
    }

    fn wire(&self, now: Millis) -> Punishment {
        let lifted = self.lifted();
        Punishment {
            id: self.id,
            kind: EntityKind::parse(&self.entity_kind).unwrap_or(EntityKind::Person),
            name: self.name.clone(),
            number: self.number_masked.clone(),
            reason: self.reason.clone(),
            source: self.source.clone(),
            source_ref: self.source_ref.clone(),
            region_id: self.region_id,
            valid_from: time(self.valid_from),
            valid_to: time(self.valid_to),
            status: self.status.clone(),
            in_force: in_force(&self.status, self.valid_from, self.valid_to, now),
            listed_by: self.listed_by.clone(),
            listed_at: time(self.listed_at),
            lifted_by: lifted.as_ref().map(|l| l.by.clone()),
            lifted_at: lifted.as_ref().map(|l| time(l.at)),
            lift_reason: lifted.map(|l| l.reason),
        }
    }

    fn audit_view(&self) -> serde_json::Value {
        json!({"kind": self.entity_kind, "name": self.name, "number": self.number_masked,
               "reason": self.reason, "source": self.source, "source_ref": self.source_ref,
               "valid_from": self.valid_from, "valid_to": self.valid_to, "status": self.status})
    }
}

/// An entity about to be listed: its number checked, sealed and indexed.
pub(crate) struct Sealed {
    pub kind: EntityKind,
    pub name: String,
    pub sealed: String,
    pub blind: String,
    pub masked: String,
}

/// Checks a named entity and seals its number; errors name `field`.
pub(crate) fn seal(vault: &Vault, e: &ListedEntity, field: &str) -> Result<Sealed, Error> {
    let mut v = Validator::new();
    v.text(&e.name, &format!("{field}.name"), 200);
    let number = e.kind.number(e.number.trim());
    if let Err(reason) = &number {
        v.push(&format!("{field}.number"), reason.clone());
    }
    v.finish()?;
    let (plain, masked) = number.map_err(|r| Error::invalid(field, r))?;
    Ok(Sealed {
        kind: e.kind,
        name: e.name.trim().to_owned(),
        sealed: vault.seal(&plain)?,
        blind: vault.blind_index(&plain),
        masked,
    })
}

/// Where an entry comes from and how long it binds.
pub(crate) struct Listing<'a> {
    pub reason: &'a str,
    pub source: &'a str,
    pub source_ref: Option<&'a str>,
    pub region_id: i64,
    pub valid_from: Millis,
    pub valid_to: Millis,
}

/// Lists an entity, with its audit entry and `punishment.listed` event, in the caller's
/// transaction.
pub(crate) fn list_entity(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    who: &Sealed,
    l: &Listing<'_>,
) -> Result<PunishmentRow, Error> {
    let id: i64 = diesel::insert_into(punishment_list::table)
        .values((
            punishment_list::entity_kind.eq(who.kind.as_str()),
            punishment_list::name.eq(&who.name),
            punishment_list::number_sealed.eq(&who.sealed),
            punishment_list::number_blind.eq(&who.blind),
            punishment_list::number_masked.eq(&who.masked),
            punishment_list::reason.eq(l.reason.trim()),
            punishment_list::source.eq(l.source.trim()),
            punishment_list::source_ref.eq(l.source_ref),
            punishment_list::region_id.eq(l.region_id),
            punishment_list::valid_from.eq(l.valid_from),
            punishment_list::valid_to.eq(l.valid_to),
            punishment_list::status.eq("active"),
            punishment_list::listed_by.eq(&actor.label),
            punishment_list::listed_at.eq(now),
        ))
        .returning(punishment_list::id)
        .get_result(conn)?;
    let row: PunishmentRow = punishment_list::table
        .find(id)
        .select(PunishmentRow::as_select())
        .get_result(conn)?;
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            after: Some(row.audit_view()),
            payload: row.audit_view(),
            ..Change::new("punishment.list", "punishment.listed", "punishment", id)
        },
    )?;
    Ok(row)
}

/// The entries binding a number (by its blind index) at `now`.
pub(crate) fn binding(
    conn: &mut DbConn,
    blind: &str,
    now: Millis,
) -> Result<Vec<PunishmentRow>, Error> {
    Ok(punishment_list::table
        .filter(punishment_list::number_blind.eq(blind))
        .filter(punishment_list::status.eq("active"))
        .filter(punishment_list::valid_from.le(now))
        .filter(punishment_list::valid_to.ge(now))
        .order(punishment_list::id.asc())
        .select(PunishmentRow::as_select())
        .load(conn)?)
}

/// The flag of an applicant found on the list at intake; `None` when not listed. Joint
/// punishment binds across the whole platform, whoever listed the entity.
pub(crate) fn flag_at_intake(
    conn: &mut DbConn,
    blind: &str,
    now: Millis,
) -> Result<Option<JointPunishment>, Error> {
    let rows = binding(conn, blind, now)?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(JointPunishment {
        flagged_at: time(now),
        entries: rows
            .iter()
            .map(|r| FlagEntry {
                punishment_id: r.id,
                reason: r.reason.clone(),
                source: r.source.clone(),
                valid_to: time(r.valid_to),
            })
            .collect(),
        notice: NOTICE.into(),
        notice_en: NOTICE_EN.into(),
    }))
}

/// The audit entry and `case.joint_punishment_flagged` event of a case flagged at intake.
pub(crate) fn record_flag(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &CaseRow,
    flag: &JointPunishment,
) -> Result<(), Error> {
    let ids: Vec<i64> = flag.entries.iter().map(|e| e.punishment_id).collect();
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            payload: json!({"case_no": row.case_no, "punishment_ids": ids}),
            ..Change::new(
                "case.flag_joint_punishment",
                "case.joint_punishment_flagged",
                "case",
                row.id,
            )
        },
    )?;
    Ok(())
}

/// Why an agency with this credit code may not be selected now, if it is listed.
pub(crate) fn agency_bar(
    conn: &mut DbConn,
    vault: &Vault,
    credit_code: &str,
    now: Millis,
) -> Result<Option<String>, Error> {
    let rows = binding(conn, &vault.blind_index(credit_code), now)?;
    Ok(rows.first().map(|r| {
        format!(
            "the agency is on the punishment list (entry {}: {})",
            r.id, r.reason
        )
    }))
}

/// The start of `day` and the end of `to` in the platform's zone, checked in order.
fn span(from: NaiveDate, to: NaiveDate, tz: chrono_tz::Tz) -> Result<(Millis, Millis), Error> {
    if to < from {
        return Err(Error::invalid("valid_to", "must not be before valid_from"));
    }
    let before = from
        .checked_sub_days(Days::new(1))
        .ok_or_else(|| Error::invalid("valid_from", "out of range"))?;
    Ok((day_end(before, tz)?, day_end(to, tz)? - 1))
}

/// From `today` for a year, unless given.
pub(crate) fn default_span(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> Result<(Millis, Millis), Error> {
    let from = from.unwrap_or(today);
    let to = match to {
        Some(t) => t,
        None => from
            .checked_add_days(Days::new(365))
            .ok_or_else(|| Error::invalid("valid_to", "out of range"))?,
    };
    span(from, to, tz)
}

fn region_path(conn: &mut DbConn, id: i64) -> Result<Option<String>, Error> {
    Ok(regions::table
        .find(id)
        .select(regions::path)
        .get_result(conn)
        .optional()?)
}

fn entry_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: i64,
) -> Result<PunishmentRow, Error> {
    let (row, path): (PunishmentRow, String) = punishment_list::table
        .inner_join(regions::table)
        .filter(punishment_list::id.eq(id))
        .select((PunishmentRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("punishment", id))?;
    let target = Target {
        region_path: Some(&path),
        ..Default::default()
    };
    caller.check(perm, Permission::PunishmentRead, &target, "punishment", id)?;
    Ok(row)
}

impl Services {
    /// Lists an entity by hand (`punishment.manage` over the region).
    pub async fn add_punishment(
        &self,
        caller: &Caller,
        new: NewPunishment,
    ) -> Result<Punishment, Error> {
        let mut v = Validator::new();
        v.text(&new.reason, "reason", 1_000);
        v.text(&new.source, "source", 200);
        v.finish()?;
        let who = seal(&self.vault, &new.entity, "entity")?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let (from, to) = default_span(new.valid_from, new.valid_to, local_date(now, tz), tz)?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let path = region_path(conn, new.region_id)?
                    .ok_or_else(|| Error::invalid("region_id", "no such region"))?;
                let target = Target {
                    region_path: Some(&path),
                    ..Default::default()
                };
                if !caller.may(Permission::PunishmentManage, &target) {
                    return Err(Error::forbidden(
                        "listing an entity needs punishment.manage over the region",
                    ));
                }
                let listing = Listing {
                    reason: &new.reason,
                    source: &new.source,
                    source_ref: None,
                    region_id: new.region_id,
                    valid_from: from,
                    valid_to: to,
                };
                Ok(list_entity(conn, now, &Actor::of(&caller), &who, &listing)?.wire(now))
            })
            .await
    }

    /// Lifts an entry (`punishment.manage`); lifting twice is 409.
    pub async fn lift_punishment(
        &self,
        caller: &Caller,
        id: i64,
        reason: String,
    ) -> Result<Punishment, Error> {
        Validator::new().text(&reason, "reason", 1_000).finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let row = entry_in_scope(conn, &caller, Permission::PunishmentManage, id)?;
                if row.status != "active" {
                    return Err(Error::conflict("the entry is lifted already"));
                }
                let lifted = Lifted {
                    by: caller.username.clone(),
                    at: now,
                    reason: reason.trim().to_owned(),
                };
                let text =
                    serde_json::to_string(&lifted).map_err(|e| Error::Internal(e.to_string()))?;
                diesel::update(punishment_list::table.find(id))
                    .set((
                        punishment_list::status.eq("lifted"),
                        punishment_list::lifted.eq(text),
                    ))
                    .execute(conn)?;
                let after: PunishmentRow = punishment_list::table
                    .find(id)
                    .select(PunishmentRow::as_select())
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        before: Some(json!({"status": row.status})),
                        after: Some(json!({"status": after.status, "reason": reason.trim()})),
                        payload: after.audit_view(),
                        ..Change::new("punishment.lift", "punishment.lifted", "punishment", id)
                    },
                )?;
                Ok(after.wire(now))
            })
            .await
    }

    /// One entry (`punishment.read` over its region; 404 outside it).
    pub async fn get_punishment(&self, caller: &Caller, id: i64) -> Result<Punishment, Error> {
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                Ok(entry_in_scope(conn, &caller, Permission::PunishmentRead, id)?.wire(now))
            })
            .await
    }

    /// Entries in the caller's `punishment.read` scope, oldest first.
    pub async fn list_punishments(
        &self,
        caller: &Caller,
        query: PunishmentQuery,
    ) -> Result<Page<Punishment>, Error> {
        if let Some(s) = &query.status
            && s != "active"
            && s != "lifted"
        {
            return Err(Error::invalid("status", "active or lifted"));
        }
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::PunishmentRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden(
                        "the punishment list needs punishment.read",
                    ));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = punishment_list::table
                    .filter(punishment_list::id.gt(page.after()))
                    .order(punishment_list::id.asc())
                    .limit(limit + 1)
                    .select(PunishmentRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(punishment_list::region_id.eq_any(scope.region_ids));
                }
                if let Some(s) = query.status {
                    q = q.filter(punishment_list::status.eq(s));
                }
                let rows: Vec<PunishmentRow> = q.load(conn)?;
                let items = rows.iter().map(|r| r.wire(now)).collect();
                Ok(page_of(items, limit, |p: &Punishment| p.id))
            })
            .await
    }

    /// Whether a number is on the list now: the entries in force the caller may read. Joint
    /// punishment binds everywhere, so `listed` counts every entry, wherever it was added.
    pub async fn check_punishment(
        &self,
        caller: &Caller,
        check: NumberCheck,
    ) -> Result<PunishmentCheck, Error> {
        let n = check.number.trim();
        let plain = EntityKind::Person
            .number(n)
            .or_else(|_| EntityKind::Organisation.number(n))
            .map_err(|_| Error::invalid("number", "neither an ID number nor a credit code"))?
            .0;
        let blind = self.vault.blind_index(&plain);
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::PunishmentRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden(
                        "the punishment list needs punishment.read",
                    ));
                }
                let rows = binding(conn, &blind, now)?;
                let listed = !rows.is_empty();
                let entries = rows
                    .iter()
                    .filter(|r| scope.global || scope.region_ids.contains(&r.region_id))
                    .map(|r| r.wire(now))
                    .collect();
                Ok(PunishmentCheck { listed, entries })
            })
            .await
    }
}

//! Regulating departments (审管互动, R-2.3, R-2.2.5): which items' cases each receives, which
//! fields of them it may see, and how long it has to answer a result. Each is reached through
//! the connector of the same name (format `regulator`), so pushes get the outbox's retries,
//! parking and idempotency; its feedback comes back as that connector's inbound messages
//! (`feedback.rs`), and a result left unanswered past its working days raises a red card.

pub mod feedback;

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission, Target};
use crate::domain::regulation::PushField;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::integrations::Format;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{regions, regulators};
use crate::wire::regulation::{NewRegulator, Regulator};
use crate::wire::time;

pub use feedback::jobs;

/// Most items one regulator is mapped to.
const MAX_ITEMS: usize = 500;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = regulators)]
pub(crate) struct RegulatorRow {
    pub id: i64,
    pub connector: String,
    pub name: String,
    pub region_id: i64,
    pub department_id: Option<i64>,
    pub item_codes: String,
    pub fields: String,
    pub feedback_days: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RegulatorRow {
    pub(crate) fn item_codes(&self) -> Vec<String> {
        serde_json::from_str(&self.item_codes).unwrap_or_default()
    }

    pub(crate) fn fields(&self) -> Vec<PushField> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }

    fn wire(&self) -> Regulator {
        Regulator {
            id: self.id,
            connector: self.connector.clone(),
            name: self.name.clone(),
            region_id: self.region_id,
            department_id: self.department_id,
            item_codes: self.item_codes(),
            fields: self.fields(),
            feedback_days: u32::try_from(self.feedback_days).unwrap_or(0),
            active: self.active,
            created_at: time(self.created_at),
            updated_at: time(self.updated_at),
        }
    }
}

/// The regulator behind a connector, if one is set up.
pub(crate) fn by_connector(
    conn: &mut DbConn,
    connector: &str,
) -> Result<Option<RegulatorRow>, Error> {
    Ok(regulators::table
        .filter(regulators::connector.eq(connector))
        .select(RegulatorRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// The settings checked: item codes trimmed and deduplicated, fields deduplicated.
fn checked(new: &NewRegulator) -> Result<(Vec<String>, Vec<PushField>), Error> {
    let mut v = Validator::new();
    v.text(&new.name, "name", 200);
    v.check(
        (1..=60).contains(&new.feedback_days),
        "feedback_days",
        "from 1 to 60 working days",
    );
    let mut codes: Vec<String> = new.item_codes.iter().map(|c| c.trim().to_owned()).collect();
    codes.sort();
    codes.dedup();
    v.check(
        !codes.is_empty() && codes.len() <= MAX_ITEMS,
        "item_codes",
        "from 1 to 500 item codes",
    );
    v.check(
        codes
            .iter()
            .all(|c| !c.is_empty() && c.chars().count() <= 64),
        "item_codes",
        "each a catalogue code of at most 64 characters",
    );
    let mut fields = new.fields.clone();
    fields.sort();
    fields.dedup();
    v.check(!fields.is_empty(), "fields", "name at least one field");
    v.finish()?;
    Ok((codes, fields))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// The region's path, 422 on `region_id` when there is no such region.
fn place(conn: &mut DbConn, region_id: i64) -> Result<String, Error> {
    regions::table
        .find(region_id)
        .select(regions::path)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("region_id", "no such region"))
}

fn may_manage(caller: &Caller, path: &str) -> Result<(), Error> {
    let target = Target {
        region_path: Some(path),
        ..Default::default()
    };
    if caller.may(Permission::RegulatorManage, &target) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "setting up regulators needs regulator.manage over the region",
        ))
    }
}

fn record(
    conn: &mut DbConn,
    now: i64,
    caller: &Caller,
    (action, event): (&str, &str),
    before: Option<&RegulatorRow>,
    after: &RegulatorRow,
) -> Result<(), Error> {
    let view = |r: &RegulatorRow| {
        json!({"connector": r.connector, "name": r.name, "item_codes": r.item_codes(),
               "fields": r.fields(), "feedback_days": r.feedback_days, "active": r.active})
    };
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(after.region_id),
            department_id: after.department_id,
            before: before.map(view),
            after: Some(view(after)),
            payload: view(after),
            ..Change::new(action, event, "regulator", after.id)
        },
    )?;
    Ok(())
}

impl Services {
    /// Sets up a regulator for a configured `regulator` connector (`regulator.manage`).
    pub async fn create_regulator(
        &self,
        caller: &Caller,
        new: NewRegulator,
    ) -> Result<Regulator, Error> {
        let (codes, fields) = checked(&new)?;
        let connector = new.connector.trim().to_owned();
        match self.config.integrations.connectors.get(&connector) {
            Some(c) if c.format == Format::Regulator => {}
            _ => {
                return Err(Error::invalid(
                    "connector",
                    "name a configured connector of format regulator",
                ));
            }
        }
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let path = place(conn, new.region_id)?;
                may_manage(&caller, &path)?;
                if by_connector(conn, &connector)?.is_some() {
                    return Err(Error::conflict(
                        "a regulator is set up for this connector already",
                    ));
                }
                let id: i64 = diesel::insert_into(regulators::table)
                    .values((
                        regulators::connector.eq(&connector),
                        regulators::name.eq(new.name.trim()),
                        regulators::region_id.eq(new.region_id),
                        regulators::department_id.eq(new.department_id),
                        regulators::item_codes.eq(encode(&codes)?),
                        regulators::fields.eq(encode(&fields)?),
                        regulators::feedback_days.eq(i64::from(new.feedback_days)),
                        regulators::active.eq(new.active),
                        regulators::created_at.eq(now),
                        regulators::updated_at.eq(now),
                    ))
                    .returning(regulators::id)
                    .get_result(conn)
                    .map_err(|e| match e {
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                            _,
                        ) => Error::invalid("department_id", "no such department"),
                        e => e.into(),
                    })?;
                let row = regulators::table
                    .find(id)
                    .select(RegulatorRow::as_select())
                    .get_result(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    ("regulator.create", "regulator.created"),
                    None,
                    &row,
                )?;
                Ok(row.wire())
            })
            .await
    }

    /// Replaces a regulator's settings (its connector stays).
    pub async fn update_regulator(
        &self,
        caller: &Caller,
        id: i64,
        new: NewRegulator,
    ) -> Result<Regulator, Error> {
        let (codes, fields) = checked(&new)?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let before = regulator_in_scope(conn, &caller, id)?;
                if new.connector.trim() != before.connector {
                    return Err(Error::invalid(
                        "connector",
                        "a regulator keeps its connector",
                    ));
                }
                may_manage(&caller, &place(conn, before.region_id)?)?;
                may_manage(&caller, &place(conn, new.region_id)?)?;
                diesel::update(regulators::table.find(id))
                    .set((
                        regulators::name.eq(new.name.trim()),
                        regulators::region_id.eq(new.region_id),
                        regulators::department_id.eq(new.department_id),
                        regulators::item_codes.eq(encode(&codes)?),
                        regulators::fields.eq(encode(&fields)?),
                        regulators::feedback_days.eq(i64::from(new.feedback_days)),
                        regulators::active.eq(new.active),
                        regulators::updated_at.eq(now),
                    ))
                    .execute(conn)
                    .map_err(|e| match e {
                        diesel::result::Error::DatabaseError(
                            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                            _,
                        ) => Error::invalid("department_id", "no such department"),
                        e => e.into(),
                    })?;
                let row = regulators::table
                    .find(id)
                    .select(RegulatorRow::as_select())
                    .get_result(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    ("regulator.update", "regulator.updated"),
                    Some(&before),
                    &row,
                )?;
                Ok(row.wire())
            })
            .await
    }

    /// One regulator (`regulator.manage` or `supervision.read` over its region).
    pub async fn get_regulator(&self, caller: &Caller, id: i64) -> Result<Regulator, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| Ok(regulator_in_scope(conn, &caller, id)?.wire()))
            .await
    }

    /// Regulators in the caller's scope, by id.
    pub async fn list_regulators(&self, caller: &Caller) -> Result<Vec<Regulator>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::RegulatorManage)?
                    .union(ScopeSql::load(conn, &caller, Permission::SupervisionRead)?);
                if scope.is_empty() {
                    return Err(Error::forbidden(
                        "regulators need regulator.manage or supervision.read",
                    ));
                }
                let mut q = regulators::table
                    .order(regulators::id.asc())
                    .select(RegulatorRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(regulators::region_id.eq_any(scope.region_ids));
                }
                let rows: Vec<RegulatorRow> = q.load(conn)?;
                Ok(rows.iter().map(RegulatorRow::wire).collect())
            })
            .await
    }
}

/// A regulator the caller may read (404 otherwise).
fn regulator_in_scope(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<RegulatorRow, Error> {
    let (row, path): (RegulatorRow, String) = regulators::table
        .inner_join(regions::table)
        .filter(regulators::id.eq(id))
        .select((RegulatorRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("regulator", id))?;
    let target = Target {
        region_path: Some(&path),
        ..Default::default()
    };
    if caller.may(Permission::RegulatorManage, &target)
        || caller.may(Permission::SupervisionRead, &target)
    {
        Ok(row)
    } else {
        Err(Error::not_found("regulator", id))
    }
}

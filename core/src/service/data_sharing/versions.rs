//! A data set's life after it is added: edits, each a new version with the old ones kept, and
//! the withdrawal, which ends its agreements (revoked, number and end kept) and refuses its
//! pending requests in the same transaction, so no department is left holding a grant to data
//! that is no longer offered.

use diesel::prelude::*;
use serde_json::json;

use super::{
    DataSetRow, RequestRow, check_catalogue, data_set, data_set_wire, decode, stored_fields,
    target, validate_content,
};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::data_sharing::{DataForm, ShareStatus, UpdateFrequency, check_use};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::region_path_of;
use crate::store::DbConn;
use crate::store::schema::{data_set_versions, data_sets, data_share_requests};
use crate::wire::data_sharing::{
    DataField, DataSet, DataSetChange, DataSetVersion, DataSetWithdrawal,
};
use crate::wire::time;

/// A stored version: number, name, description, fields, frequency, form, note, actor, time.
type VersionRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
);

/// Keeps the data set's current content as its version `row.version`.
pub(super) fn add_version(
    conn: &mut DbConn,
    row: &DataSetRow,
    note: &str,
    actor: &str,
    now: Millis,
) -> Result<(), Error> {
    diesel::insert_into(data_set_versions::table)
        .values((
            data_set_versions::data_set_id.eq(row.id),
            data_set_versions::version.eq(row.version),
            data_set_versions::name.eq(&row.name),
            data_set_versions::description.eq(&row.description),
            data_set_versions::fields.eq(&row.fields),
            data_set_versions::update_frequency.eq(&row.update_frequency),
            data_set_versions::form.eq(&row.form),
            data_set_versions::note.eq(note),
            data_set_versions::actor.eq(actor),
            data_set_versions::at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A data set the caller keeps (`data.manage` over its department) and that is still offered.
fn kept_data_set(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<DataSetRow, Error> {
    let row = data_set(conn, id)?;
    let path = region_path_of(conn, row.region_id)?;
    if !caller.may(Permission::DataManage, &target(&path, row.department_id)) {
        return Err(Error::forbidden(
            "a data set is changed by its department's data.manage",
        ));
    }
    if row.withdrawn_at.is_some() {
        return Err(Error::conflict(format!(
            "data set {} is withdrawn; nothing more can be done to it",
            row.code
        )));
    }
    Ok(row)
}

/// Pending requests and agreements in force for the data set.
fn live_requests(conn: &mut DbConn, id: i64, now: Millis) -> Result<Vec<RequestRow>, Error> {
    let rows: Vec<RequestRow> = data_share_requests::table
        .filter(data_share_requests::data_set_id.eq(id))
        .filter(data_share_requests::status.eq_any([
            ShareStatus::Pending.as_str(),
            ShareStatus::Approved.as_str(),
        ]))
        .order(data_share_requests::id.asc())
        .select(RequestRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            r.status() == ShareStatus::Pending || check_use(r.status(), r.valid_until, now).is_ok()
        })
        .collect())
}

impl Services {
    /// Publishes a new version of a data set (`data.manage` over its department): everything
    /// but its code and department. A field that a pending request or an agreement in force
    /// names cannot be dropped (409 naming the requests): the agreement would grant nothing.
    pub async fn update_data_set(
        &self,
        caller: &Caller,
        id: i64,
        change: DataSetChange,
    ) -> Result<DataSet, Error> {
        let mut v = Validator::new();
        validate_content(&mut v, &change.name, &change.description, &change.fields);
        v.text(&change.note, "note", 1_000);
        v.finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let before = kept_data_set(conn, &caller, id)?;
                let kept: Vec<&str> = change.fields.iter().map(|f| f.name.as_str()).collect();
                let mut holding = Vec::new();
                for r in live_requests(conn, id, now)? {
                    let granted: Vec<String> = decode("data share request", r.id, &r.fields)?;
                    if granted.iter().any(|f| !kept.contains(&f.as_str())) {
                        holding.push(r.id.to_string());
                    }
                }
                if !holding.is_empty() {
                    return Err(Error::conflict(format!(
                        "requests {} name fields this version drops; refuse or revoke them first",
                        holding.join(", ")
                    )));
                }
                let fields = stored_fields(&change.fields)?;
                diesel::update(data_sets::table.find(id))
                    .set((
                        data_sets::name.eq(change.name.trim()),
                        data_sets::description.eq(change.description.trim()),
                        data_sets::fields.eq(&fields),
                        data_sets::update_frequency.eq(change.update_frequency.as_str()),
                        data_sets::form.eq(change.form.as_str()),
                        data_sets::version.eq(before.version + 1),
                    ))
                    .execute(conn)?;
                let row = data_set(conn, id)?;
                add_version(conn, &row, change.note.trim(), &caller.username, now)?;
                let old: Vec<DataField> = decode("data set", id, &before.fields)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        before: Some(json!({"version": before.version, "name": before.name,
                                            "fields": old, "form": before.form,
                                            "update_frequency": before.update_frequency})),
                        after: Some(json!({"version": row.version, "name": row.name,
                                           "fields": change.fields, "form": row.form,
                                           "update_frequency": row.update_frequency})),
                        payload: json!({"code": row.code, "version": row.version,
                                        "note": change.note.trim()}),
                        ..Change::new("data_set.update", "data_set.updated", "data_set", id)
                    },
                )?;
                data_set_wire(conn, &row, now)
            })
            .await
    }

    /// Withdraws a data set from the catalogue (`data.manage` over its department), saying
    /// why: its agreements are revoked and its pending requests refused, each with its own
    /// audit entry and event; it stays readable, marked, and takes no request.
    pub async fn withdraw_data_set(
        &self,
        caller: &Caller,
        id: i64,
        withdrawal: DataSetWithdrawal,
    ) -> Result<DataSet, Error> {
        Validator::new()
            .text(&withdrawal.reason, "reason", 1_000)
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let row = kept_data_set(conn, &caller, id)?;
                let reason = withdrawal.reason.trim();
                let note = format!("数据集已撤回：{reason}");
                let actor = Actor::of(&caller);
                let mut ended = Vec::new();
                for r in live_requests(conn, id, now)? {
                    let (outcome, action, event) = if r.status() == ShareStatus::Pending {
                        (
                            ShareStatus::Refused,
                            "data_share.refuse",
                            "data_share.refused",
                        )
                    } else {
                        (
                            ShareStatus::Revoked,
                            "data_share.revoke",
                            "data_share.revoked",
                        )
                    };
                    diesel::update(data_share_requests::table.find(r.id))
                        .set((
                            data_share_requests::status.eq(outcome.as_str()),
                            data_share_requests::decision_note.eq(&note),
                            data_share_requests::decided_by.eq(&caller.username),
                            data_share_requests::decided_at.eq(now),
                        ))
                        .execute(conn)?;
                    audit::record(
                        conn,
                        now,
                        &actor,
                        Change {
                            region_id: Some(r.provider_region_id),
                            department_id: Some(r.provider_department_id),
                            before: Some(json!({"status": r.status})),
                            after: Some(json!({"status": outcome.as_str(),
                                               "agreement_no": r.agreement_no,
                                               "valid_until": r.valid_until})),
                            payload: json!({"data_set_id": id,
                                            "department_id": r.department_id, "note": note}),
                            ..Change::new(action, event, "data_share_request", r.id)
                        },
                    )?;
                    ended.push(r.id);
                }
                diesel::update(data_sets::table.find(id))
                    .set((
                        data_sets::withdrawn_at.eq(now),
                        data_sets::withdraw_reason.eq(reason),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        before: Some(json!({"withdrawn": false})),
                        after: Some(json!({"withdrawn": true, "reason": reason})),
                        payload: json!({"code": row.code, "reason": reason,
                                        "requests_ended": ended}),
                        ..Change::new("data_set.withdraw", "data_set.withdrawn", "data_set", id)
                    },
                )?;
                let row = data_set(conn, id)?;
                data_set_wire(conn, &row, now)
            })
            .await
    }

    /// A data set's versions, oldest first; the last is the current one.
    pub async fn data_set_versions(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<DataSetVersion>, Error> {
        check_catalogue(caller)?;
        self.store
            .read(move |conn| {
                data_set(conn, id)?;
                let rows: Vec<VersionRow> = data_set_versions::table
                    .filter(data_set_versions::data_set_id.eq(id))
                    .order(data_set_versions::version.asc())
                    .select((
                        data_set_versions::version,
                        data_set_versions::name,
                        data_set_versions::description,
                        data_set_versions::fields,
                        data_set_versions::update_frequency,
                        data_set_versions::form,
                        data_set_versions::note,
                        data_set_versions::actor,
                        data_set_versions::at,
                    ))
                    .load(conn)?;
                rows.into_iter()
                    .map(
                        |(version, name, description, fields, freq, form, note, actor, at)| {
                            Ok(DataSetVersion {
                                version,
                                name,
                                description,
                                fields: decode("data set", id, &fields)?,
                                update_frequency: UpdateFrequency::parse(&freq)
                                    .unwrap_or(UpdateFrequency::Yearly),
                                form: DataForm::parse(&form).unwrap_or(DataForm::File),
                                note,
                                actor,
                                at: time(at),
                            })
                        },
                    )
                    .collect()
            })
            .await
    }
}

//! The data-sharing catalogue (信息资源共享目录, R-3.5): the data sets each department provides,
//! requests by other departments to use them, the provider's approval (a sharing agreement
//! with an end date) or refusal, and the record of every use, refused without an agreement in
//! force. Requests and decisions are in `requests.rs`, uses in `uses.rs`.

mod requests;
mod uses;
mod versions;

use crate::service::org::region_path_of;
use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::data_sharing::{DataForm, ShareStatus, UpdateFrequency, check_use};
use crate::domain::ids::DepartmentId;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{data_sets, data_share_requests, departments, regions};
use crate::wire::data_sharing::{
    DataField, DataSet, DataSetQuery, DataSetUser, NewDataSet, ShareRequest,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// A stored data set.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = data_sets)]
pub(super) struct DataSetRow {
    pub(super) id: i64,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) region_id: i64,
    pub(super) department_id: i64,
    pub(super) description: String,
    pub(super) fields: String,
    pub(super) update_frequency: String,
    pub(super) form: String,
    pub(super) created_at: i64,
    pub(super) version: i64,
    pub(super) withdrawn_at: Option<i64>,
    pub(super) withdraw_reason: Option<String>,
}

/// A stored request.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = data_share_requests)]
pub(super) struct RequestRow {
    pub(super) id: i64,
    pub(super) data_set_id: i64,
    pub(super) provider_department_id: i64,
    pub(super) provider_region_id: i64,
    pub(super) department_id: i64,
    pub(super) region_id: i64,
    pub(super) purpose: String,
    pub(super) fields: String,
    pub(super) status: String,
    pub(super) agreement_no: Option<String>,
    pub(super) valid_until: Option<i64>,
    pub(super) decision_note: Option<String>,
    pub(super) requested_by: String,
    pub(super) requested_at: i64,
    pub(super) decided_by: Option<String>,
    pub(super) decided_at: Option<i64>,
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(
    what: &str,
    id: i64,
    text: &str,
) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("{what} {id}: {e}")))
}

/// A department's region and its path; `field` names the input when it does not exist.
pub(super) fn department(conn: &mut DbConn, id: i64, field: &str) -> Result<(i64, String), Error> {
    departments::table
        .inner_join(regions::table)
        .filter(departments::id.eq(id))
        .select((departments::region_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid(field, "no such department"))
}

pub(super) fn target(path: &str, department: i64) -> Target<'_> {
    Target {
        region_path: Some(path),
        department_id: Some(DepartmentId(department)),
        owner_id: None,
    }
}

impl RequestRow {
    pub(super) fn status(&self) -> ShareStatus {
        ShareStatus::parse(&self.status).unwrap_or(ShareStatus::Refused)
    }

    pub(super) fn wire(&self, now: Millis) -> Result<ShareRequest, Error> {
        Ok(ShareRequest {
            id: self.id,
            data_set_id: self.data_set_id,
            provider_department_id: self.provider_department_id,
            department_id: self.department_id,
            purpose: self.purpose.clone(),
            fields: decode("data share request", self.id, &self.fields)?,
            status: self.status(),
            agreement_no: self.agreement_no.clone(),
            valid_until: self.valid_until.map(time),
            in_force: check_use(self.status(), self.valid_until, now).is_ok(),
            decision_note: self.decision_note.clone(),
            requested_by: self.requested_by.clone(),
            requested_at: time(self.requested_at),
            decided_by: self.decided_by.clone(),
            decided_at: self.decided_at.map(time),
        })
    }
}

/// A request with whether the caller is its provider (`data.manage`) or requester (`data.use`);
/// not found when neither.
pub(super) fn request_for(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<(RequestRow, bool, bool), Error> {
    let row: RequestRow = data_share_requests::table
        .find(id)
        .select(RequestRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("data share request", id))?;
    let provider_path = region_path_of(conn, row.provider_region_id)?;
    let requester_path = region_path_of(conn, row.region_id)?;
    let provider = caller.may(
        Permission::DataManage,
        &target(&provider_path, row.provider_department_id),
    );
    let requester = caller.may(
        Permission::DataUse,
        &target(&requester_path, row.department_id),
    );
    if !provider && !requester {
        return Err(Error::not_found("data share request", id));
    }
    Ok((row, provider, requester))
}

pub(super) fn data_set(conn: &mut DbConn, id: i64) -> Result<DataSetRow, Error> {
    data_sets::table
        .find(id)
        .select(DataSetRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("data set", id))
}

pub(super) fn data_set_wire(
    conn: &mut DbConn,
    row: &DataSetRow,
    now: Millis,
) -> Result<DataSet, Error> {
    let users: Vec<(i64, i64, Option<String>, Option<i64>)> = data_share_requests::table
        .filter(data_share_requests::data_set_id.eq(row.id))
        .filter(data_share_requests::status.eq(ShareStatus::Approved.as_str()))
        .filter(data_share_requests::valid_until.gt(now))
        .order(data_share_requests::id.asc())
        .select((
            data_share_requests::department_id,
            data_share_requests::id,
            data_share_requests::agreement_no,
            data_share_requests::valid_until,
        ))
        .load(conn)?;
    Ok(DataSet {
        id: row.id,
        code: row.code.clone(),
        name: row.name.clone(),
        region_id: row.region_id,
        department_id: row.department_id,
        description: row.description.clone(),
        fields: decode("data set", row.id, &row.fields)?,
        update_frequency: UpdateFrequency::parse(&row.update_frequency)
            .unwrap_or(UpdateFrequency::Yearly),
        form: DataForm::parse(&row.form).unwrap_or(DataForm::File),
        users: users
            .into_iter()
            .map(|(department_id, request_id, no, until)| DataSetUser {
                department_id,
                request_id,
                agreement_no: no.unwrap_or_default(),
                valid_until: time(until.unwrap_or_default()),
            })
            .collect(),
        created_at: time(row.created_at),
        version: row.version,
        withdrawn_at: row.withdrawn_at.map(time),
        withdraw_reason: row.withdraw_reason.clone(),
    })
}

pub(super) fn validate_data_set(new: &NewDataSet) -> Result<(), Error> {
    let mut v = Validator::new();
    v.check(
        !new.code.trim().is_empty()
            && new.code.trim().len() <= 40
            && new
                .code
                .trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "code",
        "1 to 40 letters, digits or '-'",
    );
    validate_content(&mut v, &new.name, &new.description, &new.fields);
    v.finish()
}

/// The checks a data set's name, description and fields pass, when added and when edited.
pub(super) fn validate_content(
    v: &mut Validator,
    name: &str,
    description: &str,
    fields: &[DataField],
) {
    v.text(name, "name", 200);
    v.check(
        description.chars().count() <= 2_000,
        "description",
        "at most 2000 characters",
    );
    v.check(
        !fields.is_empty() && fields.len() <= 500,
        "fields",
        "name 1 to 500 fields",
    );
    let mut seen = std::collections::HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        v.check(
            !f.name.is_empty()
                && f.name.len() <= 64
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            &format!("fields[{i}].name"),
            "1 to 64 letters, digits or '_'",
        );
        v.check(
            seen.insert(f.name.as_str()),
            &format!("fields[{i}].name"),
            "named twice",
        );
        v.text(&f.label, &format!("fields[{i}].label"), 100);
    }
}

/// The fields as stored: labels trimmed, JSON.
pub(super) fn stored_fields(fields: &[DataField]) -> Result<String, Error> {
    let fields: Vec<DataField> = fields
        .iter()
        .map(|f| DataField {
            name: f.name.clone(),
            label: f.label.trim().to_owned(),
            personal: f.personal,
        })
        .collect();
    serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))
}

impl Services {
    /// Adds a data set to the catalogue (`data.manage` over the providing department).
    pub async fn create_data_set(
        &self,
        caller: &Caller,
        new: NewDataSet,
    ) -> Result<DataSet, Error> {
        validate_data_set(&new)?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (region_id, path) = department(conn, new.department_id, "department_id")?;
                if !caller.may(Permission::DataManage, &target(&path, new.department_id)) {
                    return Err(Error::forbidden(
                        "a data set is added by its department's data.manage",
                    ));
                }
                let code = new.code.trim();
                let taken: Option<i64> = data_sets::table
                    .filter(data_sets::code.eq(code))
                    .select(data_sets::id)
                    .get_result(conn)
                    .optional()?;
                if taken.is_some() {
                    return Err(Error::conflict(format!("data set code {code} is taken")));
                }
                let fields = stored_fields(&new.fields)?;
                let id: i64 = diesel::insert_into(data_sets::table)
                    .values((
                        data_sets::code.eq(code),
                        data_sets::name.eq(new.name.trim()),
                        data_sets::region_id.eq(region_id),
                        data_sets::department_id.eq(new.department_id),
                        data_sets::description.eq(new.description.trim()),
                        data_sets::fields.eq(&fields),
                        data_sets::update_frequency.eq(new.update_frequency.as_str()),
                        data_sets::form.eq(new.form.as_str()),
                        data_sets::created_at.eq(now),
                    ))
                    .returning(data_sets::id)
                    .get_result(conn)?;
                let row = data_set(conn, id)?;
                versions::add_version(conn, &row, "", &caller.username, now)?;
                let answer = data_set_wire(conn, &row, now)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(region_id),
                        department_id: Some(new.department_id),
                        after: Some(json!({"code": code, "form": row.form,
                                           "update_frequency": row.update_frequency})),
                        payload: json!({"code": code, "name": row.name,
                                        "department_id": row.department_id}),
                        ..Change::new("data_set.create", "data_set.created", "data_set", id)
                    },
                )?;
                Ok(answer)
            })
            .await
    }

    /// The catalogue: readable by every holder of `data.read` or `data.use`, since finding
    /// what others share is its purpose.
    pub async fn list_data_sets(
        &self,
        caller: &Caller,
        query: DataSetQuery,
    ) -> Result<Page<DataSet>, Error> {
        check_catalogue(caller)?;
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = data_sets::table
                    .filter(data_sets::id.gt(page.after()))
                    .order(data_sets::id.asc())
                    .limit(limit + 1)
                    .select(DataSetRow::as_select())
                    .into_boxed();
                if let Some(d) = query.department_id {
                    q = q.filter(data_sets::department_id.eq(d));
                }
                if let Some(f) = query.form {
                    q = q.filter(data_sets::form.eq(f.as_str()));
                }
                match query.withdrawn {
                    Some(true) => q = q.filter(data_sets::withdrawn_at.is_not_null()),
                    Some(false) => q = q.filter(data_sets::withdrawn_at.is_null()),
                    None => {}
                }
                let rows: Vec<DataSetRow> = q.load(conn)?;
                let mut items = Vec::with_capacity(rows.len());
                for row in &rows {
                    items.push(data_set_wire(conn, row, now)?);
                }
                Ok(page_of(items, limit, |d: &DataSet| d.id))
            })
            .await
    }

    pub async fn get_data_set(&self, caller: &Caller, id: i64) -> Result<DataSet, Error> {
        check_catalogue(caller)?;
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let row = data_set(conn, id)?;
                data_set_wire(conn, &row, now)
            })
            .await
    }
}

pub(super) fn check_catalogue(caller: &Caller) -> Result<(), Error> {
    if caller.has(Permission::DataRead) || caller.has(Permission::DataUse) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "the catalogue needs data.read or data.use",
        ))
    }
}

//! The data-sharing catalogue (信息资源共享目录, R-3.5): the data sets each department provides,
//! requests by other departments to use them, the provider's approval (a sharing agreement
//! with an end date) or refusal, and the record of every use, refused without an agreement in
//! force.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::data_sharing::{DataForm, ShareStatus, UpdateFrequency, check_use};
use crate::domain::ids::DepartmentId;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::local_date;
use crate::service::intermediaries::day_end;
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{data_sets, data_share_requests, data_share_uses, departments, regions};
use crate::wire::data_sharing::{
    DataField, DataSet, DataSetQuery, DataSetUser, DataUse, NewDataSet, NewDataUse,
    NewShareRequest, ShareApproval, ShareRefusal, ShareRequest, ShareRequestQuery,
};
use crate::wire::{Page, PageQuery, page_of, time};

/// A stored data set.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = data_sets)]
struct DataSetRow {
    id: i64,
    code: String,
    name: String,
    region_id: i64,
    department_id: i64,
    description: String,
    fields: String,
    update_frequency: String,
    form: String,
    created_at: i64,
}

/// A stored request.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = data_share_requests)]
struct RequestRow {
    id: i64,
    data_set_id: i64,
    provider_department_id: i64,
    provider_region_id: i64,
    department_id: i64,
    region_id: i64,
    purpose: String,
    fields: String,
    status: String,
    agreement_no: Option<String>,
    valid_until: Option<i64>,
    decision_note: Option<String>,
    requested_by: String,
    requested_at: i64,
    decided_by: Option<String>,
    decided_at: Option<i64>,
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, id: i64, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("{what} {id}: {e}")))
}

fn region_path(conn: &mut DbConn, region: i64) -> Result<String, Error> {
    Ok(regions::table
        .find(region)
        .select(regions::path)
        .get_result(conn)?)
}

/// A department's region and its path; `field` names the input when it does not exist.
fn department(conn: &mut DbConn, id: i64, field: &str) -> Result<(i64, String), Error> {
    departments::table
        .inner_join(regions::table)
        .filter(departments::id.eq(id))
        .select((departments::region_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid(field, "no such department"))
}

fn target(path: &str, department: i64) -> Target<'_> {
    Target {
        region_path: Some(path),
        department_id: Some(DepartmentId(department)),
        owner_id: None,
    }
}

impl RequestRow {
    fn status(&self) -> ShareStatus {
        ShareStatus::parse(&self.status).unwrap_or(ShareStatus::Refused)
    }

    fn wire(&self, now: Millis) -> Result<ShareRequest, Error> {
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
fn request_for(
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
    let provider_path = region_path(conn, row.provider_region_id)?;
    let requester_path = region_path(conn, row.region_id)?;
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

fn data_set(conn: &mut DbConn, id: i64) -> Result<DataSetRow, Error> {
    data_sets::table
        .find(id)
        .select(DataSetRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("data set", id))
}

fn data_set_wire(conn: &mut DbConn, row: &DataSetRow, now: Millis) -> Result<DataSet, Error> {
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
    })
}

fn validate_data_set(new: &NewDataSet) -> Result<(), Error> {
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
    v.text(&new.name, "name", 200);
    v.check(
        new.description.chars().count() <= 2_000,
        "description",
        "at most 2000 characters",
    );
    v.check(
        !new.fields.is_empty() && new.fields.len() <= 500,
        "fields",
        "name 1 to 500 fields",
    );
    let mut seen = std::collections::HashSet::new();
    for (i, f) in new.fields.iter().enumerate() {
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
    v.finish()
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
                let fields: Vec<DataField> = new
                    .fields
                    .iter()
                    .map(|f| DataField {
                        name: f.name.clone(),
                        label: f.label.trim().to_owned(),
                        personal: f.personal,
                    })
                    .collect();
                let fields =
                    serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))?;
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

    /// A department asks to use a data set (`data.use` over the requesting department). One
    /// pending request or agreement in force per department and data set.
    pub async fn request_data(
        &self,
        caller: &Caller,
        data_set_id: i64,
        new: NewShareRequest,
    ) -> Result<ShareRequest, Error> {
        Validator::new()
            .text(&new.purpose, "purpose", 1_000)
            .check(new.fields.len() <= 500, "fields", "at most 500 fields")
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                check_catalogue(&caller)?;
                let set = data_set(conn, data_set_id)?;
                let (region_id, path) = department(conn, new.department_id, "department_id")?;
                if !caller.may(Permission::DataUse, &target(&path, new.department_id)) {
                    return Err(Error::forbidden(
                        "a request is made by the requesting department's data.use",
                    ));
                }
                if new.department_id == set.department_id {
                    return Err(Error::invalid(
                        "department_id",
                        "a department uses its own data without an agreement",
                    ));
                }
                let offered: Vec<DataField> = decode("data set", set.id, &set.fields)?;
                let mut v = Validator::new();
                for (i, f) in new.fields.iter().enumerate() {
                    v.check(
                        offered.iter().any(|o| &o.name == f),
                        &format!("fields[{i}]"),
                        "not a field of this data set",
                    );
                }
                v.finish()?;
                let open: Vec<RequestRow> = data_share_requests::table
                    .filter(data_share_requests::data_set_id.eq(set.id))
                    .filter(data_share_requests::department_id.eq(new.department_id))
                    .filter(data_share_requests::status.ne(ShareStatus::Refused.as_str()))
                    .select(RequestRow::as_select())
                    .load(conn)?;
                if let Some(live) = open.iter().find(|r| {
                    r.status() == ShareStatus::Pending
                        || check_use(r.status(), r.valid_until, now).is_ok()
                }) {
                    return Err(Error::conflict(format!(
                        "request {} of this department for this data set is {}",
                        live.id, live.status
                    )));
                }
                let fields = if new.fields.is_empty() {
                    offered.iter().map(|f| f.name.clone()).collect()
                } else {
                    new.fields.clone()
                };
                let fields =
                    serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))?;
                let id: i64 = diesel::insert_into(data_share_requests::table)
                    .values((
                        data_share_requests::data_set_id.eq(set.id),
                        data_share_requests::provider_department_id.eq(set.department_id),
                        data_share_requests::provider_region_id.eq(set.region_id),
                        data_share_requests::department_id.eq(new.department_id),
                        data_share_requests::region_id.eq(region_id),
                        data_share_requests::purpose.eq(new.purpose.trim()),
                        data_share_requests::fields.eq(&fields),
                        data_share_requests::status.eq(ShareStatus::Pending.as_str()),
                        data_share_requests::requested_by.eq(&caller.username),
                        data_share_requests::requested_at.eq(now),
                    ))
                    .returning(data_share_requests::id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(set.region_id),
                        department_id: Some(set.department_id),
                        after: Some(json!({"status": "pending"})),
                        payload: json!({"data_set": set.code, "department_id": new.department_id,
                                        "purpose": new.purpose.trim()}),
                        ..Change::new(
                            "data_share.request",
                            "data_share.requested",
                            "data_share_request",
                            id,
                        )
                    },
                )?;
                let (row, _, _) = request_for(conn, &caller, id)?;
                row.wire(now)
            })
            .await
    }

    /// The providing department approves a pending request: a sharing agreement until the end
    /// of `valid_until`.
    pub async fn approve_data_request(
        &self,
        caller: &Caller,
        id: i64,
        approval: ShareApproval,
    ) -> Result<ShareRequest, Error> {
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        Validator::new()
            .text(&approval.agreement_no, "agreement_no", 64)
            .check(
                approval.valid_until >= local_date(now, tz),
                "valid_until",
                "must be today or later",
            )
            .check(
                approval.note.chars().count() <= 1_000,
                "note",
                "at most 1000 characters",
            )
            .finish()?;
        let until = day_end(approval.valid_until, tz)?;
        let note = approval.note.trim().to_owned();
        self.decide(
            caller,
            id,
            ShareStatus::Pending,
            ShareStatus::Approved,
            Some(approval.agreement_no.trim().to_owned()),
            Some(until),
            note,
        )
        .await
    }

    /// The providing department refuses a pending request, saying why.
    pub async fn refuse_data_request(
        &self,
        caller: &Caller,
        id: i64,
        refusal: ShareRefusal,
    ) -> Result<ShareRequest, Error> {
        Validator::new()
            .text(&refusal.note, "note", 1_000)
            .finish()?;
        self.decide(
            caller,
            id,
            ShareStatus::Pending,
            ShareStatus::Refused,
            None,
            None,
            refusal.note.trim().to_owned(),
        )
        .await
    }

    /// The providing department ends an approved agreement early, saying why; later uses are
    /// refused.
    pub async fn revoke_data_request(
        &self,
        caller: &Caller,
        id: i64,
        reason: ShareRefusal,
    ) -> Result<ShareRequest, Error> {
        Validator::new()
            .text(&reason.note, "note", 1_000)
            .finish()?;
        self.decide(
            caller,
            id,
            ShareStatus::Approved,
            ShareStatus::Revoked,
            None,
            None,
            reason.note.trim().to_owned(),
        )
        .await
    }

    /// Moves a request from `from` to `outcome` (the provider only); a revocation keeps the
    /// agreement's number and end.
    #[expect(clippy::too_many_arguments, reason = "one decision, its parts named")]
    async fn decide(
        &self,
        caller: &Caller,
        id: i64,
        from: ShareStatus,
        outcome: ShareStatus,
        agreement_no: Option<String>,
        valid_until: Option<Millis>,
        note: String,
    ) -> Result<ShareRequest, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, provider, _) = request_for(conn, &caller, id)?;
                if !provider {
                    return Err(Error::forbidden(
                        "the providing department's data.manage decides",
                    ));
                }
                if row.status() != from {
                    return Err(Error::conflict(format!(
                        "this needs a {} request; request {id} is {}",
                        from.as_str(),
                        row.status
                    )));
                }
                let (agreement_no, valid_until) = if outcome == ShareStatus::Revoked {
                    (row.agreement_no.clone(), row.valid_until)
                } else {
                    (agreement_no, valid_until)
                };
                diesel::update(data_share_requests::table.find(id))
                    .set((
                        data_share_requests::status.eq(outcome.as_str()),
                        data_share_requests::agreement_no.eq(&agreement_no),
                        data_share_requests::valid_until.eq(valid_until),
                        data_share_requests::decision_note.eq(&note),
                        data_share_requests::decided_by.eq(&caller.username),
                        data_share_requests::decided_at.eq(now),
                    ))
                    .execute(conn)?;
                let (action, event) = match outcome {
                    ShareStatus::Approved => ("data_share.approve", "data_share.approved"),
                    ShareStatus::Revoked => ("data_share.revoke", "data_share.revoked"),
                    _ => ("data_share.refuse", "data_share.refused"),
                };
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.provider_region_id),
                        department_id: Some(row.provider_department_id),
                        before: Some(json!({"status": row.status})),
                        after: Some(json!({"status": outcome.as_str(),
                                           "agreement_no": agreement_no,
                                           "valid_until": valid_until})),
                        payload: json!({"data_set_id": row.data_set_id,
                                        "department_id": row.department_id, "note": note}),
                        ..Change::new(action, event, "data_share_request", id)
                    },
                )?;
                let (row, _, _) = request_for(conn, &caller, id)?;
                row.wire(now)
            })
            .await
    }

    /// Requests the caller sees: to their department's data sets (`data.manage`) or by their
    /// department (`data.use`).
    pub async fn list_data_requests(
        &self,
        caller: &Caller,
        query: ShareRequestQuery,
    ) -> Result<Page<ShareRequest>, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let provider = ScopeSql::load(conn, &caller, Permission::DataManage)?;
                let requester = ScopeSql::load(conn, &caller, Permission::DataUse)?;
                if provider.is_empty() && requester.is_empty() {
                    return Err(Error::forbidden("requests need data.manage or data.use"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = data_share_requests::table
                    .filter(data_share_requests::id.gt(page.after()))
                    .order(data_share_requests::id.asc())
                    .limit(limit + 1)
                    .select(RequestRow::as_select())
                    .into_boxed();
                if !provider.global && !requester.global {
                    q =
                        q.filter(
                            data_share_requests::provider_region_id
                                .eq_any(provider.region_ids)
                                .or(data_share_requests::provider_department_id
                                    .eq_any(provider.department_ids))
                                .or(data_share_requests::region_id.eq_any(requester.region_ids))
                                .or(data_share_requests::department_id
                                    .eq_any(requester.department_ids)),
                        );
                }
                if let Some(s) = query.status {
                    q = q.filter(data_share_requests::status.eq(s.as_str()));
                }
                if let Some(d) = query.data_set_id {
                    q = q.filter(data_share_requests::data_set_id.eq(d));
                }
                let rows: Vec<RequestRow> = q.load(conn)?;
                let items = rows
                    .iter()
                    .map(|r| r.wire(now))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(page_of(items, limit, |r: &ShareRequest| r.id))
            })
            .await
    }

    pub async fn get_data_request(&self, caller: &Caller, id: i64) -> Result<ShareRequest, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let (row, _, _) = request_for(conn, &caller, id)?;
                row.wire(now)
            })
            .await
    }

    /// Records a use of shared data by the requesting department (`data.use`); refused (409)
    /// without an approved agreement that has not ended.
    pub async fn record_data_use(
        &self,
        caller: &Caller,
        id: i64,
        new: NewDataUse,
    ) -> Result<DataUse, Error> {
        Validator::new()
            .text(&new.purpose, "purpose", 500)
            .check(
                (0..=1_000_000_000).contains(&new.records),
                "records",
                "0 to 1,000,000,000",
            )
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, _, requester) = request_for(conn, &caller, id)?;
                if !requester {
                    return Err(Error::forbidden(
                        "data is used by the requesting department's data.use",
                    ));
                }
                check_use(row.status(), row.valid_until, now)
                    .map_err(|e| Error::conflict(e.to_string()))?;
                let use_id: i64 = diesel::insert_into(data_share_uses::table)
                    .values((
                        data_share_uses::request_id.eq(id),
                        data_share_uses::purpose.eq(new.purpose.trim()),
                        data_share_uses::records.eq(new.records),
                        data_share_uses::used_by.eq(&caller.username),
                        data_share_uses::at.eq(now),
                    ))
                    .returning(data_share_uses::id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        payload: json!({"request_id": id, "data_set_id": row.data_set_id,
                                        "agreement_no": row.agreement_no,
                                        "purpose": new.purpose.trim(), "records": new.records}),
                        ..Change::new(
                            "data_share.use",
                            "data_share.used",
                            "data_share_use",
                            use_id,
                        )
                    },
                )?;
                Ok(DataUse {
                    id: use_id,
                    request_id: id,
                    purpose: new.purpose.trim().to_owned(),
                    records: new.records,
                    used_by: caller.username.clone(),
                    at: time(now),
                })
            })
            .await
    }

    /// The uses under a request, for both the provider and the requester.
    pub async fn list_data_uses(&self, caller: &Caller, id: i64) -> Result<Vec<DataUse>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                request_for(conn, &caller, id)?;
                let rows: Vec<(i64, String, i64, String, i64)> = data_share_uses::table
                    .filter(data_share_uses::request_id.eq(id))
                    .order(data_share_uses::id.asc())
                    .select((
                        data_share_uses::id,
                        data_share_uses::purpose,
                        data_share_uses::records,
                        data_share_uses::used_by,
                        data_share_uses::at,
                    ))
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(use_id, purpose, records, used_by, at)| DataUse {
                        id: use_id,
                        request_id: id,
                        purpose,
                        records,
                        used_by,
                        at: time(at),
                    })
                    .collect())
            })
            .await
    }
}

fn check_catalogue(caller: &Caller) -> Result<(), Error> {
    if caller.has(Permission::DataRead) || caller.has(Permission::DataUse) {
        Ok(())
    } else {
        Err(Error::forbidden(
            "the catalogue needs data.read or data.use",
        ))
    }
}

//! Requests to use a data set and the providing department's decisions.

use diesel::prelude::*;
use serde_json::json;

use super::{RequestRow, check_catalogue, data_set, decode, department, request_for, target};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::data_sharing::{ShareStatus, check_use};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::local_date;
use crate::service::intermediaries::day_end;
use crate::service::org::ScopeSql;
use crate::store::schema::data_share_requests;
use crate::wire::data_sharing::{
    DataField, NewShareRequest, ShareApproval, ShareRefusal, ShareRequest, ShareRequestQuery,
};
use crate::wire::{Page, PageQuery, page_of};

impl Services {
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
                if set.withdrawn_at.is_some() {
                    return Err(Error::conflict(format!(
                        "data set {} is withdrawn from the catalogue and takes no request",
                        set.code
                    )));
                }
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
}

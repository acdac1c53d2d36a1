//! The uses of shared data under an agreement: recorded by the requester, refused without an
//! agreement in force, read by both sides.

use diesel::prelude::*;
use serde_json::json;

use super::request_for;
use crate::domain::access::Caller;
use crate::domain::data_sharing::check_use;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::schema::data_share_uses;
use crate::wire::data_sharing::{DataUse, NewDataUse};
use crate::wire::time;

impl Services {
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

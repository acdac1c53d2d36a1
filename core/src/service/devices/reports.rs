//! Reading what devices reported: by hall, device or case (the case's screenshot confirmations
//! and ratings).

use diesel::prelude::*;

use crate::domain::access::{Caller, Permission};
use crate::domain::ids::DeviceId;
use crate::error::Error;
use crate::service::Services;
use crate::service::org::ScopeSql;
use crate::store::schema::{device_reports, devices, halls};
use crate::wire::devices::{ReportEvent, ReportQuery, StoredReport};
use crate::wire::{Page, page_of, time};

#[derive(Queryable, Selectable)]
#[diesel(table_name = device_reports)]
struct ReportRow {
    id: i64,
    device_id: i64,
    report_id: String,
    payload: String,
    case_id: Option<i64>,
    happened_at: i64,
    received_at: i64,
}

impl Services {
    /// Reports within the caller's device.read scope, oldest first.
    pub async fn list_device_reports(
        &self,
        caller: &Caller,
        q: ReportQuery,
    ) -> Result<Page<StoredReport>, Error> {
        let c = caller.clone();
        let limit = i64::from(q.limit.unwrap_or(100).clamp(1, 1_000));
        let rows = self
            .store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &c, Permission::DeviceRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("reading device reports needs device.read"));
                }
                let mut query = device_reports::table
                    .inner_join(devices::table.inner_join(halls::table))
                    .filter(device_reports::id.gt(q.after.unwrap_or(0)))
                    .order(device_reports::id.asc())
                    .limit(limit + 1)
                    .select(ReportRow::as_select())
                    .into_boxed();
                if !scope.global {
                    query = query.filter(halls::region_id.eq_any(scope.region_ids));
                }
                if let Some(h) = q.hall_id {
                    query = query.filter(devices::hall_id.eq(h));
                }
                if let Some(d) = q.device_id {
                    query = query.filter(device_reports::device_id.eq(d));
                }
                if let Some(k) = q.case_id {
                    query = query.filter(device_reports::case_id.eq(k));
                }
                Ok(query.load::<ReportRow>(conn)?)
            })
            .await?;
        let items = rows
            .into_iter()
            .filter_map(|r| {
                let event: ReportEvent = serde_json::from_str(&r.payload).ok()?;
                Some(StoredReport {
                    id: r.id,
                    device_id: DeviceId(r.device_id),
                    report_id: r.report_id,
                    event,
                    case_id: r.case_id,
                    happened_at: time(r.happened_at),
                    received_at: time(r.received_at),
                    duplicate: false,
                })
            })
            .collect();
        Ok(page_of(items, limit, |r| r.id))
    }
}

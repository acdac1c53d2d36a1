//! Reading what devices reported (by hall, device or case: the case's screenshot confirmations
//! and ratings), and a device's commands with their status.

use diesel::prelude::*;

use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{CommandId, DeviceId};
use crate::error::Error;
use crate::service::Services;
use crate::service::org::ScopeSql;
use crate::store::schema::{device_commands, device_reports, devices, halls};
use crate::wire::devices::{CommandStatus, DeviceCommand, ReportEvent, ReportQuery, StoredReport};
use crate::wire::{Page, PageQuery, page_of, time};

use super::CommandRow;
use super::registry::device_in_scope;

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

impl Services {
    /// A device's commands, oldest first, with their status (queued, delivered, acked,
    /// expired): where an expiry shows.
    pub async fn list_device_commands(
        &self,
        caller: &Caller,
        id: DeviceId,
        page: PageQuery,
    ) -> Result<Page<DeviceCommand>, Error> {
        let c = caller.clone();
        let limit = page.limit();
        let rows = self
            .store
            .read(move |conn| {
                device_in_scope(conn, &c, Permission::DeviceRead, id)?;
                Ok(device_commands::table
                    .filter(device_commands::device_id.eq(id.0))
                    .filter(device_commands::id.gt(page.after()))
                    .order(device_commands::id.asc())
                    .limit(limit + 1)
                    .select(CommandRow::as_select())
                    .load::<CommandRow>(conn)?)
            })
            .await?;
        // What memory knows better: handed out and not yet acknowledged.
        let delivered: Vec<CommandId> = match self.devices.slot(id.0) {
            Some(slot) => slot
                .lock()
                .pending
                .iter()
                .filter(|p| p.delivered_at.is_some())
                .map(|p| p.cmd.id)
                .collect(),
            None => Vec::new(),
        };
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let mut cmd = r.wire()?;
            if cmd.status == CommandStatus::Queued && delivered.contains(&cmd.id) {
                cmd.status = CommandStatus::Delivered;
            }
            items.push(cmd);
        }
        Ok(page_of(items, limit, |c| c.id.0))
    }
}

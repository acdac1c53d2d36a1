//! Hall devices (R-2.5, `docs/devices.md`): the registry, the device protocol, commands, liveness
//! and the bridge that turns queue calls into LED calls.
//!
//! Registry changes, commands, acknowledgements and reports are ordinary commands through the
//! writer. Heartbeats are not: they touch the in-memory [`DeviceHub`], and the liveness task
//! writes what changed (online, offline, firmware, expired commands) in one transaction a second.

mod call_bridge;
mod command_rules;
mod commands;
mod hot;
mod lifecycle;
mod liveness;
mod protocol;
mod registry;
mod reports;

pub use call_bridge::{BridgeCommand, Screens, translate};
pub use hot::{DeviceHub, Slot};
pub use liveness::start;
pub use protocol::MAX_WAIT_MS;

use std::collections::HashMap;

use diesel::prelude::*;

use crate::clock::Millis;
use crate::domain::ids::{CommandId, DeviceId, HallId, WindowId};
use crate::error::Error;
use crate::store::schema::{device_commands, devices, halls, regions, windows};
use crate::store::{DbConn, Store};
use crate::wire::devices::{
    AckOutcome, Command, CommandStatus, Device, DeviceCommand, DeviceKind, DeviceStatus,
    DisplayState,
};
use crate::wire::time;
use hot::{Live, Pending, Place};

/// Commands handed out and not acknowledged go out again after this long.
pub(crate) const REDELIVER_MS: i64 = 10_000;

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = devices)]
pub(crate) struct DeviceRow {
    pub id: i64,
    pub hall_id: i64,
    pub window_id: Option<i64>,
    pub user_id: i64,
    pub kind: String,
    pub name: String,
    pub status: String,
    pub online: bool,
    pub heartbeat_interval_ms: i64,
    pub firmware: Option<String>,
    pub capabilities: String,
    pub last_seen_at: Option<i64>,
    pub display_state: String,
    pub created_at: i64,
}

impl DeviceRow {
    pub fn kind(&self) -> DeviceKind {
        DeviceKind::parse(&self.kind).unwrap_or(DeviceKind::Other("unknown".into()))
    }

    pub fn status(&self) -> DeviceStatus {
        DeviceStatus::parse(&self.status).unwrap_or(DeviceStatus::Disabled)
    }

    pub fn capabilities(&self) -> Vec<String> {
        serde_json::from_str(&self.capabilities).unwrap_or_default()
    }

    pub fn display(&self) -> DisplayState {
        serde_json::from_str(&self.display_state).unwrap_or_default()
    }

    /// The wire shape from storage alone; [`with_live`] overlays the hot state.
    pub fn wire(&self) -> Device {
        Device {
            id: DeviceId(self.id),
            hall_id: HallId(self.hall_id),
            window_id: self.window_id.map(WindowId),
            kind: self.kind(),
            name: self.name.clone(),
            status: self.status(),
            online: self.online,
            last_seen_at: self.last_seen_at.map(time),
            firmware: self.firmware.clone(),
            capabilities: self.capabilities(),
            heartbeat_interval_ms: u32::try_from(self.heartbeat_interval_ms).unwrap_or(u32::MAX),
            health: None,
            pending_commands: 0,
            created_at: time(self.created_at),
        }
    }
}

/// Overlays what only memory knows (liveness, health, pending commands) on a stored device.
pub(crate) fn with_live(mut d: Device, live: &Live) -> Device {
    d.online = live.online;
    d.last_seen_at = live.last_seen.map(time);
    d.firmware = live.firmware.clone();
    d.capabilities = live.capabilities.clone();
    d.health = live.health.clone();
    d.pending_commands = u32::try_from(live.pending.len()).unwrap_or(u32::MAX);
    d
}

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = device_commands)]
pub(crate) struct CommandRow {
    pub id: i64,
    pub device_id: i64,
    pub payload: String,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub acked_at: Option<i64>,
    pub outcome: Option<String>,
}

impl CommandRow {
    pub fn wire(&self) -> Result<DeviceCommand, Error> {
        let command: Command = serde_json::from_str(&self.payload)
            .map_err(|e| Error::Internal(format!("stored command {}: {e}", self.id)))?;
        Ok(DeviceCommand {
            id: CommandId(self.id),
            device_id: DeviceId(self.device_id),
            command,
            status: CommandStatus::parse(&self.status).unwrap_or(CommandStatus::Queued),
            created_at: time(self.created_at),
            expires_at: time(self.expires_at),
            acked_at: self.acked_at.map(time),
            outcome: self.outcome.as_deref().and_then(|o| match o {
                "applied" => Some(AckOutcome::Applied),
                "failed" => Some(AckOutcome::Failed),
                _ => None,
            }),
        })
    }
}

/// A device row with where it is (region path, window department).
pub(crate) fn device_with_place(
    conn: &mut DbConn,
    id: i64,
) -> Result<Option<(DeviceRow, Place)>, Error> {
    let row: Option<(DeviceRow, i64, String)> = devices::table
        .inner_join(halls::table.inner_join(regions::table))
        .filter(devices::id.eq(id))
        .select((DeviceRow::as_select(), halls::region_id, regions::path))
        .get_result(conn)
        .optional()?;
    let Some((row, region_id, path)) = row else {
        return Ok(None);
    };
    let department_id = match row.window_id {
        Some(w) => windows::table
            .find(w)
            .select(windows::department_id)
            .get_result::<Option<i64>>(conn)
            .optional()?
            .flatten(),
        None => None,
    };
    let place = place_of(&row, region_id, path, department_id);
    Ok(Some((row, place)))
}

fn place_of(row: &DeviceRow, region_id: i64, path: String, department_id: Option<i64>) -> Place {
    Place {
        hall_id: row.hall_id,
        window_id: row.window_id,
        region_id,
        region_path: path,
        department_id,
        user_id: row.user_id,
        kind: row.kind(),
        name: row.name.clone(),
    }
}

/// The hot state of a stored device, with its pending commands.
pub(crate) fn live_of(
    row: &DeviceRow,
    place: Place,
    pending: Vec<CommandRow>,
    now: Millis,
) -> Live {
    Live {
        place,
        status: row.status(),
        interval_ms: row.heartbeat_interval_ms,
        online: row.online,
        // A device stored online gets a full allowance after a restart to show it still is.
        last_seen: if row.online {
            Some(row.last_seen_at.unwrap_or(now).max(now))
        } else {
            row.last_seen_at
        },
        firmware: row.firmware.clone(),
        capabilities: row.capabilities(),
        health: None,
        pending: pending
            .into_iter()
            .filter_map(|c| {
                let expires_ms = c.expires_at;
                c.wire().ok().map(|cmd| Pending {
                    cmd,
                    expires_ms,
                    delivered_at: None,
                })
            })
            .collect(),
        display: row.display(),
    }
}

/// Commands of these devices still waiting for an acknowledgement, oldest first.
pub(crate) fn pending_rows(
    conn: &mut DbConn,
    device_ids: &[i64],
) -> Result<HashMap<i64, Vec<CommandRow>>, Error> {
    let rows: Vec<CommandRow> = device_commands::table
        .filter(device_commands::device_id.eq_any(device_ids))
        .filter(device_commands::status.eq_any(["queued", "delivered"]))
        .order(device_commands::id.asc())
        .select(CommandRow::as_select())
        .load(conn)?;
    let mut by_device: HashMap<i64, Vec<CommandRow>> = HashMap::new();
    for r in rows {
        by_device.entry(r.device_id).or_default().push(r);
    }
    Ok(by_device)
}

impl DeviceHub {
    /// Rebuilds the hot state from storage: every device not retired, with its pending commands.
    pub async fn load(store: &Store, now: Millis) -> Result<DeviceHub, Error> {
        let hub = DeviceHub::default();
        let lives = store
            .read_heavy(move |conn| {
                let rows: Vec<(DeviceRow, i64, String)> = devices::table
                    .inner_join(halls::table.inner_join(regions::table))
                    .filter(devices::status.ne("retired"))
                    .select((DeviceRow::as_select(), halls::region_id, regions::path))
                    .load(conn)?;
                let departments: HashMap<i64, Option<i64>> = windows::table
                    .select((windows::id, windows::department_id))
                    .load::<(i64, Option<i64>)>(conn)?
                    .into_iter()
                    .collect();
                let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
                let mut pending = HashMap::new();
                for chunk in ids.chunks(500) {
                    pending.extend(pending_rows(conn, chunk)?);
                }
                Ok(rows
                    .into_iter()
                    .map(|(row, region_id, path)| {
                        let dep = row
                            .window_id
                            .and_then(|w| departments.get(&w).copied().flatten());
                        let place = place_of(&row, region_id, path, dep);
                        let p = pending.remove(&row.id).unwrap_or_default();
                        (row.id, live_of(&row, place, p, now))
                    })
                    .collect::<Vec<_>>())
            })
            .await?;
        for (id, live) in lives {
            hub.insert(id, live);
        }
        Ok(hub)
    }
}

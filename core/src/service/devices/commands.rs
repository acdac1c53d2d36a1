//! Commands to devices: queued in a transaction that also updates what the device should show,
//! handed out by the long-poll, acknowledged once.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{CommandId, DeviceId};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{device_commands, devices};
use crate::wire::devices::{
    Ack, Command, CommandStatus, DeviceCommand, DeviceStatus, DisplayState, NewCommand,
};
use crate::wire::time;

use super::command_rules::validate_command;
use super::hot::{Pending, Place, Slot};
use super::registry::device_in_scope;
use super::{CommandRow, DeviceRow};

/// Inserts a command, updates the device's stored display state and records it; runs inside a
/// write. Answers the command and the display state after it.
pub(crate) fn queue_in(
    conn: &mut DbConn,
    now: Millis,
    actor: &Actor,
    row: &DeviceRow,
    place: &Place,
    cmd: &Command,
    ttl_ms: Option<u64>,
) -> Result<(DeviceCommand, DisplayState), Error> {
    if row.status() != DeviceStatus::Enabled {
        return Err(Error::conflict(format!(
            "the device is {}; only enabled devices take commands",
            row.status().as_str()
        )));
    }
    let ttl = i64::try_from(ttl_ms.unwrap_or_else(|| cmd.default_ttl_ms())).unwrap_or(i64::MAX);
    let payload = serde_json::to_string(cmd).map_err(|e| Error::Internal(e.to_string()))?;
    let id: i64 = diesel::insert_into(device_commands::table)
        .values((
            device_commands::device_id.eq(row.id),
            device_commands::kind.eq(cmd.kind()),
            device_commands::payload.eq(&payload),
            device_commands::status.eq(CommandStatus::Queued.as_str()),
            device_commands::created_at.eq(now),
            device_commands::expires_at.eq(now.saturating_add(ttl)),
        ))
        .returning(device_commands::id)
        .get_result(conn)?;
    // The stored state follows the commands in commit order (the writer is sequential).
    let current: String = devices::table
        .find(row.id)
        .select(devices::display_state)
        .get_result(conn)?;
    let mut display: DisplayState = serde_json::from_str(&current).unwrap_or_default();
    display.apply(cmd, time(now));
    diesel::update(devices::table.find(row.id))
        .set(devices::display_state.eq(json!(display).to_string()))
        .execute(conn)?;
    let queued = DeviceCommand {
        id: CommandId(id),
        device_id: DeviceId(row.id),
        command: cmd.clone(),
        status: CommandStatus::Queued,
        created_at: time(now),
        expires_at: time(now.saturating_add(ttl)),
        acked_at: None,
        outcome: None,
    };
    let after = json!(queued);
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(place.region_id),
            department_id: place.department_id,
            after: Some(after),
            payload: json!({
                "device_id": row.id, "command_id": id, "kind": cmd.kind(),
                "hall_id": place.hall_id, "window_id": place.window_id,
            }),
            ..Change::new(
                "device.command",
                "device.command_queued",
                "device_command",
                id,
            )
        },
    )?;
    Ok((queued, display))
}

impl Services {
    /// Queues a command for a device; a long-poll waiting for it returns at once.
    pub async fn send_command(
        &self,
        caller: &Caller,
        id: DeviceId,
        new: NewCommand,
    ) -> Result<DeviceCommand, Error> {
        let c = caller.clone();
        let now = self.clock.now();
        let (cmd, display) = self
            .store
            .write(move |conn| {
                let (row, place) = device_in_scope(conn, &c, Permission::DeviceCommand, id)?;
                validate_command(&new.command, new.ttl_ms, &row.kind())?;
                queue_in(
                    conn,
                    now,
                    &Actor::of(&c),
                    &row,
                    &place,
                    &new.command,
                    new.ttl_ms,
                )
            })
            .await?;
        self.hand_to_device(id.0, cmd.clone(), display).await;
        Ok(cmd)
    }

    /// After the commit: the command joins the device's hot queue and its long-poll wakes.
    pub(crate) async fn hand_to_device(&self, id: i64, cmd: DeviceCommand, display: DisplayState) {
        let slot = match self.devices.slot(id) {
            Some(s) => Some(s),
            None => self.load_device_slot(id).await.ok().flatten(),
        };
        let Some(slot) = slot else { return };
        let expires_ms = cmd.expires_at.timestamp_millis();
        {
            let mut live = slot.lock();
            if !live.pending.iter().any(|p| p.cmd.id == cmd.id) {
                live.pending.push(Pending {
                    cmd,
                    expires_ms,
                    delivered_at: None,
                });
                live.pending.sort_by_key(|p| p.cmd.id);
            }
            live.display = display;
        }
        slot.notify.notify_one();
    }

    /// A device acknowledges a command it was handed. Acknowledging again answers the same;
    /// a command it never got is refused.
    pub async fn ack_command(
        &self,
        slot: &Slot,
        command: CommandId,
        ack: Ack,
    ) -> Result<DeviceCommand, Error> {
        if ack.detail.as_ref().is_some_and(|d| d.chars().count() > 500) {
            return Err(Error::invalid("detail", "at most 500 characters"));
        }
        let device = slot.id;
        let (place, delivered) = {
            let live = slot.lock();
            let delivered = live
                .pending
                .iter()
                .find(|p| p.cmd.id == command)
                .map(|p| p.delivered_at);
            (live.place.clone(), delivered)
        };
        let now = self.clock.now();
        let actor = Actor {
            id: Some(crate::domain::ids::UserId(place.user_id)),
            label: format!("device-{device}"),
        };
        let acked = self
            .store
            .write(move |conn| {
                let row: CommandRow = device_commands::table
                    .filter(device_commands::id.eq(command.0))
                    .filter(device_commands::device_id.eq(device))
                    .select(CommandRow::as_select())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("command", command))?;
                match CommandStatus::parse(&row.status) {
                    Some(CommandStatus::Acked) => return row.wire(),
                    Some(CommandStatus::Expired) => {
                        return Err(Error::conflict(
                            "the command expired before it was acknowledged",
                        ));
                    }
                    _ => {}
                }
                let delivered_at = match delivered {
                    Some(Some(at)) => at,
                    Some(None) => {
                        return Err(Error::conflict(
                            "the command was not handed to this device yet: poll for it first",
                        ));
                    }
                    None if row.expires_at <= now => {
                        return Err(Error::conflict(
                            "the command expired before it was acknowledged",
                        ));
                    }
                    None => {
                        return Err(Error::conflict(
                            "the command was not handed to this device: say hello and poll again",
                        ));
                    }
                };
                let outcome = match ack.outcome {
                    crate::wire::devices::AckOutcome::Applied => "applied",
                    crate::wire::devices::AckOutcome::Failed => "failed",
                };
                diesel::update(device_commands::table.find(row.id))
                    .set((
                        device_commands::status.eq(CommandStatus::Acked.as_str()),
                        device_commands::delivered_at.eq(Some(delivered_at)),
                        device_commands::acked_at.eq(Some(now)),
                        device_commands::outcome.eq(Some(outcome)),
                        device_commands::detail.eq(ack.detail.as_deref()),
                    ))
                    .execute(conn)?;
                let mut cmd = row.wire()?;
                cmd.status = CommandStatus::Acked;
                cmd.acked_at = Some(time(now));
                cmd.outcome = Some(ack.outcome);
                let after = json!({"status": "acked", "outcome": outcome, "detail": ack.detail});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(place.region_id),
                        department_id: place.department_id,
                        before: Some(json!({"status": row.status})),
                        after: Some(after),
                        payload: json!({
                            "device_id": device, "command_id": row.id,
                            "kind": cmd.command.kind(), "outcome": outcome,
                        }),
                        ..Change::new(
                            "device.ack",
                            "device.command_acked",
                            "device_command",
                            row.id,
                        )
                    },
                )?;
                Ok(cmd)
            })
            .await?;
        slot.lock().pending.retain(|p| p.cmd.id != command);
        Ok(acked)
    }
}

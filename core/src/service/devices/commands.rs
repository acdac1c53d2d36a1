//! Commands to devices: queued in a transaction that also updates what the device should show,
//! handed out by the long-poll, acknowledged once.

use diesel::prelude::*;
use serde_json::json;

use crate::clock::Millis;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{CommandId, DeviceId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{device_commands, devices};
use crate::wire::devices::{
    Ack, Command, CommandStatus, DeviceCommand, DeviceKind, DeviceStatus, DisplayState, NewCommand,
};
use crate::wire::time;

use super::hot::{Pending, Place, Slot};
use super::registry::device_in_scope;
use super::{CommandRow, DeviceRow};

const MAX_TTL_MS: u64 = 7 * 86_400_000;

fn fields_ok(v: &mut Validator, fields: &[crate::wire::devices::Field]) {
    v.check(fields.len() <= 50, "command.fields", "at most 50 fields");
    for f in fields {
        v.check(
            f.label.chars().count() <= 100 && f.value.chars().count() <= 1_000,
            "command.fields",
            "labels are at most 100 characters, values at most 1000",
        );
    }
}

/// Checks a command's content and that a device of `kind` can carry it.
pub(crate) fn validate_command(
    cmd: &Command,
    ttl_ms: Option<u64>,
    kind: &DeviceKind,
) -> Result<(), Error> {
    let mut v = Validator::new();
    v.check(
        ttl_ms.is_none_or(|t| (1_000..=MAX_TTL_MS).contains(&t)),
        "ttl_ms",
        "must be between 1000 ms and 7 days",
    );
    match cmd {
        Command::Display { text, .. } => {
            v.check(
                text.chars().count() <= 200,
                "command.text",
                "at most 200 characters",
            );
        }
        Command::Call(c) => {
            v.text(&c.number, "command.number", 16).text(
                &c.window_number,
                "command.window_number",
                10,
            );
        }
        Command::Mirror { title, fields, .. } | Command::Confirm { title, fields, .. } => {
            v.text(title, "command.title", 100);
            fields_ok(&mut v, fields);
        }
        Command::PrintTicket {
            number, area_name, ..
        } => {
            v.text(number, "command.number", 16)
                .text(area_name, "command.area_name", 100);
        }
        Command::Configure(s) => {
            v.check(
                s.brightness.is_none_or(|b| b <= 100) && s.volume.is_none_or(|b| b <= 100),
                "command",
                "brightness and volume are 0–100",
            );
            if let Some(list) = &s.wifi_allow_list {
                v.check(
                    list.len() <= 1_000,
                    "command.wifi_allow_list",
                    "at most 1000",
                );
                v.check(
                    list.iter().all(|m| is_mac(m)),
                    "command.wifi_allow_list",
                    "MAC addresses like 00:1a:2b:3c:4d:5e",
                );
            }
        }
        Command::Rate { .. } | Command::Reboot {} => {}
    }
    let fits = match (cmd, kind) {
        (_, DeviceKind::Other(_)) => true,
        (Command::Display { .. } | Command::Configure(_) | Command::Reboot {}, _) => true,
        (Command::Call(_), k) => {
            matches!(
                k,
                DeviceKind::LedWindow | DeviceKind::LedBoard | DeviceKind::Tablet
            )
        }
        (Command::Mirror { .. } | Command::Confirm { .. } | Command::Rate { .. }, k) => {
            *k == DeviceKind::Tablet
        }
        (Command::PrintTicket { .. }, k) => *k == DeviceKind::Kiosk,
    };
    v.check(
        fits,
        "command.kind",
        &format!("a {} cannot carry a {} command", kind.as_str(), cmd.kind()),
    );
    v.finish()
}

fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::devices::{Call, Settings};

    fn call() -> Command {
        Command::Call(Call {
            number: "A001".into(),
            window_number: "3".into(),
            window_id: None,
            ticket_id: None,
            recall: false,
        })
    }

    #[test]
    fn a_kiosk_prints_tickets_but_does_not_take_calls() {
        let print = Command::PrintTicket {
            number: "A001".into(),
            area_name: "综合受理区".into(),
            waiting_before: 3,
        };
        assert!(validate_command(&print, None, &DeviceKind::Kiosk).is_ok());
        assert!(validate_command(&call(), None, &DeviceKind::Kiosk).is_err());
        assert!(validate_command(&call(), None, &DeviceKind::LedBoard).is_ok());
        assert!(validate_command(&print, None, &DeviceKind::Other("x".into())).is_ok());
    }

    #[test]
    fn a_wifi_list_holds_only_mac_addresses_and_ttls_are_bounded() {
        let good = Command::Configure(Settings {
            wifi_allow_list: Some(vec!["00:1a:2B:3c:4d:5e".into()]),
            ..Default::default()
        });
        let bad = Command::Configure(Settings {
            wifi_allow_list: Some(vec!["00-1a-2b-3c-4d-5e".into()]),
            ..Default::default()
        });
        assert!(validate_command(&good, None, &DeviceKind::AccessPoint).is_ok());
        assert!(validate_command(&bad, None, &DeviceKind::AccessPoint).is_err());
        assert!(validate_command(&good, Some(10), &DeviceKind::AccessPoint).is_err());
        assert!(validate_command(&good, Some(MAX_TTL_MS + 1), &DeviceKind::AccessPoint).is_err());
    }
}

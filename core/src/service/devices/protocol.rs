//! The device side of the protocol: hello, heartbeat, long-poll and reports. The caller is the
//! device's own principal; it acts only as that device, in its own hall and at its own window.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{DeviceId, UserId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::schema::{cases, device_commands, device_reports, hall_areas, regions};
use crate::wire::devices::{
    CommandBatch, CommandStatus, DeviceStatus, Heartbeat, HeartbeatAck, Hello, Report, ReportEvent,
    StoredReport, Welcome,
};
use crate::wire::time;

use super::REDELIVER_MS;
use super::hot::{LiveChange, Slot};

/// The longest a long-poll waits.
pub const MAX_WAIT_MS: u32 = 30_000;

fn validate_report(r: &Report) -> Result<(), Error> {
    let mut v = Validator::new();
    v.text(&r.report_id, "report_id", 64);
    match &r.event {
        ReportEvent::TicketTaken { number, .. } => {
            v.text(number, "event.number", 16);
        }
        ReportEvent::RatingGiven { score, comment, .. } => {
            v.check((1..=5).contains(score), "event.score", "must be 1 to 5");
            v.check(
                comment.as_ref().is_none_or(|c| c.chars().count() <= 500),
                "event.comment",
                "at most 500 characters",
            );
        }
        ReportEvent::Fault { code, message } => {
            v.text(code, "event.code", 64)
                .text(message, "event.message", 500);
        }
        ReportEvent::DataConfirmed { .. } | ReportEvent::PaperJam {} | ReportEvent::PaperLow {} => {
        }
    }
    v.finish()
}

impl Services {
    /// The device a token stands for, or why it may not act as one.
    pub async fn device_slot(&self, caller: &Caller) -> Result<Arc<Slot>, Error> {
        let user = caller.user_id.0;
        let slot = match self.devices.slot_of_user(user) {
            Some(s) => s,
            None => {
                if !caller.has(Permission::DeviceConnect) {
                    return Err(Error::forbidden("the device protocol needs a device token"));
                }
                let id: Option<i64> = self
                    .store
                    .read(move |conn| {
                        use crate::store::schema::devices;
                        Ok(devices::table
                            .filter(devices::user_id.eq(user))
                            .select(devices::id)
                            .get_result(conn)
                            .optional()?)
                    })
                    .await?;
                let id = id.ok_or_else(|| Error::forbidden("this token belongs to no device"))?;
                self.load_device_slot(id)
                    .await?
                    .ok_or_else(|| Error::Unauthorized("the device is retired".into()))?
            }
        };
        let status = slot.lock().status;
        match status {
            DeviceStatus::Enabled => Ok(slot),
            DeviceStatus::Disabled => Err(Error::forbidden("the device is disabled")),
            DeviceStatus::Retired => Err(Error::Unauthorized("the device is retired".into())),
        }
    }

    /// Marks a device seen now; a device that was offline is online again (persisted with the
    /// next batch).
    fn seen(&self, slot: &Slot) {
        let now = self.clock.now();
        let mut live = slot.lock();
        live.last_seen = Some(now);
        if !live.online {
            live.online = true;
            self.devices.push_change(LiveChange::Online {
                place: live.place.clone(),
                device: slot.id,
                at: now,
            });
        }
    }

    /// A device (re)connects: it gets who it is, everything it should show and every command
    /// not yet acknowledged (handed out again).
    pub async fn device_hello(&self, slot: &Slot, hello: Hello) -> Result<Welcome, Error> {
        Validator::new()
            .text(&hello.firmware, "firmware", 64)
            .check(hello.capabilities.len() <= 32, "capabilities", "at most 32")
            .check(
                hello
                    .capabilities
                    .iter()
                    .all(|c| !c.is_empty() && c.len() <= 32),
                "capabilities",
                "each 1–32 characters",
            )
            .finish()?;
        self.seen(slot);
        let now = self.clock.now();
        let mut live = slot.lock();
        if live.firmware.as_deref() != Some(hello.firmware.as_str())
            || live.capabilities != hello.capabilities
        {
            self.devices.push_change(LiveChange::Firmware {
                place: live.place.clone(),
                device: slot.id,
                at: now,
                before: live.firmware.clone(),
                firmware: hello.firmware.clone(),
                capabilities: hello.capabilities.clone(),
            });
            live.firmware = Some(hello.firmware);
            live.capabilities = hello.capabilities;
        }
        for p in live.pending.iter_mut() {
            p.delivered_at = Some(now);
            p.cmd.status = CommandStatus::Delivered;
        }
        Ok(Welcome {
            device_id: DeviceId(slot.id),
            kind: live.place.kind.clone(),
            name: live.place.name.clone(),
            hall_id: crate::domain::ids::HallId(live.place.hall_id),
            window_id: live.place.window_id.map(crate::domain::ids::WindowId),
            heartbeat_interval_ms: u32::try_from(live.interval_ms).unwrap_or(u32::MAX),
            offline_after_ms: u32::try_from(live.allowance_ms()).unwrap_or(u32::MAX),
            state: live.display.clone(),
            commands: live.pending.iter().map(|p| p.cmd.clone()).collect(),
            server_time: time(now),
        })
    }

    /// A heartbeat: memory only.
    pub fn device_heartbeat(&self, slot: &Slot, beat: Heartbeat) -> HeartbeatAck {
        self.seen(slot);
        self.devices.count_heartbeat();
        let mut live = slot.lock();
        live.health = Some(beat.health);
        HeartbeatAck {
            pending_commands: u32::try_from(live.pending.len()).unwrap_or(u32::MAX),
            heartbeat_interval_ms: u32::try_from(live.interval_ms).unwrap_or(u32::MAX),
            server_time: time(self.clock.now()),
        }
    }

    /// Long-poll: the commands not yet handed out (and those handed out a while ago without an
    /// acknowledgement), at once or as soon as one is queued, or none after `wait_ms`.
    pub async fn poll_commands(&self, slot: &Slot, wait_ms: u32) -> Result<CommandBatch, Error> {
        let wait = Duration::from_millis(u64::from(wait_ms.min(MAX_WAIT_MS)));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            self.seen(slot);
            let now = self.clock.now();
            let commands: Vec<_> = {
                let mut live = slot.lock();
                if live.status != DeviceStatus::Enabled {
                    return Err(Error::forbidden("the device is disabled"));
                }
                live.pending
                    .iter_mut()
                    .filter(|p| p.expires_ms > now)
                    .filter(|p| p.delivered_at.is_none_or(|d| now - d >= REDELIVER_MS))
                    .map(|p| {
                        p.delivered_at = Some(now);
                        p.cmd.status = CommandStatus::Delivered;
                        p.cmd.clone()
                    })
                    .collect()
            };
            if !commands.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(CommandBatch { commands });
            }
            // Wake on a new command; otherwise at the deadline, or in time for a redelivery.
            let step = deadline.min(tokio::time::Instant::now() + Duration::from_secs(5));
            tokio::select! {
                () = slot.notify.notified() => {}
                () = tokio::time::sleep_until(step) => {}
            }
        }
    }

    /// Records what happened on a device, once per report id; a retry answers the stored report.
    pub async fn device_report(&self, slot: &Slot, report: Report) -> Result<StoredReport, Error> {
        validate_report(&report)?;
        self.seen(slot);
        let place = slot.lock().place.clone();
        let device = slot.id;
        let now = self.clock.now();
        let happened = report
            .happened_at
            .map(|t| t.timestamp_millis())
            .unwrap_or(now);
        self.store
            .write(move |conn| {
                let payload = json!(report.event).to_string();
                let existing: Option<(i64, String, String, Option<i64>, i64, i64)> =
                    device_reports::table
                        .filter(device_reports::device_id.eq(device))
                        .filter(device_reports::report_id.eq(&report.report_id))
                        .select((
                            device_reports::id,
                            device_reports::kind,
                            device_reports::payload,
                            device_reports::case_id,
                            device_reports::happened_at,
                            device_reports::received_at,
                        ))
                        .get_result(conn)
                        .optional()?;
                if let Some((id, kind, stored, case_id, h, r)) = existing {
                    if kind != report.event.kind() || stored != payload {
                        return Err(Error::conflict(
                            "this report id was already used for a different report",
                        ));
                    }
                    return Ok(StoredReport {
                        id,
                        device_id: DeviceId(device),
                        report_id: report.report_id,
                        event: report.event,
                        case_id,
                        happened_at: time(h),
                        received_at: time(r),
                        duplicate: true,
                    });
                }
                // The device acts only for its own hall and window.
                let case_id = match &report.event {
                    ReportEvent::TicketTaken {
                        area_id: Some(a), ..
                    } => {
                        let hall: Option<i64> = hall_areas::table
                            .find(a.0)
                            .select(hall_areas::hall_id)
                            .get_result(conn)
                            .optional()?;
                        if hall != Some(place.hall_id) {
                            return Err(Error::forbidden(
                                "the device reports only for its own hall's areas",
                            ));
                        }
                        None
                    }
                    ReportEvent::DataConfirmed {
                        command_id,
                        case_id,
                        ..
                    } => {
                        let cmd: Option<(i64, String)> = device_commands::table
                            .filter(device_commands::id.eq(command_id.0))
                            .select((device_commands::device_id, device_commands::payload))
                            .get_result(conn)
                            .optional()?;
                        let Some((owner, payload)) = cmd else {
                            return Err(Error::invalid("event.command_id", "no such command"));
                        };
                        if owner != device {
                            return Err(Error::forbidden(
                                "the command was sent to another device",
                            ));
                        }
                        let asked: Option<crate::wire::devices::Command> =
                            serde_json::from_str(&payload).ok();
                        let Some(crate::wire::devices::Command::Confirm {
                            case_id: asked_case,
                            ..
                        }) = asked
                        else {
                            return Err(Error::invalid(
                                "event.command_id",
                                "names no confirm command",
                            ));
                        };
                        case_id.or(asked_case)
                    }
                    ReportEvent::RatingGiven { case_id, .. } => *case_id,
                    _ => None,
                };
                if let Some(c) = case_id {
                    // A case of the device's region subtree only.
                    let path: Option<String> = cases::table
                        .inner_join(regions::table)
                        .filter(cases::id.eq(c))
                        .select(regions::path)
                        .get_result(conn)
                        .optional()?;
                    match path {
                        None => return Err(Error::invalid("event.case_id", "no such case")),
                        Some(p) if !p.starts_with(&place.region_path) => {
                            return Err(Error::forbidden(
                                "the case is outside the device's region",
                            ));
                        }
                        Some(_) => {}
                    }
                }
                let id: i64 = diesel::insert_into(device_reports::table)
                    .values((
                        device_reports::device_id.eq(device),
                        device_reports::report_id.eq(&report.report_id),
                        device_reports::kind.eq(report.event.kind()),
                        device_reports::payload.eq(&payload),
                        device_reports::case_id.eq(case_id),
                        device_reports::happened_at.eq(happened),
                        device_reports::received_at.eq(now),
                    ))
                    .returning(device_reports::id)
                    .get_result(conn)?;
                let event = format!("device.{}", report.event.kind());
                let body = json!({
                    "device_id": device, "report": id, "report_id": report.report_id,
                    "hall_id": place.hall_id, "window_id": place.window_id,
                    "case_id": case_id, "event": report.event,
                    "alert": matches!(report.event, ReportEvent::PaperJam {} | ReportEvent::Fault { .. }),
                });
                let actor = Actor {
                    id: Some(UserId(place.user_id)),
                    label: format!("device-{device}"),
                };
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(place.region_id),
                        department_id: place.department_id,
                        after: Some(body.clone()),
                        payload: body.clone(),
                        ..Change::new("device.report", &event, "device_report", id)
                    },
                )?;
                if let (Some(c), ReportEvent::DataConfirmed { confirmed, .. }) =
                    (case_id, &report.event)
                {
                    // Screenshot confirmation: the citizen's answer is kept with the case.
                    let kept = json!({"case_id": c, "confirmed": confirmed, "device_id": device,
                        "report": id});
                    audit::record(
                        conn,
                        now,
                        &actor,
                        Change {
                            region_id: Some(place.region_id),
                            after: Some(kept.clone()),
                            payload: kept,
                            ..Change::new("case.confirm_data", "case.data_confirmed", "case", c)
                        },
                    )?;
                }
                Ok(StoredReport {
                    id,
                    device_id: DeviceId(device),
                    report_id: report.report_id,
                    event: report.event,
                    case_id,
                    happened_at: time(happened),
                    received_at: time(now),
                    duplicate: false,
                })
            })
            .await
    }
}

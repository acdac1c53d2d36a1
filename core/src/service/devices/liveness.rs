//! Liveness: a sweep every 100 ms finds devices past their allowance (offline) and commands past
//! their deadline (expired); what changed — those, and the online and firmware changes that
//! heartbeats and hellos noted — is written in one transaction at most once a second, each change
//! with its own audit entry and event.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use crate::domain::ids::UserId;
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::jobs::JobsView;
use crate::store::DbConn;
use crate::store::schema::{device_commands, devices};
use crate::wire::devices::DeviceStatus;
use crate::wire::time;

use super::hot::{LiveChange, Place};

/// How often devices and commands are checked.
const SWEEP: Duration = Duration::from_millis(100);
/// At most one liveness transaction per this interval, for all devices.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Starts the liveness task and the call bridge; both act only while this node leads.
pub fn start(services: Services, leader: JobsView) {
    tokio::spawn(run(services.clone(), leader.clone()));
    tokio::spawn(super::call_bridge::run(services, leader));
}

async fn run(services: Services, leader: JobsView) {
    let mut tick = tokio::time::interval(SWEEP);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_flush: Option<Instant> = None;
    let mut stopping = services.devices.stopping();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopping.changed() => {
                // The node stops: write what is noted, then end.
                if let Err(e) = flush(&services).await {
                    tracing::warn!(error = %e, "device liveness changes were lost at shutdown");
                }
                return;
            }
        }
        if !leader.is_leader() {
            continue;
        }
        sweep(&services);
        let due = last_flush.is_none_or(|t| t.elapsed() >= FLUSH_EVERY);
        if due && services.devices.has_changes() {
            last_flush = Some(Instant::now());
            if let Err(e) = flush(&services).await {
                tracing::warn!(error = %e, "device liveness changes could not be written; retrying");
            }
        }
        let (known, online) = services.devices.counts();
        metrics::gauge!("yiwang_devices").set(known as f64);
        metrics::gauge!("yiwang_devices_online").set(online as f64);
    }
}

/// Marks devices offline and commands expired in memory, noting each change.
fn sweep(services: &Services) {
    let now = services.clock.now();
    services.devices.for_each(|slot| {
        let mut live = slot.lock();
        if live.status != DeviceStatus::Enabled {
            return;
        }
        if live.online
            && let Some(seen) = live.last_seen
            && now - seen > live.allowance_ms()
        {
            live.online = false;
            services.devices.push_change(LiveChange::Offline {
                place: live.place.clone(),
                device: slot.id,
                at: now,
                last_seen: seen,
            });
        }
        if live.pending.iter().any(|p| p.expires_ms <= now) {
            let place = live.place.clone();
            let (expired, keep): (Vec<_>, Vec<_>) =
                live.pending.drain(..).partition(|p| p.expires_ms <= now);
            live.pending = keep;
            for p in expired {
                services.devices.push_change(LiveChange::Expired {
                    place: place.clone(),
                    device: slot.id,
                    command: p.cmd.id.0,
                    kind: p.cmd.command.kind(),
                    at: now,
                });
            }
        }
    });
}

/// Writes every noted change in one transaction; on failure they are put back for the next.
async fn flush(services: &Services) -> Result<(), Error> {
    let changes = services.devices.take_changes();
    if changes.is_empty() {
        return Ok(());
    }
    let batch = changes.clone();
    let written = services
        .store
        .write(move |conn| {
            for c in &batch {
                write_change(conn, c)?;
            }
            Ok(())
        })
        .await;
    match written {
        Ok(()) => {
            services.devices.count_flush();
            metrics::counter!("yiwang_device_liveness_flushes_total").increment(1);
            Ok(())
        }
        Err(e) => {
            services.devices.requeue(changes);
            Err(e)
        }
    }
}

fn device_actor(place: &Place, device: i64) -> Actor {
    Actor {
        id: Some(UserId(place.user_id)),
        label: format!("device-{device}"),
    }
}

fn write_change(conn: &mut DbConn, c: &LiveChange) -> Result<(), Error> {
    let (place, device, at, action, event, actor, before, after) = match c {
        LiveChange::Online { place, device, at } => {
            diesel::update(devices::table.find(device))
                .set((
                    devices::online.eq(true),
                    devices::last_seen_at.eq(Some(*at)),
                ))
                .execute(conn)?;
            (
                place,
                *device,
                *at,
                "device.online",
                "device.online",
                device_actor(place, *device),
                json!({"online": false}),
                json!({"online": true, "last_seen_at": time(*at)}),
            )
        }
        LiveChange::Offline {
            place,
            device,
            at,
            last_seen,
        } => {
            diesel::update(devices::table.find(device))
                .set((
                    devices::online.eq(false),
                    devices::last_seen_at.eq(Some(*last_seen)),
                ))
                .execute(conn)?;
            (
                place,
                *device,
                *at,
                "device.offline",
                "device.offline",
                Actor::system(),
                json!({"online": true}),
                json!({"online": false, "last_seen_at": time(*last_seen), "alert": true}),
            )
        }
        LiveChange::Firmware {
            place,
            device,
            at,
            before,
            firmware,
            capabilities,
        } => {
            diesel::update(devices::table.find(device))
                .set((
                    devices::firmware.eq(Some(firmware)),
                    devices::capabilities.eq(json!(capabilities).to_string()),
                    devices::updated_at.eq(*at),
                ))
                .execute(conn)?;
            (
                place,
                *device,
                *at,
                "device.firmware",
                "device.firmware_changed",
                device_actor(place, *device),
                json!({"firmware": before}),
                json!({"firmware": firmware, "capabilities": capabilities}),
            )
        }
        LiveChange::Expired {
            place,
            device,
            command,
            kind,
            at,
        } => {
            let n = diesel::update(
                device_commands::table
                    .filter(device_commands::id.eq(command))
                    .filter(device_commands::status.eq_any(["queued", "delivered"])),
            )
            .set(device_commands::status.eq("expired"))
            .execute(conn)?;
            if n == 0 {
                // Acknowledged (or retired) meanwhile: nothing expired.
                return Ok(());
            }
            let after = json!({"status": "expired", "device_id": device, "kind": kind});
            audit::record(
                conn,
                *at,
                &Actor::system(),
                Change {
                    region_id: Some(place.region_id),
                    department_id: place.department_id,
                    before: Some(json!({"status": "queued"})),
                    after: Some(after.clone()),
                    payload: json!({"device_id": device, "command_id": command, "kind": kind,
                        "hall_id": place.hall_id}),
                    ..Change::new(
                        "device.command_expire",
                        "device.command_expired",
                        "device_command",
                        *command,
                    )
                },
            )?;
            return Ok(());
        }
    };
    let mut payload = after.clone();
    if let Some(o) = payload.as_object_mut() {
        o.insert("device_id".into(), json!(device));
        o.insert("hall_id".into(), json!(place.hall_id));
        o.insert("window_id".into(), json!(place.window_id));
        o.insert("kind".into(), json!(place.kind));
        o.insert("name".into(), json!(place.name));
    }
    audit::record(
        conn,
        at,
        &actor,
        Change {
            region_id: Some(place.region_id),
            department_id: place.department_id,
            before: Some(before),
            after: Some(after),
            payload,
            ..Change::new(action, event, "device", device)
        },
    )?;
    Ok(())
}

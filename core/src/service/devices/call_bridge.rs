//! The call bridge: queue events (`ticket.called`, `ticket.recalled`) become `call` commands for
//! the window's LEDs and the hall's boards. The translation is a pure function; the task around
//! it follows the event hub and queues the commands in one transaction per event.

use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::domain::ids::WindowId;
use crate::service::Services;
use crate::service::audit::Actor;
use crate::service::jobs::JobsView;
use crate::wire::devices::{Call, Command, DeviceKind, DeviceStatus};

/// Which screens a bridged command goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screens {
    /// Every window LED over this window.
    Window(i64),
    /// Every board of this hall.
    Hall(i64),
}

/// A command the bridge queues, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct BridgeCommand {
    pub screens: Screens,
    pub command: Command,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a queue event means for the screens: a call (or a recall) on the window's LED and the
/// hall's board; other events (finished, voided, …) change nothing on them.
pub fn translate(kind: &str, payload: &Value) -> Vec<BridgeCommand> {
    let recall = match kind {
        "ticket.called" => false,
        "ticket.recalled" => true,
        _ => return Vec::new(),
    };
    let (Some(number), Some(window_number), Some(hall), Some(window)) = (
        text(&payload["number"]),
        text(&payload["window_number"]),
        payload["hall_id"].as_i64(),
        payload["window_id"].as_i64(),
    ) else {
        return Vec::new();
    };
    let call = Command::Call(Call {
        number,
        window_number,
        window_id: Some(WindowId(window)),
        ticket_id: payload["ticket_id"].as_i64(),
        recall,
    });
    vec![
        BridgeCommand {
            screens: Screens::Window(window),
            command: call.clone(),
        },
        BridgeCommand {
            screens: Screens::Hall(hall),
            command: call,
        },
    ]
}

/// The enabled devices a bridged command goes to.
fn devices_for(services: &Services, screens: &Screens) -> Vec<i64> {
    services
        .devices
        .all()
        .into_iter()
        .filter(|s| {
            let live = s.lock();
            live.status == DeviceStatus::Enabled
                && match screens {
                    Screens::Window(w) => {
                        live.place.kind == DeviceKind::LedWindow && live.place.window_id == Some(*w)
                    }
                    Screens::Hall(h) => {
                        live.place.kind == DeviceKind::LedBoard && live.place.hall_id == *h
                    }
                }
        })
        .map(|s| s.id)
        .collect()
}

pub(super) async fn run(services: Services, leader: JobsView) {
    let mut events = services.events.subscribe();
    let mut stopping = services.devices.stopping();
    loop {
        let received = tokio::select! {
            r = events.recv() => r,
            _ = stopping.changed() => return,
        };
        let e = match received {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "the call bridge fell behind the event hub");
                continue;
            }
            Err(RecvError::Closed) => break,
        };
        if !e.event.kind.starts_with("ticket.") || !leader.is_leader() {
            continue;
        }
        let wanted = translate(&e.event.kind, &e.event.payload);
        let mut targets = Vec::new();
        for b in wanted {
            for d in devices_for(&services, &b.screens) {
                targets.push((d, b.command.clone()));
            }
        }
        if targets.is_empty() {
            continue;
        }
        if let Err(err) = services.queue_bridged(targets).await {
            tracing::warn!(error = %err, event = e.event.id.0, "a call could not be queued for the LEDs");
        }
    }
}

impl Services {
    /// Queues bridged commands in one transaction and hands them to the devices.
    async fn queue_bridged(&self, targets: Vec<(i64, Command)>) -> Result<(), crate::Error> {
        let now = self.clock.now();
        let queued = self
            .store
            .write(move |conn| {
                let actor = Actor {
                    id: None,
                    label: "call bridge".into(),
                };
                let mut out = Vec::new();
                for (device, cmd) in &targets {
                    let Some((row, place)) = super::device_with_place(conn, *device)? else {
                        continue;
                    };
                    if row.status() != DeviceStatus::Enabled {
                        continue;
                    }
                    out.push(super::commands::queue_in(
                        conn, now, &actor, &row, &place, cmd, None,
                    )?);
                }
                Ok(out)
            })
            .await?;
        for (cmd, display) in queued {
            self.hand_to_device(cmd.device_id.0, cmd, display).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn called() -> Value {
        json!({"ticket_id": 41, "number": "A001", "hall_id": 2, "area_id": 3,
               "window_id": 7, "window_number": "3"})
    }

    #[test]
    fn a_call_goes_to_the_windows_led_and_the_halls_board() {
        let out = translate("ticket.called", &called());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].screens, Screens::Window(7));
        assert_eq!(out[1].screens, Screens::Hall(2));
        let Command::Call(c) = &out[0].command else {
            panic!("not a call: {:?}", out[0].command)
        };
        assert_eq!((c.number.as_str(), c.window_number.as_str()), ("A001", "3"));
        assert_eq!(c.ticket_id, Some(41));
        assert!(!c.recall);
    }

    #[test]
    fn a_recall_is_marked_as_one() {
        let out = translate("ticket.recalled", &called());
        assert!(matches!(&out[0].command, Command::Call(c) if c.recall));
    }

    #[test]
    fn numeric_window_numbers_are_read_as_text() {
        let mut p = called();
        p["window_number"] = json!(12);
        let out = translate("ticket.called", &p);
        assert!(matches!(&out[1].command, Command::Call(c) if c.window_number == "12"));
    }

    #[test]
    fn other_queue_events_and_incomplete_payloads_change_no_screen() {
        for kind in [
            "ticket.finished",
            "ticket.voided",
            "ticket.taken",
            "case.accepted",
        ] {
            assert!(translate(kind, &called()).is_empty(), "{kind}");
        }
        let mut p = called();
        p["window_id"] = Value::Null;
        assert!(translate("ticket.called", &p).is_empty());
        p = called();
        p["number"] = json!("");
        assert!(translate("ticket.called", &p).is_empty());
    }
}

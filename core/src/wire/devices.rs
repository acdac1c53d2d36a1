//! Hall devices: the registry's shapes and the device protocol (`docs/devices.md`).
//!
//! The same types serve the server (`api`), the controller client (`devices`) and the console,
//! so they carry no storage; what a device shows after a command is [`DisplayState::apply`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{CommandId, DeviceId, HallId, UserId, WindowId};

pub use super::device_display::{CallShown, DisplayState, DisplayText};
pub use super::device_protocol::{
    Ack, AckOutcome, CommandBatch, Health, Heartbeat, HeartbeatAck, Hello, PollQuery, Report,
    ReportEvent, ReportQuery, StoredReport, Welcome,
};

/// What a device is. LEDs say which screen they are: the one over a window, or the hall's board.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// Ticket machine (取号机).
    Kiosk,
    /// The LED screen over one window (窗口屏): shows that window's calls.
    LedWindow,
    /// The hall's big board (综合屏): shows the latest calls of every window.
    LedBoard,
    /// The citizen-facing tablet of a window's dual screen (评价/确认平板).
    Tablet,
    /// A smart-WiFi access point (R-2.5.3).
    AccessPoint,
    /// Any other kind, named `other:<name>` (letters, digits, `_`, `-`).
    Other(String),
}

impl DeviceKind {
    pub fn as_str(&self) -> String {
        match self {
            DeviceKind::Kiosk => "kiosk".into(),
            DeviceKind::LedWindow => "led_window".into(),
            DeviceKind::LedBoard => "led_board".into(),
            DeviceKind::Tablet => "tablet".into(),
            DeviceKind::AccessPoint => "access_point".into(),
            DeviceKind::Other(n) => format!("other:{n}"),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "kiosk" => DeviceKind::Kiosk,
            "led_window" => DeviceKind::LedWindow,
            "led_board" => DeviceKind::LedBoard,
            "tablet" => DeviceKind::Tablet,
            "access_point" => DeviceKind::AccessPoint,
            other => {
                let name = other.strip_prefix("other:")?;
                let ok = !name.is_empty()
                    && name.len() <= 32
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ok {
                    return None;
                }
                DeviceKind::Other(name.to_owned())
            }
        })
    }

    /// Whether a device of this kind must, may or must not belong to a window.
    pub fn window_rule(&self) -> WindowRule {
        match self {
            DeviceKind::LedWindow | DeviceKind::Tablet => WindowRule::Required,
            DeviceKind::LedBoard | DeviceKind::Kiosk => WindowRule::Forbidden,
            DeviceKind::AccessPoint | DeviceKind::Other(_) => WindowRule::Optional,
        }
    }

    /// Chinese name, for what people read.
    pub fn label_zh(&self) -> &'static str {
        match self {
            DeviceKind::Kiosk => "取号机",
            DeviceKind::LedWindow => "窗口屏",
            DeviceKind::LedBoard => "综合屏",
            DeviceKind::Tablet => "窗口平板",
            DeviceKind::AccessPoint => "无线接入点",
            DeviceKind::Other(_) => "其他设备",
        }
    }
}

/// Whether a kind of device sits at a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowRule {
    Required,
    Optional,
    Forbidden,
}

impl Serialize for DeviceKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeviceKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DeviceKind::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown device kind '{s}': kiosk, led_window, led_board, tablet, \
                 access_point or other:<name>"
            ))
        })
    }
}

/// The registry's view of a device: in service, taken out of service, or retired for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Enabled,
    Disabled,
    Retired,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Enabled => "enabled",
            DeviceStatus::Disabled => "disabled",
            DeviceStatus::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "enabled" => DeviceStatus::Enabled,
            "disabled" => DeviceStatus::Disabled,
            "retired" => DeviceStatus::Retired,
            _ => return None,
        })
    }
}

/// A device as the console lists it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Device {
    pub id: DeviceId,
    pub hall_id: HallId,
    pub window_id: Option<WindowId>,
    #[schema(value_type = String, example = "led_window")]
    pub kind: DeviceKind,
    pub name: String,
    pub status: DeviceStatus,
    pub online: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub firmware: Option<String>,
    pub capabilities: Vec<String>,
    pub heartbeat_interval_ms: u32,
    /// The health metrics of the last heartbeat (kept in memory, not stored).
    pub health: Option<Health>,
    /// Commands queued and not yet acknowledged.
    pub pending_commands: u32,
    pub created_at: DateTime<Utc>,
}

/// One device with its pending commands and what it should show now.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceDetail {
    pub device: Device,
    pub pending: Vec<DeviceCommand>,
    pub state: DisplayState,
}

/// Registers a device in a hall (and at a window, for window LEDs and tablets).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    pub hall_id: HallId,
    pub window_id: Option<WindowId>,
    #[schema(value_type = String, example = "kiosk")]
    pub kind: DeviceKind,
    pub name: String,
    /// How often the device should send a heartbeat; 1,000–300,000 ms, default 10,000. It is
    /// offline after three intervals without one.
    pub heartbeat_interval_ms: Option<u32>,
}

/// A registered device and its token, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisteredDevice {
    pub device: Device,
    /// The device's bearer token (`yw_…`): configure it into the device controller.
    pub token: String,
}

/// Filters of the device list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeviceQuery {
    pub hall_id: Option<i64>,
    /// A device kind, e.g. `kiosk` or `led_board`.
    pub kind: Option<String>,
    pub status: Option<DeviceStatus>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A name and value the tablet shows (mirror, confirm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// A call, as LEDs show it: the ticket number and the window to go to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// The ticket number, e.g. `A001`.
    pub number: String,
    /// The window's number as people read it, e.g. `3`.
    pub window_number: String,
    pub window_id: Option<WindowId>,
    pub ticket_id: Option<i64>,
    /// A second call of the same ticket.
    #[serde(default)]
    pub recall: bool,
}

/// Settings a device applies (e.g. the smart-WiFi access list, R-2.5.3).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// MAC addresses of PCs that join the hall's network without a password.
    pub wifi_allow_list: Option<Vec<String>>,
    /// Screen brightness, 0–100.
    pub brightness: Option<u8>,
    /// Speaker volume, 0–100.
    pub volume: Option<u8>,
}

/// What a device is told to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Show a text (LEDs scroll it when `scroll`).
    Display {
        text: String,
        #[serde(default)]
        scroll: bool,
    },
    /// Call a ticket to a window (window LED and hall board).
    Call(Call),
    /// Show the staff member's case view on the tablet (R-2.5.1).
    Mirror {
        title: String,
        fields: Vec<Field>,
        case_id: Option<i64>,
    },
    /// Ask the citizen to confirm the data shown; the answer comes back as a `data_confirmed`
    /// report and is kept with the case ("screenshot confirmation").
    Confirm {
        title: String,
        fields: Vec<Field>,
        case_id: Option<i64>,
    },
    /// Ask for a satisfaction rating (1–5); the answer comes back as a `rating_given` report.
    Rate {
        ticket_id: Option<i64>,
        case_id: Option<i64>,
        staff_user_id: Option<UserId>,
    },
    /// Print a queue ticket (kiosks).
    PrintTicket {
        number: String,
        area_name: String,
        waiting_before: u32,
    },
    /// Apply settings.
    Configure(Settings),
    /// Restart the device.
    Reboot {},
}

impl Command {
    /// The command's kind as stored and shown, e.g. `call`.
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Display { .. } => "display",
            Command::Call(_) => "call",
            Command::Mirror { .. } => "mirror",
            Command::Confirm { .. } => "confirm",
            Command::Rate { .. } => "rate",
            Command::PrintTicket { .. } => "print_ticket",
            Command::Configure(_) => "configure",
            Command::Reboot {} => "reboot",
        }
    }

    /// How long a command waits for an offline device unless told otherwise: a call is stale
    /// after two minutes, a display text or a setting stays useful for a day.
    pub fn default_ttl_ms(&self) -> u64 {
        match self {
            Command::Call(_) | Command::Rate { .. } | Command::Confirm { .. } => 120_000,
            Command::Mirror { .. } | Command::PrintTicket { .. } => 300_000,
            Command::Reboot {} => 600_000,
            Command::Display { .. } | Command::Configure(_) => 86_400_000,
        }
    }
}

/// Queues a command for a device.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommand {
    pub command: Command,
    /// How long the command may wait for the device (1 s – 7 days); default by kind.
    pub ttl_ms: Option<u64>,
}

/// Where a command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    /// Waiting for the device.
    Queued,
    /// Handed to the device, not yet acknowledged (it is handed again after a while).
    Delivered,
    Acked,
    /// The device did not take it before its deadline.
    Expired,
}

impl CommandStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Queued => "queued",
            CommandStatus::Delivered => "delivered",
            CommandStatus::Acked => "acked",
            CommandStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => CommandStatus::Queued,
            "delivered" => CommandStatus::Delivered,
            "acked" => CommandStatus::Acked,
            "expired" => CommandStatus::Expired,
            _ => return None,
        })
    }
}

/// A command with its id and state; the device applies each id once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeviceCommand {
    pub id: CommandId,
    pub device_id: DeviceId,
    pub command: Command,
    pub status: CommandStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub outcome: Option<AckOutcome>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_kinds_round_trip_and_reject_nonsense() {
        for k in [
            "kiosk",
            "led_window",
            "led_board",
            "tablet",
            "access_point",
            "other:door_sensor",
        ] {
            assert_eq!(DeviceKind::parse(k).map(|k| k.as_str()), Some(k.to_owned()));
        }
        for bad in ["led", "other:", "other:a b", "KIOSK", ""] {
            assert_eq!(DeviceKind::parse(bad), None, "{bad}");
        }
        let k: Result<DeviceKind, _> = serde_json::from_str("\"printer\"");
        assert!(k.is_err());
    }

    #[test]
    fn window_leds_and_tablets_need_a_window_and_boards_may_not_have_one() {
        assert_eq!(DeviceKind::LedWindow.window_rule(), WindowRule::Required);
        assert_eq!(DeviceKind::Tablet.window_rule(), WindowRule::Required);
        assert_eq!(DeviceKind::LedBoard.window_rule(), WindowRule::Forbidden);
        assert_eq!(DeviceKind::Kiosk.window_rule(), WindowRule::Forbidden);
    }

    #[test]
    fn commands_are_tagged_by_kind_and_refuse_unknown_fields() {
        let c: Command = serde_json::from_str(
            r#"{"kind":"call","number":"A001","window_number":"3","window_id":7,"ticket_id":null}"#,
        )
        .unwrap();
        assert_eq!(c.kind(), "call");
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["kind"], "call");
        assert_eq!(back["number"], "A001");
        assert!(serde_json::from_str::<Command>(r#"{"kind":"reboot","now":true}"#).is_err());
        assert!(serde_json::from_str::<Command>(r#"{"kind":"dance"}"#).is_err());
        let r: Command = serde_json::from_str(r#"{"kind":"reboot"}"#).unwrap();
        assert_eq!(r, Command::Reboot {});
    }
}

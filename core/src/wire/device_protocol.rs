//! The device protocol's messages: hello, heartbeat, long-poll, acknowledgement and reports
//! (`docs/devices.md`). Re-exported from [`super::devices`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::devices::{DeviceCommand, DeviceKind, DisplayState};
use crate::domain::ids::{AreaId, CommandId, DeviceId, HallId, UserId, WindowId};

/// Health figures a device sends with each heartbeat; all optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub uptime_s: Option<u64>,
    pub cpu_pct: Option<f32>,
    pub mem_pct: Option<f32>,
    pub temp_c: Option<f32>,
    /// Kiosks: `ok`, `low` or `out`.
    pub paper: Option<String>,
    /// Access points: connected clients.
    pub clients: Option<u32>,
}

/// `POST /api/v1/device/hello`: a device (re)connects.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub firmware: String,
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// Who the device is and everything it should show now, with the commands waiting for it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Welcome {
    pub device_id: DeviceId,
    #[schema(value_type = String)]
    pub kind: DeviceKind,
    pub name: String,
    pub hall_id: HallId,
    pub window_id: Option<WindowId>,
    pub heartbeat_interval_ms: u32,
    /// The device is offline after this long without a heartbeat.
    pub offline_after_ms: u32,
    /// The full current state: the window's number, the board's last calls, the text.
    pub state: DisplayState,
    /// Commands not yet acknowledged (apply each id once; acknowledge every one).
    pub commands: Vec<DeviceCommand>,
    pub server_time: DateTime<Utc>,
}

/// `POST /api/v1/device/heartbeat`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    #[serde(default)]
    pub health: Health,
}

/// The answer to a heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HeartbeatAck {
    pub pending_commands: u32,
    pub heartbeat_interval_ms: u32,
    pub server_time: DateTime<Utc>,
}

/// `GET /api/v1/device/commands?wait_ms=…`: long-poll.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    /// How long to wait for a command, 0–30,000 ms (default 25,000).
    pub wait_ms: Option<u32>,
}

/// Commands for the device (possibly none, when the wait ran out).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommandBatch {
    pub commands: Vec<DeviceCommand>,
}

/// How applying a command went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AckOutcome {
    Applied,
    Failed,
}

/// `POST /api/v1/device/commands/{id}/ack`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    pub outcome: AckOutcome,
    pub detail: Option<String>,
}

/// Something that happened on a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReportEvent {
    /// A kiosk handed out a ticket.
    TicketTaken {
        number: String,
        area_id: Option<AreaId>,
        ticket_id: Option<i64>,
    },
    /// A citizen rated the service on a tablet (1 very unsatisfied … 5 very satisfied).
    RatingGiven {
        score: u8,
        ticket_id: Option<i64>,
        case_id: Option<i64>,
        staff_user_id: Option<UserId>,
        comment: Option<String>,
    },
    /// A citizen answered a `confirm` command.
    DataConfirmed {
        command_id: CommandId,
        confirmed: bool,
        case_id: Option<i64>,
    },
    PaperJam {},
    PaperLow {},
    /// Any other fault the device wants the monitoring centre to see.
    Fault {
        code: String,
        message: String,
    },
}

impl ReportEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            ReportEvent::TicketTaken { .. } => "ticket_taken",
            ReportEvent::RatingGiven { .. } => "rating_given",
            ReportEvent::DataConfirmed { .. } => "data_confirmed",
            ReportEvent::PaperJam {} => "paper_jam",
            ReportEvent::PaperLow {} => "paper_low",
            ReportEvent::Fault { .. } => "fault",
        }
    }
}

/// `POST /api/v1/device/reports`: sent again with the same `report_id` after a lost answer,
/// it is recorded once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Chosen by the device, unique per device (1–64 characters), e.g. a UUID or a counter.
    pub report_id: String,
    /// When it happened on the device; default: when the server received it.
    pub happened_at: Option<DateTime<Utc>>,
    pub event: ReportEvent,
}

/// A stored report.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredReport {
    pub id: i64,
    pub device_id: DeviceId,
    pub report_id: String,
    pub event: ReportEvent,
    pub case_id: Option<i64>,
    pub happened_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// True when this answer is for a report already recorded (a retry).
    pub duplicate: bool,
}

/// Filters of the report list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub hall_id: Option<i64>,
    pub device_id: Option<i64>,
    /// Reports kept with this case (screenshot confirmations, ratings).
    pub case_id: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

//! The hall queue on the wire: settings, tickets and window actions, the live state, the
//! payload of every `ticket.*` and `window.*` event, appointments, the front desk and the
//! analytics. An applicant's ID number only ever leaves the server masked.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::case::CaseId;
use crate::domain::ids::{AreaId, HallId, UserId, WindowId};
use crate::domain::queue::{
    AgeBand, Distribution, IntervalState, TicketAction, TicketStatus, VisitTimes,
};

/// A class of visitors served ahead of others (e.g. the elderly), by a head start in minutes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityClass {
    /// The code used when taking a ticket, e.g. `elderly`.
    pub name: String,
    /// Shown on screens, e.g. 老年人.
    pub label: String,
    /// The ticket ranks as if taken this many minutes earlier (1–240).
    pub boost_minutes: i64,
}

/// A hall's queue settings (defaults when never set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSettings {
    /// Whether tickets still open after the day ends are voided by the night job.
    pub clear_at_night: bool,
    /// A called ticket skipped this many times is void (1–10, default 3).
    pub max_misses: i64,
    /// Head start of a checked-in appointment, in minutes (0–240).
    pub appointment_boost_minutes: i64,
    #[serde(default)]
    pub priority_classes: Vec<PriorityClass>,
    /// Assumed service time before a day has finished tickets to measure (1–240 minutes).
    pub default_service_minutes: i64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            clear_at_night: true,
            max_misses: 3,
            appointment_boost_minutes: 30,
            priority_classes: vec![PriorityClass {
                name: "elderly".into(),
                label: "老年人".into(),
                boost_minutes: 15,
            }],
            default_service_minutes: 10,
        }
    }
}

/// The catalogue items (or item groups: a main item's code) a window serves. Empty: every item
/// of the window's area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowItems {
    pub item_codes: Vec<String>,
}

/// Who is on duty at a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowDuty {
    pub window_id: WindowId,
    pub window_number: String,
    pub hall_id: HallId,
    pub area_id: Option<AreaId>,
    pub user_id: Option<UserId>,
    pub username: Option<String>,
    pub signed_in_at: Option<DateTime<Utc>>,
}

/// Where a ticket was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketChannel {
    /// A ticket machine in the hall.
    Kiosk,
    /// A front-end through the API (WeChat, app, portal).
    Api,
    /// The front desk.
    Desk,
    /// A checked-in appointment (issued by check-in only).
    Appointment,
}

impl TicketChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketChannel::Kiosk => "kiosk",
            TicketChannel::Api => "api",
            TicketChannel::Desk => "desk",
            TicketChannel::Appointment => "appointment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "kiosk" => TicketChannel::Kiosk,
            "api" => TicketChannel::Api,
            "desk" => TicketChannel::Desk,
            "appointment" => TicketChannel::Appointment,
            _ => return None,
        })
    }
}

/// Taking a ticket.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    pub area_id: AreaId,
    /// The catalogue item the visitor comes for; absent for a general ticket.
    #[serde(default)]
    pub item_code: Option<String>,
    pub channel: TicketChannel,
    /// One of the hall's priority classes.
    #[serde(default)]
    pub priority_class: Option<String>,
    /// The visitor's ID number, when read (ID card reader, WeChat identity): only its age band
    /// and a blind index (for repeat visits) are kept.
    #[serde(default)]
    pub id_number: Option<String>,
}

/// A ticket as answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: i64,
    /// E.g. `A001`: the area's prefix and the day's sequence.
    pub number: String,
    pub hall_id: HallId,
    pub area_id: AreaId,
    pub item_code: Option<String>,
    pub channel: TicketChannel,
    pub priority_class: Option<String>,
    pub status: TicketStatus,
    /// The window that called it (while called or serving, and after finishing).
    pub window_id: Option<WindowId>,
    pub window_number: Option<String>,
    /// Set when transferred to one window: only it may call the ticket.
    pub target_window_id: Option<WindowId>,
    pub misses: i64,
    pub taken_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `missed` or `cleared`, for a void ticket.
    pub void_reason: Option<String>,
    pub case_id: Option<CaseId>,
    pub appointment_id: Option<i64>,
    /// Time in each state so far.
    pub times: VisitTimes,
    pub allowed_actions: Vec<TicketAction>,
}

/// One interval of a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisitInterval {
    pub state: IntervalState,
    pub area_id: AreaId,
    pub window_id: Option<WindowId>,
    pub staff_id: Option<UserId>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// What ended it: `called`, `serve`, `skip`, `transfer`, `finish`, `void`, `recall` …
    pub ended_by: Option<String>,
}

/// Filters of the ticket list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    pub status: Option<TicketStatus>,
    pub area_id: Option<i64>,
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// Transferring a called or serving ticket: to one window, or to an area's queue.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    #[serde(default)]
    pub to_window_id: Option<WindowId>,
    #[serde(default)]
    pub to_area_id: Option<AreaId>,
}

/// Finishing service, linked to the case it produced, if any.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    #[serde(default)]
    pub case_id: Option<CaseId>,
}

/// The payload of every `ticket.*` event (`ticket.taken`, `ticket.called`, `ticket.recalled`,
/// `ticket.skipped`, `ticket.voided`, `ticket.transferred`, `ticket.serving`,
/// `ticket.finished`): what the LED screens and the console need without asking again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TicketEvent {
    pub ticket_id: i64,
    pub number: String,
    pub hall_id: HallId,
    pub area_id: AreaId,
    /// The window that acted (for `ticket.transferred`: the one it left); null if none.
    pub window_id: Option<WindowId>,
    pub window_number: Option<String>,
    pub status: TicketStatus,
    pub item_code: Option<String>,
    pub priority_class: Option<String>,
    pub misses: i64,
    /// For `ticket.transferred`: where it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_area_id: Option<AreaId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_window_id: Option<WindowId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_window_number: Option<String>,
    /// For `ticket.voided`: `missed` or `cleared`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub void_reason: Option<String>,
    /// For `ticket.finished`: the case it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<CaseId>,
}

/// The payload of `window.signed_in` and `window.signed_out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowEvent {
    pub window_id: WindowId,
    pub window_number: String,
    pub hall_id: HallId,
    pub area_id: Option<AreaId>,
    pub user_id: UserId,
    pub username: String,
}

/// The live state of a hall's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueueState {
    pub hall_id: HallId,
    pub at: DateTime<Utc>,
    pub areas: Vec<AreaState>,
    pub windows: Vec<WindowState>,
}

/// One area: its queue and an estimate of the wait for a ticket taken now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AreaState {
    pub area_id: AreaId,
    pub prefix: String,
    pub name: String,
    pub waiting: i64,
    /// Windows of the area with staff signed in.
    pub windows_on_duty: i64,
    /// Mean service time of today's finished tickets here (or the hall's default).
    pub mean_service_ms: i64,
    /// waiting × mean service time ÷ windows on duty (at least one).
    pub estimated_wait_ms: i64,
}

/// One window: who is on duty and what it is serving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WindowState {
    pub window_id: WindowId,
    pub number: String,
    pub area_id: Option<AreaId>,
    pub staff: Option<StaffOnDuty>,
    pub current: Option<CurrentTicket>,
    /// Tickets transferred to this window and waiting for it.
    pub waiting_for_window: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffOnDuty {
    pub user_id: UserId,
    pub name: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CurrentTicket {
    pub ticket_id: i64,
    pub number: String,
    pub status: TicketStatus,
}

/// A bookable time slot of an area (and item).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSlot {
    pub area_id: AreaId,
    #[serde(default)]
    pub item_code: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Slot {
    pub id: i64,
    pub hall_id: HallId,
    pub area_id: AreaId,
    pub item_code: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub booked: i64,
}

/// Filters of the slot list: slots starting in `[from, to)`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlotQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// How an appointment was booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingChannel {
    Wechat,
    App,
    Web,
    Phone,
    Desk,
}

impl BookingChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingChannel::Wechat => "wechat",
            BookingChannel::App => "app",
            BookingChannel::Web => "web",
            BookingChannel::Phone => "phone",
            BookingChannel::Desk => "desk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "wechat" => BookingChannel::Wechat,
            "app" => BookingChannel::App,
            "web" => BookingChannel::Web,
            "phone" => BookingChannel::Phone,
            "desk" => BookingChannel::Desk,
            _ => return None,
        })
    }
}

/// Booking a slot.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    pub applicant_name: String,
    /// The applicant's ID number: stored sealed, answered masked.
    pub id_number: String,
    pub channel: BookingChannel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
    CheckedIn,
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "booked" => AppointmentStatus::Booked,
            "cancelled" => AppointmentStatus::Cancelled,
            "checked_in" => AppointmentStatus::CheckedIn,
            "no_show" => AppointmentStatus::NoShow,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appointment {
    pub id: i64,
    pub slot_id: i64,
    pub hall_id: HallId,
    pub area_id: AreaId,
    pub item_code: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: AppointmentStatus,
    pub applicant_name: String,
    /// Masked.
    pub id_number: String,
    pub channel: BookingChannel,
    pub booked_at: DateTime<Utc>,
    /// The ticket issued at check-in.
    pub ticket_id: Option<i64>,
}

/// Checking in: the visitor's ID number must match the booking's.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    pub id_number: String,
}

/// One enquiry at the hall's front desk.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnquiry {
    /// The item asked about, if any.
    #[serde(default)]
    pub item_code: Option<String>,
    pub question: String,
    pub answer: String,
    /// Where the visitor was sent (a department, another hall, the hotline …).
    #[serde(default)]
    pub referral: Option<String>,
    /// The ticket issued at the desk, if any.
    #[serde(default)]
    pub ticket_id: Option<i64>,
    /// How long the visitor waited at the desk, in seconds.
    pub desk_wait_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enquiry {
    pub id: i64,
    pub hall_id: HallId,
    pub item_code: Option<String>,
    pub question: String,
    pub answer: String,
    pub referral: Option<String>,
    pub ticket_id: Option<i64>,
    pub desk_wait_seconds: i64,
    pub staff_id: Option<UserId>,
    pub at: DateTime<Utc>,
}

/// The period and part of a hall the analytics cover: local days `from` to `to` inclusive.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area_id: Option<i64>,
    pub window_id: Option<i64>,
}

/// The queue's figures for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueueAnalytics {
    pub hall_id: HallId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Figures,
    /// Visits by local hour of taking the ticket (0–23).
    pub busy_hours: Vec<HourCount>,
    /// Items by visits (tickets and desk enquiries), most first.
    pub hot_items: Vec<ItemCount>,
    /// Identified visitors (ID number read) by age band at ticket time.
    pub age_structure: Vec<AgeCount>,
    pub repeat_visits: RepeatVisits,
    pub by_day: Vec<Breakdown>,
    pub by_area: Vec<Breakdown>,
    pub by_window: Vec<Breakdown>,
}

/// Counts and distributions of one part of the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figures {
    pub tickets: u64,
    pub finished: u64,
    pub void: u64,
    /// void ÷ closed (finished + void); 0 when none closed.
    pub void_rate: f64,
    /// Time waiting until first called (every waiting interval of the visit).
    pub wait: Distribution,
    /// Time being served, per finished visit.
    pub service: Distribution,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breakdown {
    /// The day (`2026-11-26`), the area id or the window id.
    pub key: String,
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HourCount {
    pub hour: u32,
    pub tickets: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemCount {
    pub item_code: String,
    pub tickets: u64,
    pub enquiries: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgeCount {
    pub band: AgeBand,
    pub visits: u64,
}

/// How often identified visitors came in the period (by blind index; no number kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RepeatVisits {
    pub visitors: u64,
    pub once: u64,
    pub twice: u64,
    pub three_or_more: u64,
    /// Visitors who came more than once ÷ visitors.
    pub repeat_rate: f64,
}

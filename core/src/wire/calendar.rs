//! The working-day calendar as the API shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a year's arrangement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CalendarOrigin {
    /// Shipped with this build (`data/calendar/YEAR.json`).
    Bundled,
    /// Loaded at run time; replaces a bundled file of the same year.
    Loaded,
}

/// One year of the calendar in use.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub origin: CalendarOrigin,
    /// The notice the arrangement comes from.
    pub source: Option<String>,
    /// Days off listed (weekdays and weekends inside holiday periods).
    pub holidays: usize,
    /// Weekend days worked (调休上班).
    pub make_up_workdays: usize,
    pub loaded_at: Option<DateTime<Utc>>,
    pub loaded_by: Option<String>,
}

/// Where a limit of working days ends, by the legal convention.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarDeadline {
    /// The day the clock starts (acceptance); it does not count.
    pub from: chrono::NaiveDate,
    pub days: u32,
    /// The last day: the limit ends at its close.
    pub deadline: chrono::NaiveDate,
}

/// `?from=YYYY-MM-DD&days=N`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct DeadlineQuery {
    pub from: chrono::NaiveDate,
    pub days: u32,
}

//! The hall queue's rules, without IO: ticket numbers, the calling order and its bound on
//! overtaking, the ticket's states and what each allows, visit intervals, age bands and the
//! distributions the analytics report. See `docs/queue.md`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60_000;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In the queue of its area (or of the window it was transferred to).
    Waiting,
    /// Called to a window; the citizen is on the way.
    Called,
    /// Being served at the window.
    Serving,
    /// Served.
    Finished,
    /// Void: missed too often, or cleared at night (废号).
    Void,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Serving => "serving",
            TicketStatus::Finished => "finished",
            TicketStatus::Void => "void",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "waiting" => TicketStatus::Waiting,
            "called" => TicketStatus::Called,
            "serving" => TicketStatus::Serving,
            "finished" => TicketStatus::Finished,
            "void" => TicketStatus::Void,
            _ => return None,
        })
    }

    /// Waiting, called or serving: the ticket still needs something.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving
        )
    }
}

/// What a window does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketAction {
    Call,
    Recall,
    Skip,
    Transfer,
    Serve,
    Finish,
}

impl TicketAction {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Call => "call",
            TicketAction::Recall => "recall",
            TicketAction::Skip => "skip",
            TicketAction::Transfer => "transfer",
            TicketAction::Serve => "serve",
            TicketAction::Finish => "finish",
        }
    }
}

/// The actions a ticket in `status` allows.
pub fn allowed_actions(status: TicketStatus) -> &'static [TicketAction] {
    use TicketAction::*;
    match status {
        TicketStatus::Waiting => &[Call],
        TicketStatus::Called => &[Recall, Skip, Transfer, Serve],
        TicketStatus::Serving => &[Transfer, Finish],
        TicketStatus::Finished | TicketStatus::Void => &[],
    }
}

/// The number shown and called: the area's prefix and the day's sequence, at least three
/// digits (`A001`, …, `A999`, `A1000`).
pub fn ticket_number(prefix: &str, seq: i64) -> String {
    format!("{prefix}{seq:03}")
}

/// The calling order key: a ticket is called before every waiting ticket with a larger key
/// (ties by id). A priority class (or a checked-in appointment) is a head start of
/// `boost_minutes`: the ticket ranks as if taken that much earlier. So a ticket is overtaken
/// only by tickets taken less than the largest head start after it — no ticket starves.
pub fn rank_at(taken_at: i64, boost_minutes: i64) -> i64 {
    taken_at.saturating_sub(boost_minutes.max(0).saturating_mul(MINUTE_MS))
}

/// The group of an item code: the main item's code, before the first `-` (sub-items
/// `…-001`, `…-002` share it). A window assigned a group serves all its items.
pub fn item_group(item_code: &str) -> &str {
    item_code.split('-').next().unwrap_or(item_code)
}

/// The state of one visit interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntervalState {
    Waiting,
    Called,
    Serving,
}

impl IntervalState {
    pub fn as_str(self) -> &'static str {
        match self {
            IntervalState::Waiting => "waiting",
            IntervalState::Called => "called",
            IntervalState::Serving => "serving",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "waiting" => IntervalState::Waiting,
            "called" => IntervalState::Called,
            "serving" => IntervalState::Serving,
            _ => return None,
        })
    }
}

/// One interval of a visit: `[started_at, ended_at)`, open while `ended_at` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub state: IntervalState,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// A visit's time in each state, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisitTimes {
    /// Waiting in a queue (every waiting interval, also after a skip or a transfer).
    pub waiting_ms: i64,
    /// Called, until the citizen arrived (or was skipped).
    pub called_ms: i64,
    /// Being served at a window.
    pub serving_ms: i64,
}

/// Sums the intervals of a visit; open intervals count up to `now`. An interval that ends
/// before it starts (a clock step backwards) counts as zero, never negative.
pub fn visit_times(spans: &[Span], now: i64) -> VisitTimes {
    let mut t = VisitTimes::default();
    for s in spans {
        let len = s
            .ended_at
            .unwrap_or(now)
            .saturating_sub(s.started_at)
            .max(0);
        let slot = match s.state {
            IntervalState::Waiting => &mut t.waiting_ms,
            IntervalState::Called => &mut t.called_ms,
            IntervalState::Serving => &mut t.serving_ms,
        };
        *slot = slot.saturating_add(len);
    }
    t
}

/// Age groups kept in statistics instead of the ID number.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub enum AgeBand {
    #[serde(rename = "0-17")]
    Under18,
    #[serde(rename = "18-29")]
    From18To29,
    #[serde(rename = "30-39")]
    From30To39,
    #[serde(rename = "40-49")]
    From40To49,
    #[serde(rename = "50-59")]
    From50To59,
    #[serde(rename = "60-69")]
    From60To69,
    #[serde(rename = "70+")]
    From70,
}

impl AgeBand {
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Under18,
        AgeBand::From18To29,
        AgeBand::From30To39,
        AgeBand::From40To49,
        AgeBand::From50To59,
        AgeBand::From60To69,
        AgeBand::From70,
    ];

    /// The band of an age in whole years.
    pub fn of(age: u32) -> AgeBand {
        match age {
            0..=17 => AgeBand::Under18,
            18..=29 => AgeBand::From18To29,
            30..=39 => AgeBand::From30To39,
            40..=49 => AgeBand::From40To49,
            50..=59 => AgeBand::From50To59,
            60..=69 => AgeBand::From60To69,
            _ => AgeBand::From70,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Under18 => "0-17",
            AgeBand::From18To29 => "18-29",
            AgeBand::From30To39 => "30-39",
            AgeBand::From40To49 => "40-49",
            AgeBand::From50To59 => "50-59",
            AgeBand::From60To69 => "60-69",
            AgeBand::From70 => "70+",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AgeBand::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// Whole years between a birth date and `on` (0 before the first birthday, and for a birth
/// date after `on`). Someone born on 29 February turns a year older on 1 March in other years.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years.max(0)).unwrap_or(0)
}

/// Upper bounds (exclusive, in minutes) of the histogram buckets of wait and service times;
/// the last bucket holds everything longer.
pub const HISTOGRAM_MINUTES: [i64; 9] = [1, 2, 5, 10, 15, 20, 30, 45, 60];

/// A distribution of durations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Distribution {
    pub count: u64,
    pub mean_ms: i64,
    pub p50_ms: i64,
    pub p90_ms: i64,
    pub p99_ms: i64,
    pub max_ms: i64,
    /// Counts per bucket: below 1, 2, 5, 10, 15, 20, 30, 45 and 60 minutes, and the rest.
    pub histogram: Vec<u64>,
}

/// The distribution of `values` (milliseconds). Percentiles are nearest-rank: the smallest
/// value with at least p% of the values at or below it.
pub fn distribution(mut values: Vec<i64>) -> Distribution {
    let mut histogram = vec![0u64; HISTOGRAM_MINUTES.len() + 1];
    if values.is_empty() {
        return Distribution {
            histogram,
            ..Default::default()
        };
    }
    values.sort_unstable();
    let n = values.len();
    let rank = |p: usize| -> i64 {
        // ceil(p/100 * n), at least 1.
        let k = (p * n).div_ceil(100).max(1);
        values[k.min(n) - 1]
    };
    for v in &values {
        let bucket = HISTOGRAM_MINUTES
            .iter()
            .position(|m| *v < m * MINUTE_MS)
            .unwrap_or(HISTOGRAM_MINUTES.len());
        histogram[bucket] += 1;
    }
    let sum: i128 = values.iter().map(|v| i128::from(*v)).sum();
    Distribution {
        count: n as u64,
        mean_ms: i64::try_from(sum / n as i128).unwrap_or(i64::MAX),
        p50_ms: rank(50),
        p90_ms: rank(90),
        p99_ms: rank(99),
        max_ms: values[n - 1],
        histogram,
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;

//! The Cockpit view's data: the last 30 days' figures per region and per department and the
//! daily trend, read from the cockpit endpoints (which trail the event log by about a second),
//! again every 30 seconds while the view is open.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use yiwang_core::wire::cockpit::{CockpitComparison, CockpitTrend};

/// Days the view covers, today included.
pub const DAYS: u64 = 30;
/// How long figures are kept before they are read again.
const REFRESH_S: i64 = 30;

/// What the three endpoints answered.
#[derive(Debug, Clone, PartialEq)]
pub struct CockpitData {
    pub regions: CockpitComparison,
    pub departments: CockpitComparison,
    pub trend: CockpitTrend,
}

#[derive(Debug, Clone, Default)]
pub struct CockpitState {
    pub data: Option<Box<CockpitData>>,
    pub error: Option<String>,
    asked_at: Option<DateTime<Utc>>,
}

impl CockpitState {
    /// The period to ask for now, if a read is due: the 30 local days (UTC+8, the platform's
    /// default zone) up to today. Marks it asked.
    pub fn due(&mut self, now: DateTime<Utc>) -> Option<(NaiveDate, NaiveDate)> {
        if self
            .asked_at
            .is_some_and(|t| now - t < Duration::seconds(REFRESH_S))
        {
            return None;
        }
        self.asked_at = Some(now);
        let east8 = FixedOffset::east_opt(8 * 3600)?;
        let to = now.with_timezone(&east8).date_naive();
        let from = to.checked_sub_days(chrono::Days::new(DAYS - 1))?;
        Some((from, to))
    }

    pub fn set(&mut self, data: Box<CockpitData>) {
        self.data = Some(data);
        self.error = None;
    }

    pub fn failed(&mut self, e: String) {
        self.error = Some(e);
    }
}

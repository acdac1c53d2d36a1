//! Office hours on the calendar's working days: when people may be sent notices
//! (`notify.cards.hours`). Local wall-clock times; the caller converts with the city's zone.

use chrono::{NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::domain::calendar::Calendar;

/// From `start` (inclusive) to `end` (exclusive) on every working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HoursText", into = "HoursText")]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// How the hours are written in the configuration: `start = "09:00"`, `end = "17:30"`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoursText {
    start: String,
    end: String,
}

const FORMAT: &str = "%H:%M";

impl TryFrom<HoursText> for WorkingHours {
    type Error = String;

    fn try_from(t: HoursText) -> Result<Self, String> {
        let parse = |name: &str, s: &str| {
            NaiveTime::parse_from_str(s.trim(), FORMAT)
                .map_err(|_| format!("{name}: {s:?} is not a time of day like \"09:00\""))
        };
        let hours = WorkingHours {
            start: parse("start", &t.start)?,
            end: parse("end", &t.end)?,
        };
        if hours.start >= hours.end {
            return Err(format!(
                "start {} is not before end {}",
                t.start.trim(),
                t.end.trim()
            ));
        }
        Ok(hours)
    }
}

impl From<WorkingHours> for HoursText {
    fn from(h: WorkingHours) -> Self {
        HoursText {
            start: h.start.format(FORMAT).to_string(),
            end: h.end.format(FORMAT).to_string(),
        }
    }
}

impl Default for WorkingHours {
    /// A government office's day: 09:00 to 17:30.
    fn default() -> Self {
        WorkingHours {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(17, 30, 0).unwrap_or_default(),
        }
    }
}

impl WorkingHours {
    /// Whether `at` falls within the hours of a working day.
    pub fn is_open(&self, cal: &Calendar, at: NaiveDateTime) -> bool {
        cal.is_working_day(at.date()) && self.start <= at.time() && at.time() < self.end
    }

    /// `at` itself when open, else when the hours next begin.
    pub fn next_open(&self, cal: &Calendar, at: NaiveDateTime) -> NaiveDateTime {
        if self.is_open(cal, at) {
            return at;
        }
        let day = at.date();
        if cal.is_working_day(day) && at.time() < self.start {
            return day.and_time(self.start);
        }
        cal.next_working_day(day).and_time(self.start)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    fn hours(start: &str, end: &str) -> Result<WorkingHours, String> {
        WorkingHours::try_from(HoursText {
            start: start.into(),
            end: end.into(),
        })
    }

    #[test]
    fn open_on_working_days_between_start_and_end() {
        let cal = Calendar::bundled().unwrap();
        let h = WorkingHours::default();
        // Tuesday 2026-12-01.
        assert!(!h.is_open(&cal, at(2026, 12, 1, 8, 59)));
        assert!(h.is_open(&cal, at(2026, 12, 1, 9, 0)));
        assert!(h.is_open(&cal, at(2026, 12, 1, 17, 29)));
        assert!(!h.is_open(&cal, at(2026, 12, 1, 17, 30)));
        // Saturday.
        assert!(!h.is_open(&cal, at(2026, 12, 5, 10, 0)));
        // National Day holiday, a Thursday.
        assert!(!h.is_open(&cal, at(2026, 10, 1, 10, 0)));
    }

    #[test]
    fn the_next_opening_skips_nights_weekends_and_holidays() {
        let cal = Calendar::bundled().unwrap();
        let h = WorkingHours::default();
        let open = at(2026, 12, 1, 10, 15);
        assert_eq!(h.next_open(&cal, open), open);
        assert_eq!(
            h.next_open(&cal, at(2026, 12, 1, 6, 0)),
            at(2026, 12, 1, 9, 0)
        );
        // Friday evening → Monday morning.
        assert_eq!(
            h.next_open(&cal, at(2026, 12, 4, 18, 0)),
            at(2026, 12, 7, 9, 0)
        );
        // During the National Day holiday → the first working day after it.
        let after = h.next_open(&cal, at(2026, 10, 2, 12, 0));
        assert!(after.date() > NaiveDate::from_ymd_opt(2026, 10, 2).unwrap());
        assert!(cal.is_working_day(after.date()));
        assert_eq!(after.time(), h.start);
    }

    #[test]
    fn hours_are_read_as_hh_mm_and_must_be_in_order() {
        let h = hours("08:30", "18:00").unwrap();
        assert_eq!(h.start, NaiveTime::from_hms_opt(8, 30, 0).unwrap());
        assert_eq!(HoursText::from(h).end, "18:00");
        assert!(hours("9", "17:00").unwrap_err().contains("start"));
        assert!(hours("09:00", "25:00").unwrap_err().contains("end"));
        assert!(hours("18:00", "09:00").unwrap_err().contains("not before"));
    }
}

//! The leader cockpit's figures (领导驾驶舱, R-3.4): the counters kept per local day, region
//! and department, what leaders read from them (rates and averages), and the day keys and
//! periods (day, ISO week, month) that trends group them by. No IO.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Counters of one day × region × department, or a sum of such rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counters {
    /// Cases received (filed), on the day they were filed.
    pub received: i64,
    /// Of them, filed online.
    pub online: i64,
    /// Accepted cases concluded (approved or denied), on the day of the conclusion.
    pub concluded: i64,
    /// Of them, within the promised limit.
    pub on_time: i64,
    /// Working days from acceptance to conclusion, summed over the concluded cases.
    pub handling_days: i64,
    /// Concluded cases whose result went out by courier, on the conclusion's day.
    pub courier: i64,
    /// Evaluations counted (an upheld appeal takes one out) and the sum of their ratings.
    pub ratings: i64,
    pub rating_sum: i64,
    /// Yellow and red cards opened.
    pub yellow: i64,
    pub red: i64,
    /// Complaints taken.
    pub complaints: i64,
    /// Hall visits (tickets taken), visits that ended their wait (called or voided) and the
    /// milliseconds they waited.
    pub visits: i64,
    pub waits: i64,
    pub wait_ms: i64,
}

impl std::ops::AddAssign<&Counters> for Counters {
    fn add_assign(&mut self, o: &Counters) {
        self.received += o.received;
        self.online += o.online;
        self.concluded += o.concluded;
        self.on_time += o.on_time;
        self.handling_days += o.handling_days;
        self.courier += o.courier;
        self.ratings += o.ratings;
        self.rating_sum += o.rating_sum;
        self.yellow += o.yellow;
        self.red += o.red;
        self.complaints += o.complaints;
        self.visits += o.visits;
        self.waits += o.waits;
        self.wait_ms += o.wait_ms;
    }
}

/// The figures leaders read: the counters and the rates and averages over them (`None` where
/// there is nothing to divide by).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figures {
    #[serde(flatten)]
    pub counters: Counters,
    /// Concluded on time / concluded.
    pub on_time_rate: Option<f64>,
    /// Received online / received.
    pub online_share: Option<f64>,
    /// Sent by courier / concluded.
    pub courier_share: Option<f64>,
    pub average_handling_days: Option<f64>,
    /// Average rating, 1 to 5.
    pub satisfaction: Option<f64>,
    pub average_wait_minutes: Option<f64>,
}

fn ratio(n: i64, d: i64, scale: f64) -> Option<f64> {
    (d > 0).then(|| (n as f64 / d as f64 / scale * 10_000.0).round() / 10_000.0)
}

impl Figures {
    pub fn of(c: Counters) -> Figures {
        Figures {
            on_time_rate: ratio(c.on_time, c.concluded, 1.0),
            online_share: ratio(c.online, c.received, 1.0),
            courier_share: ratio(c.courier, c.concluded, 1.0),
            average_handling_days: ratio(c.handling_days, c.concluded, 1.0),
            satisfaction: ratio(c.rating_sum, c.ratings, 1.0),
            average_wait_minutes: ratio(c.wait_ms, c.waits, 60_000.0),
            counters: c,
        }
    }
}

/// A local date as the rollups key it: `yyyymmdd`.
pub fn day_key(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// The date of a day key.
pub fn date_of_key(key: i64) -> Option<NaiveDate> {
    let y = i32::try_from(key / 10_000).ok()?;
    let m = u32::try_from(key / 100 % 100).ok()?;
    let d = u32::try_from(key % 100).ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A period cut for reading: months read from the monthly rows (first and last, as `yyyymm`),
/// day ranges read from the daily rows, and day ranges to subtract (day keys, both ends
/// included). A month the period covers mostly is read whole and its few days outside the
/// period subtracted (every counter is a sum), since a month's row is one row where its days are
/// thirty. Every day of the period counts once, every other day of a read month not at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodCut {
    pub months: Option<(i64, i64)>,
    pub days: Vec<(i64, i64)>,
    pub minus: Vec<(i64, i64)>,
}

/// Cuts `from..=to` into months and the days around them.
pub fn cut_period(from: NaiveDate, to: NaiveDate) -> PeriodCut {
    let day_range = |a: NaiveDate, b: NaiveDate| (day_key(a), day_key(b));
    let month_of = |d: NaiveDate| day_key(d) / 100;
    // The first whole month starts on `from` when it is a 1st, else on the next 1st.
    let first = if from.day() == 1 {
        Some(from)
    } else {
        from.with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
    };
    // The last whole month ends on `to` when the next day is a 1st.
    let last_end = if to.succ_opt().is_some_and(|n| n.day() == 1) {
        Some(to)
    } else {
        to.with_day(1).and_then(|d| d.pred_opt())
    };
    match (first, last_end) {
        (Some(first), Some(last_end)) if first <= last_end && from <= to => {
            let mut cut = PeriodCut {
                months: Some((month_of(first), month_of(last_end))),
                ..PeriodCut::default()
            };
            // The days before the first whole month, all in `from`'s month.
            if let Some(before) = first.pred_opt().filter(|b| from <= *b) {
                let outside = i64::from(from.day0());
                let inside = (first - from).num_days();
                match from.with_day(1).and_then(|m| Some((m, from.pred_opt()?))) {
                    Some((start, until)) if outside < inside => {
                        cut.months = Some((month_of(from), month_of(last_end)));
                        cut.minus.push(day_range(start, until));
                    }
                    _ => cut.days.push(day_range(from, before)),
                }
            }
            // The days after the last whole month, all in `to`'s month.
            if let Some(after) = last_end.succ_opt().filter(|a| *a <= to) {
                let month_end = after
                    .checked_add_months(Months::new(1))
                    .and_then(|n| n.pred_opt());
                match (month_end, to.succ_opt()) {
                    (Some(end), Some(next)) if (end - to).num_days() < i64::from(to.day()) => {
                        let (a, _) = cut.months.unwrap_or_default();
                        cut.months = Some((a, month_of(to)));
                        cut.minus.push(day_range(next, end));
                    }
                    _ => cut.days.push(day_range(after, to)),
                }
            }
            cut
        }
        _ => PeriodCut {
            months: None,
            days: if from <= to {
                vec![day_range(from, to)]
            } else {
                Vec::new()
            },
            minus: Vec::new(),
        },
    }
}

/// How a trend groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    Month,
}

impl Granularity {
    /// The first day of the period holding `d`.
    pub fn start_of(self, d: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => d,
            Granularity::Week => d
                .checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
                .unwrap_or(d),
            Granularity::Month => d.with_day(1).unwrap_or(d),
        }
    }

    /// The period's name: `2026-12-01`, `2026-W49`, `2026-12`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Granularity::Day => start.format("%Y-%m-%d").to_string(),
            Granularity::Week => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Granularity::Month => start.format("%Y-%m").to_string(),
        }
    }
}

#[cfg(test)]
#[path = "cockpit_tests.rs"]
mod tests;

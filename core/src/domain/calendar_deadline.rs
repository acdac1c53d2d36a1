//! Deadlines of cases: the limit in working days, moved by suspensions (part of `calendar`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Calendar, day_number};

/// Why a case's clock was stopped (特别程序); the law excludes these periods from the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuspensionReason {
    /// A hearing (听证).
    Hearing,
    /// Testing or inspection (检验、检测、检疫).
    Testing,
    /// Appraisal (鉴定).
    Appraisal,
    /// Expert review (专家评审).
    ExpertReview,
    /// Waiting for the applicant's supplementary materials (补正).
    Supplement,
    /// Any other period the law lets the bureau exclude.
    Other,
}

/// A period during which a case's clock is stopped.
///
/// The clock stops at the start of `from` and runs again at the start of `to`: working days in
/// `[from, to)` do not count towards the limit, and the day the case resumes does. `to == None`
/// means the case is still suspended. A period with `to <= from` suspends nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// First day not counted.
    pub from: NaiveDate,
    /// First day counted again; `None` while the suspension lasts.
    pub to: Option<NaiveDate>,
    /// Why the clock stopped.
    pub reason: SuspensionReason,
}

/// When a case's time limit runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Deadline {
    /// The limit ends at the close of this working day.
    Due {
        /// The last working day of the limit.
        date: NaiveDate,
    },
    /// The clock is stopped by a suspension with no end yet, which began before the limit ran
    /// out; the deadline is known again once the suspension ends.
    Suspended {
        /// The day the clock stopped (the start of the suspension, or of the earlier one it
        /// overlaps).
        since: NaiveDate,
    },
}

/// The deadline of a case accepted on `accepted_on` with a limit of `limit_working_days`.
///
/// Without suspensions it is the `limit`-th working day after acceptance (a limit of 0, an
/// on-the-spot item, is due on the day of acceptance). Each suspension moves it by the working days
/// it stops the clock for (see [`Suspension`]); only days after acceptance count, overlapping
/// suspensions are counted once, their order does not matter, and a suspension that starts after
/// the limit has already run out moves nothing. An open suspension that starts before it runs
/// out makes the deadline unknown: [`Deadline::Suspended`].
pub fn deadline(
    cal: &Calendar,
    accepted_on: NaiveDate,
    limit_working_days: u32,
    suspensions: &[Suspension],
) -> Deadline {
    if limit_working_days == 0 {
        return Deadline::Due { date: accepted_on };
    }
    let accepted = cal.rank(day_number(accepted_on));
    let mut target = accepted + i64::from(limit_working_days);
    for stop in merged_stops(cal, accepted, suspensions) {
        if stop.start >= target {
            break;
        }
        let Some(end) = stop.end else {
            return Deadline::Suspended { since: stop.since };
        };
        // The stop takes `end - start` ranks out of the count; whether it straddles the target or
        // lies before it, the target moves by exactly that many ranks.
        target += end - stop.start;
    }
    Deadline::Due {
        date: cal.date_of_rank(target),
    }
}

/// Working days counted against the limit from acceptance up to and including `today`: working
/// days in `(accepted_on, today]` outside every suspension (an open one runs through `today`).
/// Zero when `today` is not after acceptance. Equals the limit on the deadline day.
pub fn elapsed_working_days(
    cal: &Calendar,
    accepted_on: NaiveDate,
    today: NaiveDate,
    suspensions: &[Suspension],
) -> i64 {
    let accepted = cal.rank(day_number(accepted_on));
    let now = cal.rank(day_number(today));
    if now <= accepted {
        return 0;
    }
    let stopped: i64 = merged_stops(cal, accepted, suspensions)
        .iter()
        .take_while(|stop| stop.start < now)
        .map(|stop| stop.end.map_or(now, |end| end.min(now)) - stop.start)
        .sum();
    now - accepted - stopped
}

/// Working days left of the limit after `today`: 0 on the deadline day, negative when overdue
/// (-1 on the first working day after the deadline). Supervision's "share of the limit used" is
/// `elapsed / limit`.
pub fn remaining_working_days(
    cal: &Calendar,
    accepted_on: NaiveDate,
    limit_working_days: u32,
    today: NaiveDate,
    suspensions: &[Suspension],
) -> i64 {
    i64::from(limit_working_days) - elapsed_working_days(cal, accepted_on, today, suspensions)
}

/// A run of suspended ranks `(start, end]` (`end == None`: open), clipped to after acceptance.
#[derive(Debug, Clone, Copy)]
struct Stop {
    start: i64,
    end: Option<i64>,
    since: NaiveDate,
}

/// The suspensions as disjoint rank runs after `accepted`, sorted, overlapping ones merged.
fn merged_stops(cal: &Calendar, accepted: i64, suspensions: &[Suspension]) -> Vec<Stop> {
    let mut stops: Vec<Stop> = suspensions
        .iter()
        .filter_map(|suspension| {
            let start = cal.rank(day_number(suspension.from) - 1).max(accepted);
            let end = suspension.to.map(|to| cal.rank(day_number(to) - 1));
            match end {
                Some(end) if end <= start => None,
                _ => Some(Stop {
                    start,
                    end,
                    since: suspension.from,
                }),
            }
        })
        .collect();
    stops.sort_unstable_by_key(|stop| (stop.start, stop.since));
    // Runs that overlap or touch form one stop, kept in place (one allocation per call);
    // `None` (open) absorbs everything after it.
    stops.dedup_by(|next, kept| {
        let joins = kept.end.is_none_or(|end| next.start <= end);
        if joins {
            kept.end = kept.end.zip(next.end).map(|(a, b)| a.max(b));
        }
        joins
    });
    stops
}

//! Working days and time limits (法定/承诺时限): which days are working days under the official
//! holiday arrangement, and on which day a case's limit of N working days runs out.
//!
//! A [`Calendar`] is built from one [`YearFile`] per year: the holidays and the make-up working
//! days (调休) of the State Council's yearly notice. Days of a loaded year that the file does not
//! mention follow the plain rule (Monday to Friday work, weekends off), and so does every day of a
//! year that is not loaded; [`Calendar::covered_years`] says which years are loaded so callers can
//! warn when a deadline reaches into a year whose notice is not in yet.
//!
//! Loading next year: the notice usually appears in November. Add `data/calendar/<year>.json` in
//! the same format as the bundled files (every holiday date and every make-up working day listed
//! one by one, `kind` `holiday` or `make_up_workday`), add it to `BUNDLED_YEARS` below, and the
//! tests check it on the next build; or build the calendar at run time with
//! [`Calendar::from_years`] from files or calendar rows, which validates them the same way.
//!
//! Deadlines follow the legal convention: the day of acceptance does not count, and a limit of N
//! working days ends at the close of the N-th working day after it. See [`deadline`] for how
//! suspensions move it. Nothing here reads a clock: "today" is always an argument.
//!
//! Internally every date is turned into its *rank*, the number of working days from 0001-01-01 up
//! to and including it; both directions (date → rank, rank → date) are a table lookup inside the
//! loaded years and closed-form weekday arithmetic outside them, so no computation walks days.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

// Deadlines and suspensions live in a sibling file to keep each file readable; they are part of
// this module's interface.
#[path = "calendar_deadline.rs"]
mod deadline;
pub use deadline::{
    Deadline, Suspension, SuspensionReason, deadline, elapsed_working_days, remaining_working_days,
};

/// The year files shipped with the code, one per year, oldest first.
const BUNDLED_YEARS: [&str; 2] = [
    include_str!("../../../data/calendar/2025.json"),
    include_str!("../../../data/calendar/2026.json"),
];

/// Years a calendar may load; the bound keeps the lookup tables small whatever the input.
const YEAR_RANGE: std::ops::RangeInclusive<i32> = 1900..=2199;

/// What a listed day is: off although it may be a weekday, or on although it is a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday or a day of a holiday period (放假); weekends inside the period included.
    Holiday,
    /// A Saturday or Sunday that is worked to make up for a holiday period (调休上班).
    MakeUpWorkday,
}

/// One listed day of a year file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarDay {
    /// The day itself.
    pub date: NaiveDate,
    /// Whether it is off or worked.
    pub kind: DayKind,
    /// The festival it belongs to, as the notice names it (e.g. `春节`), for display.
    pub name: String,
}

/// One year's holiday arrangement, the unit in which calendars are published and loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct YearFile {
    /// The calendar year; every listed date must lie in it.
    pub year: i32,
    /// Where the arrangement comes from (title and address of the notice), for auditors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Holidays and make-up working days, in any order.
    pub days: Vec<CalendarDay>,
}

/// The year files shipped in `data/calendar/`, oldest first.
pub fn bundled_files() -> Result<Vec<YearFile>, CalendarError> {
    BUNDLED_YEARS.into_iter().map(YearFile::from_json).collect()
}

impl YearFile {
    /// Reads a year file from its JSON text; the content is validated by [`Calendar::from_years`].
    pub fn from_json(text: &str) -> Result<Self, CalendarError> {
        serde_json::from_str(text).map_err(|err| CalendarError::Json {
            message: err.to_string(),
        })
    }
}

/// Why a year file was refused; each variant names the offending year or date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The text is not a year file.
    #[error("calendar file is not valid: {message}")]
    Json {
        /// The parser's description of the problem.
        message: String,
    },
    /// The year is outside the range a calendar accepts.
    #[error("calendar year {year} is outside the supported years 1900 to 2199")]
    YearOutOfRange {
        /// The refused year.
        year: i32,
    },
    /// Two files for the same year.
    #[error("calendar year {year} is loaded twice")]
    DuplicateYear {
        /// The repeated year.
        year: i32,
    },
    /// A listed date lies outside the file's year.
    #[error("{date} is listed in the calendar of {year} but lies in another year")]
    DateOutsideYear {
        /// The misplaced date.
        date: NaiveDate,
        /// The year the file claims.
        year: i32,
    },
    /// A date listed more than once (possibly with different kinds).
    #[error("{date} is listed more than once")]
    DuplicateDate {
        /// The repeated date.
        date: NaiveDate,
    },
    /// A make-up working day on a weekday, which would change nothing and is surely a typo.
    #[error("{date} is listed as a make-up working day but is a {weekday}, not a weekend day")]
    MakeUpOnWeekday {
        /// The listed date.
        date: NaiveDate,
        /// Its day of the week.
        weekday: Weekday,
    },
    /// A listed day without the festival name that screens and notices show.
    #[error("{date} has no name")]
    MissingName {
        /// The unnamed date.
        date: NaiveDate,
    },
}

/// The working-day calendar: weekends off, holidays and make-up working days of loaded years.
///
/// Cheap to query (every method is O(1) or a binary search over listed days) and immutable once
/// built; share one per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    years: Vec<i32>,
    /// Listed days of all loaded years, sorted by date.
    days: Vec<CalendarDay>,
    /// Day number (`num_days_from_ce`) of index 0 of `ranks`: January 1 of the first loaded year.
    first_day: i64,
    /// `ranks[i]` is the rank of day `first_day + i`, up to December 31 of the last loaded year.
    ranks: Vec<i64>,
    /// Day numbers of the working days in the table, ascending: the inverse of `ranks`.
    working: Vec<i32>,
    /// Rank of the day before the table.
    rank_before: i64,
    /// How far ranks after the table differ from plain weekday ranks (make-up days minus weekday
    /// holidays of all loaded years).
    shift_after: i64,
}

impl Default for Calendar {
    /// The calendar with no year loaded: Monday to Friday are working days, always.
    fn default() -> Self {
        Self {
            years: Vec::new(),
            days: Vec::new(),
            first_day: 0,
            ranks: Vec::new(),
            working: Vec::new(),
            rank_before: weekday_rank(-1),
            shift_after: 0,
        }
    }
}

impl Calendar {
    /// The calendar of every year shipped in `data/calendar/` (see [`Calendar::covered_years`]).
    ///
    /// Fails only if a shipped file is broken, which the tests rule out; callers build it once at
    /// start-up.
    pub fn bundled() -> Result<Self, CalendarError> {
        Self::from_years(&bundled_files()?)
    }

    /// Builds a calendar from year files, after checking each one (see [`CalendarError`]).
    ///
    /// Years may have gaps; days of a missing year follow the weekday rule.
    pub fn from_years(files: &[YearFile]) -> Result<Self, CalendarError> {
        let mut years = Vec::with_capacity(files.len());
        let mut days = Vec::new();
        for file in files {
            validate(file)?;
            if years.contains(&file.year) {
                return Err(CalendarError::DuplicateYear { year: file.year });
            }
            years.push(file.year);
            days.extend(file.days.iter().cloned());
        }
        days.sort_by_key(|day| day.date);
        if let Some(pair) = days.windows(2).find(|pair| pair[0].date == pair[1].date) {
            return Err(CalendarError::DuplicateDate { date: pair[0].date });
        }
        years.sort_unstable();
        let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
            return Ok(Self::default());
        };
        // Years are range-checked, so these dates exist; the fallback only satisfies the types.
        let start = NaiveDate::from_yo_opt(first, 1).unwrap_or(NaiveDate::MIN);
        let end = NaiveDate::from_yo_opt(last + 1, 1).unwrap_or(NaiveDate::MAX);
        let (first_day, end_day) = (day_number(start), day_number(end));

        let rank_before = weekday_rank(first_day - 1);
        let mut rank = rank_before;
        let table_len = usize::try_from(end_day - first_day).unwrap_or(0);
        let mut ranks = Vec::with_capacity(table_len);
        let mut working = Vec::with_capacity(table_len);
        let mut listed = days.iter().peekable();
        for day in first_day..end_day {
            let kind = listed
                .next_if(|listed_day| day_number(listed_day.date) == day)
                .map(|listed_day| listed_day.kind);
            let works = match kind {
                Some(DayKind::Holiday) => false,
                Some(DayKind::MakeUpWorkday) => true,
                None => is_weekday(day),
            };
            if works {
                rank += 1;
                working.push(i32::try_from(day).unwrap_or(i32::MAX));
            }
            ranks.push(rank);
        }
        Ok(Self {
            years,
            days,
            first_day,
            ranks,
            working,
            rank_before,
            shift_after: rank - weekday_rank(end_day - 1),
        })
    }

    /// The years whose official arrangement is loaded, ascending. Outside them only weekends are
    /// days off, so a deadline in such a year may be too early by that year's holidays.
    pub fn covered_years(&self) -> &[i32] {
        &self.years
    }

    /// Every listed holiday and make-up working day, by date.
    pub fn listed_days(&self) -> &[CalendarDay] {
        &self.days
    }

    /// Whether `date` lies in a loaded year.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years.binary_search(&date.year()).is_ok()
    }

    /// The listed holiday or make-up working day on `date`, if any (for its festival name).
    pub fn listed_day(&self, date: NaiveDate) -> Option<&CalendarDay> {
        let index = self.days.binary_search_by_key(&date, |day| day.date).ok()?;
        self.days.get(index)
    }

    /// Whether staff work on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let day = day_number(date);
        self.rank(day) != self.rank(day - 1)
    }

    /// The N-th working day strictly after `from`, so `from` itself never counts; `n == 0`
    /// returns `from` unchanged. Saturates at the last date chrono can represent.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return from;
        }
        self.date_of_rank(self.rank(day_number(from)) + i64::from(n))
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.add_working_days(date, 1)
    }

    /// The number of working days in `(a, b]`: after `a`, up to and including `b`. Negative (the
    /// count in `(b, a]`, negated) when `b` is before `a`, so that
    /// `between(a, b) + between(b, c) == between(a, c)` always holds.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        self.rank(day_number(b)) - self.rank(day_number(a))
    }

    /// The number of working days from 0001-01-01 up to and including day number `day`.
    fn rank(&self, day: i64) -> i64 {
        let Ok(index) = usize::try_from(day - self.first_day) else {
            return weekday_rank(day);
        };
        match self.ranks.get(index) {
            Some(&rank) => rank,
            None => weekday_rank(day) + self.shift_after,
        }
    }

    /// The working day whose rank is `rank`, i.e. the first day reaching that rank.
    fn date_of_rank(&self, rank: i64) -> NaiveDate {
        let day = match usize::try_from(rank - self.rank_before - 1) {
            Err(_) => day_of_weekday_rank(rank),
            Ok(index) => match self.working.get(index) {
                Some(&day) => i64::from(day),
                None => day_of_weekday_rank(rank - self.shift_after),
            },
        };
        date_from_number(day)
    }
}

/// Checks one year file on its own; cross-file checks are in [`Calendar::from_years`].
fn validate(file: &YearFile) -> Result<(), CalendarError> {
    if !YEAR_RANGE.contains(&file.year) {
        return Err(CalendarError::YearOutOfRange { year: file.year });
    }
    for day in &file.days {
        if day.date.year() != file.year {
            return Err(CalendarError::DateOutsideYear {
                date: day.date,
                year: file.year,
            });
        }
        let weekday = day.date.weekday();
        if day.kind == DayKind::MakeUpWorkday && !matches!(weekday, Weekday::Sat | Weekday::Sun) {
            return Err(CalendarError::MakeUpOnWeekday {
                date: day.date,
                weekday,
            });
        }
        if day.name.trim().is_empty() {
            return Err(CalendarError::MissingName { date: day.date });
        }
    }
    Ok(())
}

/// Days since the common era, 0001-01-01 being day 1 (a Monday in the proleptic calendar).
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// The date of a day number, saturating at the ends of chrono's range.
fn date_from_number(day: i64) -> NaiveDate {
    i32::try_from(day)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(if day < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// Whether a day number is Monday to Friday.
fn is_weekday(day: i64) -> bool {
    (day - 1).rem_euclid(7) < 5
}

/// Weekdays among days `1..=day` (extended below 1 so differences stay right).
fn weekday_rank(day: i64) -> i64 {
    5 * day.div_euclid(7) + day.rem_euclid(7).min(5)
}

/// The first day whose weekday rank is `rank`: the inverse of [`weekday_rank`] on weekdays.
fn day_of_weekday_rank(rank: i64) -> i64 {
    let (weeks, rest) = (rank.div_euclid(5), rank.rem_euclid(5));
    if rest == 0 {
        7 * weeks - 2
    } else {
        7 * weeks + rest
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;

//! The working-day calendar in use: the year files shipped with the build, replaced or extended
//! by years loaded at run time (`PUT /api/v1/calendar/years/{year}`, `yiwang calendar import`)
//! and stored in `calendar_years`.
//!
//! Deadlines are computed everywhere, often inside a write, so the calendar is a process-wide
//! value read without touching storage. Each node installs it at start, after a load it made,
//! and when the event of a load made elsewhere arrives (the event hub also follows other
//! nodes' events). Years never merge: a loaded year replaces its bundled file as a whole, and
//! no year is ever removed, so installing adds the stored years to the ones in use.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, RwLock};

use diesel::prelude::*;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::domain::access::{Caller, Permission};
use crate::domain::calendar::{Calendar, CalendarError, DayKind, YearFile, bundled_files};
use crate::error::Error;
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::calendar_years;
use crate::wire::calendar::{CalendarDeadline, CalendarOrigin, CalendarYear, DeadlineQuery};
use crate::wire::time;

/// The calendar in use and the year files it was built from.
struct InUse {
    calendar: Arc<Calendar>,
    files: BTreeMap<i32, YearFile>,
}

/// `None` until the first read or install.
static CURRENT: LazyLock<RwLock<Option<InUse>>> = LazyLock::new(|| RwLock::new(None));

fn bundled_in_use() -> Result<InUse, Error> {
    let files: BTreeMap<i32, YearFile> = bundled_files()
        .map_err(|e| Error::Internal(format!("bundled calendar: {e}")))?
        .into_iter()
        .map(|f| (f.year, f))
        .collect();
    let calendar =
        in_order(&files).map_err(|e| Error::Internal(format!("bundled calendar: {e}")))?;
    Ok(InUse {
        calendar: Arc::new(calendar),
        files,
    })
}

fn in_order(files: &BTreeMap<i32, YearFile>) -> Result<Calendar, CalendarError> {
    Calendar::from_years(&files.values().cloned().collect::<Vec<_>>())
}

/// The working-day calendar in use (the bundled years until storage's are installed).
pub(crate) fn calendar() -> Result<Arc<Calendar>, Error> {
    if let Some(c) = CURRENT.read().map_err(poisoned)?.as_ref() {
        return Ok(c.calendar.clone());
    }
    let bundled = bundled_in_use()?;
    let mut current = CURRENT.write().map_err(poisoned)?;
    Ok(current.get_or_insert(bundled).calendar.clone())
}

/// Adds the stored years to the calendar in use (a stored year replaces the one in use); the
/// calendar in use stays as it was when they do not build.
fn install(stored: Vec<Stored>) -> Result<(), Error> {
    let mut current = CURRENT.write().map_err(poisoned)?;
    let mut files = match current.as_ref() {
        Some(c) => c.files.clone(),
        None => bundled_in_use()?.files,
    };
    for s in stored {
        files.insert(s.file.year, s.file);
    }
    let calendar = in_order(&files)
        .map_err(|e| Error::Internal(format!("the stored calendar does not build: {e}")))?;
    *current = Some(InUse {
        calendar: Arc::new(calendar),
        files,
    });
    Ok(())
}

fn poisoned<T>(_: T) -> Error {
    Error::Internal("the calendar lock is poisoned".into())
}

/// A stored year as read.
type StoredYear = (i64, Option<String>, String, i64, String);

struct Stored {
    file: YearFile,
    loaded_at: i64,
    loaded_by: String,
}

fn stored_years(conn: &mut DbConn) -> Result<Vec<Stored>, Error> {
    let rows: Vec<StoredYear> = calendar_years::table
        .order(calendar_years::year.asc())
        .select((
            calendar_years::year,
            calendar_years::source,
            calendar_years::days,
            calendar_years::loaded_at,
            calendar_years::loaded_by,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(year, source, days, loaded_at, loaded_by)| {
            let days = serde_json::from_str(&days)
                .map_err(|e| Error::Internal(format!("stored calendar of {year}: {e}")))?;
            Ok(Stored {
                file: YearFile {
                    year: i32::try_from(year)
                        .map_err(|_| Error::Internal(format!("stored calendar year {year}")))?,
                    source,
                    days,
                },
                loaded_at,
                loaded_by,
            })
        })
        .collect()
}

/// Every year in use, bundled ones first replaced by stored ones of the same year.
fn merged(stored: &[Stored]) -> Result<BTreeMap<i32, (YearFile, Option<&Stored>)>, Error> {
    let mut years: BTreeMap<i32, (YearFile, Option<&Stored>)> = bundled_files()
        .map_err(|e| Error::Internal(format!("bundled calendar: {e}")))?
        .into_iter()
        .map(|f| (f.year, (f, None)))
        .collect();
    for s in stored {
        years.insert(s.file.year, (s.file.clone(), Some(s)));
    }
    Ok(years)
}

fn build(years: &BTreeMap<i32, (YearFile, Option<&Stored>)>) -> Result<Calendar, CalendarError> {
    let files: Vec<YearFile> = years.values().map(|(f, _)| f.clone()).collect();
    Calendar::from_years(&files)
}

fn summary(file: &YearFile, stored: Option<&Stored>) -> CalendarYear {
    let count = |kind| file.days.iter().filter(|d| d.kind == kind).count();
    CalendarYear {
        year: file.year,
        origin: if stored.is_some() {
            CalendarOrigin::Loaded
        } else {
            CalendarOrigin::Bundled
        },
        source: file.source.clone(),
        holidays: count(DayKind::Holiday),
        make_up_workdays: count(DayKind::MakeUpWorkday),
        loaded_at: stored.map(|s| time(s.loaded_at)),
        loaded_by: stored.map(|s| s.loaded_by.clone()),
    }
}

/// A refused year file as a validation problem naming the field at fault.
fn refused(e: CalendarError) -> Error {
    let field = match e {
        CalendarError::Json { .. } => "body",
        CalendarError::YearOutOfRange { .. } | CalendarError::DuplicateYear { .. } => "year",
        _ => "days",
    };
    Error::invalid(field, e.to_string())
}

impl Services {
    /// Reads the stored years and adds them to the calendar in use.
    pub async fn install_calendar(&self) -> Result<(), Error> {
        install(self.store.read(stored_years).await?)
    }

    /// Installs the calendar again whenever a year is loaded, on this node or another.
    pub(crate) fn follow_calendar(&self) {
        let services = self.clone();
        let mut events = self.events.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(e) if e.event.entity != "calendar" => continue,
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return,
                }
                if let Err(e) = services.install_calendar().await {
                    tracing::error!(error = %e, "cannot install the loaded calendar");
                }
            }
        });
    }

    /// The years of the calendar in use; anyone signed in may read it.
    pub async fn calendar_years(&self) -> Result<Vec<CalendarYear>, Error> {
        let stored = self.store.read(stored_years).await?;
        Ok(merged(&stored)?
            .values()
            .map(|(f, s)| summary(f, *s))
            .collect())
    }

    /// One year's arrangement as in use; 404 for a year neither shipped nor loaded.
    pub async fn calendar_year(&self, year: i32) -> Result<YearFile, Error> {
        let stored = self.store.read(stored_years).await?;
        merged(&stored)?
            .remove(&year)
            .map(|(f, _)| f)
            .ok_or_else(|| Error::not_found("calendar year", year))
    }

    /// Where a limit of `days` working days from `from` ends (1–365 days).
    pub fn calendar_deadline(&self, q: &DeadlineQuery) -> Result<CalendarDeadline, Error> {
        if !(1..=365).contains(&q.days) {
            return Err(Error::invalid("days", "between 1 and 365 working days"));
        }
        Ok(CalendarDeadline {
            from: q.from,
            days: q.days,
            deadline: calendar()?.add_working_days(q.from, q.days),
        })
    }

    /// Loads a year through the API: `calendar.manage` over the whole platform.
    pub async fn load_calendar_year(
        &self,
        caller: &Caller,
        year: i32,
        file: YearFile,
    ) -> Result<CalendarYear, Error> {
        if !caller.has(Permission::CalendarManage) {
            return Err(Error::forbidden(
                "loading a year of the calendar needs calendar.manage",
            ));
        }
        if file.year != year {
            return Err(Error::invalid(
                "year",
                format!("the file is for {}, the address names {year}", file.year),
            ));
        }
        self.load_calendar_file(Actor::of(caller), file).await
    }

    /// Stores a year (replacing what was there, bundled or loaded) with its audit entry and
    /// event, then installs the calendar. The whole calendar is built first, so a file that
    /// does not fit is refused and nothing changes.
    pub async fn load_calendar_file(
        &self,
        actor: Actor,
        file: YearFile,
    ) -> Result<CalendarYear, Error> {
        let now = self.clock.now();
        let answer = self
            .store
            .write(move |conn| {
                let stored = stored_years(conn)?;
                let mut years = merged(&stored)?;
                let before = years.get(&file.year).map(|(f, s)| summary(f, *s));
                let days = serde_json::to_string(&file.days)
                    .map_err(|e| Error::Internal(format!("calendar days: {e}")))?;
                let fresh = Stored {
                    file,
                    loaded_at: now,
                    loaded_by: actor.label.clone(),
                };
                years.insert(fresh.file.year, (fresh.file.clone(), Some(&fresh)));
                build(&years).map_err(refused)?;
                let year = i64::from(fresh.file.year);
                diesel::delete(calendar_years::table.find(year)).execute(conn)?;
                diesel::insert_into(calendar_years::table)
                    .values((
                        calendar_years::year.eq(year),
                        calendar_years::source.eq(fresh.file.source.as_deref()),
                        calendar_years::days.eq(&days),
                        calendar_years::loaded_at.eq(now),
                        calendar_years::loaded_by.eq(&actor.label),
                    ))
                    .execute(conn)?;
                let after = summary(&fresh.file, Some(&fresh));
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        before: before.map(|b| json!(b)),
                        after: Some(json!(after)),
                        payload: json!({"year": year, "source": fresh.file.source}),
                        ..Change::new("calendar.load", "calendar.year_loaded", "calendar", year)
                    },
                )?;
                Ok(after)
            })
            .await?;
        self.install_calendar().await?;
        Ok(answer)
    }
}

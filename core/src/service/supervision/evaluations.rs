//! Evaluations (好差评, R-2.2.1.3): ratings from the tablet, SMS replies and online, one per
//! source message; a bad rating opens the office's follow-up; summaries per window, staff,
//! department and item for supervision.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::json;

use super::orders::reply_due;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::DepartmentId;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{
    cases, evaluation_appeals, evaluations, halls, regions, users, windows,
};
use crate::wire::supervision::{
    Evaluation, EvaluationSource, FollowUp, NewEvaluation, SummaryBy, SummaryQuery, SummaryRow,
};
use crate::wire::time;

/// Days of the call-back and of the rectification of a bad rating, in working days.
const CALLBACK_DAYS: u32 = 1;
const RECTIFY_DAYS: u32 = 15;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = evaluations)]
pub(super) struct EvaluationRow {
    pub(super) id: i64,
    pub(super) source: String,
    pub(super) source_message_id: String,
    pub(super) rating: i64,
    pub(super) comment: Option<String>,
    pub(super) case_id: Option<i64>,
    pub(super) ticket_id: Option<i64>,
    pub(super) window_id: Option<i64>,
    pub(super) staff_id: Option<i64>,
    pub(super) region_id: i64,
    pub(super) department_id: Option<i64>,
    pub(super) item_code: Option<String>,
    pub(super) follow_up: Option<String>,
    pub(super) created_at: i64,
}

impl EvaluationRow {
    pub(super) fn wire(&self) -> Evaluation {
        Evaluation {
            id: self.id,
            source: EvaluationSource::parse(&self.source).unwrap_or(EvaluationSource::Online),
            source_message_id: self.source_message_id.clone(),
            rating: u8::try_from(self.rating).unwrap_or(0),
            comment: self.comment.clone(),
            case_id: self.case_id,
            ticket_id: self.ticket_id,
            window_id: self.window_id,
            staff_id: self.staff_id,
            region_id: self.region_id,
            department_id: self.department_id,
            item_code: self.item_code.clone(),
            follow_up: self
                .follow_up
                .as_deref()
                .and_then(|f| serde_json::from_str(f).ok()),
            created_at: time(self.created_at),
        }
    }
}

/// Where a rating belongs: region, department, item, and the region's path for the check.
struct Place {
    region_id: i64,
    department_id: Option<i64>,
    item_code: Option<String>,
    path: String,
}

fn place(conn: &mut DbConn, new: &NewEvaluation) -> Result<Place, Error> {
    if let Some(case) = new.case_id {
        let (region_id, department_id, item_code, path): (i64, i64, String, String) = cases::table
            .inner_join(regions::table)
            .filter(cases::id.eq(case))
            .select((
                cases::region_id,
                cases::department_id,
                cases::item_code,
                regions::path,
            ))
            .get_result(conn)
            .optional()?
            .ok_or_else(|| Error::invalid("case_id", "no such case"))?;
        return Ok(Place {
            region_id,
            department_id: Some(department_id),
            item_code: Some(item_code),
            path,
        });
    }
    let window = new
        .window_id
        .ok_or_else(|| Error::invalid("case_id", "name the case or the window rated"))?;
    let (region_id, department_id, path): (i64, Option<i64>, String) = windows::table
        .inner_join(halls::table.inner_join(regions::table))
        .filter(windows::id.eq(window))
        .select((halls::region_id, windows::department_id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("window_id", "no such window"))?;
    Ok(Place {
        region_id,
        department_id,
        item_code: None,
        path,
    })
}

/// Ratings that do not count: those whose appeal was upheld.
pub(super) fn uncounted(conn: &mut DbConn) -> Result<Vec<i64>, Error> {
    Ok(evaluation_appeals::table
        .filter(evaluation_appeals::outcome.eq("upheld"))
        .select(evaluation_appeals::evaluation_id)
        .load(conn)?)
}

impl Services {
    /// Takes a rating; a second submission of the same source message answers the first one
    /// (`false`: not new). A rating of 1 or 2 opens its follow-up.
    pub async fn submit_evaluation(
        &self,
        caller: &Caller,
        new: NewEvaluation,
    ) -> Result<(Evaluation, bool), Error> {
        let mut v = Validator::new();
        v.check((1..=5).contains(&new.rating), "rating", "1 to 5");
        v.text(&new.source_message_id, "source_message_id", 128);
        v.check(
            new.comment.chars().count() <= 2_000,
            "comment",
            "must be at most 2000 characters",
        );
        v.finish()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let follow_up = if new.rating <= 2 {
            Some(FollowUp {
                status: "open".into(),
                callback_due_at: time(reply_due(now, tz, CALLBACK_DAYS)?),
                rectify_due_at: time(reply_due(now, tz, RECTIFY_DAYS)?),
                rectification: None,
                rectified_by: None,
                rectified_at: None,
            })
        } else {
            None
        };
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let existing: Option<EvaluationRow> = evaluations::table
                    .filter(evaluations::source.eq(new.source.as_str()))
                    .filter(evaluations::source_message_id.eq(new.source_message_id.trim()))
                    .select(EvaluationRow::as_select())
                    .get_result(conn)
                    .optional()?;
                if let Some(row) = existing {
                    return Ok((row.wire(), false));
                }
                let at = place(conn, &new)?;
                let target = Target {
                    region_path: Some(&at.path),
                    department_id: at.department_id.map(DepartmentId),
                    owner_id: None,
                };
                if !caller.may(Permission::EvaluationSubmit, &target) {
                    return Err(Error::forbidden(
                        "submitting ratings needs evaluation.submit over the place rated",
                    ));
                }
                if let Some(staff) = new.staff_id {
                    let known: Option<i64> = users::table
                        .find(staff)
                        .select(users::id)
                        .get_result(conn)
                        .optional()?;
                    if known.is_none() {
                        return Err(Error::invalid("staff_id", "no such user"));
                    }
                }
                let follow = follow_up
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| Error::Internal(format!("follow-up: {e}")))?;
                let comment = Some(new.comment.trim()).filter(|c| !c.is_empty());
                let id: i64 = diesel::insert_into(evaluations::table)
                    .values((
                        evaluations::source.eq(new.source.as_str()),
                        evaluations::source_message_id.eq(new.source_message_id.trim()),
                        evaluations::rating.eq(i64::from(new.rating)),
                        evaluations::comment.eq(comment),
                        evaluations::case_id.eq(new.case_id),
                        evaluations::ticket_id.eq(new.ticket_id),
                        evaluations::window_id.eq(new.window_id),
                        evaluations::staff_id.eq(new.staff_id),
                        evaluations::region_id.eq(at.region_id),
                        evaluations::department_id.eq(at.department_id),
                        evaluations::item_code.eq(&at.item_code),
                        evaluations::follow_up_status.eq(follow.as_ref().map(|_| "open")),
                        evaluations::follow_up.eq(&follow),
                        evaluations::created_at.eq(now),
                    ))
                    .returning(evaluations::id)
                    .get_result(conn)?;
                let row: EvaluationRow = evaluations::table
                    .find(id)
                    .select(EvaluationRow::as_select())
                    .get_result(conn)?;
                let payload = json!({
                    "rating": new.rating, "source": new.source.as_str(), "case_id": new.case_id,
                    "window_id": new.window_id, "staff_id": new.staff_id,
                    "bad": new.rating <= 2,
                });
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(at.region_id),
                        department_id: at.department_id,
                        after: Some(payload.clone()),
                        payload,
                        ..Change::new(
                            "evaluation.submit",
                            "evaluation.submitted",
                            "evaluation",
                            id,
                        )
                    },
                )?;
                Ok((row.wire(), true))
            })
            .await
    }

    /// Ratings summed up per window, staff member, department or item, in the caller's
    /// supervision.read scope.
    pub async fn evaluation_summary(
        &self,
        caller: &Caller,
        query: SummaryQuery,
    ) -> Result<Vec<SummaryRow>, Error> {
        let caller = caller.clone();
        self.store
            .read_heavy(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("summaries need supervision.read"));
                }
                let mut q = evaluations::table
                    .select((
                        evaluations::window_id,
                        evaluations::staff_id,
                        evaluations::department_id,
                        evaluations::item_code,
                        evaluations::rating,
                    ))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        evaluations::region_id
                            .eq_any(scope.region_ids)
                            .or(evaluations::department_id.eq_any(scope.department_ids)),
                    );
                }
                q = q.filter(evaluations::id.ne_all(uncounted(conn)?));
                if let Some(from) = query.from {
                    q = q.filter(evaluations::created_at.ge(from.timestamp_millis()));
                }
                if let Some(to) = query.to {
                    q = q.filter(evaluations::created_at.lt(to.timestamp_millis()));
                }
                type Rating = (Option<i64>, Option<i64>, Option<i64>, Option<String>, i64);
                let rows: Vec<Rating> = q.load(conn)?;
                let mut sums: BTreeMap<Option<String>, (u64, i64, u64, u64)> = BTreeMap::new();
                for (window, staff, department, item, rating) in rows {
                    let key = match query.by {
                        SummaryBy::Window => window.map(|w| w.to_string()),
                        SummaryBy::Staff => staff.map(|s| s.to_string()),
                        SummaryBy::Department => department.map(|d| d.to_string()),
                        SummaryBy::Item => item,
                    };
                    let e = sums.entry(key).or_default();
                    e.0 += 1;
                    e.1 += rating;
                    e.2 += u64::from(rating <= 2);
                    e.3 += u64::from(rating >= 4);
                }
                Ok(sums
                    .into_iter()
                    .map(|(key, (count, total, bad, good))| SummaryRow {
                        key,
                        count,
                        average: (total as f64 / count.max(1) as f64 * 100.0).round() / 100.0,
                        bad,
                        good,
                    })
                    .collect())
            })
            .await
    }
}

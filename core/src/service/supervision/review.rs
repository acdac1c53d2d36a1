//! The bimonthly performance review (双月考评, R-2.6.3): the office's notice opens it, windows
//! apply, the office aggregates (each application's figures for the period pre-filled from
//! stored cases, cards, complaints and ratings), each division scores, the office proposes a
//! list, the leader gives an opinion, the list is publicised, the result announced. Each step
//! is one transaction with its audit entry and event; every stage has a printable form.

use diesel::prelude::*;
use serde_json::json;

use super::clocks::clocks_of;
use super::orders::reply_due;
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseStatus;
use crate::domain::ids::DepartmentId;
use crate::domain::supervision::review::{Award, ReviewAction, ReviewForm, ReviewStage, advance};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, local_date};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{
    anomalies, cases, complaints, evaluations, halls, performance_reviews, regions,
    review_applications, review_scores, users, windows,
};
use crate::wire::review::{
    Application, NewApplication, NewReview, NewScore, Proposal, Publicity, Review, ReviewFigures,
    ReviewText, Score,
};
use crate::wire::{PageQuery, time};

const MAX_TEXT: usize = 4_000;
const MAX_PERIOD_MS: i64 = 92 * 86_400_000;

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = performance_reviews)]
struct ReviewRow {
    id: i64,
    review_no: String,
    region_id: i64,
    title: String,
    period_from: i64,
    period_to: i64,
    stage: String,
    notice: String,
    leader_opinion: Option<String>,
    publicity_until: Option<i64>,
    announcement: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = review_applications)]
struct ApplicationRow {
    id: i64,
    award: String,
    window_id: Option<i64>,
    staff_id: Option<i64>,
    department_id: Option<i64>,
    statement: String,
    figures: Option<String>,
    proposed: bool,
    applied_by: String,
    created_at: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = review_scores)]
struct ScoreRow {
    application_id: i64,
    division_id: i64,
    score: i64,
    comment: String,
    scored_by: String,
    scored_at: i64,
}

impl ReviewRow {
    fn stage(&self) -> ReviewStage {
        ReviewStage::parse(&self.stage).unwrap_or(ReviewStage::Announced)
    }
}

fn located(conn: &mut DbConn, id: i64) -> Result<(ReviewRow, String), Error> {
    performance_reviews::table
        .inner_join(regions::table)
        .filter(performance_reviews::id.eq(id))
        .select((ReviewRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("performance review", id))
}

fn target(path: &str) -> Target<'_> {
    Target {
        region_path: Some(path),
        department_id: None,
        owner_id: None,
    }
}

/// Readers: the office and the leader (supervision.read) and the windows (supervision.reply).
fn check_read(caller: &Caller, row: &ReviewRow, path: &str) -> Result<(), Error> {
    let t = target(path);
    if caller.may(Permission::SupervisionRead, &t) || caller.may(Permission::SupervisionReply, &t) {
        Ok(())
    } else {
        Err(Error::not_found("performance review", row.id))
    }
}

/// Loads a review for a step: checks the actor and the stage; the stage the step leaves.
fn for_step(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    action: ReviewAction,
) -> Result<(ReviewRow, String, ReviewStage), Error> {
    let (row, path) = located(conn, id)?;
    check_read(caller, &row, &path)?;
    let perm = action.permission();
    if !caller.may(perm, &target(&path)) {
        return Err(Error::forbidden(format!(
            "{} needs {} over the review's region",
            action.as_str(),
            perm.as_str()
        )));
    }
    let next = advance(row.stage(), action).map_err(|message| Error::Conflict {
        message,
        allowed: Vec::new(),
    })?;
    Ok((row, path, next))
}

/// Moves the review to `stage` with the step's audit entry and event.
fn record(
    conn: &mut DbConn,
    now: Millis,
    caller: &Caller,
    row: &ReviewRow,
    action: ReviewAction,
    stage: ReviewStage,
    payload: serde_json::Value,
) -> Result<(), Error> {
    diesel::update(performance_reviews::table.find(row.id))
        .set((
            performance_reviews::stage.eq(stage.as_str()),
            performance_reviews::updated_at.eq(now),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        now,
        &Actor::of(caller),
        Change {
            region_id: Some(row.region_id),
            before: Some(json!({"stage": row.stage})),
            after: Some(json!({"stage": stage.as_str()})),
            payload: json!({"review_no": row.review_no, "stage": stage.as_str(), "step": payload}),
            ..Change::new(
                &format!("performance_review.{}", action.as_str()),
                action.event(),
                "performance_review",
                row.id,
            )
        },
    )?;
    Ok(())
}

/// The name of an application's window or staff member.
fn name_of(conn: &mut DbConn, a: &ApplicationRow) -> Result<String, Error> {
    Ok(match (a.window_id, a.staff_id) {
        (Some(w), _) => windows::table
            .find(w)
            .select(windows::name)
            .get_result(conn)
            .optional()?
            .unwrap_or_default(),
        (None, Some(s)) => users::table
            .find(s)
            .select(users::display_name)
            .get_result(conn)
            .optional()?
            .unwrap_or_default(),
        (None, None) => String::new(),
    })
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn answer(conn: &mut DbConn, row: &ReviewRow) -> Result<Review, Error> {
    let apps: Vec<ApplicationRow> = review_applications::table
        .filter(review_applications::review_id.eq(row.id))
        .order(review_applications::id.asc())
        .select(ApplicationRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
    let scores: Vec<ScoreRow> = review_scores::table
        .filter(review_scores::application_id.eq_any(ids))
        .order(review_scores::id.asc())
        .select(ScoreRow::as_select())
        .load(conn)?;
    let mut applications = Vec::with_capacity(apps.len());
    for a in &apps {
        let mine: Vec<Score> = scores
            .iter()
            .filter(|s| s.application_id == a.id)
            .map(|s| Score {
                division_id: s.division_id,
                score: s.score,
                comment: s.comment.clone(),
                scored_by: s.scored_by.clone(),
                scored_at: time(s.scored_at),
            })
            .collect();
        let average_score = (!mine.is_empty())
            .then(|| round(mine.iter().map(|s| s.score as f64).sum::<f64>() / mine.len() as f64));
        applications.push(Application {
            id: a.id,
            award: Award::parse(&a.award).unwrap_or(Award::RedFlagWindow),
            window_id: a.window_id,
            staff_id: a.staff_id,
            name: name_of(conn, a)?,
            department_id: a.department_id,
            statement: a.statement.clone(),
            figures: a
                .figures
                .as_deref()
                .and_then(|f| serde_json::from_str(f).ok()),
            scores: mine,
            average_score,
            proposed: a.proposed,
            applied_by: a.applied_by.clone(),
            created_at: time(a.created_at),
        });
    }
    Ok(Review {
        id: row.id,
        review_no: row.review_no.clone(),
        region_id: row.region_id,
        title: row.title.clone(),
        period_from: time(row.period_from),
        period_to: time(row.period_to),
        stage: row.stage(),
        notice: row.notice.clone(),
        leader_opinion: row.leader_opinion.clone(),
        publicity_until: row.publicity_until.map(time),
        announcement: row.announcement.clone(),
        applications,
        created_by: row.created_by.clone(),
        created_at: time(row.created_at),
        updated_at: time(row.updated_at),
    })
}

/// The period's figures of one application, from the stored cases, cards, complaints and
/// ratings of its department (cases, cards) and of its window or staff member (complaints,
/// ratings), within the review's region.
fn figures(
    conn: &mut DbConn,
    review: &ReviewRow,
    path: &str,
    a: &ApplicationRow,
    now: Millis,
    tz: chrono_tz::Tz,
) -> Result<ReviewFigures, Error> {
    let (from, to) = (review.period_from, review.period_to);
    let region_ids: Vec<i64> = regions::table
        .filter(regions::path.like(format!("{path}%")))
        .select(regions::id)
        .load(conn)?;
    let mut f = ReviewFigures::default();
    if let Some(d) = a.department_id {
        let rows: Vec<CaseRow> = cases::table
            .filter(cases::department_id.eq(d))
            .filter(cases::region_id.eq_any(region_ids.clone()))
            .filter(cases::submitted_at.ge(from))
            .filter(cases::submitted_at.lt(to))
            .select(CaseRow::as_select())
            .load(conn)?;
        let (mut concluded, mut on_time) = (0u64, 0u64);
        for row in &rows {
            if row.accepted_at.is_some()
                && matches!(row.status(), CaseStatus::Approved | CaseStatus::Denied)
            {
                let c = clocks_of(row, 0, now, tz)?;
                concluded += 1;
                let days = i64::from(c.stopped_at) - i64::from(c.case_base);
                on_time += u64::from(days <= i64::from(c.case_limit));
            }
        }
        f.cases = rows.len() as u64;
        f.on_time_rate = (concluded > 0).then(|| round(on_time as f64 / concluded as f64));
        let cards: i64 = anomalies::table
            .filter(anomalies::department_id.eq(d))
            .filter(anomalies::region_id.eq_any(region_ids.clone()))
            .filter(anomalies::opened_at.ge(from))
            .filter(anomalies::opened_at.lt(to))
            .count()
            .get_result(conn)?;
        f.anomalies = cards as u64;
    }
    let mut cq = complaints::table
        .filter(complaints::created_at.ge(from))
        .filter(complaints::created_at.lt(to))
        .into_boxed();
    let mut rq = evaluations::table
        .filter(evaluations::id.ne_all(super::evaluations::uncounted(conn)?))
        .filter(evaluations::created_at.ge(from))
        .filter(evaluations::created_at.lt(to))
        .select(evaluations::rating)
        .into_boxed();
    match (a.window_id, a.staff_id) {
        (Some(w), _) => {
            cq = cq.filter(complaints::window_id.eq(w));
            rq = rq.filter(evaluations::window_id.eq(w));
        }
        (None, Some(s)) => {
            cq = cq.filter(complaints::staff_id.eq(s));
            rq = rq.filter(evaluations::staff_id.eq(s));
        }
        (None, None) => return Ok(f),
    }
    let filed: i64 = cq.count().get_result(conn)?;
    f.complaints = filed as u64;
    let ratings: Vec<i64> = rq.load(conn)?;
    f.ratings = ratings.len() as u64;
    f.bad_ratings = ratings.iter().filter(|r| **r <= 2).count() as u64;
    f.satisfaction = (!ratings.is_empty())
        .then(|| round(ratings.iter().sum::<i64>() as f64 / ratings.len() as f64));
    Ok(f)
}

impl Services {
    /// Opens a review with its notice (the office, `supervision.manage` over the region).
    pub async fn open_review(&self, caller: &Caller, new: NewReview) -> Result<Review, Error> {
        let (from, to) = (
            new.period_from.timestamp_millis(),
            new.period_to.timestamp_millis(),
        );
        let mut v = Validator::new();
        v.text(&new.title, "title", 200);
        v.text(&new.notice, "notice", MAX_TEXT);
        v.check(from < to, "period_to", "must be after period_from");
        v.check(
            to - from <= MAX_PERIOD_MS,
            "period_to",
            "a period of at most 92 days (two months)",
        );
        v.finish()?;
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let path: String = regions::table
                    .find(new.region_id)
                    .select(regions::path)
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::invalid("region_id", "no such region"))?;
                caller.check(
                    Permission::SupervisionManage,
                    Permission::SupervisionRead,
                    &target(&path),
                    "region",
                    new.region_id,
                )?;
                let id: i64 = diesel::insert_into(performance_reviews::table)
                    .values((
                        performance_reviews::review_no.eq(format!("pending-{now}")),
                        performance_reviews::region_id.eq(new.region_id),
                        performance_reviews::title.eq(new.title.trim()),
                        performance_reviews::period_from.eq(from),
                        performance_reviews::period_to.eq(to),
                        performance_reviews::stage.eq(ReviewStage::Notice.as_str()),
                        performance_reviews::notice.eq(new.notice.trim()),
                        performance_reviews::created_by.eq(&caller.username),
                        performance_reviews::created_at.eq(now),
                        performance_reviews::updated_at.eq(now),
                    ))
                    .returning(performance_reviews::id)
                    .get_result(conn)?;
                let no = format!("KP-{}-{id:06}", local_date(now, tz).format("%Y%m%d"));
                diesel::update(performance_reviews::table.find(id))
                    .set(performance_reviews::review_no.eq(&no))
                    .execute(conn)?;
                let (row, _) = located(conn, id)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        after: Some(json!({"stage": row.stage, "title": row.title})),
                        payload: json!({"review_no": row.review_no, "stage": row.stage,
                                        "period_from": from, "period_to": to}),
                        ..Change::new(
                            "performance_review.notice",
                            "performance_review.noticed",
                            "performance_review",
                            id,
                        )
                    },
                )?;
                answer(conn, &row)
            })
            .await
    }

    /// Reviews the caller may read, newest first.
    pub async fn list_reviews(
        &self,
        caller: &Caller,
        page: PageQuery,
    ) -> Result<Vec<Review>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let read = ScopeSql::load(conn, &caller, Permission::SupervisionRead)?;
                let reply = ScopeSql::load(conn, &caller, Permission::SupervisionReply)?;
                if read.is_empty() && reply.is_empty() {
                    return Err(Error::forbidden(
                        "reading reviews needs supervision.read or supervision.reply",
                    ));
                }
                let mut q = performance_reviews::table
                    .order(performance_reviews::id.desc())
                    .limit(page.limit())
                    .select(ReviewRow::as_select())
                    .into_boxed();
                if let Some(after) = page.after {
                    q = q.filter(performance_reviews::id.lt(after));
                }
                let scope = read.union(reply);
                if !scope.global {
                    q = q.filter(performance_reviews::region_id.eq_any(scope.region_ids));
                }
                let rows: Vec<ReviewRow> = q.load(conn)?;
                rows.iter().map(|r| answer(conn, r)).collect()
            })
            .await
    }

    /// One review with its applications, figures and scores.
    pub async fn get_review(&self, caller: &Caller, id: i64) -> Result<Review, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, path) = located(conn, id)?;
                check_read(&caller, &row, &path)?;
                answer(conn, &row)
            })
            .await
    }

    /// A window applies for a red-flag window (its window) or a service star (a staff member),
    /// while the notice stage lasts.
    pub async fn apply_for_award(
        &self,
        caller: &Caller,
        id: i64,
        new: NewApplication,
    ) -> Result<Review, Error> {
        let mut v = Validator::new();
        v.text(&new.statement, "statement", MAX_TEXT);
        match new.award {
            Award::RedFlagWindow => v.check(
                new.window_id.is_some() && new.staff_id.is_none(),
                "window_id",
                "a red-flag window names its window (and no staff member)",
            ),
            Award::ServiceStar => v.check(
                new.staff_id.is_some() && new.window_id.is_none(),
                "staff_id",
                "a service star names its staff member (and no window)",
            ),
        };
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path, next) = for_step(conn, &caller, id, ReviewAction::Apply)?;
                let (place, department): (String, Option<i64>) = match (new.window_id, new.staff_id)
                {
                    (Some(w), _) => windows::table
                        .inner_join(halls::table.inner_join(regions::table))
                        .filter(windows::id.eq(w))
                        .select((regions::path, windows::department_id))
                        .get_result(conn)
                        .optional()?
                        .ok_or_else(|| Error::invalid("window_id", "no such window"))?,
                    (None, Some(s)) => users::table
                        .inner_join(regions::table)
                        .filter(users::id.eq(s))
                        .select((regions::path, users::department_id))
                        .get_result(conn)
                        .optional()?
                        .ok_or_else(|| Error::invalid("staff_id", "no such user"))?,
                    (None, None) => return Err(Error::invalid("window_id", "name the applicant")),
                };
                if !place.starts_with(&path) {
                    return Err(Error::invalid(
                        if new.window_id.is_some() {
                            "window_id"
                        } else {
                            "staff_id"
                        },
                        "outside the review's region",
                    ));
                }
                let t = Target {
                    region_path: Some(&place),
                    department_id: department.map(DepartmentId),
                    owner_id: None,
                };
                if !caller.may(Permission::SupervisionReply, &t) {
                    return Err(Error::forbidden(
                        "a window applies for itself and its own staff only",
                    ));
                }
                let app_id: i64 = diesel::insert_into(review_applications::table)
                    .values((
                        review_applications::review_id.eq(id),
                        review_applications::award.eq(new.award.as_str()),
                        review_applications::window_id.eq(new.window_id),
                        review_applications::staff_id.eq(new.staff_id),
                        review_applications::department_id.eq(department),
                        review_applications::statement.eq(new.statement.trim()),
                        review_applications::proposed.eq(false),
                        review_applications::applied_by.eq(&caller.username),
                        review_applications::created_at.eq(now),
                    ))
                    .returning(review_applications::id)
                    .get_result(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Apply,
                    next,
                    json!({"application_id": app_id, "award": new.award.as_str(),
                           "window_id": new.window_id, "staff_id": new.staff_id}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// The office closes the applications and pre-fills every application's figures.
    pub async fn aggregate_review(&self, caller: &Caller, id: i64) -> Result<Review, Error> {
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, path, next) = for_step(conn, &caller, id, ReviewAction::Aggregate)?;
                let apps: Vec<ApplicationRow> = review_applications::table
                    .filter(review_applications::review_id.eq(id))
                    .select(ApplicationRow::as_select())
                    .load(conn)?;
                if apps.is_empty() {
                    return Err(Error::conflict("no window has applied yet"));
                }
                for a in &apps {
                    let f = figures(conn, &row, &path, a, now, tz)?;
                    let text = serde_json::to_string(&f)
                        .map_err(|e| Error::Internal(format!("figures: {e}")))?;
                    diesel::update(review_applications::table.find(a.id))
                        .set(review_applications::figures.eq(text))
                        .execute(conn)?;
                }
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Aggregate,
                    next,
                    json!({"applications": apps.len()}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// A division scores an application, 0 to 100; the division is the scorer's department.
    /// A division's second score of the same application replaces its first.
    pub async fn score_application(
        &self,
        caller: &Caller,
        id: i64,
        new: NewScore,
    ) -> Result<Review, Error> {
        let mut v = Validator::new();
        v.check((0..=100).contains(&new.score), "score", "0 to 100");
        v.check(
            new.comment.chars().count() <= MAX_TEXT,
            "comment",
            "must be at most 4000 characters",
        );
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, next) = for_step(conn, &caller, id, ReviewAction::Score)?;
                let division: Option<i64> = users::table
                    .find(caller.user_id.0)
                    .select(users::department_id)
                    .get_result(conn)?;
                let division = division.ok_or_else(|| {
                    Error::forbidden("scores are given by divisions: the scorer needs a department")
                })?;
                let known: Option<i64> = review_applications::table
                    .filter(review_applications::id.eq(new.application_id))
                    .filter(review_applications::review_id.eq(id))
                    .select(review_applications::id)
                    .get_result(conn)
                    .optional()?;
                if known.is_none() {
                    return Err(Error::invalid(
                        "application_id",
                        "no such application in this review",
                    ));
                }
                diesel::delete(
                    review_scores::table
                        .filter(review_scores::application_id.eq(new.application_id))
                        .filter(review_scores::division_id.eq(division)),
                )
                .execute(conn)?;
                diesel::insert_into(review_scores::table)
                    .values((
                        review_scores::application_id.eq(new.application_id),
                        review_scores::division_id.eq(division),
                        review_scores::score.eq(new.score),
                        review_scores::comment.eq(new.comment.trim()),
                        review_scores::scored_by.eq(&caller.username),
                        review_scores::scored_at.eq(now),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Score,
                    next,
                    json!({"application_id": new.application_id, "division_id": division,
                           "score": new.score}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// The office proposes its list: scored applications of this review.
    pub async fn propose_list(
        &self,
        caller: &Caller,
        id: i64,
        proposal: Proposal,
    ) -> Result<Review, Error> {
        let mut v = Validator::new();
        v.check(
            !proposal.application_ids.is_empty(),
            "application_ids",
            "propose at least one application",
        );
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, next) = for_step(conn, &caller, id, ReviewAction::Propose)?;
                let scored: Vec<i64> = review_applications::table
                    .inner_join(review_scores::table)
                    .filter(review_applications::review_id.eq(id))
                    .select(review_applications::id)
                    .distinct()
                    .load(conn)?;
                if let Some(bad) = proposal
                    .application_ids
                    .iter()
                    .find(|a| !scored.contains(a))
                {
                    return Err(Error::invalid(
                        "application_ids",
                        format!("{bad} is not a scored application of this review"),
                    ));
                }
                diesel::update(
                    review_applications::table.filter(review_applications::review_id.eq(id)),
                )
                .set(review_applications::proposed.eq(false))
                .execute(conn)?;
                diesel::update(
                    review_applications::table
                        .filter(review_applications::id.eq_any(proposal.application_ids.clone())),
                )
                .set(review_applications::proposed.eq(true))
                .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Propose,
                    next,
                    json!({"application_ids": proposal.application_ids}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// The leader's opinion on the proposed list (`supervision.decide`).
    pub async fn give_review_opinion(
        &self,
        caller: &Caller,
        id: i64,
        opinion: ReviewText,
    ) -> Result<Review, Error> {
        let mut v = Validator::new();
        v.text(&opinion.text, "text", MAX_TEXT);
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, next) = for_step(conn, &caller, id, ReviewAction::Opinion)?;
                diesel::update(performance_reviews::table.find(id))
                    .set(performance_reviews::leader_opinion.eq(opinion.text.trim()))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Opinion,
                    next,
                    json!({"opinion": opinion.text.trim()}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// Publicises the list for a number of working days (5 to 30).
    pub async fn publicize_review(
        &self,
        caller: &Caller,
        id: i64,
        publicity: Publicity,
    ) -> Result<Review, Error> {
        let mut v = Validator::new();
        v.check(
            (5..=30).contains(&publicity.working_days),
            "working_days",
            "5 to 30 working days",
        );
        v.finish()?;
        let now = self.clock.now();
        let until = reply_due(now, self.config.time_zone()?, publicity.working_days)?;
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, next) = for_step(conn, &caller, id, ReviewAction::Publicize)?;
                diesel::update(performance_reviews::table.find(id))
                    .set(performance_reviews::publicity_until.eq(until))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Publicize,
                    next,
                    json!({"publicity_until": until}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// Announces the result once the publicity is over.
    pub async fn announce_review(
        &self,
        caller: &Caller,
        id: i64,
        announcement: ReviewText,
    ) -> Result<Review, Error> {
        let mut v = Validator::new();
        v.text(&announcement.text, "text", MAX_TEXT);
        v.finish()?;
        let now = self.clock.now();
        let caller = caller.clone();
        self.store
            .write(move |conn| {
                let (row, _, next) = for_step(conn, &caller, id, ReviewAction::Announce)?;
                if row.publicity_until.is_some_and(|u| now < u) {
                    return Err(Error::conflict("the publicity has not ended yet"));
                }
                diesel::update(performance_reviews::table.find(id))
                    .set(performance_reviews::announcement.eq(announcement.text.trim()))
                    .execute(conn)?;
                record(
                    conn,
                    now,
                    &caller,
                    &row,
                    ReviewAction::Announce,
                    next,
                    json!({"announcement": announcement.text.trim()}),
                )?;
                let (row, _) = located(conn, id)?;
                answer(conn, &row)
            })
            .await
    }

    /// A form of the review as an A4 page.
    pub async fn print_review(
        &self,
        caller: &Caller,
        id: i64,
        form: ReviewForm,
    ) -> Result<String, Error> {
        let caller = caller.clone();
        let tz = self.config.time_zone()?;
        self.store
            .read(move |conn| {
                let (row, path) = located(conn, id)?;
                check_read(&caller, &row, &path)?;
                let review = answer(conn, &row)?;
                let bureau: String = regions::table
                    .filter(regions::parent_id.is_null())
                    .select(regions::name)
                    .get_result(conn)
                    .optional()?
                    .unwrap_or_default();
                Ok(super::print::review_form(&bureau, &review, form, tz))
            })
            .await
    }
}

//! The credit score of an agency (from the regulator's assessments, government credit records,
//! the public evaluation of its projects, its late projects and upheld complaints) and the
//! credit records that feed it.

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde_json::json;

use super::{AgencyRow, agency, check_manage, check_read};
use crate::clock::Millis;
use crate::domain::access::Caller;
use crate::domain::intermediary::{
    CreditInputs, CreditKind, CreditWeights, ProjectStatus, credit_score,
};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{
    intermediary_credit_records, intermediary_project_progress, intermediary_projects,
};
use crate::wire::intermediaries::{CreditRecord, CreditScore, Intermediary, NewCreditRecord};
use crate::wire::time;

/// The latest score of one kind of credit record.
fn latest(conn: &mut DbConn, id: i64, kind: CreditKind) -> Result<Option<f64>, Error> {
    let score: Option<Option<i64>> = intermediary_credit_records::table
        .filter(intermediary_credit_records::intermediary_id.eq(id))
        .filter(intermediary_credit_records::kind.eq(kind.as_str()))
        .order(intermediary_credit_records::id.desc())
        .select(intermediary_credit_records::score)
        .first(conn)
        .optional()?;
    #[expect(clippy::cast_precision_loss, reason = "scores are 0 to 100")]
    Ok(score.flatten().map(|s| s as f64))
}

/// What the score of agency `id` is made of, as of `now`.
pub(crate) fn inputs(conn: &mut DbConn, id: i64, now: Millis) -> Result<CreditInputs, Error> {
    let complaints: i64 = intermediary_credit_records::table
        .filter(intermediary_credit_records::intermediary_id.eq(id))
        .filter(intermediary_credit_records::kind.eq(CreditKind::Complaint.as_str()))
        .select(count_star())
        .get_result(conn)?;
    let late: i64 = intermediary_projects::table
        .inner_join(intermediary_project_progress::table)
        .filter(intermediary_projects::intermediary_id.eq(id))
        .filter(
            intermediary_project_progress::late
                .eq(true)
                .or(intermediary_projects::status
                    .eq(ProjectStatus::Contracted.as_str())
                    .and(intermediary_projects::due_at.le(now))),
        )
        .select(count_star())
        .get_result(conn)?;
    let ratings: Vec<i64> = intermediary_projects::table
        .inner_join(intermediary_project_progress::table)
        .filter(intermediary_projects::intermediary_id.eq(id))
        .filter(intermediary_project_progress::evaluation_score.is_not_null())
        .select(intermediary_project_progress::evaluation_score.assume_not_null())
        .load(conn)?;
    // Averaged here rather than with AVG(), whose result type differs between the backends.
    #[expect(clippy::cast_precision_loss, reason = "a handful of 1-to-5 ratings")]
    let public_rating =
        (!ratings.is_empty()).then(|| ratings.iter().sum::<i64>() as f64 / ratings.len() as f64);
    Ok(CreditInputs {
        regulator: latest(conn, id, CreditKind::Assessment)?,
        credit_record: latest(conn, id, CreditKind::CreditRecord)?,
        public_rating,
        breaches: u32::try_from(late).unwrap_or(u32::MAX),
        complaints: u32::try_from(complaints).unwrap_or(u32::MAX),
    })
}

/// An agency as answered, with its credit score as of `now`.
pub(crate) fn answer(
    conn: &mut DbConn,
    weights: &CreditWeights,
    row: &AgencyRow,
    now: Millis,
) -> Result<Intermediary, Error> {
    let input = inputs(conn, row.id, now)?;
    let p = row.profile()?;
    Ok(Intermediary {
        id: row.id,
        credit_code: row.credit_code.clone(),
        name: row.name.clone(),
        region_id: row.region_id,
        status: row.status(),
        service_types: p.service_types,
        items: p.items,
        qualifications: p.qualifications,
        fee_min_fen: row.fee_min_fen,
        fee_max_fen: row.fee_max_fen,
        staff: p.staff,
        credit: CreditScore {
            score: credit_score(weights, &input),
            regulator: input.regulator,
            credit_record: input.credit_record,
            public_rating: input.public_rating.map(|r| (r * 100.0).round() / 100.0),
            breaches: input.breaches,
            complaints: input.complaints,
        },
        created_at: time(row.created_at),
        updated_at: time(row.updated_at),
    })
}

impl Services {
    /// The configured credit weights, checked.
    pub(crate) fn credit_weights(&self) -> Result<CreditWeights, Error> {
        let w = self.config.intermediary_credit;
        w.check()
            .map_err(|m| Error::Internal(format!("configuration intermediary_credit: {m}")))?;
        Ok(w)
    }

    /// Records a regulator assessment, a government credit record or an upheld complaint
    /// against an agency (`intermediary.manage` over its region).
    pub async fn add_credit_record(
        &self,
        caller: &Caller,
        id: i64,
        new: NewCreditRecord,
    ) -> Result<CreditRecord, Error> {
        let mut v = Validator::new();
        v.text(&new.note, "note", 1_000);
        match new.kind {
            CreditKind::Complaint => {
                v.check(new.score.is_none(), "score", "a complaint carries no score");
            }
            CreditKind::Assessment | CreditKind::CreditRecord => {
                v.check(
                    new.score.is_some_and(|s| (0..=100).contains(&s)),
                    "score",
                    "a score from 0 to 100",
                );
            }
        }
        v.finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, path) = agency(conn, id)?;
                check_manage(&caller, &path, id)?;
                let record_id: i64 = diesel::insert_into(intermediary_credit_records::table)
                    .values((
                        intermediary_credit_records::intermediary_id.eq(id),
                        intermediary_credit_records::kind.eq(new.kind.as_str()),
                        intermediary_credit_records::score.eq(new.score),
                        intermediary_credit_records::note.eq(new.note.trim()),
                        intermediary_credit_records::actor.eq(&caller.username),
                        intermediary_credit_records::at.eq(now),
                    ))
                    .returning(intermediary_credit_records::id)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        payload: json!({"credit_code": row.credit_code, "kind": new.kind.as_str(),
                                        "score": new.score, "record_id": record_id}),
                        ..Change::new(
                            "intermediary.credit_record",
                            "intermediary.credit_recorded",
                            "intermediary",
                            id,
                        )
                    },
                )?;
                Ok(CreditRecord {
                    id: record_id,
                    kind: new.kind,
                    score: new.score,
                    note: new.note.trim().to_owned(),
                    actor: caller.username.clone(),
                    at: time(now),
                })
            })
            .await
    }

    /// An agency's credit records, oldest first.
    pub async fn credit_records(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<CreditRecord>, Error> {
        check_read(caller)?;
        self.store
            .read(move |conn| {
                agency(conn, id)?;
                let rows: Vec<(i64, String, Option<i64>, String, String, i64)> =
                    intermediary_credit_records::table
                        .filter(intermediary_credit_records::intermediary_id.eq(id))
                        .order(intermediary_credit_records::id.asc())
                        .select((
                            intermediary_credit_records::id,
                            intermediary_credit_records::kind,
                            intermediary_credit_records::score,
                            intermediary_credit_records::note,
                            intermediary_credit_records::actor,
                            intermediary_credit_records::at,
                        ))
                        .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|(id, kind, score, note, actor, at)| CreditRecord {
                        id,
                        kind: CreditKind::parse(&kind).unwrap_or(CreditKind::Complaint),
                        score,
                        note,
                        actor,
                        at: time(at),
                    })
                    .collect())
            })
            .await
    }
}

//! What the people who acted on a case bring to its facts: whether one of them is a flagged
//! integrity-risk person (`person.risk_point`), and the most complaints naming one of them
//! (`person.complaints`) and real anomalies at one of their steps (`person.anomalies`).
//!
//! A confirmed card is had by whoever acted on its case at its step (a case card: on the
//! case). Few people are flagged, complained about or had a card confirmed, so their history
//! rows are found through the actor index, never by reading every case's history.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use crate::domain::case::CaseStatus;
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{anomalies, case_history, cases, complaints, risk_people};

/// The status of a card the office confirmed as a real anomaly.
pub(crate) const CONFIRMED: &str = "confirmed";

/// What the people who acted on one case bring to it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PersonFacts {
    pub risk: bool,
    pub complaints: i64,
    pub anomalies: i64,
}

/// The people with a standing: flagged, complained about, or with confirmed cards.
struct Standing {
    flagged: HashSet<i64>,
    complaints: HashMap<i64, i64>,
    anomalies: HashMap<i64, i64>,
}

impl Standing {
    fn load(conn: &mut DbConn) -> Result<Self, Error> {
        let flagged = risk_people::table
            .select(risk_people::user_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        let complaints = complaints::table
            .filter(complaints::staff_id.is_not_null())
            .group_by(complaints::staff_id)
            .select((complaints::staff_id, diesel::dsl::count_star()))
            .load::<(Option<i64>, i64)>(conn)?
            .into_iter()
            .filter_map(|(who, n)| Some((who?, n)))
            .collect();
        let anomalies = anomalies::table
            .inner_join(
                case_history::table.on(case_history::case_id.eq(anomalies::case_id).and(
                    anomalies::step
                        .lt(0)
                        .or(case_history::step_index.eq(anomalies::step)),
                )),
            )
            .filter(anomalies::status.eq(CONFIRMED))
            .filter(case_history::actor_id.is_not_null())
            .group_by(case_history::actor_id)
            .select((
                case_history::actor_id,
                diesel::dsl::count(anomalies::id).aggregate_distinct(),
            ))
            .load::<(Option<i64>, i64)>(conn)?
            .into_iter()
            .filter_map(|(who, n)| Some((who?, n)))
            .collect();
        Ok(Standing {
            flagged,
            complaints,
            anomalies,
        })
    }

    fn people(&self) -> Vec<i64> {
        let mut all: Vec<i64> = self
            .flagged
            .iter()
            .chain(self.complaints.keys())
            .chain(self.anomalies.keys())
            .copied()
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    fn add(&self, to: &mut PersonFacts, who: i64) {
        to.risk |= self.flagged.contains(&who);
        to.complaints = to
            .complaints
            .max(self.complaints.get(&who).copied().unwrap_or(0));
        to.anomalies = to
            .anomalies
            .max(self.anomalies.get(&who).copied().unwrap_or(0));
    }
}

/// The person facts of these cases (`None`: every open case); cases without any are left out.
pub(crate) fn person_facts(
    conn: &mut DbConn,
    cases: Option<&[i64]>,
) -> Result<HashMap<i64, PersonFacts>, Error> {
    let standing = Standing::load(conn)?;
    let people = standing.people();
    let mut out: HashMap<i64, PersonFacts> = HashMap::new();
    if people.is_empty() {
        return Ok(out);
    }
    let acted = || {
        case_history::table
            .filter(case_history::actor_id.eq_any(people.iter().copied().map(Some)))
            .select((case_history::case_id, case_history::actor_id))
            .distinct()
    };
    let pairs: Vec<(i64, Option<i64>)> = match cases {
        None => acted()
            .filter(
                case_history::case_id.eq_any(
                    cases::table
                        .filter(cases::status.eq_any(CaseStatus::OPEN))
                        .select(cases::id),
                ),
            )
            .load(conn)?,
        Some(ids) => {
            let mut pairs = Vec::new();
            for chunk in ids.chunks(500) {
                pairs.extend(
                    acted()
                        .filter(case_history::case_id.eq_any(chunk))
                        .load::<(i64, Option<i64>)>(conn)?,
                );
            }
            pairs
        }
    };
    for (case, who) in pairs {
        if let Some(who) = who {
            standing.add(out.entry(case).or_default(), who);
        }
    }
    Ok(out)
}

/// The open cases these users acted on: whose person facts change with the users' standing.
pub(crate) fn open_cases_acted_on_by(conn: &mut DbConn, users: &[i64]) -> Result<Vec<i64>, Error> {
    Ok(case_history::table
        .inner_join(cases::table)
        .filter(case_history::actor_id.eq_any(users.iter().copied().map(Some)))
        .filter(cases::status.eq_any(CaseStatus::OPEN))
        .select(case_history::case_id)
        .distinct()
        .load(conn)?)
}

/// Who acted on these cases: a card confirmed on one of them changes their standing.
pub(crate) fn actors_of(conn: &mut DbConn, cases: &[i64]) -> Result<Vec<i64>, Error> {
    Ok(case_history::table
        .filter(case_history::case_id.eq_any(cases))
        .filter(case_history::actor_id.is_not_null())
        .select(case_history::actor_id)
        .distinct()
        .load::<Option<i64>>(conn)?
        .into_iter()
        .flatten()
        .collect())
}

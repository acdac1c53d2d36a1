//! Combined cases (联办, parallel approval, R-2.2.5): one application for several items of
//! several departments files a normal case per item in one transaction; they run at once, each
//! in its own department, and the combined case concludes when they all have, by its denial rule.

mod conclude;
mod queries;

pub(crate) use conclude::sub_case_closed;

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::Caller;
use crate::domain::combined::{CombinedStatus, DenialRule, common_region_path};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, Filing, file_case};
use crate::store::DbConn;
use crate::store::schema::{combined_case_parts, combined_cases, regions};
use crate::wire::cases::NewCase;
use crate::wire::combined::{CombinedCase, NewCombinedCase};

/// Most items in one combined application.
const MAX_ITEMS: usize = 20;

/// One stored combined case.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = combined_cases)]
pub(crate) struct CombinedRow {
    pub id: i64,
    pub combined_no: String,
    pub region_id: i64,
    pub denial_rule: String,
    pub status: String,
    pub applicant_name: String,
    pub applicant_masked: String,
    pub created_at: i64,
    pub concluded_at: Option<i64>,
}

impl CombinedRow {
    fn rule(&self) -> DenialRule {
        DenialRule::parse(&self.denial_rule).unwrap_or(DenialRule::ContinueOthers)
    }

    fn status(&self) -> CombinedStatus {
        CombinedStatus::parse(&self.status).unwrap_or(CombinedStatus::InProgress)
    }
}

/// The sub-case applications of a combined one, checked together: every problem is named by
/// its place (`items[1].materials[0]`), the applicant's once.
fn sub_applications(new: &NewCombinedCase) -> Result<Vec<NewCase>, Error> {
    let mut v = Validator::new();
    v.check(
        (2..=MAX_ITEMS).contains(&new.items.len()),
        "items",
        "a combined case has 2 to 20 items",
    );
    for (i, item) in new.items.iter().enumerate() {
        if new.items[..i].iter().any(|o| o.item_id == item.item_id) {
            v.push(&format!("items[{i}].item_id"), "the item is named twice");
        }
    }
    v.finish()?;
    Ok(new
        .items
        .iter()
        .map(|item| NewCase {
            item_id: item.item_id,
            channel: new.channel,
            applicant: new.applicant.clone(),
            materials: item.materials.clone(),
            declared_quantity: item.declared_quantity,
            intake_window_id: new.intake_window_id,
            output_window_id: new.output_window_id,
            courier_pickup: None,
        })
        .collect())
}

/// The region of a combined case: the lowest one holding every sub-case's region (the city for
/// a city department's and a district department's items), so that its overview is read there
/// while each sub-case stays in its own region and department.
fn combined_region(conn: &mut DbConn, rows: &[CaseRow]) -> Result<i64, Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.region_id).collect();
    let paths: Vec<String> = regions::table
        .filter(regions::id.eq_any(&ids))
        .select(regions::path)
        .load(conn)?;
    let common = common_region_path(paths.iter().map(String::as_str))
        .ok_or_else(|| Error::invalid("items", "the items share no region"))?;
    Ok(regions::table
        .filter(regions::path.eq(&common))
        .select(regions::id)
        .get_result(conn)?)
}

impl Services {
    /// Files a combined case: a sub-case per item (each in its item's region and department),
    /// in one transaction.
    pub async fn submit_combined_case(
        &self,
        caller: &Caller,
        new: NewCombinedCase,
    ) -> Result<CombinedCase, Error> {
        let subs = sub_applications(&new)?;
        let mut v = Validator::new();
        let mut applicant = None;
        for (i, sub) in subs.iter().enumerate() {
            match self.sealed_applicant(sub) {
                Ok(sealed) => applicant = applicant.or(Some(sealed)),
                Err(Error::Validation(errors)) => {
                    for e in errors {
                        if e.field.starts_with("materials") {
                            v.push(&format!("items[{i}].{}", e.field), e.reason);
                        } else if i == 0 {
                            v.push(&e.field, e.reason);
                        }
                    }
                }
                Err(other) => return Err(other),
            }
        }
        v.finish()?;
        let applicant = applicant.ok_or_else(|| Error::invalid("items", "no items"))?;
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        let rule = new.denial_rule;
        self.store
            .write(move |conn| {
                let mut rows = Vec::with_capacity(subs.len());
                for (i, sub) in subs.iter().enumerate() {
                    let row = file_case(conn, &caller, sub, &applicant, (now, tz), Filing::Live)
                        .map_err(|e| match e {
                            Error::Validation(errors) => Error::Validation(
                                errors
                                    .into_iter()
                                    .map(|mut f| {
                                        if f.field == "item_id" {
                                            f.field = format!("items[{i}].item_id");
                                        }
                                        f
                                    })
                                    .collect(),
                            ),
                            other => other,
                        })?;
                    rows.push(row);
                }
                let first = rows
                    .first()
                    .ok_or_else(|| Error::invalid("items", "no items"))?;
                let combined_no = format!("L{}", first.case_no);
                let region_id = combined_region(conn, &rows)?;
                let id: i64 = diesel::insert_into(combined_cases::table)
                    .values((
                        combined_cases::combined_no.eq(&combined_no),
                        combined_cases::region_id.eq(region_id),
                        combined_cases::denial_rule.eq(rule.as_str()),
                        combined_cases::status.eq(CombinedStatus::InProgress.as_str()),
                        combined_cases::applicant_name.eq(subs[0].applicant.name.trim()),
                        combined_cases::applicant_masked.eq(&applicant.masked),
                        combined_cases::created_at.eq(now),
                    ))
                    .returning(combined_cases::id)
                    .get_result(conn)?;
                for (position, row) in (0_i64..).zip(rows.iter()) {
                    diesel::insert_into(combined_case_parts::table)
                        .values((
                            combined_case_parts::case_id.eq(row.id),
                            combined_case_parts::combined_id.eq(id),
                            combined_case_parts::position.eq(position),
                        ))
                        .execute(conn)?;
                }
                let case_nos: Vec<&str> = rows.iter().map(|r| r.case_no.as_str()).collect();
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(region_id),
                        after: Some(json!({"status": "in_progress"})),
                        payload: json!({
                            "combined_no": combined_no, "denial_rule": rule.as_str(),
                            "applicant": applicant.masked, "cases": case_nos,
                        }),
                        ..Change::new(
                            "combined_case.submit",
                            "combined_case.submitted",
                            "combined_case",
                            id,
                        )
                    },
                )?;
                queries::wire_combined(conn, id)
            })
            .await
    }
}

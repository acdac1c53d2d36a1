//! Issuing a license when its case concludes approved, and revoking one.

use diesel::prelude::*;
use serde_json::json;

use super::{license_in_scope, wire_one};
use crate::domain::access::{Caller, Permission};
use crate::domain::catalogue::ItemType;
use crate::domain::license::{DEFAULT_VALID_YEARS, LicenseStatus, TrustLevel, valid_until};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::case_hooks::When;
use crate::service::cases::{CaseRow, local_date};
use crate::service::catalogue::ItemRow;
use crate::store::DbConn;
use crate::store::schema::{cases, catalogue_items, licenses};
use crate::wire::licenses::License;

/// Item extension naming the kind of license an item issues (default: the item's name).
const KIND_EXTENSION: &str = "license_kind";
/// Item extension giving the years a license is valid (default: [`DEFAULT_VALID_YEARS`]).
const YEARS_EXTENSION: &str = "license_valid_years";

/// Issues the license of a case that just concluded approved, in the conclusion's transaction:
/// items of the licensing or confirmation type, and any item naming a `license_kind`, issue one.
/// A license issued here is the issuing department's own electronic license: trust level A.
pub(crate) fn issue(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CaseRow,
    (now, tz): When,
) -> Result<(), Error> {
    let item: ItemRow = catalogue_items::table
        .find(row.item_id)
        .select(ItemRow::as_select())
        .get_result(conn)?;
    let content = item.content()?;
    let named = content.extensions.get(KIND_EXTENSION);
    let issues = named.is_some()
        || matches!(
            content.item_type,
            ItemType::Licensing | ItemType::Confirmation
        );
    if !issues {
        return Ok(());
    }
    let kind = named.cloned().unwrap_or_else(|| content.name.clone());
    let years = content
        .extensions
        .get(YEARS_EXTENSION)
        .and_then(|y| y.trim().parse::<u32>().ok())
        .filter(|y| (1..=100).contains(y))
        .unwrap_or(DEFAULT_VALID_YEARS);
    let from = local_date(now, tz);
    let to = valid_until(from, years);
    let details = row.details()?;
    let blind: String = cases::table
        .find(row.id)
        .select(cases::id_blind)
        .get_result(conn)?;
    let license_no = format!("DZZZ-{}", row.case_no);
    let id: i64 = diesel::insert_into(licenses::table)
        .values((
            licenses::license_no.eq(&license_no),
            licenses::kind.eq(&kind),
            licenses::case_id.eq(row.id),
            licenses::region_id.eq(row.region_id),
            licenses::department_id.eq(row.department_id),
            licenses::holder_blind.eq(&blind),
            licenses::holder_name.eq(&details.applicant_name),
            licenses::holder_masked.eq(&details.id_masked),
            licenses::trust_level.eq(TrustLevel::A.as_str()),
            licenses::valid_from.eq(from.to_string()),
            licenses::valid_to.eq(to.to_string()),
            licenses::status.eq(LicenseStatus::Valid.as_str()),
            licenses::issued_at.eq(now),
        ))
        .returning(licenses::id)
        .get_result(conn)?;
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            after: Some(json!({"status": "valid", "valid_from": from, "valid_to": to})),
            payload: json!({
                "license_no": license_no, "kind": kind, "case_no": row.case_no,
                "holder": details.id_masked, "trust_level": "A",
                "valid_from": from, "valid_to": to,
            }),
            ..Change::new("license.issue", "license.issued", "license", id)
        },
    )?;
    Ok(())
}

impl Services {
    /// Revokes a license (吊销/注销) with a reason; it no longer covers any material.
    pub async fn revoke_license(
        &self,
        caller: &Caller,
        id: i64,
        reason: String,
    ) -> Result<License, Error> {
        Validator::new().text(&reason, "reason", 2_000).finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .write(move |conn| {
                let mut row = license_in_scope(conn, &caller, Permission::CaseHandle, id)?;
                if row.status() == LicenseStatus::Revoked {
                    return Err(Error::conflict("the license is already revoked"));
                }
                let reason = reason.trim().to_owned();
                diesel::update(licenses::table.find(id))
                    .set((
                        licenses::status.eq(LicenseStatus::Revoked.as_str()),
                        licenses::revoked_at.eq(now),
                        licenses::revoke_reason.eq(&reason),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(row.region_id),
                        department_id: Some(row.department_id),
                        before: Some(json!({"status": "valid"})),
                        after: Some(json!({"status": "revoked"})),
                        payload: json!({
                            "license_no": row.license_no, "kind": row.kind,
                            "holder": row.holder_masked, "reason": reason,
                        }),
                        ..Change::new("license.revoke", "license.revoked", "license", id)
                    },
                )?;
                row.status = LicenseStatus::Revoked.as_str().to_owned();
                row.revoked_at = Some(now);
                row.revoke_reason = Some(reason);
                wire_one(conn, &row, local_date(now, tz))
            })
            .await
    }
}

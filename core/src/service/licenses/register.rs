//! Licenses from elsewhere: registered at a window (another platform's license, a paper
//! certificate checked there) or taken over from the provincial e-license library when a case
//! reuses one, each with its source, issuer and trust level, so that the reuse names it.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use super::reuse::holder_number;
use super::{LicenseRow, license_in_scope, wire_one};
use crate::clock::Millis;
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::license::{LicenseSource, LicenseStatus, TrustLevel};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::cases::{CaseRow, SealedApplicant, local_date};
use crate::store::DbConn;
use crate::store::schema::{departments, license_origins, licenses, regions};
use crate::wire::licenses::{ExternalLicense, License};
use crate::wire::regulation::LibraryLicense;

/// One license to store that no case of the platform issued.
struct Registration<'a> {
    source: LicenseSource,
    license_no: &'a str,
    kind: &'a str,
    issuer: Option<&'a str>,
    trust_level: TrustLevel,
    holder: (&'a str, &'a str, &'a str),
    dates: (NaiveDate, NaiveDate),
    owner: (i64, i64),
}

/// Stores the license with its audit entry and `license.registered` event; its id.
fn insert(conn: &mut DbConn, actor: &Actor, now: Millis, r: &Registration) -> Result<i64, Error> {
    let (blind, name, masked) = r.holder;
    let (from, to) = r.dates;
    let (region_id, department_id) = r.owner;
    let id: i64 = diesel::insert_into(licenses::table)
        .values((
            licenses::license_no.eq(r.license_no),
            licenses::kind.eq(r.kind),
            licenses::region_id.eq(region_id),
            licenses::department_id.eq(department_id),
            licenses::holder_blind.eq(blind),
            licenses::holder_name.eq(name),
            licenses::holder_masked.eq(masked),
            licenses::trust_level.eq(r.trust_level.as_str()),
            licenses::valid_from.eq(from.to_string()),
            licenses::valid_to.eq(to.to_string()),
            licenses::status.eq(LicenseStatus::Valid.as_str()),
            licenses::issued_at.eq(now),
        ))
        .returning(licenses::id)
        .get_result(conn)?;
    diesel::insert_into(license_origins::table)
        .values((
            license_origins::license_id.eq(id),
            license_origins::source.eq(r.source.as_str()),
            license_origins::issuer.eq(r.issuer),
        ))
        .execute(conn)?;
    let payload = json!({
        "license_no": r.license_no, "kind": r.kind, "source": r.source.as_str(),
        "issuer": r.issuer, "trust_level": r.trust_level.as_str(), "holder": masked,
        "valid_from": from, "valid_to": to,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(region_id),
            department_id: Some(department_id),
            after: Some(payload.clone()),
            payload,
            ..Change::new("license.register", "license.registered", "license", id)
        },
    )?;
    Ok(id)
}

/// The registry's copy of a library license that a case just filed reuses, registered now
/// under the case's region and department unless an earlier reuse registered it. None when the
/// number is registered for another holder: that license cannot stand in for this applicant.
pub(super) fn from_library(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CaseRow,
    applicant: &SealedApplicant,
    found: &LibraryLicense,
    now: Millis,
) -> Result<Option<i64>, Error> {
    let known: Option<(i64, String)> = licenses::table
        .filter(licenses::license_no.eq(&found.license_no))
        .select((licenses::id, licenses::holder_blind))
        .get_result(conn)
        .optional()?;
    if let Some((id, blind)) = known {
        return Ok((blind == applicant.blind).then_some(id));
    }
    let name = row.details()?.applicant_name;
    let registration = Registration {
        source: LicenseSource::Library,
        license_no: &found.license_no,
        kind: &found.kind,
        issuer: found.issuer.as_deref(),
        trust_level: found.trust_level,
        holder: (&applicant.blind, &name, &applicant.masked),
        dates: (found.valid_from, found.valid_to),
        owner: (row.region_id, row.department_id),
    };
    insert(conn, actor, now, &registration).map(Some)
}

impl Services {
    /// Registers a license from elsewhere (another platform, or a paper certificate checked at
    /// a window) under a department the caller handles cases for.
    pub async fn register_license(
        &self,
        caller: &Caller,
        new: ExternalLicense,
    ) -> Result<License, Error> {
        let mut v = Validator::new();
        v.text(&new.license_no, "license_no", 100)
            .text(&new.kind, "kind", 200)
            .text(&new.issuer, "issuer", 200)
            .text(&new.holder_name, "holder_name", 200)
            .check(
                new.valid_from <= new.valid_to,
                "valid_to",
                "must not be before valid_from",
            );
        match new.source {
            LicenseSource::Issued | LicenseSource::Library => {
                v.push(
                    "source",
                    "other_platform or paper_certificate: licenses issued here and library \
                     licenses are registered by the platform itself",
                );
            }
            source => {
                if let Some(why) = source.refuses(new.trust_level) {
                    v.push("trust_level", why);
                }
            }
        }
        let number = holder_number(&new.id_number);
        if let Err(Error::Validation(errors)) = &number {
            for e in errors {
                v.push(&e.field, e.reason.clone());
            }
        }
        v.finish()?;
        let number = number?;
        let blind = self.vault.blind_index(&number);
        let masked = crate::crypto::mask(&number, 6, 4);
        let caller = caller.clone();
        let now = self.clock.now();
        let tz = self.config.time_zone()?;
        self.store
            .write(move |conn| {
                let department_id = new.department_id.0;
                let (region_id, path): (i64, String) = departments::table
                    .inner_join(regions::table)
                    .filter(departments::id.eq(department_id))
                    .select((departments::region_id, regions::path))
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::invalid("department_id", "no such department"))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(new.department_id),
                    owner_id: None,
                };
                if !caller.may(Permission::CaseHandle, &target) {
                    return Err(Error::forbidden(
                        "registering a license needs case.handle over the department",
                    ));
                }
                let license_no = new.license_no.trim();
                let taken: i64 = licenses::table
                    .filter(licenses::license_no.eq(license_no))
                    .count()
                    .get_result(conn)?;
                if taken > 0 {
                    return Err(Error::conflict(format!(
                        "license {license_no} is already in the registry"
                    )));
                }
                let registration = Registration {
                    source: new.source,
                    license_no,
                    kind: new.kind.trim(),
                    issuer: Some(new.issuer.trim()),
                    trust_level: new.trust_level,
                    holder: (&blind, new.holder_name.trim(), &masked),
                    dates: (new.valid_from, new.valid_to),
                    owner: (region_id, department_id),
                };
                let id = insert(conn, &Actor::of(&caller), now, &registration)?;
                let row: LicenseRow = license_in_scope(conn, &caller, Permission::CaseRead, id)?;
                wire_one(conn, &row, local_date(now, tz))
            })
            .await
    }
}

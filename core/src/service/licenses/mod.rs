//! The e-license registry (电子证照, R-2.2.3): licenses issued by approved cases, their reuse as
//! application material, revocation, and paper-certificate production (制证, R-3.1).
//!
//! A license belongs to its case's region and department; reading it needs `case.read` there,
//! changing it (revoking, printing) `case.handle`. Its holder is found by the same blind index
//! as the cases' applicants and only ever shown masked.

mod certificate;
mod issue;
mod prints;
mod queries;
mod register;
mod reuse;

pub(crate) use issue::issue;
pub(crate) use reuse::record_reuses;

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::domain::access::{Caller, Permission, Target};
use crate::domain::case::CaseId;
use crate::domain::ids::{DepartmentId, RegionId};
use crate::domain::license::{LicenseSource, LicenseStatus, TrustLevel, is_valid_on};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{license_origins, licenses, regions};
use crate::wire::licenses::{License, LicenseHolder};
use crate::wire::time;

/// One stored license.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = licenses)]
pub(crate) struct LicenseRow {
    pub id: i64,
    pub license_no: String,
    pub kind: String,
    pub case_id: Option<i64>,
    pub region_id: i64,
    pub department_id: i64,
    pub holder_name: String,
    pub holder_masked: String,
    pub trust_level: String,
    pub valid_from: String,
    pub valid_to: String,
    pub status: String,
    pub issued_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

impl LicenseRow {
    fn status(&self) -> LicenseStatus {
        LicenseStatus::parse(&self.status).unwrap_or(LicenseStatus::Revoked)
    }

    fn trust_level(&self) -> TrustLevel {
        TrustLevel::parse(&self.trust_level).unwrap_or(TrustLevel::D)
    }

    fn dates(&self) -> (NaiveDate, NaiveDate) {
        let parse = |s: &str| s.parse().unwrap_or(NaiveDate::MIN);
        (parse(&self.valid_from), parse(&self.valid_to))
    }

    fn wire(&self, today: NaiveDate, (source, issuer): Origin) -> License {
        let (valid_from, valid_to) = self.dates();
        License {
            id: self.id,
            license_no: self.license_no.clone(),
            kind: self.kind.clone(),
            case_id: self.case_id.map(CaseId),
            source,
            issuer,
            region_id: RegionId(self.region_id),
            department_id: DepartmentId(self.department_id),
            holder: LicenseHolder {
                name: self.holder_name.clone(),
                id_number: self.holder_masked.clone(),
            },
            trust_level: self.trust_level(),
            valid_from,
            valid_to,
            status: self.status(),
            valid_today: is_valid_on(self.status(), valid_from, valid_to, today),
            issued_at: time(self.issued_at),
            revoked_at: self.revoked_at.map(time),
            revoke_reason: self.revoke_reason.clone(),
        }
    }
}

/// Where a license came from and who issued it, when not here.
type Origin = (LicenseSource, Option<String>);

fn origin((source, issuer): (String, Option<String>)) -> Origin {
    let source = LicenseSource::parse(&source).unwrap_or(LicenseSource::OtherPlatform);
    (source, issuer)
}

/// The origin of one license: a license without an origin row was issued here.
fn origin_of(conn: &mut DbConn, id: i64) -> Result<Origin, Error> {
    let found: Option<(String, Option<String>)> = license_origins::table
        .find(id)
        .select((license_origins::source, license_origins::issuer))
        .get_result(conn)
        .optional()?;
    Ok(found.map_or((LicenseSource::Issued, None), origin))
}

/// One license as answered.
fn wire_one(conn: &mut DbConn, row: &LicenseRow, today: NaiveDate) -> Result<License, Error> {
    Ok(row.wire(today, origin_of(conn, row.id)?))
}

/// Licenses as answered, their origins read in one query.
fn wire_all(
    conn: &mut DbConn,
    rows: &[LicenseRow],
    today: NaiveDate,
) -> Result<Vec<License>, Error> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let found: Vec<(i64, String, Option<String>)> = license_origins::table
        .filter(license_origins::license_id.eq_any(&ids))
        .select((
            license_origins::license_id,
            license_origins::source,
            license_origins::issuer,
        ))
        .load(conn)?;
    let mut origins: HashMap<i64, Origin> = found
        .into_iter()
        .map(|(id, source, issuer)| (id, origin((source, issuer))))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let o = origins
                .remove(&r.id)
                .unwrap_or((LicenseSource::Issued, None));
            r.wire(today, o)
        })
        .collect())
}

/// The license, or not-found when it is missing or the caller may not read it; forbidden when
/// the caller may read it but not use `perm` on it.
fn license_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: i64,
) -> Result<LicenseRow, Error> {
    let (row, path): (LicenseRow, String) = licenses::table
        .inner_join(regions::table)
        .filter(licenses::id.eq(id))
        .select((LicenseRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("license", id))?;
    let target = Target {
        region_path: Some(&path),
        department_id: Some(DepartmentId(row.department_id)),
        owner_id: None,
    };
    caller.check(perm, Permission::CaseRead, &target, "license", id)?;
    Ok(row)
}

//! License reads: one license, the scoped list, and an applicant's valid licenses by number.

use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::reuse::holder_number;
use super::{LicenseRow, license_in_scope, wire_all, wire_one};
use crate::domain::access::{Caller, Permission};
use crate::domain::license::LicenseSource;
use crate::error::Error;
use crate::service::Services;
use crate::service::cases::local_date;
use crate::service::org::ScopeSql;
use crate::store::schema::{license_origins, licenses};
use crate::wire::licenses::{License, LicenseQuery};
use crate::wire::{Page, PageQuery, page_of};

impl Services {
    /// One license, its holder masked.
    pub async fn get_license(&self, caller: &Caller, id: i64) -> Result<License, Error> {
        let caller = caller.clone();
        let today = local_date(self.clock.now(), self.config.time_zone()?);
        self.store
            .read(move |conn| {
                let row = license_in_scope(conn, &caller, Permission::CaseRead, id)?;
                wire_one(conn, &row, today)
            })
            .await
    }

    /// Licenses within the caller's case.read scope, oldest first.
    pub async fn list_licenses(
        &self,
        caller: &Caller,
        query: LicenseQuery,
    ) -> Result<Page<License>, Error> {
        let caller = caller.clone();
        let today = local_date(self.clock.now(), self.config.time_zone()?);
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CaseRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("reading licenses needs case.read"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = licenses::table
                    .filter(licenses::id.gt(page.after()))
                    .order(licenses::id.asc())
                    .limit(limit + 1)
                    .select(LicenseRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        licenses::region_id
                            .eq_any(scope.region_ids)
                            .or(licenses::department_id.eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(licenses::status.eq(s.as_str()));
                }
                if let Some(source) = query.source {
                    // Licenses issued here have no origin row.
                    let origin =
                        license_origins::table.filter(license_origins::license_id.eq(licenses::id));
                    q = match source {
                        LicenseSource::Issued => q.filter(not(exists(origin))),
                        from => q.filter(exists(
                            origin.filter(license_origins::source.eq(from.as_str())),
                        )),
                    };
                }
                if let Some(kind) = &query.kind {
                    q = q.filter(licenses::kind.eq(kind.trim().to_owned()));
                }
                let rows: Vec<LicenseRow> = q.load(conn)?;
                let items = wire_all(conn, &rows, today)?;
                Ok(page_of(items, limit, |l: &License| l.id))
            })
            .await
    }

    /// An applicant's licenses valid today (one-number handling), within the caller's scope.
    pub async fn holder_licenses(
        &self,
        caller: &Caller,
        id_number: &str,
    ) -> Result<Vec<License>, Error> {
        let blind = self.vault.blind_index(&holder_number(id_number)?);
        let caller = caller.clone();
        let today = local_date(self.clock.now(), self.config.time_zone()?);
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CaseRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("reading licenses needs case.read"));
                }
                let day = today.to_string();
                let mut q = licenses::table
                    .filter(licenses::holder_blind.eq(blind))
                    .filter(licenses::status.eq("valid"))
                    .filter(licenses::valid_from.le(day.clone()))
                    .filter(licenses::valid_to.ge(day))
                    .order(licenses::id.asc())
                    .select(LicenseRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        licenses::region_id
                            .eq_any(scope.region_ids)
                            .or(licenses::department_id.eq_any(scope.department_ids)),
                    );
                }
                let rows: Vec<LicenseRow> = q.load(conn)?;
                wire_all(conn, &rows, today)
            })
            .await
    }
}

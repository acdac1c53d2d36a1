//! Regions and departments, and how a caller's data scope becomes a SQL filter.

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission, Target, region_path};
use crate::domain::ids::{DepartmentId, RegionId};
use crate::domain::org::RegionLevel;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{departments, regions};
use crate::wire::org::{Department, NewDepartment, NewRegion, Region};
use crate::wire::{Page, PageQuery, page_of, time};

/// A caller's visible rows for one permission, resolved to ids for `IN (…)` filters.
#[derive(Debug, Clone, Default)]
pub struct ScopeSql {
    /// Regions in the caller's region subtrees.
    pub region_ids: Vec<i64>,
    pub department_ids: Vec<i64>,
    pub owner: Option<i64>,
    /// The caller holds the root region: everything, including records with no region.
    pub global: bool,
}

impl ScopeSql {
    pub fn load(conn: &mut DbConn, caller: &Caller, perm: Permission) -> Result<Self, Error> {
        let f = caller.filter(perm);
        let global = f.region_paths.iter().any(|p| p.matches('/').count() == 2);
        let mut region_ids = Vec::new();
        if !global {
            for p in &f.region_paths {
                let ids: Vec<i64> = regions::table
                    .filter(regions::path.like(format!("{p}%")))
                    .select(regions::id)
                    .load(conn)?;
                region_ids.extend(ids);
            }
        }
        Ok(ScopeSql {
            region_ids,
            department_ids: f.department_ids.iter().map(|d| d.0).collect(),
            owner: f.owner.map(|u| u.0),
            global,
        })
    }

    /// What either of two scopes reaches (a caller who may read or must reply).
    pub fn union(mut self, other: ScopeSql) -> ScopeSql {
        self.global |= other.global;
        self.region_ids.extend(other.region_ids);
        self.department_ids.extend(other.department_ids);
        self.owner = self.owner.or(other.owner);
        self
    }

    pub fn is_empty(&self) -> bool {
        !self.global
            && self.region_ids.is_empty()
            && self.department_ids.is_empty()
            && self.owner.is_none()
    }
}

#[derive(Queryable, Clone)]
pub(crate) struct RegionRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub created_at: i64,
}

impl RegionRow {
    pub(crate) fn wire(&self) -> Region {
        Region {
            id: RegionId(self.id),
            code: self.code.clone(),
            name: self.name.clone(),
            level: RegionLevel::parse(&self.level).unwrap_or(RegionLevel::Town),
            parent_id: self.parent_id.map(RegionId),
            created_at: time(self.created_at),
        }
    }
}

/// The region's tree path, or not-found.
pub(crate) fn region_path_of(conn: &mut DbConn, id: i64) -> Result<String, Error> {
    regions::table
        .find(id)
        .select(regions::path)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("region", id))
}

/// A place a request names by region (and maybe department): the region's tree path; 422 on
/// `region_id` or `department_id` when either does not exist.
pub(crate) fn named_place(
    conn: &mut DbConn,
    region: i64,
    department: Option<i64>,
) -> Result<String, Error> {
    let path: String = regions::table
        .find(region)
        .select(regions::path)
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("region_id", "no such region"))?;
    if let Some(d) = department {
        let known: Option<i64> = departments::table
            .find(d)
            .select(departments::id)
            .get_result(conn)
            .optional()?;
        if known.is_none() {
            return Err(Error::invalid("department_id", "no such department"));
        }
    }
    Ok(path)
}

fn region_target(path: &str) -> Target<'_> {
    Target {
        region_path: Some(path),
        ..Default::default()
    }
}

/// Inserts a region (used by the API and by bootstrap); the caller's check is done before.
pub(crate) fn insert_region(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    new: &NewRegion,
) -> Result<Region, Error> {
    let parent = match new.parent_id {
        Some(pid) => Some(
            regions::table
                .find(pid.0)
                .get_result::<RegionRow>(conn)
                .optional()?
                .ok_or_else(|| Error::invalid("parent_id", "no such region"))?,
        ),
        None => None,
    };
    match &parent {
        Some(p) => {
            let expected = RegionLevel::parse(&p.level).and_then(RegionLevel::child);
            if expected != Some(new.level) {
                return Err(Error::invalid(
                    "level",
                    format!(
                        "a child of a {} region must be of the level below it",
                        p.level
                    ),
                ));
            }
        }
        None => {
            let roots: i64 = regions::table
                .filter(regions::parent_id.is_null())
                .count()
                .get_result(conn)?;
            if roots > 0 {
                return Err(Error::invalid(
                    "parent_id",
                    "a deployment has one root region; name the parent",
                ));
            }
        }
    }
    let id: i64 = diesel::insert_into(regions::table)
        .values((
            regions::code.eq(new.code.trim()),
            regions::name.eq(new.name.trim()),
            regions::level.eq(new.level.as_str()),
            regions::parent_id.eq(new.parent_id.map(|p| p.0)),
            regions::path.eq(""),
            regions::created_at.eq(now),
        ))
        .returning(regions::id)
        .get_result(conn)?;
    let path = region_path(parent.as_ref().map(|p| p.path.as_str()), RegionId(id));
    diesel::update(regions::table.find(id))
        .set(regions::path.eq(&path))
        .execute(conn)?;
    let row: RegionRow = regions::table.find(id).get_result(conn)?;
    let region = row.wire();
    let after = serde_json::to_value(&region).map_err(|e| Error::Internal(e.to_string()))?;
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(id),
            after: Some(after.clone()),
            payload: after,
            ..Change::new("region.create", "region.created", "region", id)
        },
    )?;
    Ok(region)
}

fn validate_region(new: &NewRegion) -> Result<(), Error> {
    Validator::new()
        .text(&new.name, "name", 100)
        .text(&new.code, "code", 20)
        .check(
            new.code.chars().all(|c| c.is_ascii_alphanumeric()),
            "code",
            "must be letters and digits (the division code)",
        )
        .finish()
}

impl Services {
    pub async fn create_region(&self, caller: &Caller, new: NewRegion) -> Result<Region, Error> {
        validate_region(&new)?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let allowed = match new.parent_id {
                    Some(pid) => {
                        let path = region_path_of(conn, pid.0)
                            .map_err(|_| Error::invalid("parent_id", "no such region"))?;
                        caller.may(Permission::OrgManage, &region_target(&path))
                    }
                    None => false,
                };
                if !allowed {
                    return Err(Error::forbidden(
                        "creating a region needs org.manage over its parent region",
                    ));
                }
                insert_region(conn, now, &Actor::of(&caller), &new)
            })
            .await
    }

    pub async fn get_region(&self, caller: &Caller, id: RegionId) -> Result<Region, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let row: RegionRow = regions::table
                    .find(id.0)
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("region", id))?;
                if !caller.may(Permission::OrgRead, &region_target(&row.path)) {
                    return Err(Error::not_found("region", id));
                }
                Ok(row.wire())
            })
            .await
    }

    pub async fn list_regions(
        &self,
        caller: &Caller,
        page: PageQuery,
    ) -> Result<Page<Region>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::OrgRead)?;
                let limit = page.limit();
                let mut q = regions::table
                    .filter(regions::id.gt(page.after()))
                    .order(regions::id.asc())
                    .limit(limit + 1)
                    .into_boxed();
                if !scope.global {
                    q = q.filter(regions::id.eq_any(scope.region_ids));
                }
                let rows: Vec<RegionRow> = q.load(conn)?;
                Ok(page_of(
                    rows.iter().map(RegionRow::wire).collect(),
                    limit,
                    |r| r.id.0,
                ))
            })
            .await
    }

    pub async fn create_department(
        &self,
        caller: &Caller,
        new: NewDepartment,
    ) -> Result<Department, Error> {
        Validator::new()
            .text(&new.name, "name", 100)
            .text(&new.code, "code", 40)
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let path = region_path_of(conn, new.region_id.0)
                    .map_err(|_| Error::invalid("region_id", "no such region"))?;
                if !caller.may(Permission::OrgManage, &region_target(&path)) {
                    return Err(Error::forbidden(
                        "creating a department needs org.manage over its region",
                    ));
                }
                let id: i64 = diesel::insert_into(departments::table)
                    .values((
                        departments::region_id.eq(new.region_id.0),
                        departments::code.eq(new.code.trim()),
                        departments::name.eq(new.name.trim()),
                        departments::created_at.eq(now),
                    ))
                    .returning(departments::id)
                    .get_result(conn)?;
                let dep = Department {
                    id: DepartmentId(id),
                    region_id: new.region_id,
                    code: new.code.trim().to_owned(),
                    name: new.name.trim().to_owned(),
                    created_at: time(now),
                };
                let after = json!(dep);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(new.region_id.0),
                        department_id: Some(id),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("department.create", "department.created", "department", id)
                    },
                )?;
                Ok(dep)
            })
            .await
    }

    pub async fn get_department(
        &self,
        caller: &Caller,
        id: DepartmentId,
    ) -> Result<Department, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let (row, path): (DepartmentRow, String) = departments::table
                    .inner_join(regions::table)
                    .filter(departments::id.eq(id.0))
                    .select((DepartmentRow::as_select(), regions::path))
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("department", id))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(id),
                    owner_id: None,
                };
                if !caller.may(Permission::OrgRead, &target) {
                    return Err(Error::not_found("department", id));
                }
                Ok(row.wire())
            })
            .await
    }

    pub async fn list_departments(
        &self,
        caller: &Caller,
        page: PageQuery,
    ) -> Result<Page<Department>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::OrgRead)?;
                let limit = page.limit();
                let mut q = departments::table
                    .filter(departments::id.gt(page.after()))
                    .order(departments::id.asc())
                    .limit(limit + 1)
                    .select(DepartmentRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        departments::region_id
                            .eq_any(scope.region_ids)
                            .or(departments::id.eq_any(scope.department_ids)),
                    );
                }
                let rows: Vec<DepartmentRow> = q.load(conn)?;
                Ok(page_of(
                    rows.iter().map(DepartmentRow::wire).collect(),
                    limit,
                    |d| d.id.0,
                ))
            })
            .await
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = departments)]
struct DepartmentRow {
    id: i64,
    region_id: i64,
    code: String,
    name: String,
    created_at: i64,
}

impl DepartmentRow {
    fn wire(&self) -> Department {
        Department {
            id: DepartmentId(self.id),
            region_id: RegionId(self.region_id),
            code: self.code.clone(),
            name: self.name.clone(),
            created_at: time(self.created_at),
        }
    }
}

impl Services {
    /// A region by its division code (for operators' commands and imports).
    pub async fn region_by_code(&self, code: &str) -> Result<Option<Region>, Error> {
        let code = code.to_owned();
        self.store
            .read(move |conn| {
                Ok(regions::table
                    .filter(regions::code.eq(&code))
                    .get_result::<RegionRow>(conn)
                    .optional()?
                    .map(|r| r.wire()))
            })
            .await
    }

    /// The root of the region tree.
    pub async fn root_region(&self) -> Result<Region, Error> {
        self.store
            .read(|conn| {
                let row: RegionRow = regions::table
                    .filter(regions::parent_id.is_null())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("region", "root"))?;
                Ok(row.wire())
            })
            .await
    }
}

//! Service halls, their areas and their windows.

use diesel::prelude::*;
use serde_json::json;

use crate::domain::access::{Caller, Permission, Target};
use crate::domain::ids::{AreaId, DepartmentId, HallId, RegionId, WindowId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::{ScopeSql, region_path_of};
use crate::store::DbConn;
use crate::store::schema::{departments, hall_areas, halls, regions, windows};
use crate::wire::org::{Area, Hall, NewArea, NewHall, NewWindow, Window};
use crate::wire::{Page, PageQuery, page_of, time};

#[derive(Queryable, Selectable)]
#[diesel(table_name = halls)]
struct HallRow {
    id: i64,
    region_id: i64,
    name: String,
    address: String,
    created_at: i64,
}

impl HallRow {
    fn wire(&self) -> Hall {
        Hall {
            id: HallId(self.id),
            region_id: RegionId(self.region_id),
            name: self.name.clone(),
            address: self.address.clone(),
            created_at: time(self.created_at),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = hall_areas)]
struct AreaRow {
    id: i64,
    hall_id: i64,
    prefix: String,
    name: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = windows)]
struct WindowRow {
    id: i64,
    hall_id: i64,
    area_id: Option<i64>,
    department_id: Option<i64>,
    number: String,
    name: String,
}

impl WindowRow {
    fn wire(self) -> Window {
        Window {
            id: WindowId(self.id),
            hall_id: HallId(self.hall_id),
            area_id: self.area_id.map(AreaId),
            department_id: self.department_id.map(DepartmentId),
            number: self.number,
            name: self.name,
        }
    }
}

/// The hall and its region's path, or not-found when it is missing or outside `perm`'s scope.
fn hall_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: HallId,
) -> Result<(HallRow, String), Error> {
    let (hall, path): (HallRow, String) = halls::table
        .inner_join(regions::table)
        .filter(halls::id.eq(id.0))
        .select((HallRow::as_select(), regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("hall", id))?;
    let target = Target {
        region_path: Some(&path),
        ..Default::default()
    };
    caller.check(perm, Permission::OrgRead, &target, "hall", id)?;
    Ok((hall, path))
}

impl Services {
    pub async fn create_hall(&self, caller: &Caller, new: NewHall) -> Result<Hall, Error> {
        Validator::new()
            .text(&new.name, "name", 100)
            .text(&new.address, "address", 200)
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let path = region_path_of(conn, new.region_id.0)
                    .map_err(|_| Error::invalid("region_id", "no such region"))?;
                let target = Target {
                    region_path: Some(&path),
                    ..Default::default()
                };
                if !caller.may(Permission::OrgManage, &target) {
                    return Err(Error::forbidden(
                        "creating a hall needs org.manage over its region",
                    ));
                }
                let id: i64 = diesel::insert_into(halls::table)
                    .values((
                        halls::region_id.eq(new.region_id.0),
                        halls::name.eq(new.name.trim()),
                        halls::address.eq(new.address.trim()),
                        halls::created_at.eq(now),
                    ))
                    .returning(halls::id)
                    .get_result(conn)?;
                let hall = Hall {
                    id: HallId(id),
                    region_id: new.region_id,
                    name: new.name.trim().into(),
                    address: new.address.trim().into(),
                    created_at: time(now),
                };
                let after = json!(hall);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(new.region_id.0),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("hall.create", "hall.created", "hall", id)
                    },
                )?;
                Ok(hall)
            })
            .await
    }

    pub async fn get_hall(&self, caller: &Caller, id: HallId) -> Result<Hall, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                Ok(hall_in_scope(conn, &caller, Permission::OrgRead, id)?
                    .0
                    .wire())
            })
            .await
    }

    pub async fn list_halls(&self, caller: &Caller, page: PageQuery) -> Result<Page<Hall>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::OrgRead)?;
                let limit = page.limit();
                let mut q = halls::table
                    .filter(halls::id.gt(page.after()))
                    .order(halls::id.asc())
                    .limit(limit + 1)
                    .select(HallRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(halls::region_id.eq_any(scope.region_ids));
                }
                let rows: Vec<HallRow> = q.load(conn)?;
                Ok(page_of(
                    rows.iter().map(HallRow::wire).collect(),
                    limit,
                    |h| h.id.0,
                ))
            })
            .await
    }

    pub async fn create_area(
        &self,
        caller: &Caller,
        hall: HallId,
        new: NewArea,
    ) -> Result<Area, Error> {
        Validator::new()
            .text(&new.name, "name", 100)
            .text(&new.prefix, "prefix", 4)
            .check(
                new.prefix.chars().all(|c| c.is_ascii_uppercase()),
                "prefix",
                "must be capital letters A–Z (it starts every ticket number)",
            )
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (h, _) = hall_in_scope(conn, &caller, Permission::OrgManage, hall)?;
                let id: i64 = diesel::insert_into(hall_areas::table)
                    .values((
                        hall_areas::hall_id.eq(h.id),
                        hall_areas::prefix.eq(&new.prefix),
                        hall_areas::name.eq(new.name.trim()),
                        hall_areas::created_at.eq(now),
                    ))
                    .returning(hall_areas::id)
                    .get_result(conn)?;
                let area = Area {
                    id: AreaId(id),
                    hall_id: hall,
                    prefix: new.prefix.clone(),
                    name: new.name.trim().into(),
                };
                let after = json!(area);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(h.region_id),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("area.create", "area.created", "area", id)
                    },
                )?;
                Ok(area)
            })
            .await
    }

    pub async fn list_areas(&self, caller: &Caller, hall: HallId) -> Result<Vec<Area>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                hall_in_scope(conn, &caller, Permission::OrgRead, hall)?;
                let rows: Vec<AreaRow> = hall_areas::table
                    .filter(hall_areas::hall_id.eq(hall.0))
                    .order(hall_areas::id.asc())
                    .select(AreaRow::as_select())
                    .load(conn)?;
                Ok(rows
                    .into_iter()
                    .map(|a| Area {
                        id: AreaId(a.id),
                        hall_id: HallId(a.hall_id),
                        prefix: a.prefix,
                        name: a.name,
                    })
                    .collect())
            })
            .await
    }

    pub async fn create_window(
        &self,
        caller: &Caller,
        hall: HallId,
        new: NewWindow,
    ) -> Result<Window, Error> {
        Validator::new()
            .text(&new.name, "name", 100)
            .text(&new.number, "number", 10)
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (h, _) = hall_in_scope(conn, &caller, Permission::OrgManage, hall)?;
                if let Some(area) = new.area_id {
                    let owner: Option<i64> = hall_areas::table
                        .find(area.0)
                        .select(hall_areas::hall_id)
                        .get_result(conn)
                        .optional()?;
                    if owner != Some(h.id) {
                        return Err(Error::invalid("area_id", "no such area in this hall"));
                    }
                }
                if let Some(dep) = new.department_id {
                    let exists: i64 = departments::table
                        .filter(departments::id.eq(dep.0))
                        .count()
                        .get_result(conn)?;
                    if exists == 0 {
                        return Err(Error::invalid("department_id", "no such department"));
                    }
                }
                let id: i64 = diesel::insert_into(windows::table)
                    .values((
                        windows::hall_id.eq(h.id),
                        windows::area_id.eq(new.area_id.map(|a| a.0)),
                        windows::department_id.eq(new.department_id.map(|d| d.0)),
                        windows::number.eq(new.number.trim()),
                        windows::name.eq(new.name.trim()),
                        windows::created_at.eq(now),
                    ))
                    .returning(windows::id)
                    .get_result(conn)?;
                let window = Window {
                    id: WindowId(id),
                    hall_id: hall,
                    area_id: new.area_id,
                    department_id: new.department_id,
                    number: new.number.trim().into(),
                    name: new.name.trim().into(),
                };
                let after = json!(window);
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(h.region_id),
                        department_id: new.department_id.map(|d| d.0),
                        after: Some(after.clone()),
                        payload: after,
                        ..Change::new("window.create", "window.created", "window", id)
                    },
                )?;
                Ok(window)
            })
            .await
    }

    pub async fn list_windows(&self, caller: &Caller, hall: HallId) -> Result<Vec<Window>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                hall_in_scope(conn, &caller, Permission::OrgRead, hall)?;
                let rows: Vec<WindowRow> = windows::table
                    .filter(windows::hall_id.eq(hall.0))
                    .order(windows::id.asc())
                    .select(WindowRow::as_select())
                    .load(conn)?;
                Ok(rows.into_iter().map(WindowRow::wire).collect())
            })
            .await
    }
}

//! The catalogue as the portal shows it: the city storefront (旗舰店), the department counters
//! (专柜) and one item's guide (办事指南). Only published versions that are not suspended, and
//! only within the agent's scope.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::Portal;
use crate::domain::access::Target;
use crate::domain::catalogue::{ChangeKind, ItemStatus, ItemType};
use crate::domain::ids::{AreaId, DepartmentId, HallId, ItemId, RegionId, WindowId};
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::catalogue::{ItemRow, like_pattern};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{
    catalogue_items, departments, hall_areas, halls, queue_window_items, regions, windows,
};
use crate::wire::portal::{Counter, HallGuide, ItemCard, ItemGuide, StorefrontQuery, WindowGuide};
use crate::wire::{Page, PageQuery, page_of};

/// The extension key that files an item under a storefront theme (主题).
const THEME: &str = "theme";

fn card(row: &ItemRow, region_name: String, department_name: String) -> Result<ItemCard, Error> {
    let content = row.content()?;
    Ok(ItemCard {
        id: ItemId(row.id),
        item_code: row.item_code.clone(),
        name: row.name.clone(),
        item_type: ItemType::parse(&row.item_type).unwrap_or(ItemType::Other),
        region_id: RegionId(row.region_id),
        region_name,
        department_id: DepartmentId(row.department_id),
        department_name,
        online: row.online,
        legal_limit_days: content.legal_limit_days,
        promised_limit_days: content.promised_limit_days,
        fee: content.fee,
        delivery_modes: content.delivery_modes,
        theme: content.extensions.get(THEME).cloned(),
    })
}

/// Whether an item version is on offer: published and not suspended.
fn on_offer(row: &ItemRow) -> bool {
    row.status() == ItemStatus::Published && row.kind() != ChangeKind::Suspend
}

fn storefront_page(
    conn: &mut DbConn,
    scope: &ScopeSql,
    query: &StorefrontQuery,
) -> Result<Page<ItemCard>, Error> {
    let page = PageQuery {
        after: query.after,
        limit: query.limit,
    };
    let limit = page.limit();
    let mut q = catalogue_items::table
        .inner_join(regions::table)
        .inner_join(departments::table)
        .filter(catalogue_items::id.gt(page.after()))
        .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
        .filter(catalogue_items::change_kind.ne(ChangeKind::Suspend.as_str()))
        .order(catalogue_items::id.asc())
        .limit(limit + 1)
        .select((ItemRow::as_select(), regions::name, departments::name))
        .into_boxed();
    if !scope.global {
        q = q.filter(
            catalogue_items::region_id
                .eq_any(scope.region_ids.clone())
                .or(catalogue_items::department_id.eq_any(scope.department_ids.clone())),
        );
    }
    if let Some(r) = query.region_id {
        q = q.filter(catalogue_items::region_id.eq(r));
    }
    if let Some(d) = query.department_id {
        q = q.filter(catalogue_items::department_id.eq(d));
    }
    if let Some(t) = query.item_type {
        q = q.filter(catalogue_items::item_type.eq(t.as_str()));
    }
    if let Some(online) = query.online {
        q = q.filter(catalogue_items::online.eq(online));
    }
    if let Some(text) = query.q.as_deref().filter(|t| !t.trim().is_empty()) {
        let p = like_pattern(text);
        q = q.filter(
            catalogue_items::name
                .like(p.clone())
                .escape('\\')
                .or(catalogue_items::item_code.like(p).escape('\\')),
        );
    }
    if let Some(theme) = query.theme.as_deref().filter(|t| !t.trim().is_empty()) {
        // The extensions are stored as compact JSON inside `details`: the key and its value,
        // both JSON-quoted, appear side by side exactly once.
        let pair = format!(
            "{}:{}",
            serde_json::to_string(THEME).unwrap_or_default(),
            serde_json::to_string(theme.trim()).unwrap_or_default()
        );
        q = q.filter(
            catalogue_items::details
                .like(like_pattern(&pair))
                .escape('\\'),
        );
    }
    let rows: Vec<(ItemRow, String, String)> = q.load(conn)?;
    let cards = rows
        .into_iter()
        .map(|(row, region, department)| card(&row, region, department))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(cards, limit, |c| c.id.0))
}

fn check_query(query: &StorefrontQuery) -> Result<(), Error> {
    let mut v = Validator::new();
    if let Some(q) = &query.q {
        v.check(q.chars().count() <= 100, "q", "at most 100 characters");
    }
    if let Some(t) = &query.theme {
        v.check(t.chars().count() <= 50, "theme", "at most 50 characters");
    }
    v.finish()
}

/// The windows serving `code` in halls above, at or below the item's region (`path`).
fn where_to_go(conn: &mut DbConn, code: &str, path: &str) -> Result<Vec<HallGuide>, Error> {
    type Row = (
        i64,
        String,
        String,
        String,
        i64,
        String,
        String,
        Option<i64>,
    );
    let rows: Vec<Row> = queue_window_items::table
        .inner_join(windows::table.on(windows::id.eq(queue_window_items::window_id)))
        .inner_join(halls::table.on(halls::id.eq(windows::hall_id)))
        .inner_join(regions::table.on(regions::id.eq(halls::region_id)))
        .filter(queue_window_items::item_code.eq(code))
        .order((halls::id.asc(), windows::number.asc()))
        .select((
            halls::id,
            halls::name,
            halls::address,
            regions::path,
            windows::id,
            windows::number,
            windows::name,
            windows::area_id,
        ))
        .load(conn)?;
    let area_ids: Vec<i64> = rows.iter().filter_map(|r| r.7).collect();
    let areas: HashMap<i64, String> = hall_areas::table
        .filter(hall_areas::id.eq_any(area_ids))
        .select((hall_areas::id, hall_areas::name))
        .load(conn)?
        .into_iter()
        .collect();
    let mut out: Vec<HallGuide> = Vec::new();
    for (hall, name, address, hall_path, window, number, window_name, area) in rows {
        if !(hall_path.starts_with(path) || path.starts_with(&hall_path)) {
            continue;
        }
        let w = WindowGuide {
            window_id: WindowId(window),
            number,
            name: window_name,
            area_id: area.map(AreaId),
            area_name: area.and_then(|a| areas.get(&a).cloned()),
        };
        match out.last_mut() {
            Some(h) if h.hall_id == HallId(hall) => h.windows.push(w),
            _ => out.push(HallGuide {
                hall_id: HallId(hall),
                name,
                address,
                windows: vec![w],
            }),
        }
    }
    Ok(out)
}

impl Services {
    /// The city storefront: items on offer in the agent's scope, filtered, oldest id first.
    pub async fn portal_storefront(
        &self,
        portal: &Portal,
        query: StorefrontQuery,
    ) -> Result<Page<ItemCard>, Error> {
        check_query(&query)?;
        let perm = portal.catalogue_permission()?;
        let agent = portal.agent.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &agent, perm)?;
                storefront_page(conn, &scope, &query)
            })
            .await
    }

    /// The department counters (专柜) in the agent's scope, with their items on offer.
    pub async fn portal_counters(
        &self,
        portal: &Portal,
        page: PageQuery,
    ) -> Result<Page<Counter>, Error> {
        let perm = portal.catalogue_permission()?;
        let agent = portal.agent.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &agent, perm)?;
                let limit = page.limit();
                let mut q = departments::table
                    .inner_join(regions::table)
                    .filter(departments::id.gt(page.after()))
                    .order(departments::id.asc())
                    .limit(limit + 1)
                    .select((
                        departments::id,
                        departments::code,
                        departments::name,
                        departments::region_id,
                        regions::name,
                    ))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        departments::region_id
                            .eq_any(scope.region_ids.clone())
                            .or(departments::id.eq_any(scope.department_ids.clone())),
                    );
                }
                let rows: Vec<(i64, String, String, i64, String)> = q.load(conn)?;
                let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
                let counts: HashMap<i64, i64> = catalogue_items::table
                    .filter(catalogue_items::department_id.eq_any(ids))
                    .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
                    .filter(catalogue_items::change_kind.ne(ChangeKind::Suspend.as_str()))
                    .group_by(catalogue_items::department_id)
                    .select((catalogue_items::department_id, count_star()))
                    .load::<(i64, i64)>(conn)?
                    .into_iter()
                    .collect();
                let counters = rows
                    .into_iter()
                    .map(|(id, code, name, region, region_name)| Counter {
                        department_id: DepartmentId(id),
                        code,
                        name,
                        region_id: RegionId(region),
                        region_name,
                        items: counts.get(&id).copied().unwrap_or(0),
                    })
                    .collect();
                Ok(page_of(counters, limit, |c| c.department_id.0))
            })
            .await
    }

    /// One department counter: its items on offer, paged.
    pub async fn portal_counter_items(
        &self,
        portal: &Portal,
        department: DepartmentId,
        page: PageQuery,
    ) -> Result<Page<ItemCard>, Error> {
        let perm = portal.catalogue_permission()?;
        let agent = portal.agent.clone();
        self.store
            .read(move |conn| {
                let path: String = departments::table
                    .inner_join(regions::table)
                    .filter(departments::id.eq(department.0))
                    .select(regions::path)
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("department", department))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(department),
                    owner_id: None,
                };
                if !agent.may(perm, &target) {
                    return Err(Error::not_found("department", department));
                }
                let scope = ScopeSql::load(conn, &agent, perm)?;
                let query = StorefrontQuery {
                    department_id: Some(department.0),
                    after: page.after,
                    limit: page.limit,
                    ..Default::default()
                };
                storefront_page(conn, &scope, &query)
            })
            .await
    }

    /// One item's guide: materials, limits, fees, the steps by name and where to go.
    pub async fn portal_item_guide(&self, portal: &Portal, id: ItemId) -> Result<ItemGuide, Error> {
        let perm = portal.catalogue_permission()?;
        let agent = portal.agent.clone();
        self.store
            .read(move |conn| {
                let (row, path, region_name, department_name): (ItemRow, String, String, String) =
                    catalogue_items::table
                        .inner_join(regions::table)
                        .inner_join(departments::table)
                        .filter(catalogue_items::id.eq(id.0))
                        .select((
                            ItemRow::as_select(),
                            regions::path,
                            regions::name,
                            departments::name,
                        ))
                        .get_result(conn)
                        .optional()?
                        .ok_or_else(|| Error::not_found("item", id))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(DepartmentId(row.department_id)),
                    owner_id: None,
                };
                if !on_offer(&row) || !agent.may(perm, &target) {
                    return Err(Error::not_found("item", id));
                }
                let content = row.content()?;
                let where_to_go = where_to_go(conn, &row.item_code, &path)?;
                Ok(ItemGuide {
                    item: card(&row, region_name, department_name)?,
                    legal_basis: content.legal_basis,
                    materials: content.materials,
                    steps: content.workflow.into_iter().map(|s| s.name).collect(),
                    extensions: content.extensions,
                    where_to_go,
                })
            })
            .await
    }
}

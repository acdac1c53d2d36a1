//! Catalogue reads: one version, the searchable list, the online-share figures.

use std::collections::HashMap;

use diesel::prelude::*;

use super::{ItemRow, item_in_scope, wire_items, wire_one};
use crate::domain::access::{Caller, Permission};
use crate::domain::catalogue::{ChangeKind, ItemStatus};
use crate::domain::ids::{ItemId, RegionId};
use crate::error::Error;
use crate::service::Services;
use crate::service::org::ScopeSql;
use crate::store::schema::{catalogue_items, catalogue_old_codes, regions};
use crate::wire::catalogue::{CatalogueFigures, Item, ItemQuery, RegionFigures};
use crate::wire::{Page, PageQuery, page_of};

/// `%text%` for LIKE, with the wildcard characters of the text escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.trim().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The caller's catalogue.read scope, or forbidden when they have none.
fn read_scope(conn: &mut crate::store::DbConn, caller: &Caller) -> Result<ScopeSql, Error> {
    let scope = ScopeSql::load(conn, caller, Permission::CatalogueRead)?;
    if scope.is_empty() {
        return Err(Error::forbidden(
            "reading the catalogue needs catalogue.read",
        ));
    }
    Ok(scope)
}

impl Services {
    pub async fn get_item(&self, caller: &Caller, id: ItemId) -> Result<Item, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let located = item_in_scope(conn, &caller, Permission::CatalogueRead, id)?;
                wire_one(conn, located)
            })
            .await
    }

    /// Item versions within the caller's scope, filtered, oldest id first.
    pub async fn list_items(&self, caller: &Caller, query: ItemQuery) -> Result<Page<Item>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = read_scope(conn, &caller)?;
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = catalogue_items::table
                    .inner_join(regions::table)
                    .filter(catalogue_items::id.gt(page.after()))
                    .order(catalogue_items::id.asc())
                    .limit(limit + 1)
                    .select((ItemRow::as_select(), regions::level))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        catalogue_items::region_id
                            .eq_any(scope.region_ids)
                            .or(catalogue_items::department_id.eq_any(scope.department_ids)),
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
                if let Some(s) = query.status {
                    q = q.filter(catalogue_items::status.eq(s.as_str()));
                }
                if let Some(code) = &query.item_code {
                    q = q.filter(catalogue_items::item_code.eq(code.trim().to_owned()));
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
                if let Some(old) = &query.old_code {
                    q = q.filter(diesel::dsl::exists(
                        catalogue_old_codes::table
                            .filter(catalogue_old_codes::old_code.eq(old.trim().to_owned()))
                            .filter(catalogue_old_codes::item_code.eq(catalogue_items::item_code))
                            .filter(catalogue_old_codes::region_id.eq(catalogue_items::region_id)),
                    ));
                }
                let rows: Vec<(ItemRow, String)> = q.load(conn)?;
                let items = wire_items(conn, rows)?;
                Ok(page_of(items, limit, |i| i.id.0))
            })
            .await
    }

    /// Per region in the caller's scope: published (not suspended) items and the share that
    /// can be applied for online.
    pub async fn catalogue_figures(&self, caller: &Caller) -> Result<CatalogueFigures, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = read_scope(conn, &caller)?;
                let mut q = catalogue_items::table
                    .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
                    .filter(catalogue_items::change_kind.ne(ChangeKind::Suspend.as_str()))
                    .select((catalogue_items::region_id, catalogue_items::online))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        catalogue_items::region_id
                            .eq_any(scope.region_ids)
                            .or(catalogue_items::department_id.eq_any(scope.department_ids)),
                    );
                }
                let rows: Vec<(i64, bool)> = q.load(conn)?;
                let mut by_region: HashMap<i64, RegionFigures> = HashMap::new();
                for (region, online) in rows {
                    let f = by_region.entry(region).or_insert_with(|| RegionFigures {
                        region_id: RegionId(region),
                        region_code: String::new(),
                        region_name: String::new(),
                        published: 0,
                        online: 0,
                        online_share: 0.0,
                    });
                    f.published += 1;
                    if online {
                        f.online += 1;
                    }
                }
                let ids: Vec<i64> = by_region.keys().copied().collect();
                let names: Vec<(i64, String, String)> = regions::table
                    .filter(regions::id.eq_any(ids))
                    .select((regions::id, regions::code, regions::name))
                    .load(conn)?;
                for (id, code, name) in names {
                    if let Some(f) = by_region.get_mut(&id) {
                        f.region_code = code;
                        f.region_name = name;
                    }
                }
                let mut regions: Vec<RegionFigures> = by_region
                    .into_values()
                    .map(|mut f| {
                        if f.published > 0 {
                            f.online_share = f.online as f64 / f.published as f64;
                        }
                        f
                    })
                    .collect();
                regions.sort_by_key(|f| f.region_id);
                Ok(CatalogueFigures { regions })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn search_text_wildcards_are_taken_literally() {
        assert_eq!(like_pattern(" 食品_100% "), "%食品\\_100\\%%");
    }
}

//! Moving the catalogue between regions and systems: the old-code mapping and the
//! JSON exchange format (`docs/catalogue.md`) for export and import.

use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::json;

use super::{ItemRow, NewVersion, four_sames, insert_draft, prefixed};
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::catalogue::{ChangeKind, ItemStatus, valid_item_code};
use crate::domain::ids::{DepartmentId, ItemId, RegionId};
use crate::error::{Error, FieldError, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::{ScopeSql, region_path_of};
use crate::store::DbConn;
use crate::store::schema::{catalogue_items, catalogue_old_codes, departments, regions};
use crate::wire::catalogue::{
    CatalogueExport, EXCHANGE_FORMAT, EXCHANGE_VERSION, ExportedItem, ImportReport,
    NewOldCodeMapping, OldCodeMapping, OldCodeQuery,
};
use crate::wire::{Page, PageQuery, page_of, time};

fn region_target(path: &str) -> Target<'_> {
    Target {
        region_path: Some(path),
        ..Default::default()
    }
}

type MappingRow = (i64, String, String, String, i64, i64);

fn mapping_wire(r: MappingRow) -> OldCodeMapping {
    OldCodeMapping {
        id: r.0,
        old_code: r.1,
        old_name: r.2,
        item_code: r.3,
        region_id: RegionId(r.4),
        created_at: time(r.5),
    }
}

/// Inserts one mapping and audits it (`old_code.mapped`).
fn insert_mapping(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    new: &NewOldCodeMapping,
) -> Result<OldCodeMapping, Error> {
    let id: i64 = diesel::insert_into(catalogue_old_codes::table)
        .values((
            catalogue_old_codes::old_code.eq(new.old_code.trim()),
            catalogue_old_codes::old_name.eq(new.old_name.trim()),
            catalogue_old_codes::item_code.eq(new.item_code.trim()),
            catalogue_old_codes::region_id.eq(new.region_id.0),
            catalogue_old_codes::created_at.eq(now),
        ))
        .returning(catalogue_old_codes::id)
        .get_result(conn)?;
    let m = OldCodeMapping {
        id,
        old_code: new.old_code.trim().into(),
        old_name: new.old_name.trim().into(),
        item_code: new.item_code.trim().into(),
        region_id: new.region_id,
        created_at: time(now),
    };
    let after = json!(m);
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(new.region_id.0),
            after: Some(after.clone()),
            payload: after,
            ..Change::new("old_code.map", "old_code.mapped", "old_code", id)
        },
    )?;
    Ok(m)
}

impl Services {
    /// Maps an old-system code to an item code of a region.
    pub async fn map_old_code(
        &self,
        caller: &Caller,
        new: NewOldCodeMapping,
    ) -> Result<OldCodeMapping, Error> {
        Validator::new()
            .text(&new.old_code, "old_code", 64)
            .check(
                new.old_name.chars().count() <= 200,
                "old_name",
                "must be at most 200 characters",
            )
            .check(
                valid_item_code(new.item_code.trim()),
                "item_code",
                "must be 1–64 letters, digits or '-'",
            )
            .finish()?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let path = region_path_of(conn, new.region_id.0)
                    .map_err(|_| Error::invalid("region_id", "no such region"))?;
                if !caller.may(Permission::CatalogueManage, &region_target(&path)) {
                    return Err(Error::forbidden(
                        "mapping old codes needs catalogue.manage over the region",
                    ));
                }
                let known: i64 = catalogue_items::table
                    .filter(catalogue_items::item_code.eq(new.item_code.trim()))
                    .filter(catalogue_items::region_id.eq(new.region_id.0))
                    .count()
                    .get_result(conn)?;
                if known == 0 {
                    return Err(Error::invalid(
                        "item_code",
                        "no item with this code in the region",
                    ));
                }
                insert_mapping(conn, now, &Actor::of(&caller), &new)
            })
            .await
    }

    /// The mapping table, by old code or by item code, within the caller's region scope.
    pub async fn list_old_codes(
        &self,
        caller: &Caller,
        query: OldCodeQuery,
    ) -> Result<Page<OldCodeMapping>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CatalogueRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden(
                        "reading the catalogue needs catalogue.read",
                    ));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = catalogue_old_codes::table
                    .filter(catalogue_old_codes::id.gt(page.after()))
                    .order(catalogue_old_codes::id.asc())
                    .limit(limit + 1)
                    .select((
                        catalogue_old_codes::id,
                        catalogue_old_codes::old_code,
                        catalogue_old_codes::old_name,
                        catalogue_old_codes::item_code,
                        catalogue_old_codes::region_id,
                        catalogue_old_codes::created_at,
                    ))
                    .into_boxed();
                if !scope.global {
                    q = q.filter(catalogue_old_codes::region_id.eq_any(scope.region_ids));
                }
                if let Some(o) = &query.old_code {
                    q = q.filter(catalogue_old_codes::old_code.eq(o.trim().to_owned()));
                }
                if let Some(c) = &query.item_code {
                    q = q.filter(catalogue_old_codes::item_code.eq(c.trim().to_owned()));
                }
                if let Some(r) = query.region_id {
                    q = q.filter(catalogue_old_codes::region_id.eq(r));
                }
                let rows: Vec<MappingRow> = q.load(conn)?;
                Ok(page_of(
                    rows.into_iter().map(mapping_wire).collect(),
                    limit,
                    |m| m.id,
                ))
            })
            .await
    }

    /// A region's published items in the exchange format.
    pub async fn export_catalogue(
        &self,
        caller: &Caller,
        region: RegionId,
    ) -> Result<CatalogueExport, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .read(move |conn| {
                let (code, path): (String, String) = regions::table
                    .find(region.0)
                    .select((regions::code, regions::path))
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("region", region))?;
                if !caller.may(Permission::CatalogueRead, &region_target(&path)) {
                    return Err(Error::not_found("region", region));
                }
                let rows: Vec<(ItemRow, String)> = catalogue_items::table
                    .inner_join(departments::table)
                    .filter(catalogue_items::region_id.eq(region.0))
                    .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
                    .order((catalogue_items::item_code.asc(), catalogue_items::id.asc()))
                    .select((ItemRow::as_select(), departments::code))
                    .load(conn)?;
                let mapped: Vec<(String, String)> = catalogue_old_codes::table
                    .filter(catalogue_old_codes::region_id.eq(region.0))
                    .order(catalogue_old_codes::old_code)
                    .select((
                        catalogue_old_codes::item_code,
                        catalogue_old_codes::old_code,
                    ))
                    .load(conn)?;
                let items = rows
                    .into_iter()
                    .map(|(row, department_code)| {
                        Ok(ExportedItem {
                            department_code,
                            version: Some(row.version),
                            old_codes: mapped
                                .iter()
                                .filter(|(c, _)| *c == row.item_code)
                                .map(|(_, o)| o.clone())
                                .collect(),
                            content: row.content()?,
                        })
                    })
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok(CatalogueExport {
                    format: EXCHANGE_FORMAT.into(),
                    format_version: EXCHANGE_VERSION,
                    region_code: code,
                    exported_at: time(now),
                    items,
                })
            })
            .await
    }

    /// Loads an exchange document into a region as drafts: all of it in one transaction, or,
    /// when any item is refused, nothing, with every item's failures named `items[i]…`.
    pub async fn import_catalogue(
        &self,
        caller: &Caller,
        region: RegionId,
        doc: CatalogueExport,
    ) -> Result<ImportReport, Error> {
        let mut v = Validator::new();
        v.check(
            doc.format == EXCHANGE_FORMAT,
            "format",
            "must be yiwang.catalogue",
        )
        .check(
            doc.format_version == EXCHANGE_VERSION,
            "format_version",
            "must be 1",
        )
        .check(!doc.items.is_empty(), "items", "has nothing to import")
        .check(
            doc.items.len() <= 5_000,
            "items",
            "at most 5000 items per import",
        );
        v.finish()?;
        let mut errors: Vec<FieldError> = Vec::new();
        let mut seen = HashSet::new();
        for (i, item) in doc.items.iter().enumerate() {
            errors.extend(prefixed(item.content.storable(), &format!("items[{i}].")));
            if !seen.insert(item.content.item_code.clone()) {
                errors.push(FieldError::new(
                    format!("items[{i}].content.item_code"),
                    "appears twice in the document",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let path = region_path_of(conn, region.0)
                    .map_err(|_| Error::invalid("region_id", "no such region"))?;
                let mut plan = Vec::new();
                let mut errors = Vec::new();
                for (i, item) in doc.items.iter().enumerate() {
                    let prefix = format!("items[{i}].");
                    let department: Option<i64> = departments::table
                        .filter(departments::region_id.eq(region.0))
                        .filter(departments::code.eq(item.department_code.trim()))
                        .select(departments::id)
                        .first(conn)
                        .optional()?;
                    let Some(department) = department.map(DepartmentId) else {
                        errors.push(FieldError::new(
                            format!("{prefix}department_code"),
                            "no department with this code in the importing region",
                        ));
                        continue;
                    };
                    let target = Target {
                        region_path: Some(&path),
                        department_id: Some(department),
                        owner_id: None,
                    };
                    if !caller.may(Permission::CatalogueManage, &target) {
                        return Err(Error::forbidden(
                            "importing needs catalogue.manage over the region or every department",
                        ));
                    }
                    errors.extend(prefixed(four_sames(conn, &path, &item.content)?, &prefix));
                    let published: Option<i64> = catalogue_items::table
                        .filter(catalogue_items::item_code.eq(&item.content.item_code))
                        .filter(catalogue_items::region_id.eq(region.0))
                        .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
                        .select(catalogue_items::id)
                        .first(conn)
                        .optional()?;
                    let any: i64 = catalogue_items::table
                        .filter(catalogue_items::item_code.eq(&item.content.item_code))
                        .filter(catalogue_items::region_id.eq(region.0))
                        .count()
                        .get_result(conn)?;
                    let kind = if any == 0 {
                        ChangeKind::New
                    } else {
                        ChangeKind::Change
                    };
                    plan.push((item, department, kind, published));
                }
                if !errors.is_empty() {
                    return Err(Error::Validation(errors));
                }
                let actor = Actor::of(&caller);
                let mut drafts = Vec::new();
                for (item, department, kind, published) in plan {
                    let sources: Vec<i64> = published.into_iter().collect();
                    let row = insert_draft(
                        conn,
                        now,
                        &actor,
                        NewVersion {
                            region_id: region.0,
                            department_id: department,
                            content: &item.content,
                            kind,
                            sources: &sources,
                        },
                    )?;
                    drafts.push(ItemId(row.id));
                    for old in &item.old_codes {
                        let exists: i64 = catalogue_old_codes::table
                            .filter(catalogue_old_codes::old_code.eq(old.trim()))
                            .filter(catalogue_old_codes::item_code.eq(&row.item_code))
                            .filter(catalogue_old_codes::region_id.eq(region.0))
                            .count()
                            .get_result(conn)?;
                        if exists == 0 && !old.trim().is_empty() {
                            let mapping = NewOldCodeMapping {
                                old_code: old.clone(),
                                old_name: String::new(),
                                item_code: row.item_code.clone(),
                                region_id: region,
                            };
                            insert_mapping(conn, now, &actor, &mapping)?;
                        }
                    }
                }
                let payload = json!({"from_region_code": doc.region_code, "drafts": drafts});
                audit::record(
                    conn,
                    now,
                    &actor,
                    Change {
                        region_id: Some(region.0),
                        after: Some(payload.clone()),
                        payload,
                        ..Change::new("catalogue.import", "catalogue.imported", "region", region.0)
                    },
                )?;
                Ok(ImportReport {
                    region_id: region,
                    drafts,
                })
            })
            .await
    }
}

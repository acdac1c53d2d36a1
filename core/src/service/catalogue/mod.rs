//! The service-item catalogue: item versions (draft → published → retired), typed
//! changes with lineage, the old-code mapping, import/export and the online-share figures.
//!
//! A version row never changes once published; editing a published item drafts the next
//! version. Every command is one `store.write` closure that writes the rows and their audit
//! entries together.

mod commands;
mod exchange;
mod queries;

pub(crate) use queries::like_pattern;

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::access::{Caller, Permission, Target};
use crate::domain::catalogue::{
    ChangeKind, DeliveryMode, FeeRule, ItemContent, ItemStatus, ItemType, Material, WorkflowStep,
};
use crate::domain::ids::{DepartmentId, ItemId, RegionId};
use crate::domain::org::RegionLevel;
use crate::error::{Error, FieldError};
use crate::service::audit::{self, Actor, Change};
use crate::store::DbConn;
use crate::store::schema::{
    catalogue_items, catalogue_lineage, catalogue_old_codes, departments, regions,
};
use crate::wire::catalogue::Item;
use crate::wire::time;

/// One stored item version.
#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = catalogue_items)]
pub(crate) struct ItemRow {
    pub id: i64,
    pub item_code: String,
    pub region_id: i64,
    pub department_id: i64,
    pub version: i64,
    pub status: String,
    pub change_kind: String,
    pub name: String,
    pub item_type: String,
    pub legal_limit_days: i64,
    pub promised_limit_days: i64,
    pub online: bool,
    pub details: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub retired_at: Option<i64>,
}

/// The parts of a version kept as one JSON document (`details`).
#[derive(Serialize, Deserialize)]
struct Details {
    legal_basis: String,
    fee: FeeRule,
    materials: Vec<Material>,
    workflow: Vec<WorkflowStep>,
    delivery_modes: Vec<DeliveryMode>,
    extensions: BTreeMap<String, String>,
}

fn details_json(c: &ItemContent) -> Result<String, Error> {
    serde_json::to_string(&Details {
        legal_basis: c.legal_basis.trim().to_owned(),
        fee: c.fee.clone(),
        materials: c.materials.clone(),
        workflow: c.workflow.clone(),
        delivery_modes: c.delivery_modes.clone(),
        extensions: c.extensions.clone(),
    })
    .map_err(|e| Error::Internal(format!("item details: {e}")))
}

fn days(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

impl ItemRow {
    pub(crate) fn status(&self) -> ItemStatus {
        ItemStatus::parse(&self.status).unwrap_or(ItemStatus::Retired)
    }

    pub(crate) fn kind(&self) -> ChangeKind {
        ChangeKind::parse(&self.change_kind).unwrap_or(ChangeKind::Change)
    }

    pub(crate) fn content(&self) -> Result<ItemContent, Error> {
        let d: Details = serde_json::from_str(&self.details)
            .map_err(|e| Error::Internal(format!("item {} details: {e}", self.id)))?;
        Ok(ItemContent {
            item_code: self.item_code.clone(),
            name: self.name.clone(),
            item_type: ItemType::parse(&self.item_type).unwrap_or(ItemType::Other),
            legal_basis: d.legal_basis,
            legal_limit_days: days(self.legal_limit_days),
            promised_limit_days: days(self.promised_limit_days),
            fee: d.fee,
            materials: d.materials,
            workflow: d.workflow,
            online: self.online,
            delivery_modes: d.delivery_modes,
            extensions: d.extensions,
        })
    }
}

/// An item version with its region's path and level.
pub(crate) struct Located {
    pub row: ItemRow,
    pub path: String,
    pub level: String,
}

impl Located {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            region_path: Some(&self.path),
            department_id: Some(DepartmentId(self.row.department_id)),
            owner_id: None,
        }
    }
}

/// The version, or not-found when it is missing or the caller may not read it; forbidden when
/// the caller may read it but not use `perm` on it.
pub(crate) fn item_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    perm: Permission,
    id: ItemId,
) -> Result<Located, Error> {
    let (row, path, level): (ItemRow, String, String) = catalogue_items::table
        .inner_join(regions::table)
        .filter(catalogue_items::id.eq(id.0))
        .select((ItemRow::as_select(), regions::path, regions::level))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::not_found("item", id))?;
    let located = Located { row, path, level };
    caller.check(
        perm,
        Permission::CatalogueRead,
        &located.target(),
        "item",
        id,
    )?;
    Ok(located)
}

/// Builds wire items for rows, loading their lineage and old codes in two queries.
pub(crate) fn wire_items(
    conn: &mut DbConn,
    rows: Vec<(ItemRow, String)>,
) -> Result<Vec<Item>, Error> {
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let lineage: Vec<(i64, i64)> = catalogue_lineage::table
        .filter(catalogue_lineage::item_id.eq_any(&ids))
        .order((catalogue_lineage::item_id, catalogue_lineage::source_id))
        .select((catalogue_lineage::item_id, catalogue_lineage::source_id))
        .load(conn)?;
    let mut sources: HashMap<i64, Vec<ItemId>> = HashMap::new();
    for (item, source) in lineage {
        sources.entry(item).or_default().push(ItemId(source));
    }
    let codes: Vec<&str> = rows.iter().map(|(r, _)| r.item_code.as_str()).collect();
    let mapped: Vec<(String, i64, String)> = catalogue_old_codes::table
        .filter(catalogue_old_codes::item_code.eq_any(&codes))
        .order(catalogue_old_codes::old_code)
        .select((
            catalogue_old_codes::item_code,
            catalogue_old_codes::region_id,
            catalogue_old_codes::old_code,
        ))
        .load(conn)?;
    let mut old: HashMap<(String, i64), Vec<String>> = HashMap::new();
    for (code, region, old_code) in mapped {
        old.entry((code, region)).or_default().push(old_code);
    }
    rows.into_iter()
        .map(|(r, level)| {
            Ok(Item {
                id: ItemId(r.id),
                region_id: RegionId(r.region_id),
                level: RegionLevel::parse(&level).unwrap_or(RegionLevel::Town),
                department_id: DepartmentId(r.department_id),
                version: r.version,
                status: r.status(),
                change_kind: r.kind(),
                lineage: sources.remove(&r.id).unwrap_or_default(),
                old_codes: old
                    .get(&(r.item_code.clone(), r.region_id))
                    .cloned()
                    .unwrap_or_default(),
                content: r.content()?,
                created_at: time(r.created_at),
                published_at: r.published_at.map(time),
                retired_at: r.retired_at.map(time),
            })
        })
        .collect()
}

pub(crate) fn wire_one(conn: &mut DbConn, located: Located) -> Result<Item, Error> {
    wire_items(conn, vec![(located.row, located.level)])?
        .pop()
        .ok_or_else(|| Error::Internal("item vanished".into()))
}

/// The region ids above a region, from its path (`/1/4/9/` → 1, 4).
fn ancestors(path: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = path.split('/').filter_map(|s| s.parse().ok()).collect();
    ids.pop();
    ids
}

/// "Three levels, four sames": how `content`, placed in the region at `path`, differs from the
/// nearest upper level's published version of the same code. Empty when there is none.
pub(crate) fn four_sames(
    conn: &mut DbConn,
    path: &str,
    content: &ItemContent,
) -> Result<Vec<FieldError>, Error> {
    let above = ancestors(path);
    if above.is_empty() {
        return Ok(Vec::new());
    }
    let upper: Vec<(ItemRow, String, String)> = catalogue_items::table
        .inner_join(regions::table)
        .filter(catalogue_items::item_code.eq(&content.item_code))
        .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
        .filter(catalogue_items::region_id.eq_any(above))
        .select((ItemRow::as_select(), regions::path, regions::name))
        .load(conn)?;
    match upper.into_iter().max_by_key(|(_, p, _)| p.len()) {
        None => Ok(Vec::new()),
        Some((row, _, region_name)) => {
            Ok(content.four_sames_differences(&row.content()?, &region_name))
        }
    }
}

/// Checks that the department exists in the item's region.
pub(crate) fn check_department(
    conn: &mut DbConn,
    region_id: i64,
    department_id: DepartmentId,
    field: &str,
) -> Result<(), Error> {
    let found: i64 = departments::table
        .filter(departments::id.eq(department_id.0))
        .filter(departments::region_id.eq(region_id))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(Error::invalid(
            field,
            "no such department in the item's region",
        ));
    }
    Ok(())
}

/// Prefixes field names, for errors about one of several items in a request.
pub(crate) fn prefixed(errors: Vec<FieldError>, prefix: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError::new(format!("{prefix}{}", e.field), e.reason))
        .collect()
}

/// What a new draft version is.
pub(crate) struct NewVersion<'a> {
    pub region_id: i64,
    pub department_id: DepartmentId,
    pub content: &'a ItemContent,
    pub kind: ChangeKind,
    pub sources: &'a [i64],
}

/// Inserts the next draft version of the content's code in its region, with its lineage and
/// its audit entry (`item.drafted`). Access and validity are checked by the caller.
pub(crate) fn insert_draft(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    new: NewVersion<'_>,
) -> Result<ItemRow, Error> {
    let c = new.content;
    let last: Option<i64> = catalogue_items::table
        .filter(catalogue_items::item_code.eq(&c.item_code))
        .filter(catalogue_items::region_id.eq(new.region_id))
        .select(diesel::dsl::max(catalogue_items::version))
        .first(conn)?;
    let id: i64 = diesel::insert_into(catalogue_items::table)
        .values((
            catalogue_items::item_code.eq(&c.item_code),
            catalogue_items::region_id.eq(new.region_id),
            catalogue_items::department_id.eq(new.department_id.0),
            catalogue_items::version.eq(last.unwrap_or(0) + 1),
            catalogue_items::status.eq(ItemStatus::Draft.as_str()),
            catalogue_items::change_kind.eq(new.kind.as_str()),
            catalogue_items::name.eq(c.name.trim()),
            catalogue_items::item_type.eq(c.item_type.as_str()),
            catalogue_items::legal_limit_days.eq(i64::from(c.legal_limit_days)),
            catalogue_items::promised_limit_days.eq(i64::from(c.promised_limit_days)),
            catalogue_items::online.eq(c.online),
            catalogue_items::details.eq(details_json(c)?),
            catalogue_items::created_at.eq(now),
        ))
        .returning(catalogue_items::id)
        .get_result(conn)?;
    let row: ItemRow = catalogue_items::table
        .find(id)
        .select(ItemRow::as_select())
        .first(conn)?;
    for source in new.sources {
        diesel::insert_into(catalogue_lineage::table)
            .values((
                catalogue_lineage::item_id.eq(row.id),
                catalogue_lineage::source_id.eq(source),
            ))
            .execute(conn)?;
    }
    let after = json!({
        "item_code": row.item_code, "version": row.version, "change_kind": row.change_kind,
        "name": row.name, "sources": new.sources,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            after: Some(after.clone()),
            payload: after,
            ..Change::new("item.draft", "item.drafted", "item", row.id)
        },
    )?;
    Ok(row)
}

/// Moves a version to `status`, stamping the time, and audits it.
pub(crate) fn set_status(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    row: &ItemRow,
    status: ItemStatus,
    reason: &str,
) -> Result<(), Error> {
    let target = catalogue_items::table.find(row.id);
    match status {
        ItemStatus::Published => diesel::update(target)
            .set((
                catalogue_items::status.eq(status.as_str()),
                catalogue_items::published_at.eq(now),
            ))
            .execute(conn)?,
        ItemStatus::Retired => diesel::update(target)
            .set((
                catalogue_items::status.eq(status.as_str()),
                catalogue_items::retired_at.eq(now),
            ))
            .execute(conn)?,
        ItemStatus::Draft => {
            return Err(Error::Internal("a version never returns to draft".into()));
        }
    };
    let (action, event) = match status {
        ItemStatus::Published => ("item.publish", "item.published"),
        _ => ("item.retire", "item.retired"),
    };
    let payload = json!({
        "item_code": row.item_code, "version": row.version, "reason": reason,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            before: Some(json!({"status": row.status})),
            after: Some(json!({"status": status.as_str()})),
            payload,
            ..Change::new(action, event, "item", row.id)
        },
    )?;
    Ok(())
}

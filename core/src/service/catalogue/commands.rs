//! Catalogue commands: draft, edit a draft, check, publish, retire, typed changes.

use diesel::prelude::*;
use serde_json::json;

use super::{
    ItemRow, NewVersion, check_department, details_json, four_sames, insert_draft, item_in_scope,
    prefixed, set_status, wire_items, wire_one,
};
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::catalogue::{ChangeKind, ItemStatus};
use crate::domain::ids::ItemId;
use crate::error::{Error, FieldError};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::region_path_of;
use crate::store::DbConn;
use crate::store::schema::{catalogue_items, catalogue_lineage, regions};
use crate::wire::catalogue::{CheckReport, DraftSpec, Item, ItemChange, NewItem};

fn fail_if_any(errors: Vec<FieldError>) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Every reason the version may not be published: the quality check and "four sames".
fn publish_failures(
    conn: &mut DbConn,
    row: &ItemRow,
    path: &str,
) -> Result<Vec<FieldError>, Error> {
    let content = row.content()?;
    if row.kind() == ChangeKind::Cancel {
        // A cancellation only ends the item; what it says is its source's.
        return Ok(Vec::new());
    }
    let mut failures = content.quality_check();
    failures.extend(four_sames(conn, path, &content)?);
    Ok(failures)
}

impl Services {
    /// Drafts a new item (version 1, change kind `new`).
    pub async fn create_item(&self, caller: &Caller, new: NewItem) -> Result<Item, Error> {
        fail_if_any(new.content.storable())?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let path = region_path_of(conn, new.region_id.0)
                    .map_err(|_| Error::invalid("region_id", "no such region"))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(new.department_id),
                    owner_id: None,
                };
                if !caller.may(Permission::CatalogueManage, &target) {
                    return Err(Error::forbidden(
                        "drafting an item needs catalogue.manage over its region or department",
                    ));
                }
                check_department(conn, new.region_id.0, new.department_id, "department_id")?;
                let existing: i64 = catalogue_items::table
                    .filter(catalogue_items::item_code.eq(&new.content.item_code))
                    .filter(catalogue_items::region_id.eq(new.region_id.0))
                    .count()
                    .get_result(conn)?;
                if existing > 0 {
                    return Err(Error::Conflict {
                        message: format!(
                            "item {} already exists in this region; draft a change of it",
                            new.content.item_code
                        ),
                        allowed: vec!["change".into()],
                    });
                }
                fail_if_any(four_sames(conn, &path, &new.content)?)?;
                let row = insert_draft(
                    conn,
                    now,
                    &Actor::of(&caller),
                    NewVersion {
                        region_id: new.region_id.0,
                        department_id: new.department_id,
                        content: &new.content,
                        kind: ChangeKind::New,
                        sources: &[],
                    },
                )?;
                let level: String = regions::table
                    .find(row.region_id)
                    .select(regions::level)
                    .first(conn)?;
                first(wire_items(conn, vec![(row, level)])?)
            })
            .await
    }

    /// Replaces what a draft says. Published and retired versions never change.
    pub async fn update_draft(
        &self,
        caller: &Caller,
        id: ItemId,
        spec: DraftSpec,
    ) -> Result<Item, Error> {
        fail_if_any(spec.content.storable())?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let located = item_in_scope(conn, &caller, Permission::CatalogueManage, id)?;
                located.row.status().check_edit()?;
                let c = &spec.content;
                if c.item_code != located.row.item_code {
                    return Err(Error::invalid(
                        "content.item_code",
                        "a draft keeps its item code; a new code is a new item or a split",
                    ));
                }
                let department = spec
                    .department_id
                    .unwrap_or(crate::domain::ids::DepartmentId(located.row.department_id));
                check_department(conn, located.row.region_id, department, "department_id")?;
                let target = Target {
                    region_path: Some(&located.path),
                    department_id: Some(department),
                    owner_id: None,
                };
                if !caller.may(Permission::CatalogueManage, &target) {
                    return Err(Error::forbidden(
                        "moving an item needs catalogue.manage over the new department",
                    ));
                }
                fail_if_any(four_sames(conn, &located.path, c)?)?;
                let before = located.row.content()?;
                diesel::update(catalogue_items::table.find(id.0))
                    .set((
                        catalogue_items::department_id.eq(department.0),
                        catalogue_items::name.eq(c.name.trim()),
                        catalogue_items::item_type.eq(c.item_type.as_str()),
                        catalogue_items::legal_limit_days.eq(i64::from(c.legal_limit_days)),
                        catalogue_items::promised_limit_days.eq(i64::from(c.promised_limit_days)),
                        catalogue_items::online.eq(c.online),
                        catalogue_items::details.eq(details_json(c)?),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    now,
                    &Actor::of(&caller),
                    Change {
                        region_id: Some(located.row.region_id),
                        department_id: Some(department.0),
                        before: Some(json!(before)),
                        after: Some(json!(c)),
                        payload: json!({"item_code": c.item_code, "version": located.row.version}),
                        ..Change::new("item.update", "item.updated", "item", id.0)
                    },
                )?;
                let again = item_in_scope(conn, &caller, Permission::CatalogueRead, id)?;
                wire_one(conn, again)
            })
            .await
    }

    /// Runs the publishing checks without publishing.
    pub async fn check_item(&self, caller: &Caller, id: ItemId) -> Result<CheckReport, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let located = item_in_scope(conn, &caller, Permission::CatalogueRead, id)?;
                let failures = publish_failures(conn, &located.row, &located.path)?;
                Ok(CheckReport {
                    passed: failures.is_empty(),
                    failures,
                })
            })
            .await
    }

    /// Publishes a draft after the checks. The version it supersedes (the code's published
    /// version in the region) and its lineage sources are retired in the same transaction; a
    /// cancellation retires them and itself.
    pub async fn publish_item(&self, caller: &Caller, id: ItemId) -> Result<Item, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let located = item_in_scope(conn, &caller, Permission::CatalogueManage, id)?;
                let row = &located.row;
                row.status().check_publish()?;
                fail_if_any(publish_failures(conn, row, &located.path)?)?;
                let actor = Actor::of(&caller);
                let sources: Vec<i64> = catalogue_lineage::table
                    .filter(catalogue_lineage::item_id.eq(row.id))
                    .select(catalogue_lineage::source_id)
                    .load(conn)?;
                let superseded: Vec<ItemRow> = catalogue_items::table
                    .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
                    .filter(catalogue_items::id.ne(row.id))
                    .filter(
                        catalogue_items::id
                            .eq_any(&sources)
                            .or(catalogue_items::item_code
                                .eq(&row.item_code)
                                .and(catalogue_items::region_id.eq(row.region_id))),
                    )
                    .select(ItemRow::as_select())
                    .load(conn)?;
                for old in &superseded {
                    set_status(conn, now, &actor, old, ItemStatus::Retired, "superseded")?;
                }
                set_status(conn, now, &actor, row, ItemStatus::Published, "published")?;
                if row.kind() == ChangeKind::Cancel {
                    set_status(conn, now, &actor, row, ItemStatus::Retired, "cancelled")?;
                }
                let again = item_in_scope(conn, &caller, Permission::CatalogueRead, id)?;
                wire_one(conn, again)
            })
            .await
    }

    /// Retires a published version (it stays readable; cases keep referring to it).
    pub async fn retire_item(&self, caller: &Caller, id: ItemId) -> Result<Item, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let located = item_in_scope(conn, &caller, Permission::CatalogueManage, id)?;
                located.row.status().check_retire()?;
                set_status(
                    conn,
                    now,
                    &Actor::of(&caller),
                    &located.row,
                    ItemStatus::Retired,
                    "retired",
                )?;
                let again = item_in_scope(conn, &caller, Permission::CatalogueRead, id)?;
                wire_one(conn, again)
            })
            .await
    }

    /// A typed catalogue change: drafts new versions whose lineage names the sources.
    pub async fn change_items(
        &self,
        caller: &Caller,
        change: ItemChange,
    ) -> Result<Vec<Item>, Error> {
        if change.kind == ChangeKind::New {
            return Err(Error::invalid(
                "kind",
                "a new item is drafted with POST /api/v1/catalogue/items",
            ));
        }
        change
            .kind
            .check_shape(change.sources.len(), change.items.len())?;
        let mut errors = Vec::new();
        for (i, spec) in change.items.iter().enumerate() {
            errors.extend(prefixed(spec.content.storable(), &format!("items[{i}].")));
        }
        fail_if_any(errors)?;
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let mut sources = Vec::new();
                for id in &change.sources {
                    let s = item_in_scope(conn, &caller, Permission::CatalogueManage, *id)?;
                    if s.row.status() != ItemStatus::Published {
                        return Err(Error::Conflict {
                            message: format!(
                                "source {id} is {}; a change starts from a published version",
                                s.row.status
                            ),
                            allowed: Vec::new(),
                        });
                    }
                    sources.push(s);
                }
                let (region_id, path, level) = match sources.first() {
                    Some(s) => (s.row.region_id, s.path.clone(), s.level.clone()),
                    None => return Err(Error::invalid("sources", "name the source versions")),
                };
                if sources.iter().any(|s| s.row.region_id != region_id) {
                    return Err(Error::invalid(
                        "sources",
                        "all sources must be of one region",
                    ));
                }
                let source_ids: Vec<i64> = sources.iter().map(|s| s.row.id).collect();
                let specs: Vec<DraftSpec> = match change.kind {
                    ChangeKind::Suspend | ChangeKind::Cancel => vec![DraftSpec {
                        department_id: None,
                        content: sources[0].row.content()?,
                    }],
                    _ => change.items.clone(),
                };
                let mut errors = Vec::new();
                let mut planned = Vec::new();
                for (i, spec) in specs.iter().enumerate() {
                    let prefix = format!("items[{i}].");
                    if change.kind == ChangeKind::Change
                        && spec.content.item_code != sources[0].row.item_code
                    {
                        errors.push(FieldError::new(
                            format!("{prefix}content.item_code"),
                            "a change keeps the item code; use split or merge for new codes",
                        ));
                    }
                    let department =
                        spec.department_id
                            .unwrap_or(crate::domain::ids::DepartmentId(
                                sources[0].row.department_id,
                            ));
                    if let Err(Error::Validation(f)) = check_department(
                        conn,
                        region_id,
                        department,
                        &format!("{prefix}department_id"),
                    ) {
                        errors.extend(f);
                    }
                    let target = Target {
                        region_path: Some(&path),
                        department_id: Some(department),
                        owner_id: None,
                    };
                    if !caller.may(Permission::CatalogueManage, &target) {
                        return Err(Error::forbidden(
                            "this change needs catalogue.manage over every department it names",
                        ));
                    }
                    errors.extend(prefixed(four_sames(conn, &path, &spec.content)?, &prefix));
                    planned.push(department);
                }
                fail_if_any(errors)?;
                let actor = Actor::of(&caller);
                let mut out = Vec::new();
                for (spec, department) in specs.iter().zip(planned) {
                    let row = insert_draft(
                        conn,
                        now,
                        &actor,
                        NewVersion {
                            region_id,
                            department_id: department,
                            content: &spec.content,
                            kind: change.kind,
                            sources: &source_ids,
                        },
                    )?;
                    out.push((row, level.clone()));
                }
                wire_items(conn, out)
            })
            .await
    }
}

fn first(mut items: Vec<Item>) -> Result<Item, Error> {
    items
        .pop()
        .ok_or_else(|| Error::Internal("no item written".into()))
}

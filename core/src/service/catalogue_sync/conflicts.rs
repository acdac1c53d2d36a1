//! Sync conflicts: listed in the caller's catalogue scope and resolved by an operator with
//! `catalogue.manage` over the item: take theirs (applied through the change path) or keep
//! ours (sent to the province again). Either is audited.

use diesel::prelude::*;
use serde_json::json;

use super::{Applied, Theirs, apply_theirs, latest, published, summary};
use crate::domain::access::{Caller, Permission, Target};
use crate::domain::catalogue::ItemContent;
use crate::domain::ids::DepartmentId;
use crate::error::{Error, FieldError};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::org::ScopeSql;
use crate::store::DbConn;
use crate::store::schema::{catalogue_sync_conflicts, regions};
use crate::wire::catalogue_sync::{
    ConflictQuery, ConflictStatus, Resolution, SyncAction, SyncConflict, Take,
};
use crate::wire::{Page, PageQuery, page_of, time};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = catalogue_sync_conflicts)]
struct ConflictRow {
    id: i64,
    connector: String,
    message_id: String,
    region_id: i64,
    department_id: i64,
    item_code: String,
    action: String,
    theirs: String,
    local_version: i64,
    synced_version: Option<i64>,
    status: String,
    created_at: i64,
    resolved_at: Option<i64>,
    resolved_by: Option<String>,
}

impl ConflictRow {
    fn theirs(&self) -> Result<Option<ItemContent>, Error> {
        serde_json::from_str(&self.theirs)
            .map_err(|e| Error::Internal(format!("conflict {} content: {e}", self.id)))
    }

    fn action(&self) -> SyncAction {
        SyncAction::parse(&self.action).unwrap_or(SyncAction::Change)
    }

    fn wire(&self, conn: &mut DbConn) -> Result<SyncConflict, Error> {
        let ours = match published(conn, self.region_id, &self.item_code)? {
            Some(r) => Some(r.content()?),
            None => None,
        };
        Ok(SyncConflict {
            id: self.id,
            connector: self.connector.clone(),
            message_id: self.message_id.clone(),
            region_id: self.region_id,
            department_id: self.department_id,
            item_code: self.item_code.clone(),
            action: self.action(),
            theirs: self.theirs()?,
            ours,
            local_version: self.local_version,
            synced_version: self.synced_version,
            status: ConflictStatus::parse(&self.status).unwrap_or(ConflictStatus::Open),
            created_at: time(self.created_at),
            resolved_at: self.resolved_at.map(time),
            resolved_by: self.resolved_by.clone(),
        })
    }
}

fn mark(
    conn: &mut DbConn,
    now: i64,
    caller: &Caller,
    row: &ConflictRow,
    status: ConflictStatus,
) -> Result<(), Error> {
    diesel::update(catalogue_sync_conflicts::table.find(row.id))
        .set((
            catalogue_sync_conflicts::status.eq(status.as_str()),
            catalogue_sync_conflicts::resolved_at.eq(now),
            catalogue_sync_conflicts::resolved_by.eq(&caller.username),
        ))
        .execute(conn)?;
    Ok(())
}

impl Services {
    /// Sync conflicts in the caller's `catalogue.read` scope, oldest first.
    pub async fn list_sync_conflicts(
        &self,
        caller: &Caller,
        query: ConflictQuery,
    ) -> Result<Page<SyncConflict>, Error> {
        let caller = caller.clone();
        self.store
            .read(move |conn| {
                let scope = ScopeSql::load(conn, &caller, Permission::CatalogueRead)?;
                if scope.is_empty() {
                    return Err(Error::forbidden("sync conflicts need catalogue.read"));
                }
                let page = PageQuery {
                    after: query.after,
                    limit: query.limit,
                };
                let limit = page.limit();
                let mut q = catalogue_sync_conflicts::table
                    .filter(catalogue_sync_conflicts::id.gt(page.after()))
                    .order(catalogue_sync_conflicts::id.asc())
                    .limit(limit + 1)
                    .select(ConflictRow::as_select())
                    .into_boxed();
                if !scope.global {
                    q = q.filter(
                        catalogue_sync_conflicts::region_id
                            .eq_any(scope.region_ids)
                            .or(catalogue_sync_conflicts::department_id
                                .eq_any(scope.department_ids)),
                    );
                }
                if let Some(s) = query.status {
                    q = q.filter(catalogue_sync_conflicts::status.eq(s.as_str()));
                }
                let rows: Vec<ConflictRow> = q.load(conn)?;
                let items = rows
                    .iter()
                    .map(|r| r.wire(conn))
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok(page_of(items, limit, |c: &SyncConflict| c.id))
            })
            .await
    }

    /// Resolves an open conflict: `theirs` applies the province's change as a new version
    /// (422 when the catalogue's checks refuse it), `ours` keeps the item and owes the
    /// province its current version again (event `catalogue_sync.kept`).
    pub async fn resolve_sync_conflict(
        &self,
        caller: &Caller,
        id: i64,
        resolution: Resolution,
    ) -> Result<SyncConflict, Error> {
        let caller = caller.clone();
        let now = self.clock.now();
        self.store
            .write(move |conn| {
                let (row, path): (ConflictRow, String) = catalogue_sync_conflicts::table
                    .inner_join(regions::table)
                    .filter(catalogue_sync_conflicts::id.eq(id))
                    .select((ConflictRow::as_select(), regions::path))
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| Error::not_found("sync conflict", id))?;
                let target = Target {
                    region_path: Some(&path),
                    department_id: Some(DepartmentId(row.department_id)),
                    owner_id: None,
                };
                caller.check(
                    Permission::CatalogueManage,
                    Permission::CatalogueRead,
                    &target,
                    "sync conflict",
                    id,
                )?;
                if row.status != ConflictStatus::Open.as_str() {
                    return Err(Error::conflict(format!(
                        "conflict {id} is {}; only an open conflict is resolved",
                        row.status
                    )));
                }
                let actor = Actor::of(&caller);
                match resolution.take {
                    Take::Theirs => take_theirs(conn, now, &actor, &row, &path)?,
                    Take::Ours => keep_ours(conn, now, &actor, &row)?,
                }
                let status = match resolution.take {
                    Take::Theirs => ConflictStatus::Theirs,
                    Take::Ours => ConflictStatus::Ours,
                };
                mark(conn, now, &caller, &row, status)?;
                let again: ConflictRow = catalogue_sync_conflicts::table
                    .find(id)
                    .select(ConflictRow::as_select())
                    .get_result(conn)?;
                again.wire(conn)
            })
            .await
    }
}

fn take_theirs(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    row: &ConflictRow,
    path: &str,
) -> Result<(), Error> {
    let content = row.theirs()?;
    let theirs = Theirs {
        connector: &row.connector,
        region_id: row.region_id,
        region_path: path,
        department_id: row.department_id,
        item_code: &row.item_code,
        action: row.action(),
        content: content.as_ref(),
    };
    let version = match apply_theirs(conn, now, actor, &theirs)? {
        Applied::Done(v) => v,
        Applied::Refused(f) => {
            return Err(Error::Validation(vec![FieldError::new(
                "take",
                format!(
                    "the province's change fails the catalogue's checks: {}",
                    summary(&f)
                ),
            )]));
        }
    };
    let payload = json!({
        "conflict_id": row.id, "take": "theirs", "item_code": row.item_code,
        "version": version,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            before: Some(json!({"status": row.status})),
            after: Some(json!({"status": ConflictStatus::Theirs.as_str()})),
            payload,
            ..Change::new(
                "catalogue_sync.take_theirs",
                "catalogue_sync.resolved",
                "catalogue_sync_conflict",
                row.id,
            )
        },
    )?;
    Ok(())
}

/// Keeps ours: the event names the version the province is owed again (the published one, or
/// the newest when none is), so the `province_catalogue` connector sends it.
fn keep_ours(conn: &mut DbConn, now: i64, actor: &Actor, row: &ConflictRow) -> Result<(), Error> {
    let ours = match published(conn, row.region_id, &row.item_code)? {
        Some(r) => r,
        None => latest(conn, row.region_id, &row.item_code)?
            .ok_or_else(|| Error::conflict("the item has no version here any more; take theirs"))?,
    };
    let payload = json!({
        "conflict_id": row.id, "take": "ours", "item_code": row.item_code,
        "version": ours.version, "connector": row.connector,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(row.region_id),
            department_id: Some(row.department_id),
            before: Some(json!({"conflict_status": row.status})),
            after: Some(json!({"conflict_status": ConflictStatus::Ours.as_str()})),
            payload,
            ..Change::new(
                "catalogue_sync.keep_ours",
                "catalogue_sync.kept",
                "item",
                ours.id,
            )
        },
    )?;
    Ok(())
}

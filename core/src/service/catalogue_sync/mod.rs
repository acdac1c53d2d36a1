//! Provincial catalogue sync (事项同步, R-2.1.4): what the province has seen of each item, the
//! province's changes applied through the catalogue's own change path, and the conflicts when
//! an item was changed here since the last sync. See `docs/integrations.md`.
//!
//! Outgoing items are the `province_catalogue` format of the outbox; this module keeps, per
//! connector, region and item code, the version both sides last agreed on: the province
//! acknowledged ours, or we applied theirs. A local version above it is a change the province
//! has not seen, so a change of theirs to that item is a conflict for an operator, never an
//! overwrite.

mod conflicts;
mod inbound;

use diesel::prelude::*;

use crate::domain::catalogue::{ChangeKind, ItemContent, ItemStatus};
use crate::domain::ids::DepartmentId;
use crate::error::{Error, FieldError};
use crate::service::audit::Actor;
use crate::service::catalogue::{ItemRow, NewVersion, four_sames, insert_draft, set_status};
use crate::store::DbConn;
use crate::store::schema::{catalogue_items, catalogue_sync_items};
use crate::wire::catalogue_sync::SyncAction;

/// `source` of a sync row: the province acknowledged our version.
pub(crate) const OURS: &str = "ours";
/// `source` of a sync row: the version is the province's change, applied here.
pub(crate) const PROVINCE: &str = "province";

/// The version both sides last agreed on.
pub(crate) fn synced_of(
    conn: &mut DbConn,
    connector: &str,
    region_id: i64,
    item_code: &str,
) -> Result<Option<i64>, Error> {
    Ok(catalogue_sync_items::table
        .find((connector, region_id, item_code))
        .select(catalogue_sync_items::synced_version)
        .get_result(conn)
        .optional()?)
}

/// Records that both sides agree on `version`; an older acknowledgement arriving late (the
/// outbox may deliver out of order) never moves it back.
pub(crate) fn mark_synced(
    conn: &mut DbConn,
    connector: &str,
    row: &ItemRow,
    source: &str,
    now: i64,
) -> Result<(), Error> {
    let key = (connector, row.region_id, row.item_code.as_str());
    match synced_of(conn, connector, row.region_id, &row.item_code)? {
        Some(v) if v >= row.version => {}
        Some(_) => {
            diesel::update(catalogue_sync_items::table.find(key))
                .set((
                    catalogue_sync_items::synced_version.eq(row.version),
                    catalogue_sync_items::source.eq(source),
                    catalogue_sync_items::synced_at.eq(now),
                ))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(catalogue_sync_items::table)
                .values((
                    catalogue_sync_items::connector.eq(connector),
                    catalogue_sync_items::region_id.eq(row.region_id),
                    catalogue_sync_items::item_code.eq(&row.item_code),
                    catalogue_sync_items::synced_version.eq(row.version),
                    catalogue_sync_items::source.eq(source),
                    catalogue_sync_items::synced_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Whether the version is a change of the province applied here (sending it back would only
/// echo it).
pub(crate) fn from_province(conn: &mut DbConn, row: &ItemRow) -> Result<bool, Error> {
    let n: i64 = catalogue_sync_items::table
        .filter(catalogue_sync_items::region_id.eq(row.region_id))
        .filter(catalogue_sync_items::item_code.eq(&row.item_code))
        .filter(catalogue_sync_items::synced_version.eq(row.version))
        .filter(catalogue_sync_items::source.eq(PROVINCE))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The region's published version of a code.
pub(crate) fn published(
    conn: &mut DbConn,
    region_id: i64,
    item_code: &str,
) -> Result<Option<ItemRow>, Error> {
    Ok(catalogue_items::table
        .filter(catalogue_items::region_id.eq(region_id))
        .filter(catalogue_items::item_code.eq(item_code))
        .filter(catalogue_items::status.eq(ItemStatus::Published.as_str()))
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?)
}

/// The region's newest version of a code, whatever its status.
pub(crate) fn latest(
    conn: &mut DbConn,
    region_id: i64,
    item_code: &str,
) -> Result<Option<ItemRow>, Error> {
    Ok(catalogue_items::table
        .filter(catalogue_items::region_id.eq(region_id))
        .filter(catalogue_items::item_code.eq(item_code))
        .order(catalogue_items::version.desc())
        .select(ItemRow::as_select())
        .first(conn)
        .optional()?)
}

/// A change of the province, placed in one region and department.
pub(crate) struct Theirs<'a> {
    pub connector: &'a str,
    pub region_id: i64,
    pub region_path: &'a str,
    pub department_id: i64,
    pub item_code: &'a str,
    pub action: SyncAction,
    pub content: Option<&'a ItemContent>,
}

/// How applying a change of the province ended.
pub(crate) enum Applied {
    /// The version number it became (published, or retired for a cancellation).
    Done(i64),
    /// Refused by the catalogue's checks; nothing was written.
    Refused(Vec<FieldError>),
}

/// Applies a change of the province as the catalogue applies any change: a new draft version
/// (`change`, `new` or `cancel`, with its lineage), checked, then published, the version it
/// supersedes retired, each step audited; then both sides agree on it.
pub(crate) fn apply_theirs(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    t: &Theirs<'_>,
) -> Result<Applied, Error> {
    let current = published(conn, t.region_id, t.item_code)?;
    let (kind, content) = match (t.action, &current) {
        (SyncAction::Change, current) => {
            let Some(content) = t.content else {
                return Ok(Applied::Refused(vec![FieldError::new(
                    "content",
                    "a change carries the item's content",
                )]));
            };
            let kind = if current.is_some() {
                ChangeKind::Change
            } else {
                ChangeKind::New
            };
            let mut failures = content.quality_check();
            failures.extend(four_sames(conn, t.region_path, content)?);
            if !failures.is_empty() {
                return Ok(Applied::Refused(failures));
            }
            (kind, content.clone())
        }
        (SyncAction::Cancel, Some(current)) => (ChangeKind::Cancel, current.content()?),
        (SyncAction::Cancel, None) => {
            return Ok(Applied::Refused(vec![FieldError::new(
                "item_code",
                "no published version here to cancel",
            )]));
        }
    };
    let sources: Vec<i64> = current.iter().map(|c| c.id).collect();
    let row = insert_draft(
        conn,
        now,
        actor,
        NewVersion {
            region_id: t.region_id,
            department_id: DepartmentId(t.department_id),
            content: &content,
            kind,
            sources: &sources,
        },
    )?;
    if let Some(old) = &current {
        set_status(conn, now, actor, old, ItemStatus::Retired, "superseded")?;
    }
    set_status(conn, now, actor, &row, ItemStatus::Published, PROVINCE)?;
    if kind == ChangeKind::Cancel {
        set_status(conn, now, actor, &row, ItemStatus::Retired, "cancelled")?;
    }
    mark_synced(conn, t.connector, &row, PROVINCE, now)?;
    Ok(Applied::Done(row.version))
}

/// Whether an item was changed here since the last sync: a local version (published or a
/// draft) above the one both sides agreed on, or any version when they never agreed on one.
pub(crate) fn changed_here(newest_local: Option<i64>, synced: Option<i64>) -> bool {
    match (newest_local, synced) {
        (None, _) => false,
        (Some(local), Some(synced)) => local > synced,
        (Some(_), None) => true,
    }
}

/// One line naming every refusal, for an answer to the province.
pub(crate) fn summary(failures: &[FieldError]) -> String {
    failures
        .iter()
        .map(|f| format!("{}: {}", f.field, f.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::changed_here;

    #[test]
    fn an_item_is_changed_here_when_a_local_version_is_newer_than_the_synced_one() {
        assert!(!changed_here(None, None), "an item new here is no conflict");
        assert!(!changed_here(None, Some(2)));
        assert!(!changed_here(Some(3), Some(3)));
        assert!(changed_here(Some(4), Some(3)));
        assert!(
            changed_here(Some(1), None),
            "never synced: the province has not seen it"
        );
    }
}

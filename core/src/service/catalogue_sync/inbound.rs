//! The province's item changes, posted back to `POST /connectors/NAME/catalogue-changes`:
//! stored before they are acknowledged and idempotent by the province's message id, like every
//! inbound message; then applied when the item has not changed here since the last sync, or
//! kept as a conflict for an operator.

use diesel::prelude::*;
use serde_json::json;

use super::{Applied, Theirs, apply_theirs, changed_here, latest, summary, synced_of};
use crate::domain::access::Caller;
use crate::domain::catalogue::valid_item_code;
use crate::error::{Error, Validator};
use crate::service::Services;
use crate::service::audit::{self, Actor, Change};
use crate::service::integrations::Format;
use crate::service::integrations::inbound::Received;
use crate::store::DbConn;
use crate::store::schema::{catalogue_sync_conflicts, departments, regions};
use crate::wire::catalogue_sync::{ConflictStatus, ProvinceItemChange, SyncAction};
use crate::wire::integrations::InboundAnswer;

/// A change's region and department here: (region id, path, department id by code).
type Place = (i64, String, Option<i64>);

fn place(conn: &mut DbConn, c: &ProvinceItemChange) -> Result<Place, Error> {
    let (region_id, path): (i64, String) = regions::table
        .filter(regions::code.eq(c.region_code.trim()))
        .select((regions::id, regions::path))
        .get_result(conn)
        .optional()?
        .ok_or_else(|| Error::invalid("region_code", "no such region here"))?;
    let department = match &c.department_code {
        None => None,
        Some(code) => Some(
            departments::table
                .filter(departments::region_id.eq(region_id))
                .filter(departments::code.eq(code.trim()))
                .select(departments::id)
                .get_result::<i64>(conn)
                .optional()?
                .ok_or_else(|| {
                    Error::invalid("department_code", "no such department in the region")
                })?,
        ),
    };
    Ok((region_id, path, department))
}

fn answer(peer: &str, c: &ProvinceItemChange, status: &str, reason: String) -> InboundAnswer {
    InboundAnswer {
        peer: peer.to_owned(),
        message_id: c.message_id.trim().to_owned(),
        status: status.to_owned(),
        reason: Some(reason),
        evaluation_id: None,
        order_status: None,
        punishment_id: None,
    }
}

impl Services {
    /// Takes a change of the province's catalogue: 422 for what cannot be a change here
    /// (malformed content, unknown region or department), otherwise stored, then applied
    /// (`applied`), refused by the catalogue's checks (`rejected`, with every failure) or kept
    /// as a conflict (`conflict`). Answers whether it was new.
    pub async fn receive_catalogue_change(
        &self,
        caller: &Caller,
        peer: &str,
        change: ProvinceItemChange,
    ) -> Result<(InboundAnswer, bool), Error> {
        let cfg = self.inbound_peer(caller, peer)?;
        if cfg.format != Format::ProvinceCatalogue {
            return Err(Error::not_found("catalogue sync connector", peer));
        }
        let mut v = Validator::new();
        v.text(&change.message_id, "message_id", 128);
        v.text(&change.region_code, "region_code", 32);
        v.check(
            valid_item_code(&change.item_code),
            "item_code",
            "letters, digits and -, at most 64",
        );
        if let Some(d) = &change.department_code {
            v.text(d, "department_code", 32);
        }
        match (&change.action, &change.content) {
            (SyncAction::Change, None) => {
                v.push("content", "a change carries the item's content");
            }
            (SyncAction::Change, Some(c)) => {
                v.check(
                    c.item_code == change.item_code,
                    "content.item_code",
                    "must be the change's item_code",
                );
                for f in c.storable() {
                    v.push(&f.field, f.reason);
                }
            }
            (SyncAction::Cancel, _) => {}
        }
        v.finish()?;
        let c = change.clone();
        self.store
            .read(move |conn| place(conn, &c).map(|_| ()))
            .await?;
        let body = serde_json::to_string(&change).map_err(|e| Error::Internal(e.to_string()))?;
        let received = Received {
            peer: peer.to_owned(),
            message_id: change.message_id.trim().to_owned(),
            reference: None,
            body,
        };
        self.receive_with(caller, received, || {
            self.apply_catalogue_change(caller, peer, change)
        })
        .await
    }

    async fn apply_catalogue_change(
        &self,
        caller: &Caller,
        peer: &str,
        change: ProvinceItemChange,
    ) -> Result<InboundAnswer, Error> {
        let now = self.clock.now();
        let (actor, peer) = (Actor::of(caller), peer.to_owned());
        self.store
            .write(move |conn| {
                let (region_id, path, by_code) = place(conn, &change)?;
                let code = change.item_code.as_str();
                let newest = latest(conn, region_id, code)?;
                let Some(department_id) = by_code.or(newest.as_ref().map(|r| r.department_id))
                else {
                    return Ok(answer(
                        &peer,
                        &change,
                        "rejected",
                        "department_code: needed for an item new here".into(),
                    ));
                };
                let synced = synced_of(conn, &peer, region_id, code)?;
                let changed = changed_here(newest.as_ref().map(|r| r.version), synced);
                let open: Vec<i64> = catalogue_sync_conflicts::table
                    .filter(catalogue_sync_conflicts::connector.eq(&peer))
                    .filter(catalogue_sync_conflicts::region_id.eq(region_id))
                    .filter(catalogue_sync_conflicts::item_code.eq(code))
                    .filter(catalogue_sync_conflicts::status.eq(ConflictStatus::Open.as_str()))
                    .select(catalogue_sync_conflicts::id)
                    .load(conn)?;
                if changed || !open.is_empty() {
                    let local = newest.as_ref().map_or(0, |r| r.version);
                    let id = record_conflict(
                        conn,
                        now,
                        &actor,
                        &peer,
                        &change,
                        (region_id, department_id),
                        (local, synced),
                        &open,
                    )?;
                    return Ok(answer(
                        &peer,
                        &change,
                        "conflict",
                        format!(
                            "conflict {id}: item {code} was changed here since the last sync \
                             (version {local}); an operator decides"
                        ),
                    ));
                }
                let theirs = Theirs {
                    connector: &peer,
                    region_id,
                    region_path: &path,
                    department_id,
                    item_code: code,
                    action: change.action,
                    content: change.content.as_ref(),
                };
                Ok(match apply_theirs(conn, now, &actor, &theirs)? {
                    Applied::Done(version) => answer(
                        &peer,
                        &change,
                        "applied",
                        format!("version {version} of item {code}"),
                    ),
                    Applied::Refused(f) => answer(&peer, &change, "rejected", summary(&f)),
                })
            })
            .await
    }
}

/// Keeps the change as an open conflict (the item's earlier open ones are superseded by it),
/// with its audit entry and event; answers its id.
#[expect(
    clippy::too_many_arguments,
    reason = "one row's parts, named at the one call"
)]
fn record_conflict(
    conn: &mut DbConn,
    now: i64,
    actor: &Actor,
    peer: &str,
    change: &ProvinceItemChange,
    (region_id, department_id): (i64, i64),
    (local_version, synced_version): (i64, Option<i64>),
    open: &[i64],
) -> Result<i64, Error> {
    diesel::update(
        catalogue_sync_conflicts::table.filter(catalogue_sync_conflicts::id.eq_any(open)),
    )
    .set((
        catalogue_sync_conflicts::status.eq(ConflictStatus::Superseded.as_str()),
        catalogue_sync_conflicts::resolved_at.eq(now),
        catalogue_sync_conflicts::resolved_by.eq(peer),
    ))
    .execute(conn)?;
    let theirs = serde_json::to_string(&change.content)
        .map_err(|e| Error::Internal(format!("conflict content: {e}")))?;
    let id: i64 = diesel::insert_into(catalogue_sync_conflicts::table)
        .values((
            catalogue_sync_conflicts::connector.eq(peer),
            catalogue_sync_conflicts::message_id.eq(change.message_id.trim()),
            catalogue_sync_conflicts::region_id.eq(region_id),
            catalogue_sync_conflicts::department_id.eq(department_id),
            catalogue_sync_conflicts::item_code.eq(&change.item_code),
            catalogue_sync_conflicts::action.eq(change.action.as_str()),
            catalogue_sync_conflicts::theirs.eq(&theirs),
            catalogue_sync_conflicts::local_version.eq(local_version),
            catalogue_sync_conflicts::synced_version.eq(synced_version),
            catalogue_sync_conflicts::status.eq(ConflictStatus::Open.as_str()),
            catalogue_sync_conflicts::created_at.eq(now),
        ))
        .returning(catalogue_sync_conflicts::id)
        .get_result(conn)?;
    let payload = json!({
        "connector": peer, "item_code": change.item_code, "action": change.action,
        "local_version": local_version, "synced_version": synced_version,
        "superseded": open,
    });
    audit::record(
        conn,
        now,
        actor,
        Change {
            region_id: Some(region_id),
            department_id: Some(department_id),
            after: Some(payload.clone()),
            payload,
            ..Change::new(
                "catalogue_sync.conflict",
                "catalogue_sync.conflicted",
                "catalogue_sync_conflict",
                id,
            )
        },
    )?;
    Ok(id)
}

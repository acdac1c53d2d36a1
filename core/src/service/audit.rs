//! The audit trail: every state change leaves an entry, chained by SHA-256 so that an edited
//! or deleted row is detected, and a domain event, both in the change's own transaction.

use diesel::prelude::*;
use serde_json::Value;

use crate::clock::Millis;
use crate::crypto::sha256_hex;
use crate::domain::access::{Caller, Permission};
use crate::domain::ids::{EventId, UserId};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::kept::Keep;
use crate::store::schema::{audit_log, events};
use crate::store::writer::{SERIAL_LOCK, holds_serial_lock, write_epoch};
use crate::wire::events::{AuditEntry, AuditVerification};
use crate::wire::{Page, PageQuery, page_of, time};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<UserId>,
    pub label: String,
}

impl Actor {
    /// The platform itself (bootstrap, background jobs).
    pub fn system() -> Self {
        Actor {
            id: None,
            label: "system".into(),
        }
    }

    pub fn of(caller: &Caller) -> Self {
        Actor {
            id: Some(caller.user_id),
            label: caller.username.clone(),
        }
    }
}

/// One state change to record. Personal data in `before`/`after`/`payload` must be masked.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The audit action, e.g. `user.create`.
    pub action: &'a str,
    /// The event kind, e.g. `user.created`.
    pub event: &'a str,
    pub entity: &'a str,
    pub entity_id: i64,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub payload: Value,
}

impl<'a> Change<'a> {
    /// A change with no scope columns and no before/after yet.
    pub fn new(action: &'a str, event: &'a str, entity: &'a str, entity_id: i64) -> Self {
        Change {
            action,
            event,
            entity,
            entity_id,
            region_id: None,
            department_id: None,
            owner_id: None,
            before: None,
            after: None,
            payload: Value::Null,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAudit<'a> {
    at: i64,
    actor_id: Option<i64>,
    actor: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: i64,
    region_id: Option<i64>,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
    prev_hash: &'a str,
    hash: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = events)]
struct NewEvent<'a> {
    at: i64,
    kind: &'a str,
    entity: &'a str,
    entity_id: i64,
    region_id: Option<i64>,
    department_id: Option<i64>,
    owner_id: Option<i64>,
    payload: String,
}

thread_local! {
    /// The chain's newest hash as this writer thread left it, with the write epoch it holds in.
    static HEAD: std::cell::RefCell<Option<(u64, String)>> = const { std::cell::RefCell::new(None) };
}

/// The newest entry's hash, read once per write transaction: later commands of the same group
/// take it from the previous command (on PostgreSQL the chain lock, once taken, is held until
/// commit, so no other node can have appended in between).
fn chain_head(conn: &mut DbConn) -> Result<String, Error> {
    if let Some(hash) = known_head() {
        return Ok(hash);
    }
    read_head(conn)
}

/// The head this writer thread knows to hold in its open transaction.
fn known_head() -> Option<String> {
    let epoch = write_epoch();
    if epoch == 0 {
        return None;
    }
    HEAD.with(|h| match &*h.borrow() {
        Some((e, hash)) if *e == epoch => Some(hash.clone()),
        _ => None,
    })
}

/// The head as this writer thread last left it, from an earlier transaction: what it most
/// likely still is when this node is the only one writing. Only for a checked append.
fn guessed_head() -> Option<String> {
    if !holds_serial_lock() {
        return None;
    }
    HEAD.with(|h| h.borrow().as_ref().map(|(_, hash)| hash.clone()))
}

fn read_head(conn: &mut DbConn) -> Result<String, Error> {
    // A statement of its own: the read below must take its snapshot after the lock.
    lock_chain(conn)?;
    // `= (SELECT MAX(id))` rather than `ORDER BY id DESC LIMIT ?`: SQLite re-prepares a
    // statement whose LIMIT is a bound value on every run.
    let newest = diesel::alias!(audit_log as newest);
    let last = newest
        .select(diesel::dsl::max(newest.field(audit_log::id)))
        .single_value();
    Ok(crate::on_backend!(conn, |c| audit_log::table
        .filter(audit_log::id.nullable().eq(last))
        .select(audit_log::hash)
        .get_result(c)
        .optional())?
    .unwrap_or_else(|| GENESIS.to_owned()))
}

fn forget_head() {
    HEAD.with(|h| *h.borrow_mut() = None);
}

fn remember_head(hash: String) {
    let epoch = write_epoch();
    if epoch != 0 {
        HEAD.with(|h| *h.borrow_mut() = Some((epoch, hash)));
    }
}

#[derive(QueryableByName)]
struct AppendedEvent {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// The audit entry and the event in one statement: one round trip instead of two, on every
/// write. The statement appends only when `prev_hash` is still the chain's head (it runs under
/// the chain lock, taken by an earlier statement, so its snapshot is after any other node's
/// append); `None` when it was not, and nothing was written.
fn append_pg(
    conn: &mut diesel::PgConnection,
    entry: &NewAudit<'_>,
    event: &NewEvent<'_>,
) -> Result<Option<i64>, Error> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    let row: Option<AppendedEvent> = diesel::sql_query(
        "WITH entry AS (INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, \
         region_id, before_json, after_json, prev_hash, hash) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
         WHERE $10 = COALESCE((SELECT hash FROM audit_log \
           WHERE id = (SELECT MAX(id) FROM audit_log)), $16) RETURNING 1) \
         INSERT INTO events (at, kind, entity, entity_id, region_id, department_id, owner_id, \
         payload) SELECT $1, $12, $5, $6, $7, $13, $14, $15 FROM entry RETURNING id",
    )
    .bind::<BigInt, _>(entry.at)
    .bind::<Nullable<BigInt>, _>(entry.actor_id)
    .bind::<Text, _>(entry.actor)
    .bind::<Text, _>(entry.action)
    .bind::<Text, _>(entry.entity)
    .bind::<BigInt, _>(entry.entity_id)
    .bind::<Nullable<BigInt>, _>(entry.region_id)
    .bind::<Nullable<Text>, _>(entry.before_json)
    .bind::<Nullable<Text>, _>(entry.after_json)
    .bind::<Text, _>(entry.prev_hash)
    .bind::<Text, _>(entry.hash)
    .bind::<Text, _>(event.kind)
    .bind::<Nullable<BigInt>, _>(event.department_id)
    .bind::<Nullable<BigInt>, _>(event.owner_id)
    .bind::<Text, _>(&event.payload)
    .bind::<Text, _>(GENESIS)
    .kept()
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| r.id))
}

/// What an entry's hash covers.
#[allow(clippy::too_many_arguments)]
fn entry_hash(
    prev: &str,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: i64,
    region_id: Option<i64>,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let text = [
        prev,
        &at.to_string(),
        &opt(actor_id),
        actor,
        action,
        entity,
        &entity_id.to_string(),
        &opt(region_id),
        before.unwrap_or(""),
        after.unwrap_or(""),
    ]
    .join("\u{1f}");
    sha256_hex(text.as_bytes())
}

/// Takes the chain's lock ([`SERIAL_LOCK`]: appends on PostgreSQL, where nodes write in
/// parallel, are serialised to the commit, so chain order and event-id order are commit order
/// on every node) now instead of at the append. Nothing on SQLite, nor in the writer's group,
/// which took it at its start. A command that may wait on a row lock another node holds takes
/// it first: otherwise one node could hold the chain lock waiting for the row while the other
/// holds the row waiting for the chain — a deadlock. Held to the commit.
pub fn lock_chain(conn: &mut DbConn) -> Result<(), Error> {
    if let DbConn::Pg(_) = conn
        && !holds_serial_lock()
    {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(SERIAL_LOCK)
            .execute(conn)?;
    }
    Ok(())
}

/// Writes the audit entry and the event for `change`; call it inside the change's transaction.
pub fn record(
    conn: &mut DbConn,
    at: Millis,
    actor: &Actor,
    change: Change<'_>,
) -> Result<EventId, Error> {
    let before = change.before.as_ref().map(Value::to_string);
    let after = change.after.as_ref().map(Value::to_string);
    let actor_id = actor.id.map(|u| u.0);
    let event = NewEvent {
        at,
        kind: change.event,
        entity: change.entity,
        entity_id: change.entity_id,
        region_id: change.region_id,
        department_id: change.department_id,
        owner_id: change.owner_id,
        payload: change.payload.to_string(),
    };
    // The entry linked to `link`, appended; `None` when PostgreSQL's checked append found
    // another head.
    let append = |conn: &mut DbConn, link: &str| -> Result<Option<EventId>, Error> {
        let hash = entry_hash(
            link,
            at,
            actor_id,
            &actor.label,
            change.action,
            change.entity,
            change.entity_id,
            change.region_id,
            before.as_deref(),
            after.as_deref(),
        );
        let entry = NewAudit {
            at,
            actor_id,
            actor: &actor.label,
            action: change.action,
            entity: change.entity,
            entity_id: change.entity_id,
            region_id: change.region_id,
            before_json: before.as_deref(),
            after_json: after.as_deref(),
            prev_hash: link,
            hash: &hash,
        };
        let id = match conn {
            DbConn::Pg(c) => append_pg(c, &entry, &event)?,
            DbConn::Sqlite(c) => {
                diesel::insert_into(audit_log::table)
                    .values(&entry)
                    .execute(c)?;
                Some(
                    diesel::insert_into(events::table)
                        .values(&event)
                        .returning(events::id)
                        .get_result::<i64>(c)?,
                )
            }
        };
        if id.is_some() {
            remember_head(hash);
        }
        Ok(id.map(EventId))
    };
    // On PostgreSQL the append checks its link itself, so the head this thread left in its
    // last transaction is tried before a round trip to read it.
    if let DbConn::Pg(_) = conn
        && let Some(guess) = known_head().or_else(guessed_head)
    {
        if let Some(id) = append(conn, &guess)? {
            return Ok(id);
        }
        // Another node appended since.
        forget_head();
    }
    let link = chain_head(conn)?;
    append(conn, &link)?.ok_or_else(|| {
        Error::Internal("the audit chain's head moved while its lock was held".into())
    })
}

/// A change for [`record_all`], its texts already serialised (off the writer's thread, when the
/// caller can).
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: &'static str,
    pub event: &'static str,
    pub entity: &'static str,
    pub entity_id: i64,
    pub region_id: Option<i64>,
    pub department_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub payload: String,
}

/// [`record`] for many changes by one actor at one time, in their order, in multi-row
/// statements: the chain is the one the entries would make one by one.
pub fn record_all(
    conn: &mut DbConn,
    at: Millis,
    actor: &Actor,
    entries: Vec<Entry>,
) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let actor_id = actor.id.map(|u| u.0);
    // Each entry's hash is the next one's link: hashes[i] links entry i, hashes[i + 1] is its own.
    let mut hashes = Vec::with_capacity(entries.len() + 1);
    hashes.push(chain_head(conn)?);
    for e in &entries {
        let prev = hashes.last().map_or(GENESIS, String::as_str);
        let hash = entry_hash(
            prev,
            at,
            actor_id,
            &actor.label,
            e.action,
            e.entity,
            e.entity_id,
            e.region_id,
            e.before.as_deref(),
            e.after.as_deref(),
        );
        hashes.push(hash);
    }
    let mut audit_rows = Vec::with_capacity(entries.len());
    let mut event_rows = Vec::with_capacity(entries.len());
    for (e, link) in entries.into_iter().zip(hashes.windows(2)) {
        audit_rows.push((
            audit_log::at.eq(at),
            audit_log::actor_id.eq(actor_id),
            audit_log::actor.eq(actor.label.clone()),
            audit_log::action.eq(e.action),
            audit_log::entity.eq(e.entity),
            audit_log::entity_id.eq(e.entity_id),
            audit_log::region_id.eq(e.region_id),
            audit_log::before_json.eq(e.before),
            audit_log::after_json.eq(e.after),
            audit_log::prev_hash.eq(link[0].clone()),
            audit_log::hash.eq(link[1].clone()),
        ));
        event_rows.push((
            events::at.eq(at),
            events::kind.eq(e.event),
            events::entity.eq(e.entity),
            events::entity_id.eq(e.entity_id),
            events::region_id.eq(e.region_id),
            events::department_id.eq(e.department_id),
            events::owner_id.eq(e.owner_id),
            events::payload.eq(e.payload),
        ));
    }
    // Entries first, in order: the chain is verified in id order.
    crate::on_backend!(conn, |c| crate::in_fixed_shapes!(audit_rows, |chunk| {
        diesel::insert_into(audit_log::table)
            .values(chunk)
            .execute(c)
    }))?;
    crate::on_backend!(conn, |c| crate::in_fixed_shapes!(event_rows, |chunk| {
        diesel::insert_into(events::table).values(chunk).execute(c)
    }))?;
    if let Some(head) = hashes.pop() {
        remember_head(head);
    }
    Ok(())
}

#[derive(Queryable)]
struct AuditRow {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    entity: String,
    entity_id: i64,
    region_id: Option<i64>,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

/// Re-computes the chain from the first entry and names the first that does not hold.
pub fn verify(conn: &mut DbConn) -> Result<AuditVerification, Error> {
    let mut prev = GENESIS.to_owned();
    let mut last_id = 0i64;
    let mut checked = 0u64;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::id.gt(last_id))
            .order(audit_log::id.asc())
            .limit(2_000)
            .load(conn)?;
        if rows.is_empty() {
            return Ok(AuditVerification {
                entries_checked: checked,
                first_broken: None,
                reason: None,
            });
        }
        for r in rows {
            let broken = |reason: &str| AuditVerification {
                entries_checked: checked,
                first_broken: Some(r.id),
                reason: Some(reason.to_owned()),
            };
            if r.prev_hash != prev {
                return Ok(broken(
                    "its link does not match the entry before it (an entry was removed or changed)",
                ));
            }
            let expected = entry_hash(
                &r.prev_hash,
                r.at,
                r.actor_id,
                &r.actor,
                &r.action,
                &r.entity,
                r.entity_id,
                r.region_id,
                r.before_json.as_deref(),
                r.after_json.as_deref(),
            );
            if expected != r.hash {
                return Ok(broken(
                    "its content does not match its hash (the entry was edited)",
                ));
            }
            checked += 1;
            prev = r.hash;
            last_id = r.id;
        }
    }
}

/// Audit entries for auditors, oldest first; scoped by region like everything else.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    page: PageQuery,
) -> Result<Page<AuditEntry>, Error> {
    let scope = super::org::ScopeSql::load(conn, caller, Permission::AuditRead)?;
    if scope.is_empty() {
        return Err(Error::forbidden("reading the audit trail needs audit.read"));
    }
    let limit = page.limit();
    let mut q = audit_log::table
        .filter(audit_log::id.gt(page.after()))
        .order(audit_log::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if !scope.global {
        q = q.filter(audit_log::region_id.eq_any(scope.region_ids.clone()));
    }
    let rows: Vec<AuditRow> = q.load(conn)?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let entries = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: time(r.at),
            actor_id: r.actor_id,
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            region_id: r.region_id,
            before: parse(r.before_json),
            after: parse(r.after_json),
            hash: r.hash,
        })
        .collect();
    Ok(page_of(entries, limit, |e| e.id))
}

impl super::Services {
    /// Audit entries for an auditor, within their scope.
    pub async fn list_audit(
        &self,
        caller: &Caller,
        page: PageQuery,
    ) -> Result<Page<AuditEntry>, Error> {
        let caller = caller.clone();
        self.store.read(move |conn| list(conn, &caller, page)).await
    }

    /// Verifies the whole chain; needs audit.read.
    pub async fn verify_audit(&self, caller: &Caller) -> Result<AuditVerification, Error> {
        if !caller.has(Permission::AuditRead) {
            return Err(Error::forbidden(
                "verifying the audit trail needs audit.read",
            ));
        }
        self.store.read_heavy(verify).await
    }
}

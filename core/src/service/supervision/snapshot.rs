//! The engine's projection saved in storage and read back at start (the bytes are
//! `domain::supervision::snapshot`'s).
//!
//! A snapshot stands at an event: every case event up to `last_event` is in its clocks, and
//! the cards of every judgement it holds are stored (it is taken only after a batch's cards
//! were). It is read only under the layout, zone, calendar and rules it was computed with (the
//! fingerprint); the events after it are replayed, so a snapshot minutes or days old is as
//! good as a fresh one, only slower to catch up. Anything doubtful is a full rebuild.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::clock::Millis;
use crate::domain::calendar::Calendar;
use crate::domain::supervision::CompiledRule;
use crate::domain::supervision::projection::Projection;
use crate::domain::supervision::snapshot::{self, LAYOUT};
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{events, supervision_snapshot_chunks, supervision_snapshot_meta};

/// More events than this since a snapshot: a full rebuild is about as quick as the replay.
pub(super) const MAX_REPLAY: i64 = 200_000;

/// What a snapshot must have been computed under to be read back: the record layout, the
/// schema (a migration may change cases behind the engine), the zone, the calendar, the rules.
pub(super) fn fingerprint(rules: &[CompiledRule], cal: &Calendar, tz: chrono_tz::Tz) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "layout {LAYOUT}\nschema {}\nzone {}\n",
        crate::store::migrate::newest(),
        tz.name()
    ));
    for y in cal.covered_years() {
        h.update(format!("year {y}\n"));
    }
    for d in cal.listed_days() {
        h.update(format!("day {} {:?}\n", d.date, d.kind));
    }
    for r in rules {
        h.update(format!("rule {} {}\n", r.id, r.version));
    }
    hex::encode(h.finalize())
}

/// One event after the snapshot, as the engine routes it.
pub(super) struct Logged {
    pub entity: String,
    pub kind: String,
    pub entity_id: i64,
    pub payload: serde_json::Value,
}

/// A snapshot read back, with the events since.
pub(super) struct Restored {
    pub projection: Projection,
    pub last_event: i64,
    /// The log's head when read, and the events after the snapshot up to it.
    pub head: i64,
    pub events: Vec<Logged>,
    /// Each chunk's hash, as stored.
    pub written: Written,
}

/// The hashes of the chunks as last stored, so that a save writes only those that changed.
#[derive(Default)]
pub(super) struct Written {
    /// `None`: what is stored is unknown (after a rebuild), so a save replaces every chunk.
    hashes: Option<HashMap<i64, u64>>,
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// The entities whose every event the engine follows (see `engine::Pending::route`) …
const FOLLOWED: [&str; 4] = ["case", "risk_person", "supervision_rule", "calendar"];
/// … and the single kinds it follows of others (not the cards it opens and closes itself).
const FOLLOWED_KINDS: [&str; 2] = ["complaint.accepted", "anomaly.confirmed"];

/// Reads the snapshot if it was computed under `fingerprint` and is intact, with the events
/// after it; `None` when there is none, it does not match, or too much happened since.
pub(super) fn load(conn: &mut DbConn, fingerprint: &str) -> Result<Option<Restored>, Error> {
    let meta: Option<(i64, i64, String, i64)> = supervision_snapshot_meta::table
        .find(1)
        .select((
            supervision_snapshot_meta::layout,
            supervision_snapshot_meta::last_event,
            supervision_snapshot_meta::fingerprint,
            supervision_snapshot_meta::cases,
        ))
        .get_result(conn)
        .optional()?;
    let Some((layout, last_event, stored, cases)) = meta else {
        return Ok(None);
    };
    if layout != LAYOUT || stored != fingerprint {
        return Ok(None);
    }
    let head = log_head(conn)?;
    if head < last_event {
        // The log is behind the snapshot: not the database it was taken from.
        return Ok(None);
    }
    let Some(events) = followed_between(conn, last_event, head)? else {
        return Ok(None);
    };
    let chunks: Vec<(i64, Vec<u8>)> = supervision_snapshot_chunks::table
        .order(supervision_snapshot_chunks::chunk.asc())
        .select((
            supervision_snapshot_chunks::chunk,
            supervision_snapshot_chunks::body,
        ))
        .load(conn)?;
    // Sized by the bytes read, not by the meta row's count, which is only checked against them.
    let records = chunks.iter().map(|(_, b)| b.len()).sum::<usize>() / snapshot::RECORD;
    let said = usize::try_from(cases).ok();
    let projection = match snapshot::decode(chunks.iter().map(|(k, b)| (*k, b.as_slice())), records)
    {
        Ok(p) if Some(p.len()) == said => p,
        Ok(p) => {
            tracing::warn!(
                held = p.len(),
                said = cases,
                "the supervision snapshot lost cases; rebuilding"
            );
            return Ok(None);
        }
        Err(e) => {
            tracing::warn!(error = ?e, "the supervision snapshot is corrupt; rebuilding");
            return Ok(None);
        }
    };
    let written = Written {
        hashes: Some(chunks.iter().map(|(k, b)| (*k, hash_of(b))).collect()),
    };
    Ok(Some(Restored {
        projection,
        last_event,
        head,
        events,
        written,
    }))
}

/// The events the engine follows after `after`, up to the log's head now; `None` when they
/// are more than [`MAX_REPLAY`] (a rebuild is about as quick).
pub(super) fn followed_since(conn: &mut DbConn, after: i64) -> Result<Option<Vec<Logged>>, Error> {
    let head = log_head(conn)?;
    followed_between(conn, after, head)
}

fn log_head(conn: &mut DbConn) -> Result<i64, Error> {
    Ok(events::table
        .select(diesel::dsl::max(events::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0))
}

fn followed_between(
    conn: &mut DbConn,
    after: i64,
    head: i64,
) -> Result<Option<Vec<Logged>>, Error> {
    let rows: Vec<(String, String, i64, String)> = events::table
        .filter(events::id.gt(after))
        .filter(events::id.le(head))
        .filter(
            events::entity
                .eq_any(FOLLOWED)
                .or(events::kind.eq_any(FOLLOWED_KINDS)),
        )
        .order(events::id.asc())
        .limit(MAX_REPLAY + 1)
        .select((
            events::entity,
            events::kind,
            events::entity_id,
            events::payload,
        ))
        .load(conn)?;
    if i64::try_from(rows.len()).unwrap_or(i64::MAX) > MAX_REPLAY {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .map(|(entity, kind, entity_id, payload)| Logged {
                payload: serde_json::from_str(&payload).unwrap_or_default(),
                entity,
                kind,
                entity_id,
            })
            .collect(),
    ))
}

/// What a save writes: the chunks that changed, the ones gone, the meta row.
pub(super) struct Save {
    changed: Vec<(i64, Vec<u8>, u64)>,
    gone: Vec<i64>,
    /// Every chunk is written and whatever else is stored goes.
    replace: bool,
    last_event: i64,
    fingerprint: String,
    cases: i64,
}

impl Save {
    /// Chunks written.
    pub fn chunks(&self) -> usize {
        self.changed.len()
    }
}

impl Written {
    /// What to write to store `projection` as of `last_event`.
    pub(super) fn diff(
        &self,
        projection: &Projection,
        last_event: i64,
        fingerprint: String,
    ) -> Save {
        let chunks = snapshot::encode(projection);
        let (changed, gone) = match &self.hashes {
            Some(stored) => {
                let gone = stored
                    .keys()
                    .filter(|k| chunks.binary_search_by_key(*k, |(c, _)| *c).is_err())
                    .copied()
                    .collect();
                let changed = chunks
                    .into_iter()
                    .map(|(k, b)| {
                        let h = hash_of(&b);
                        (k, b, h)
                    })
                    .filter(|(k, _, h)| stored.get(k) != Some(h))
                    .collect();
                (changed, gone)
            }
            None => (
                chunks
                    .into_iter()
                    .map(|(k, b)| {
                        let h = hash_of(&b);
                        (k, b, h)
                    })
                    .collect(),
                Vec::new(),
            ),
        };
        Save {
            changed,
            gone,
            replace: self.hashes.is_none(),
            last_event,
            fingerprint,
            cases: i64::try_from(projection.len()).unwrap_or(i64::MAX),
        }
    }

    /// Records a save that was stored.
    pub(super) fn saved(&mut self, save: &Save) {
        let hashes = self.hashes.get_or_insert_with(HashMap::new);
        if save.replace {
            hashes.clear();
        }
        for k in &save.gone {
            hashes.remove(k);
        }
        for (k, _, h) in &save.changed {
            hashes.insert(*k, *h);
        }
    }
}

/// Stores a save, in one transaction: the chunks and the meta row move together.
pub(super) fn store(conn: &mut DbConn, save: &Save, now: Millis) -> Result<(), Error> {
    if save.replace {
        diesel::delete(supervision_snapshot_chunks::table).execute(conn)?;
    } else {
        let stale: Vec<i64> = save
            .gone
            .iter()
            .copied()
            .chain(save.changed.iter().map(|(k, _, _)| *k))
            .collect();
        for keys in stale.chunks(500) {
            diesel::delete(
                supervision_snapshot_chunks::table
                    .filter(supervision_snapshot_chunks::chunk.eq_any(keys)),
            )
            .execute(conn)?;
        }
    }
    for (chunk, body, _) in &save.changed {
        diesel::insert_into(supervision_snapshot_chunks::table)
            .values((
                supervision_snapshot_chunks::chunk.eq(chunk),
                supervision_snapshot_chunks::body.eq(body),
            ))
            .execute(conn)?;
    }
    let meta = (
        supervision_snapshot_meta::layout.eq(LAYOUT),
        supervision_snapshot_meta::last_event.eq(save.last_event),
        supervision_snapshot_meta::fingerprint.eq(&save.fingerprint),
        supervision_snapshot_meta::cases.eq(save.cases),
        supervision_snapshot_meta::saved_at.eq(now),
    );
    let updated = diesel::update(supervision_snapshot_meta::table.find(1))
        .set(meta)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(supervision_snapshot_meta::table)
            .values((supervision_snapshot_meta::id.eq(1), meta))
            .execute(conn)?;
    }
    Ok(())
}

//! Where the supervision engine stands in the event log.
//!
//! The engine learns of changed cases from the live event stream, which a node only hears while
//! it runs and leads. The cursor is the last event whose case's cards are stored; a rebuild
//! judges the cases of the events after it, so a case concluded while no engine listened (before
//! the first tick, during a change of leader, after the stream overflowed) still gets the cards
//! its conclusion earns (a fee charged against the catalogue, say).

use diesel::prelude::*;

use crate::clock::Millis;
use crate::domain::case::CaseStatus;
use crate::error::Error;
use crate::store::DbConn;
use crate::store::schema::{cases, events, supervision_cursor};

/// The last event judged (0 before the first).
pub(super) fn load(conn: &mut DbConn) -> Result<i64, Error> {
    Ok(supervision_cursor::table
        .find(1)
        .select(supervision_cursor::last_event)
        .get_result(conn)
        .optional()?
        .unwrap_or(0))
}

/// Moves the cursor (its row is the migration's); never back, so a slow writer cannot undo a
/// later one's progress.
pub(super) fn save(conn: &mut DbConn, last: i64, now: Millis) -> Result<(), Error> {
    diesel::update(
        supervision_cursor::table
            .find(1)
            .filter(supervision_cursor::last_event.le(last)),
    )
    .set((
        supervision_cursor::last_event.eq(last),
        supervision_cursor::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// The log's head, and the concluded cases with events after `after` up to it: those a rebuild
/// of the open cases alone would never judge.
pub(super) fn missed(conn: &mut DbConn, after: i64) -> Result<(i64, Vec<i64>), Error> {
    let head: i64 = events::table
        .select(diesel::dsl::max(events::id))
        .get_result::<Option<i64>>(conn)?
        .unwrap_or(0);
    if head <= after {
        return Ok((after, Vec::new()));
    }
    let ids: Vec<i64> = cases::table
        .filter(
            cases::id.eq_any(
                events::table
                    .filter(events::id.gt(after))
                    .filter(events::id.le(head))
                    .filter(events::entity.eq("case"))
                    .select(events::entity_id),
            ),
        )
        .filter(cases::status.ne_all(CaseStatus::OPEN))
        .select(cases::id)
        .order(cases::id.asc())
        .load(conn)?;
    Ok((head, ids))
}
